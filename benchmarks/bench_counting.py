"""Counting error of the built-in model on synthetic demo sequences (hand-run script, not pytest).

For each sequence, the same :class:`fairmot.counting.CountingSet` (lines and a zone) is fed (a) the
ground-truth tracks (exact by ``tests/test_counting.py``) and (b) the tracks of ``fairmot.Tracker``
with the built-in model; the script prints both counts and their difference. Run::

    python benchmarks/bench_counting.py [--frames 300] [--seeds 0 1 2]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from fairmot.counting import CountingSet
from fairmot.data.synthetic import SceneConfig, write_sequence
from fairmot.io import open_source
from fairmot.io.mot import read_mot_file

LINES = ["320,0,320,360", "0,250,640,250"]
ZONES = ["100,150,400,150,400,360,100,360"]


def _gt_frames(seq: Path, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    gt = read_mot_file(seq / "gt" / "gt.txt", min_columns=8)
    frames, ids, tlwh = gt.frames, gt.ids, gt.tlwh
    return [(ids[frames == t], tlwh[frames == t]) for t in range(1, n + 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--min-frames", type=int, nargs="+", default=[2, 5, 10])
    args = ap.parse_args()
    import fairmot

    totals = {m: {"gt": 0, "abs_err": 0} for m in args.min_frames}
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            seq = Path(tmp) / f"demo{seed}"
            write_sequence(seq, SceneConfig(n_frames=args.frames, n_people=12, speed=(1.5, 4.0)), seed=seed)
            gt = {m: CountingSet(LINES, ZONES, min_frames=m) for m in args.min_frames}
            gt_rows = {}
            for ids, tlwh in _gt_frames(seq, args.frames):
                gt_rows = {m: c.update(ids, tlwh) for m, c in gt.items()}
            src = open_source(seq)
            tracker = fairmot.Tracker(device="cpu", frame_rate=src.frame_rate)
            model = {m: CountingSet(LINES, ZONES, min_frames=m) for m in args.min_frames}
            model_rows = {}
            t0 = time.perf_counter()
            for frame in src:
                tracks = tracker.update(frame)
                model_rows = {m: c.update(tracks) for m, c in model.items()}
            dt = time.perf_counter() - t0
        header = next(iter(gt.values())).header()
        names = [h for h in header[1:] if not h.endswith("_occupancy")]  # cumulative columns
        print(f"seed {seed}: {args.frames} frames, {args.frames / dt:.1f} frames/s")
        for m in args.min_frames:
            for name in names:
                i = header.index(name)
                err = model_rows[m][i] - gt_rows[m][i]
                totals[m]["gt"] += gt_rows[m][i]
                totals[m]["abs_err"] += abs(err)
                print(f"  min_frames {m:2d} {name:<12} ground truth {gt_rows[m][i]:4d}   "
                      f"built-in model {model_rows[m][i]:4d}   error {err:+d}")
    for m, tot in totals.items():
        print(f"min_frames {m:2d}: sum of |error| {tot['abs_err']} over {tot['gt']} ground-truth counts "
              f"({100.0 * tot['abs_err'] / max(1, tot['gt']):.1f}%)")


if __name__ == "__main__":
    main()
