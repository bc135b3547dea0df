"""Per-frame post-processing of the official FairMOT pipeline (docs/official_behaviour.md §3).

* ``affine_to_frame``: the official 2x3 affine from output-map units to frame pixels.
* ``map_to_frame``: boxes in output-map units -> original frame pixels, with the official
  affine transform (including its float32 rounding).
"""
from __future__ import annotations

import numpy as np

from .._io import import_cv2
from ..config import DEFAULT_IMG_SIZE, DOWN_RATIO

__all__ = ["map_to_frame", "affine_to_frame"]


def _cv2():
    return import_cv2("fairmot.detection.postprocess")


def _third_point(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = a - b
    return b + np.array([-d[1], d[0]], dtype=np.float32)


def affine_to_frame(frame_wh: tuple[int, int], input_wh: tuple[int, int] = DEFAULT_IMG_SIZE, down_ratio: int = DOWN_RATIO) -> np.ndarray:
    """The official 2x3 affine (float64) from output-map coordinates to frame pixels.

    Built like the official post-processing: centre c = (w0/2, h0/2) and scale
    s = max(inp_w / inp_h * h0, w0), both as float32, three point pairs in float32 and
    ``cv2.getAffineTransform`` (so the float32 rounding of the points is reproduced).
    """
    cv2 = _cv2()
    w0, h0 = frame_wh
    inp_w, inp_h = input_wh
    out_w, out_h = inp_w // down_ratio, inp_h // down_ratio
    center = np.array([w0 / 2.0, h0 / 2.0], dtype=np.float32)
    scale = np.float32(max(float(inp_w) / float(inp_h) * h0, w0))
    src = np.zeros((3, 2), dtype=np.float32)
    dst = np.zeros((3, 2), dtype=np.float32)
    src[0] = center
    src[1] = center + np.array([0.0, scale * np.float32(-0.5)])
    dst[0] = [out_w * 0.5, out_h * 0.5]
    dst[1] = np.array([out_w * 0.5, out_h * 0.5], np.float32) + np.array([0, out_w * -0.5], np.float32)
    src[2] = _third_point(src[0], src[1])
    dst[2] = _third_point(dst[0], dst[1])
    return cv2.getAffineTransform(np.float32(dst), np.float32(src))


def map_to_frame(
    boxes_xyxy: np.ndarray, frame_wh: tuple[int, int], input_wh: tuple[int, int] = DEFAULT_IMG_SIZE, down_ratio: int = DOWN_RATIO
) -> np.ndarray:
    """Map (N, 4) ``x1, y1, x2, y2`` boxes from output-map units to frame pixels.

    Both corners go through ``affine_to_frame`` independently in float64; the result is
    float32, as the official code stores it. No clipping to the frame.
    """
    boxes = np.asarray(boxes_xyxy)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"map_to_frame: boxes must have shape (N, 4), got {boxes.shape}")
    if frame_wh[0] <= 0 or frame_wh[1] <= 0:
        raise ValueError(f"map_to_frame: frame size must be positive, got {frame_wh}")
    t = affine_to_frame(frame_wh, input_wh, down_ratio)
    pts = boxes.astype(np.float32).reshape(-1, 2)
    homog = np.concatenate([pts, np.ones((pts.shape[0], 1), np.float32)], axis=1)
    mapped = homog.astype(np.float64) @ t.T
    return mapped.reshape(-1, 4).astype(np.float32)

