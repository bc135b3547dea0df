"""Global (camera) motion estimation between consecutive frames (opt-in; the official tracker has none).

A :class:`GMC` estimator is fed one frame at a time and returns a 2x3 float64 affine ``A`` that maps
pixel coordinates of the *previous* frame to the *current* frame (``p_cur = A[:, :2] @ p_prev + A[:, 2]``),
in full-resolution pixels. The first frame (and any frame where estimation fails) gives the identity.

Methods:

* ``"none"``: always the identity (no cost).
* ``"sparse"``: Shi-Tomasi corners (``cv2.goodFeaturesToTrack``) on a downscaled grey frame, tracked with
  pyramidal Lucas-Kanade (``cv2.calcOpticalFlowPyrLK``, 15x15 window, 2 pyramid levels), a RANSAC similarity
  fit (``cv2.estimateAffinePartial2D``: rotation + uniform scale + translation). The RANSAC inliers, where
  they land in the current frame, are the next frame's points; corners are searched again only when fewer
  than half of ``max_corners`` survive (the corner search is the most expensive step).
* Downscaling: the colour frame is shrunk first (``INTER_LINEAR``) and then converted to grey, the cheapest
  order (measured in benchmarks/RESULTS.md); the estimate is mapped back to full-resolution pixels exactly
  (conjugation by the resize's pixel mapping).
* ``"ecc"``: ``cv2.findTransformECC`` (``MOTION_EUCLIDEAN`` by default, or ``MOTION_AFFINE``) on a
  downscaled grey frame.

``JDETracker.update(..., warp=A)`` applies the estimate to the tracks' Kalman states; ``fairmot.Tracker(gmc=...)``
runs both.
"""
from __future__ import annotations

import logging
from typing import Optional

import numpy as np

from ..config import TrackerConfig

log = logging.getLogger(__name__)

METHODS = ("none", "sparse", "ecc")


def _identity() -> np.ndarray:
    return np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float64)


class GMC:
    """Stateful frame-to-frame camera motion estimator.

    Args:
        method: ``"none"``, ``"sparse"`` or ``"ecc"``.
        downscale: integer factor (>= 1) the frame is shrunk by before estimation (default: the tracker's,
            ``TrackerConfig.gmc_downscale``).
        ecc_motion: ``"euclidean"`` or ``"affine"`` (only for ``method="ecc"``).
        max_corners: corner budget for ``"sparse"``.
    """

    def __init__(self, method: str = "sparse", downscale: int = TrackerConfig.gmc_downscale,
                 ecc_motion: str = TrackerConfig.gmc_ecc_motion, max_corners: int = TrackerConfig.gmc_max_corners) -> None:
        if not isinstance(method, str) or method not in METHODS:
            raise ValueError(f"gmc method must be one of {METHODS}, got {method!r}")
        if isinstance(downscale, bool) or not isinstance(downscale, (int, np.integer)) or downscale < 1:
            raise ValueError(f"gmc downscale must be an integer >= 1, got {downscale!r}")
        if ecc_motion not in ("euclidean", "affine"):
            raise ValueError(f"gmc ecc_motion must be 'euclidean' or 'affine', got {ecc_motion!r}")
        if isinstance(max_corners, bool) or not isinstance(max_corners, (int, np.integer)) or max_corners < 4:
            raise ValueError(f"gmc max_corners must be an integer >= 4, got {max_corners!r}")
        self.method = method
        self.downscale = int(downscale)
        self.ecc_motion = ecc_motion
        self.max_corners = int(max_corners)
        self._prev: Optional[np.ndarray] = None
        self._prev_pts: Optional[np.ndarray] = None
        self._shape: Optional[tuple] = None

    @property
    def frame_size(self) -> Optional[tuple]:
        """(H, W) of the frames seen since the last reset, None before the first."""
        return None if self._shape is None else tuple(self._shape)

    def reset(self) -> None:
        """Forget the previous frame (the next :meth:`apply` returns the identity)."""
        self._prev = None
        self._prev_pts = None
        self._shape = None

    def _grey(self, frame: np.ndarray) -> np.ndarray:
        """The downscaled grey frame: the colour frame is shrunk first, then converted (cheapest order)."""
        import cv2
        if not isinstance(frame, np.ndarray):
            raise TypeError(f"gmc frame must be a numpy array, got {type(frame).__name__}")
        if not (frame.ndim == 2 or (frame.ndim == 3 and frame.shape[2] == 3)):
            raise ValueError(f"gmc frame must be HxW or HxWx3, got shape {frame.shape}")
        if frame.shape[0] < 16 or frame.shape[1] < 16:
            raise ValueError(f"gmc frame is too small: {frame.shape}")
        if frame.dtype != np.uint8:
            raise ValueError(f"gmc frame must be uint8, got {frame.dtype}")
        small = np.ascontiguousarray(frame)
        if self.downscale > 1:
            h, w = frame.shape[:2]
            size = (max(1, w // self.downscale), max(1, h // self.downscale))
            small = cv2.resize(small, size, interpolation=cv2.INTER_LINEAR)
        return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small

    def apply(self, frame: np.ndarray) -> np.ndarray:
        """Estimate the motion from the previous frame to ``frame``.

        Args:
            frame: ``(H, W, 3)`` BGR or ``(H, W)`` grey uint8 image, full resolution.

        Returns:
            ``(2, 3)`` float64 affine, previous -> current, full-resolution pixels.
        """
        if self.method == "none":
            return _identity()
        if self._shape is not None and isinstance(frame, np.ndarray) and self._shape != frame.shape[:2]:
            raise ValueError(f"gmc frame size changed from {self._shape} to {frame.shape[:2]}")
        grey = self._grey(frame)
        self._shape = frame.shape[:2]
        prev, self._prev = self._prev, grey
        if prev is None:
            if self.method == "sparse":
                self._prev_pts = self._corners(grey)
            return _identity()
        A = self._sparse(prev, grey) if self.method == "sparse" else self._ecc(prev, grey)
        if A is None or not np.all(np.isfinite(A)):
            log.debug("gmc: estimation failed, using identity")
            return _identity()
        return self._to_full_resolution(np.asarray(A, dtype=np.float64), grey.shape)

    def _to_full_resolution(self, A: np.ndarray, small_shape: tuple) -> np.ndarray:
        """``A`` between downscaled frames -> between full frames: ``T A T^-1`` with ``T`` the resize's pixel
        mapping (OpenCV: ``x_full = s_x * (x_small + 0.5) - 0.5``, ``s_x = W / w``)."""
        h, w = self._shape
        sx, sy = w / small_shape[1], h / small_shape[0]
        T = np.array([[sx, 0.0, 0.5 * sx - 0.5], [0.0, sy, 0.5 * sy - 0.5], [0.0, 0.0, 1.0]])
        A3 = np.vstack([A, [0.0, 0.0, 1.0]])
        return (T @ A3 @ np.linalg.inv(T))[:2].copy()

    def _corners(self, grey: np.ndarray) -> Optional[np.ndarray]:
        import cv2
        return cv2.goodFeaturesToTrack(grey, maxCorners=self.max_corners, qualityLevel=0.01, minDistance=8,
                                       blockSize=3, useHarrisDetector=False, k=0.04)

    def _sparse(self, prev: np.ndarray, cur: np.ndarray) -> Optional[np.ndarray]:
        import cv2
        prev_pts = self._prev_pts
        self._prev_pts = None
        if prev_pts is None or len(prev_pts) < 4:
            self._prev_pts = self._corners(cur)
            return None
        nxt, status, _ = cv2.calcOpticalFlowPyrLK(prev, cur, prev_pts, None, winSize=(15, 15), maxLevel=2)
        ok = status.reshape(-1) == 1
        A = None
        if ok.sum() >= 4:
            A, inliers = cv2.estimateAffinePartial2D(prev_pts[ok], nxt[ok], method=cv2.RANSAC)
            if A is not None and inliers is not None:
                kept = nxt[ok][inliers.reshape(-1) == 1]
                h, w = cur.shape
                inside = ((kept[:, 0, 0] >= 0) & (kept[:, 0, 0] < w) & (kept[:, 0, 1] >= 0) & (kept[:, 0, 1] < h))
                kept = kept[inside]
                if len(kept) >= max(8, self.max_corners // 2):
                    self._prev_pts = np.ascontiguousarray(kept, dtype=np.float32)
        if self._prev_pts is None:
            self._prev_pts = self._corners(cur)
        return A

    def _ecc(self, prev: np.ndarray, cur: np.ndarray) -> Optional[np.ndarray]:
        import cv2
        mode = cv2.MOTION_EUCLIDEAN if self.ecc_motion == "euclidean" else cv2.MOTION_AFFINE
        W = np.eye(2, 3, dtype=np.float32)
        crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 100, 1e-5)
        try:
            # findTransformECC finds W with cur(x) ~ prev(W x)... it warps the *input* (2nd) image onto the
            # template (1st): template(x) = input(W x). With template=cur, input=prev: W maps cur -> prev.
            _, W = cv2.findTransformECC(cur, prev, W, mode, crit, None, 1)
        except cv2.error as exc:
            log.debug("gmc ecc failed: %s", exc)
            return None
        return cv2.invertAffineTransform(W.astype(np.float64))
