"""What the opt-in identity options cost the association (JDETracker.update), per frame.

Settings, each a fresh tracker over the same pedestrian-like detection stream (tests/streams.py
``make_stream``: ~25 detections per frame, occlusions up to 120 frames so the re-id gallery fills):

* ``official``: ``JDETracker()``;
* ``+reid``: ``JDETracker(reid_buffer=300)``;
* ``+warp``: ``update(..., warp=A)`` with a small random camera motion every frame;
* ``+reid +warp``: both.

Rounds are interleaved (one whole stream per setting, settings in turn, ``--rounds`` times) and the
table reports the median per-frame time and the ratio to ``official``. The camera-motion *estimate*
(``fairmot.tracking.GMC``) is measured separately by bench_gmc.py.

Usage: ``python benchmarks/bench_identity_cost.py [--frames N] [--rounds R]``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fairmot.tracking import JDETracker  # noqa: E402
from streams import make_stream  # noqa: E402


def run(frames, warps, reid: bool, warp: bool) -> tuple[float, int]:
    trk = JDETracker(reid_buffer=300 if reid else 0)
    t0 = time.perf_counter()
    for (b, s, e), A in zip(frames, warps):
        trk.update(b, s, e, warp=A if warp else None)
    return (time.perf_counter() - t0) / len(frames), trk.gallery_size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=1500)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    frames = make_stream(7, n_frames=args.frames, n_objects=30, max_gap=120, occlusion_rate=0.02)
    rng = np.random.default_rng(0)
    warps = []
    for _ in frames:
        a = np.deg2rad(rng.uniform(-0.3, 0.3))
        warps.append(np.array([[np.cos(a), -np.sin(a), rng.uniform(-3, 3)], [np.sin(a), np.cos(a), rng.uniform(-3, 3)]]))
    settings = {"official": (False, False), "+reid": (True, False), "+warp": (False, True), "+reid +warp": (True, True)}
    times: dict[str, list[float]] = {k: [] for k in settings}
    gallery = {}
    for _ in range(args.rounds):
        for name, (reid, warp) in settings.items():
            t, g = run(frames, warps, reid, warp)
            times[name].append(t)
            gallery[name] = g
    dets = np.mean([len(f[1]) for f in frames])
    base = float(np.median(times["official"]))
    print(f"{len(frames)} frames, {dets:.1f} detections per frame, {args.rounds} interleaved rounds, "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| setting | median us/frame | time / official | gallery entries at the end |")
    print("|---|---|---|---|")
    for name in settings:
        med = float(np.median(times[name]))
        print(f"| {name} | {1e6 * med:.1f} | {med / base:.3f} | {gallery[name]} |")


if __name__ == "__main__":
    main()
