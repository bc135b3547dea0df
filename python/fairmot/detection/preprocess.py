"""Per-frame pre-processing of the official FairMOT pipeline (docs/official_behaviour.md §2).

Stages, each usable on its own:

* ``letterbox``: resize a BGR frame into the network canvas, keeping its aspect ratio.
* ``to_input_tensor``: BGR uint8 canvas -> (1, 3, H, W) float32 RGB in [0, 1] (no mean/std).
* ``to_input_tensor_on``: the same on a torch device through a 256-entry lookup table.

The inverse mapping (output-map boxes -> frame pixels) is :mod:`fairmot.detection.postprocess`.
"""
from __future__ import annotations

import numpy as np

from .._io import import_cv2

__all__ = ["PAD_VALUE", "letterbox", "to_input_tensor", "to_input_tensor_on", "unit_lut"]

#: Letterbox padding value. cv2.copyMakeBorder writes 127.5 into uint8 images as 128.
PAD_VALUE = (127.5, 127.5, 127.5)


def _cv2():
    return import_cv2("fairmot.detection.preprocess")


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
