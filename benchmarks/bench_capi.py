"""Per-update cost of the C ABI vs the C++ core vs the Python binding, on one stream.

    python benchmarks/bench_capi.py [--repeats 7] [--objects 30] [--frames 300]

Builds benchmarks/capi_bench.cpp against the installed package (``python -m fairmot.info
--include-dir / --library-dir``: libfairmot and the static core) with -O2, then times on the same
seeded ``make_stream(0, n_objects=30)`` stream (``mot17`` of benchmarks/RESULTS.md: ~25 detections
per frame, 1920x1080, 128-d float32 embeddings):

* C++ core: ``fairmot::JDETracker::update`` with the inputs already converted (the floor);
* C ABI: ``fairmot_tracker_update`` from float32 arrays + ``fairmot_tracks_free`` (from C++);
* Python binding: ``fairmot.tracking.JDETracker.update`` with float32 numpy arrays;
* ctypes: the examples/python_ctypes wrapper (argument marshalling + numpy copies of the output).

Each method runs the whole stream with a fresh tracker per repeat; frames after the first 10 are
timed one by one and summed; the table gives the best repeat's mean per frame, and the same for an
empty frame (the fixed per-call cost). Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from streams import make_stream  # noqa: E402

import fairmot.tracking as tracking  # noqa: E402
from fairmot import info  # noqa: E402

WARMUP = 10


def _write_stream(path: Path, frames) -> None:
    dim = frames[0][2].shape[1]
    with path.open("wb") as fh:
        np.array([len(frames), dim], np.int64).tofile(fh)
        for b, s, e in frames:
            np.array([len(s)], np.int64).tofile(fh)
            for a in (b, s, e.reshape(len(s), dim)):
                np.ascontiguousarray(a, dtype=np.float32).tofile(fh)


def _time_python(make, frames, repeats: int):
    best, best_empty = float("inf"), float("inf")
    dim = frames[0][2].shape[1]
    empty = (np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, dim), np.float32))
    for _ in range(repeats):
        trk = make()
        total = 0
        for k, f in enumerate(frames):
            a = time.perf_counter_ns()
            trk.update(*f)
            z = time.perf_counter_ns()
            if k >= WARMUP:
                total += z - a
        best = min(best, total / (len(frames) - WARMUP))
        for _ in range(200):
            a = time.perf_counter_ns()
            trk.update(*empty)
            best_empty = min(best_empty, time.perf_counter_ns() - a)
    return best, best_empty


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--objects", type=int, default=30)
    parser.add_argument("--frames", type=int, default=300)
    args = parser.parse_args()
    cxx = shutil.which("c++") or shutil.which("g++")
    if cxx is None:
        print("no C++ compiler", file=sys.stderr)
        return 1
    frames = [tuple(np.ascontiguousarray(a, dtype=np.float32) for a in f)
              for f in make_stream(0, n_frames=args.frames, n_objects=args.objects)]
    inc, lib = info.native_dir("include"), info.native_dir("library")
    with tempfile.TemporaryDirectory() as tmp:
        stream, exe = Path(tmp) / "stream.bin", Path(tmp) / "capi_bench"
        _write_stream(stream, frames)
        subprocess.run([cxx, "-std=c++17", "-O2", f"-I{inc}", str(ROOT / "benchmarks" / "capi_bench.cpp"), "-o",
                        str(exe), f"-L{lib}", "-lfairmot", str(lib / "libfairmot_tracker.a"), f"-Wl,-rpath,{lib}"],
                       check=True)
        native = json.loads(subprocess.run([str(exe), str(stream), str(args.repeats), str(WARMUP)], check=True,
                                           capture_output=True, text=True).stdout)
    spec = importlib.util.spec_from_file_location("track_ctypes", ROOT / "examples/python_ctypes/track_ctypes.py")
    tc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tc)
    ctlib = tc.load(str(info.library_path()))
    py, py_empty = _time_python(tracking.JDETracker, frames, args.repeats)
    ct, ct_empty = _time_python(lambda: tc.Tracker(ctlib), frames, args.repeats)
    dets = np.mean([len(f[1]) for f in frames[WARMUP:]])
    core = native["core_ns"]
    rows = [("C++ core (`fairmot::JDETracker::update`, inputs prepared)", core, native["core_empty_ns"]),
            ("C ABI (`fairmot_tracker_update` + `fairmot_tracks_free`, from C++)", native["capi_ns"],
             native["capi_empty_ns"]),
            ("Python binding (`fairmot.tracking.JDETracker.update`, float32)", py, py_empty),
            ("ctypes (examples/python_ctypes `Tracker.update`)", ct, ct_empty)]
    print(f"stream: make_stream(0, n_objects={args.objects}), {native['frames_timed']} frames timed, "
          f"{dets:.1f} detections / frame, best of {args.repeats}\n")
    print("| path | per frame | vs core | overhead vs core | empty frame |")
    print("|---|---:|---:|---:|---:|")
    for name, t, e in rows:
        print(f"| {name} | {t / 1e3:.2f} us | {t / core:.3f}x | {(t - core) / 1e3:+.2f} us | {e / 1e3:.2f} us |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
