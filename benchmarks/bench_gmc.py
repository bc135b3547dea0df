"""Per-frame cost and accuracy of camera-motion estimation (fairmot.tracking.GMC) on 1920x1080 frames, one
OpenCV thread.

Budget for ``sparse``: < 4 ms per frame on one core. Frames are a blurred random texture moved by a known
shift and small rotation each frame, so every estimate is checked against the truth (the largest error,
in full-resolution pixels, of where the estimate sends the frame's corners and centre).

Rows, measured in interleaved rounds (each frame goes through every method before the next frame, so
machine load affects them alike):

* ``sparse``: the package's estimator (colour frame shrunk with INTER_LINEAR then converted to grey;
  100 corners, re-searched only when fewer than half survive; 15x15 LK window, 2 pyramid levels);
* ``sparse (first version)``: the first implementation, kept here as the baseline: grey conversion at full
  resolution, INTER_AREA shrink, 200 corners searched on every frame, OpenCV's default LK (21x21, 3 levels);
* ``ecc``: the package's ECC estimator (euclidean).

Usage: ``python benchmarks/bench_gmc.py [--frames N] [--downscale D]``.
"""
from __future__ import annotations

import argparse
import os
import time

import cv2
import numpy as np

from fairmot.tracking.gmc import GMC

CROP = (240, 260)  # x0, y0 of the 1920x1080 crop inside the 2400x1600 texture


def _motion(k: int) -> np.ndarray:
    """3x3 texture motion of frame k (rotation about the texture centre, then a shift)."""
    A = cv2.getRotationMatrix2D((1200, 800), 0.2 * np.sin(k), 1.0)
    A[:, 2] += (3.0 * k, 1.5 * k)
    return np.vstack([A, [0.0, 0.0, 1.0]])


def true_affine(k: int) -> np.ndarray:
    """Frame k-1 -> frame k, in crop (frame) pixels."""
    M = _motion(k) @ np.linalg.inv(_motion(k - 1))
    o = np.array(CROP, dtype=np.float64)
    A = M[:2].copy()
    A[:, 2] = M[:2, :2] @ o + M[:2, 2] - o
    return A


def make_frames(n: int, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    base = cv2.GaussianBlur(cv2.resize(rng.integers(0, 256, (200, 300), dtype=np.uint8), (2400, 1600),
                                       interpolation=cv2.INTER_CUBIC), (5, 5), 1.0)
    frames = []
    x0, y0 = CROP
    for i in range(n):
        w = cv2.warpAffine(base, _motion(i)[:2], (2400, 1600))[y0:y0 + 1080, x0:x0 + 1920]
        frames.append(cv2.cvtColor(w, cv2.COLOR_GRAY2BGR))
    return frames


class FirstSparse:
    """The first sparse implementation (baseline): full-resolution grey conversion, INTER_AREA shrink,
    200 corners on every frame, OpenCV's default pyramidal LK, RANSAC similarity, translation times d."""

    def __init__(self, downscale: int) -> None:
        self.d = downscale
        self.prev = None
        self.pts = None

    def apply(self, frame: np.ndarray) -> np.ndarray:
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        h, w = grey.shape
        grey = cv2.resize(grey, (w // self.d, h // self.d), interpolation=cv2.INTER_AREA)
        A = None
        if self.prev is not None and self.pts is not None and len(self.pts) >= 4:
            nxt, st, _ = cv2.calcOpticalFlowPyrLK(self.prev, grey, self.pts, None)
            ok = st.reshape(-1) == 1
            if ok.sum() >= 4:
                A, _ = cv2.estimateAffinePartial2D(self.pts[ok], nxt[ok], method=cv2.RANSAC)
        self.pts = cv2.goodFeaturesToTrack(grey, maxCorners=200, qualityLevel=0.01, minDistance=8, blockSize=3)
        self.prev = grey
        if A is None:
            return np.eye(2, 3)
        A = A.copy()
        A[:, 2] *= self.d
        return A


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--downscale", type=int, default=4)
    args = ap.parse_args()
    cv2.setNumThreads(1)
    frames = make_frames(args.frames)
    methods = {"sparse": GMC("sparse", args.downscale), "sparse (first version)": FirstSparse(args.downscale),
               "ecc": GMC("ecc", args.downscale)}
    times: dict[str, list[float]] = {m: [] for m in methods}
    errors: dict[str, list[float]] = {m: [] for m in methods}
    pts = np.array([[0, 0], [1919, 0], [0, 1079], [1919, 1079], [960, 540]], dtype=np.float64)
    for k, f in enumerate(frames):
        for m, g in methods.items():
            t = time.perf_counter()
            A = g.apply(f)
            times[m].append(time.perf_counter() - t)
            if k > 0:
                T = true_affine(k)
                errors[m].append(float(np.abs(pts @ A[:, :2].T + A[:, 2] - (pts @ T[:, :2].T + T[:, 2])).max()))
    base = float(np.median(times["sparse (first version)"][1:]))
    print(f"1920x1080, downscale {args.downscale}, 1 OpenCV thread, {len(frames) - 1} frames, "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| method | median ms/frame | mean ms/frame | time / first sparse | max error px | median error px |")
    print("|---|---|---|---|---|---|")
    for m in methods:
        ts = np.array(times[m][1:])  # the first frame only stores the frame
        print(f"| {m} | {1e3 * np.median(ts):.2f} | {1e3 * ts.mean():.2f} | {np.median(ts) / base:.2f} | "
              f"{max(errors[m]):.3f} | {np.median(errors[m]):.3f} |")


if __name__ == "__main__":
    main()
