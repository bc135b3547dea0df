"""The C++ core used from C++ alone: build examples/cpp against fairmot::tracker
with CMake, track a stream written to a text file, and compare with the Python API."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import fairmot.tracking as tracking  # noqa: E402

from streams import make_stream  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CMAKE = shutil.which("cmake")


@pytest.fixture(scope="module")
def track_stream_exe(tmp_path_factory):
    if CMAKE is None:
        pytest.skip("cmake not found")
    build = tmp_path_factory.mktemp("cpp-example")
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run([CMAKE, "-S", str(ROOT / "examples" / "cpp"), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release", *gen],
                   check=True, capture_output=True, text=True)
    subprocess.run([CMAKE, "--build", str(build), "-j", "2"], check=True, capture_output=True, text=True)
    exe = build / "track_stream"
    assert exe.exists()
    return exe


def _write_stream(path: Path, frames) -> None:
    with path.open("w") as fh:
        fh.write("# frame x1 y1 x2 y2 score embedding...\n")
        for t, (boxes, scores, emb) in enumerate(frames, start=1):
            for b, s, e in zip(boxes, scores, emb):
                fh.write(f"{t} " + " ".join(f"{float(v):.17g}" for v in (*b, s)) + " "
                         + " ".join(f"{v:.9g}" for v in e.astype(np.float32)) + "\n")


def test_cpp_program_tracks_a_stream_like_the_python_api(track_stream_exe, tmp_path):
    frames = [(b.astype(np.float64), s.astype(np.float64), e) for b, s, e in
              make_stream(3, n_frames=120, n_objects=12)]
    frames[40] = (np.zeros((0, 4)), np.zeros(0), np.zeros((0, 128), np.float32))  # a frame with no detections
    det_file = tmp_path / "dets.txt"
    _write_stream(det_file, frames)
    out = subprocess.run([str(track_stream_exe), str(det_file)], check=True, capture_output=True, text=True).stdout
    rows = np.array([[float(v) for v in line.split(",")] for line in out.splitlines()])

    trk = tracking.JDETracker()
    expected = []
    for t, f in enumerate(frames, start=1):
        r = trk.update(*f)
        for k in range(len(r)):
            expected.append([t, r.ids[k], *r.tlwh[k], r.scores[k]])
    expected = np.array(expected)
    assert rows.shape[0] == expected.shape[0] > 0
    np.testing.assert_array_equal(rows[:, :2], expected[:, :2])
    np.testing.assert_allclose(rows[:, 2:7], expected[:, 2:7], rtol=1e-12)
    np.testing.assert_array_equal(rows[:, 7:], -1)


def test_cpp_program_reports_bad_input(track_stream_exe, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("1 0 0 10 10\n")
    proc = subprocess.run([str(track_stream_exe), str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2 and "expected" in proc.stderr
    proc = subprocess.run([str(track_stream_exe), str(tmp_path / "missing.txt")], capture_output=True, text=True)
    assert proc.returncode == 2 and "cannot open" in proc.stderr
