"""Per-frame cost of camera-motion estimation (fairmot.tracking.gmc) on 1920x1080 frames, one OpenCV thread.

Budget for ``sparse``: < 4 ms per frame. Frames are a blurred random texture shifted/rotated a little each frame.
Usage: ``python benchmarks/bench_gmc.py [--frames N] [--downscale D]``. Prints the median ms per frame for each
method, interleaving methods so machine load affects them alike.
"""
from __future__ import annotations

import argparse
import time

import cv2
import numpy as np

from fairmot.tracking.gmc import GMC


def make_frames(n: int, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    base = cv2.GaussianBlur(cv2.resize(rng.integers(0, 256, (200, 300), dtype=np.uint8), (2400, 1600),
                                       interpolation=cv2.INTER_CUBIC), (5, 5), 1.0)
    frames = []
    for i in range(n):
        A = cv2.getRotationMatrix2D((1200, 800), 0.2 * np.sin(i), 1.0)
        A[:, 2] += (3.0 * i, 1.5 * i)
        w = cv2.warpAffine(base, A, (2400, 1600))[260:1340, 240:2160]
        frames.append(cv2.cvtColor(w, cv2.COLOR_GRAY2BGR))
    return frames


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--downscale", type=int, default=2)
    args = ap.parse_args()
    cv2.setNumThreads(1)
    frames = make_frames(args.frames)
    methods = {"sparse": GMC("sparse", args.downscale), "ecc": GMC("ecc", args.downscale)}
    times = {m: [] for m in methods}
    for f in frames:
        for m, g in methods.items():
            t = time.perf_counter()
            g.apply(f)
            times[m].append(time.perf_counter() - t)
    for m, ts in times.items():
        ts = ts[1:]  # the first frame only finds corners / stores the frame
        print(f"{m:7s} downscale={args.downscale}: median {1e3 * np.median(ts):.2f} ms/frame, "
              f"min {1e3 * np.min(ts):.2f} ms (1920x1080, 1 thread, {len(ts)} frames)")


if __name__ == "__main__":
    main()
