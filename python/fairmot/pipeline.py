"""Per-frame pre- and post-processing of the official FairMOT pipeline (docs/official_behaviour.md §2, §3).

Stages, each usable on its own:

* ``letterbox``: resize a BGR frame into the network canvas, keeping its aspect ratio.
* ``to_input_tensor``: BGR uint8 canvas -> (1, 3, H, W) float32 RGB in [0, 1] (no mean/std).
* ``map_to_frame``: boxes in output-map units -> original frame pixels, with the official
  affine transform (including its float32 rounding).
"""
from __future__ import annotations

import numpy as np

from ._io import import_cv2

__all__ = ["letterbox", "to_input_tensor", "to_input_tensor_on", "map_to_frame", "affine_to_frame"]

#: Letterbox padding value. cv2.copyMakeBorder writes 127.5 into uint8 images as 128.
PAD_VALUE = (127.5, 127.5, 127.5)


def _cv2():
    return import_cv2("fairmot.pipeline")


def letterbox(frame_bgr: np.ndarray, width: int = 1088, height: int = 608) -> tuple[np.ndarray, float, float, float]:
    """Resize ``frame_bgr`` (H0, W0, 3) uint8 into a (height, width, 3) canvas, official rules.

    ratio = min(height / H0, width / W0); the resized size is rounded half-to-even (Python
    ``round``); the padding is split with top = round(dh - 0.1), bottom = round(dh + 0.1) (same
    for left/right) so an odd total puts the extra pixel bottom/right; resizing uses INTER_AREA
    for up- and down-scaling; the border is 127.5, i.e. 128 in uint8.

    Returns (canvas uint8 BGR, ratio, dw, dh) with dw, dh the (float) half paddings.
    """
    if not isinstance(frame_bgr, np.ndarray) or frame_bgr.ndim != 3 or frame_bgr.shape[2] != 3:
        shape = getattr(frame_bgr, "shape", None)
        raise ValueError(f"letterbox: expected an (H, W, 3) BGR image, got shape {shape}")
    if frame_bgr.shape[0] == 0 or frame_bgr.shape[1] == 0:
        raise ValueError(f"letterbox: empty image of shape {frame_bgr.shape}")
    if width <= 0 or height <= 0:
        raise ValueError(f"letterbox: target size must be positive, got {width}x{height}")
    cv2 = _cv2()
    h0, w0 = frame_bgr.shape[:2]
    ratio = min(float(height) / h0, float(width) / w0)
    new_w, new_h = round(w0 * ratio), round(h0 * ratio)
    dw, dh = (width - new_w) / 2, (height - new_h) / 2
    top, bottom = round(dh - 0.1), round(dh + 0.1)
    left, right = round(dw - 0.1), round(dw + 0.1)
    img = cv2.resize(frame_bgr, (new_w, new_h), interpolation=cv2.INTER_AREA)
    img = cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=PAD_VALUE)
    return img, ratio, dw, dh


def to_input_tensor(canvas_bgr: np.ndarray):
    """(H, W, 3) uint8 BGR canvas -> torch (1, 3, H, W) float32 RGB / 255 (no mean/std)."""
    import torch

    rgb = np.ascontiguousarray(canvas_bgr[:, :, ::-1].transpose(2, 0, 1), dtype=np.float32)
    rgb /= 255.0
    return torch.from_numpy(rgb).unsqueeze(0)


#: float32(x) / float32(255) for every uint8 x: the official blob values, computed once by NumPy.
_UNIT_LUT = np.arange(256, dtype=np.float32) / np.float32(255.0)


def to_input_tensor_on(canvas_bgr: np.ndarray, device, lut=None):
    """Like :func:`to_input_tensor`, but the conversion runs on ``device``: only the uint8 canvas
    is copied there (a quarter of the float blob's bytes).

    Returns (1, 3, H, W) float32 RGB / 255 on ``device`` in channels-last memory format, with
    exactly :func:`to_input_tensor`'s values: each byte is mapped through a 256-entry table
    computed by NumPy (no reliance on how a device rounds a division). ``lut``: that table already
    on ``device`` (see :func:`unit_lut`), to skip its upload.
    """
    import torch

    if not isinstance(canvas_bgr, np.ndarray) or canvas_bgr.ndim != 3 or canvas_bgr.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) BGR canvas, got shape {getattr(canvas_bgr, 'shape', None)}")
    if canvas_bgr.dtype != np.uint8:
        raise TypeError(f"expected a uint8 canvas, got {canvas_bgr.dtype}")
    if lut is None:
        lut = unit_lut(device)
    hwc = torch.from_numpy(np.ascontiguousarray(canvas_bgr)).to(device, non_blocking=True)
    rgb = hwc[:, :, [2, 1, 0]].long()
    return lut[rgb].permute(2, 0, 1).unsqueeze(0)  # NHWC storage == channels_last NCHW


def unit_lut(device):
    """The (256,) float32 table x / 255 of :func:`to_input_tensor_on`, on ``device``."""
    import torch

    return torch.from_numpy(_UNIT_LUT).to(device)


def _third_point(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = a - b
    return b + np.array([-d[1], d[0]], dtype=np.float32)


def affine_to_frame(frame_wh: tuple[int, int], input_wh: tuple[int, int] = (1088, 608), down_ratio: int = 4) -> np.ndarray:
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
    boxes_xyxy: np.ndarray, frame_wh: tuple[int, int], input_wh: tuple[int, int] = (1088, 608), down_ratio: int = 4
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

