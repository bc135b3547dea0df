"""``fairmot track`` with many sources (``SRC SRC ...`` / ``--sources``, ``--output-dir``, ``--batch``)
and sharding over processes (``torchrun ... -m fairmot track``: RANK / WORLD_SIZE)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("cv2")

from fairmot import cli  # noqa: E402
from fairmot.cli.track_many import output_name, read_source_list, shard  # noqa: E402

#: (width, height, fps, frames) of the four test sequences: different sizes, rates and lengths
SEQS = [(640, 360, 30, 5), (480, 400, 30, 6), (800, 300, 15, 7), (320, 240, 25, 4)]


@pytest.fixture(scope="module")
def sequences(tmp_path_factory) -> list[Path]:
    from fairmot.data.synthetic import SceneConfig, write_sequence

    root = tmp_path_factory.mktemp("many")
    paths = []
    for k, (w, h, fps, n) in enumerate(SEQS):
        write_sequence(root / f"seq{k}", SceneConfig(width=w, height=h, n_frames=n, fps=fps), seed=500 + k)
        paths.append(root / f"seq{k}")
    return paths


@pytest.fixture(scope="module")
def source_list(sequences) -> Path:
    path = sequences[0].parent / "list.txt"
    path.write_text("# the four test sequences\n\n" + "\n".join(str(p) for p in sequences) + "\n")
    return path


@pytest.fixture(scope="module")
def single_runs(sequences, tmp_path_factory) -> list[bytes]:
    """Each sequence tracked by the single-source command (one thread: the reference bytes)."""
    out = tmp_path_factory.mktemp("single")
    result = []
    for k, seq in enumerate(sequences):
        path = out / f"{k}.txt"
        assert cli.main(["--threads", "1", "track", str(seq), "--device", "cpu", "-q", "--output-txt", str(path)]) == 0
        result.append(path.read_bytes())
    return result


def _names(sequences) -> list[str]:
    return [f"{k:03d}_seq{k}" for k in range(len(sequences))]


def test_output_name_and_source_list(tmp_path):
    (tmp_path / "MOT17-02").mkdir()
    assert output_name(0, str(tmp_path / "MOT17-02") + "/", 4) == "000_MOT17-02"
    assert output_name(3, "videos/cam 1.mp4", 4) == "003_cam_1"
    assert output_name(12, "0", 1500) == "0012_camera0"
    d = tmp_path / "seq.v2"
    d.mkdir()
    assert output_name(1, str(d), 2) == "001_seq.v2"  # a folder keeps its full name
    listing = tmp_path / "l.txt"
    listing.write_text("a.mp4\n  # comment\n\n b.mp4 \n")
    assert read_source_list(str(listing)) == ["a.mp4", "b.mp4"]
    listing.write_text("# nothing\n")
    with pytest.raises(ValueError, match="lists no source"):
        read_source_list(str(listing))
    with pytest.raises(FileNotFoundError, match="--sources"):
        read_source_list(str(tmp_path / "missing.txt"))


def test_shard_positions():
    assert shard(4, {}) == ([0, 1, 2, 3], 0, 1)
    assert shard(5, {"RANK": "1", "WORLD_SIZE": "2"}) == ([1, 3], 1, 2)
    assert shard(1, {"RANK": "2", "WORLD_SIZE": "3"}) == ([], 2, 3)
    covered = sorted(i for r in range(3) for i in shard(7, {"RANK": str(r), "WORLD_SIZE": "3"})[0])
    assert covered == list(range(7))
    with pytest.raises(ValueError, match="RANK"):
        shard(4, {"RANK": "2", "WORLD_SIZE": "2"})
    with pytest.raises(ValueError, match="integers"):
        shard(4, {"RANK": "x", "WORLD_SIZE": "2"})


def test_many_sources_one_after_another_equal_single_runs(sequences, single_runs, tmp_path, capsys):
    out = tmp_path / "out"
    rc = cli.main(["--threads", "1", "track", *map(str, sequences[:2]), "--device", "cpu", "-q",
                   "--output-dir", str(out), "--save-video"])
    assert rc == 0
    names = _names(sequences)[:2]
    assert sorted(p.name for p in out.iterdir()) == sorted([n + ".txt" for n in names] + [n + ".mp4" for n in names])
    for k, name in enumerate(names):
        assert (out / f"{name}.txt").read_bytes() == single_runs[k]
        assert (out / f"{name}.mp4").stat().st_size > 0
    assert "000_seq0: 5 frames" in capsys.readouterr().out


def _read(path: Path) -> np.ndarray:
    return np.loadtxt(path, delimiter=",", ndmin=2)


def test_batch_equals_single_runs_within_rounding(sequences, source_list, single_runs, tmp_path):
    out = tmp_path / "batch"
    rc = cli.main(["--threads", "1", "track", "--sources", str(source_list), "--batch", "--device", "cpu", "-q",
                   "--output-dir", str(out)])
    assert rc == 0
    for k, name in enumerate(_names(sequences)):
        ref_path = tmp_path / f"ref{k}.txt"
        ref_path.write_bytes(single_runs[k])
        got, ref = _read(out / f"{name}.txt"), _read(ref_path)
        assert got.shape == ref.shape and len(ref) > 0
        np.testing.assert_array_equal(got[:, :2], ref[:, :2])  # frame, id: same tracks in the same order
        np.testing.assert_allclose(got[:, 2:6], ref[:, 2:6], rtol=1e-4, atol=1e-3)


def test_max_batch_gives_the_batch_results(sequences, source_list, tmp_path):
    """--max-batch splits a step's frames over several network calls; the tracks equal the one-call batch's."""
    runs = {}
    for label, extra in (("one_call", []), ("pairs", ["--max-batch", "2"])):
        out = tmp_path / label
        assert cli.main(["--threads", "1", "track", "--sources", str(source_list), "--batch", "--device", "cpu",
                         "-q", "--output-dir", str(out), *extra]) == 0
        runs[label] = out
    for name in _names(sequences):
        got, ref = _read(runs["pairs"] / f"{name}.txt"), _read(runs["one_call"] / f"{name}.txt")
        assert got.shape == ref.shape and len(ref) > 0
        np.testing.assert_array_equal(got[:, :2], ref[:, :2])
        np.testing.assert_allclose(got[:, 2:6], ref[:, 2:6], rtol=1e-4, atol=1e-3)


def test_counting_per_source_equals_single_source_counts(sequences, tmp_path, capsys):
    """--count-line / --zone with several sources: one counts file per source, each equal to what the
    single-source command writes for that source."""
    counting = ["--count-line", "0,150,800,150", "--zone", "0,0,200,0,200,300,0,300"]
    out = tmp_path / "many"
    assert cli.main(["--threads", "1", "track", *map(str, sequences[:2]), "--device", "cpu", "-q",
                     "--output-dir", str(out), *counting]) == 0
    assert "line1 in/out" in capsys.readouterr().out
    for k, name in enumerate(_names(sequences)[:2]):
        single = tmp_path / f"single{k}.csv"
        assert cli.main(["--threads", "1", "track", str(sequences[k]), "--device", "cpu", "-q", "--output-txt",
                         str(tmp_path / f"s{k}.txt"), "--counts-csv", str(single), *counting]) == 0
        assert (out / f"{name}_counts.csv").read_bytes() == single.read_bytes()
        assert len(single.read_text().splitlines()) == SEQS[k][3] + 1


@pytest.mark.parametrize("argv, message", [
    (["a.mp4", "b.mp4", "--output-dir", "X", "--max-batch", "2"], "needs --batch"),
    (["a.mp4", "b.mp4", "--output-dir", "X", "--count-line", "0,0,9,9", "--counts-csv", "c.csv"],
     "drop --counts-csv"),
    (["a.mp4", "b.mp4"], "need --output-dir"),
    (["a.mp4", "b.mp4", "--output-dir", "X", "--output-video", "v.mp4"], "--save-video"),
    ([], "no source"),
])
def test_many_sources_errors(argv, message, capsys, tmp_path):
    argv = [a.replace("X", str(tmp_path / "o")) for a in argv]
    assert cli.main(["track", *argv, "--device", "cpu", "-q"]) == 1
    assert message in capsys.readouterr().err


def test_torchrun_two_processes_union_equals_single_run(sequences, source_list, single_runs, tmp_path):
    """Two CPU processes under torchrun (torch.distributed.run) shard the four sequences; the
    union of their files equals the single-process results byte for byte (one CPU thread per
    process in both, as float summation order depends on the thread count)."""
    out = tmp_path / "sharded"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "FAIRMOT_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "fairmot", "track", "--sources", str(source_list), "--output-dir", str(out), "--device", "cpu",
           "-q"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    names = _names(sequences)
    assert sorted(p.name for p in out.iterdir()) == sorted(n + ".txt" for n in names)
    for k, name in enumerate(names):
        assert (out / f"{name}.txt").read_bytes() == single_runs[k], name
    assert proc.stdout.count(" frames, ") == 4  # each source tracked once, by one of the ranks
