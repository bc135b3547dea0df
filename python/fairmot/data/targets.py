"""CenterNet-style training targets of FairMOT (docs/official_behaviour.md §5.3).

Everything here is plain numpy and follows the official ``JointDataset.__getitem__`` and the
CenterNet image utilities it uses, quirks included:

* ``gaussian_radius`` is CenterNet's radius: the minimum of three quadratic "roots", each written
  as ``(b + sqrt(b^2 - 4ac)) / 2`` (no ``/ 2a``, no sign fix) exactly as CenterNet computes them.
* ``draw_umich_gaussian`` writes a (2r+1)-wide Gaussian with sigma = (2r+1)/6 into a heatmap by
  element-wise maximum, clipped at the borders.
* ``build_targets`` turns normalised ``[class, id, cx, cy, w, h]`` labels into the fixed-shape arrays
  the losses consume (``hm``, ``reg_mask``, ``ind``, ``wh``, ``reg``, ``ids``), computing in float32
  like the official code (labels are loaded as float32 there).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["gaussian_radius", "gaussian2d", "draw_umich_gaussian", "build_targets"]


def gaussian_radius(det_size: tuple[float, float], min_overlap: float = 0.7) -> float:
    """CenterNet's Gaussian radius for a box of ``det_size = (height, width)`` (any unit).

    Three cases (both corners inside, both outside, one of each) each give a quadratic
    ``a r^2 - b r + c = 0``; CenterNet evaluates ``(b + sqrt(b^2 - 4ac)) / 2`` for each and returns
    the smallest. The official formula (with its missing ``/ a`` factor) is reproduced as is,
    because it decides the training targets. Result in the unit of ``det_size``.
    """
    height, width = float(det_size[0]), float(det_size[1])
    # Operation order mirrors CenterNet's so the float64 results match it bit for bit.
    a1 = 1.0
    b1 = height + width
    c1 = width * height * (1.0 - min_overlap) / (1.0 + min_overlap)
    r1 = (b1 + math.sqrt(b1 ** 2 - 4.0 * a1 * c1)) / 2.0

    a2 = 4.0
    b2 = 2.0 * (height + width)
    c2 = (1.0 - min_overlap) * width * height
    r2 = (b2 + math.sqrt(b2 ** 2 - 4.0 * a2 * c2)) / 2.0

    a3 = 4.0 * min_overlap
    b3 = -2.0 * min_overlap * (height + width)
    c3 = (min_overlap - 1.0) * width * height
    r3 = (b3 + math.sqrt(b3 ** 2 - 4.0 * a3 * c3)) / 2.0
    return min(r1, r2, r3)


def gaussian2d(shape: tuple[int, int], sigma: float = 1.0) -> np.ndarray:
    """Unnormalised 2-D Gaussian of ``shape = (rows, cols)`` centred in the array, float64.

    Peak 1 at the centre; values below ``eps(float64) * max`` are set to 0 (CenterNet's rule).
    """
    m, n = (shape[0] - 1.0) / 2.0, (shape[1] - 1.0) / 2.0
    y = np.arange(-m, m + 1.0, dtype=np.float64)[:, None]
    x = np.arange(-n, n + 1.0, dtype=np.float64)[None, :]
    h = np.exp(-(x * x + y * y) / (2.0 * sigma * sigma))
    h[h < np.finfo(h.dtype).eps * h.max()] = 0.0
    return h


def draw_umich_gaussian(heatmap: np.ndarray, center: tuple[float, float] | np.ndarray, radius: int,
                        k: float = 1.0) -> np.ndarray:
    """Draw a Gaussian peak into ``heatmap`` (H, W) in place, by element-wise maximum.

    ``center`` is (x, y) in heatmap pixels (truncated to int); the Gaussian has diameter
    ``2 * radius + 1`` and sigma ``diameter / 6``; it is scaled by ``k`` and clipped at the
    heatmap borders. Returns ``heatmap``.
    """
    radius = int(radius)
    if radius < 0:
        raise ValueError(f"draw_umich_gaussian: radius must be >= 0, got {radius}")
    diameter = 2 * radius + 1
    gaussian = gaussian2d((diameter, diameter), sigma=diameter / 6.0)
    x, y = int(center[0]), int(center[1])
    height, width = heatmap.shape[0:2]
    left, right = min(x, radius), min(width - x, radius + 1)
    top, bottom = min(y, radius), min(height - y, radius + 1)
    masked_heatmap = heatmap[y - top:y + bottom, x - left:x + right]
    masked_gaussian = gaussian[radius - top:radius + bottom, radius - left:radius + right]
    if min(masked_gaussian.shape) > 0 and min(masked_heatmap.shape) > 0:
        np.maximum(masked_heatmap, masked_gaussian * k, out=masked_heatmap)
    return heatmap


def build_targets(labels: np.ndarray, out_w: int, out_h: int, num_classes: int = 1, max_objs: int = 500,
                  ltrb: bool = True) -> dict[str, np.ndarray]:
    """FairMOT training targets of one image (docs/official_behaviour.md §5.3).

    Args:
        labels: (N, 6) ``[class, id, cx, cy, w, h]`` with cx, w normalised by the network input width
            and cy, h by its height (so values are in [0, 1] for boxes inside the image); id is the
            (already offset) identity or -1. Computed in float32 like the official code.
        out_w, out_h: output map size (input size / down_ratio, e.g. 272 x 152).
        num_classes: heatmap channels; ``class`` must be an integer in [0, num_classes).
        max_objs: K; only the first ``max_objs`` labels are used.
        ltrb: ``wh`` holds (left, top, right, bottom) distances from the centre (4 values) instead
            of (w, h).

    Returns a dict of numpy arrays:
        ``hm`` (num_classes, out_h, out_w) float32 — Gaussian peaks, 1 at each object's integer centre;
        ``reg_mask`` (max_objs,) uint8 — 1 for the filled slots;
        ``ind`` (max_objs,) int64 — flattened index ``y * out_w + x`` of the integer centre;
        ``wh`` (max_objs, 4 or 2) float32 — box extent in output pixels;
        ``reg`` (max_objs, 2) float32 — sub-pixel offset of the centre;
        ``ids`` (max_objs,) int64 — identity (-1: no identity). Slots that are not filled stay 0,
        like the official ``np.zeros`` initialisation (they are masked out by ``reg_mask``);
        ``cls`` (max_objs,) int64 — class of each filled slot (0 elsewhere), only when
        ``num_classes > 1`` (the single-class targets are exactly the official ones).

    Object k uses slot k, so a skipped object (w <= 0 or h <= 0) leaves a hole. The box is scaled to
    output units, the amodal (unclipped) box is kept for ``wh``, and only the centre is clipped to
    [0, out_w - 1] x [0, out_h - 1].
    """
    if out_w <= 0 or out_h <= 0:
        raise ValueError(f"build_targets: output size must be positive, got {out_w}x{out_h}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"build_targets: num_classes must be a positive int, got {num_classes!r}")
    if max_objs < 0:
        raise ValueError(f"build_targets: max_objs must be >= 0, got {max_objs}")
    lab = np.asarray(labels, dtype=np.float32)
    if lab.size == 0:
        lab = lab.reshape(0, 6)
    if lab.ndim != 2 or lab.shape[1] != 6:
        raise ValueError(f"build_targets: labels must have shape (N, 6), got {np.shape(labels)}")
    if not np.all(np.isfinite(lab)):
        raise ValueError("build_targets: labels contain NaN or infinite values")

    hm = np.zeros((num_classes, out_h, out_w), dtype=np.float32)
    wh = np.zeros((max_objs, 4 if ltrb else 2), dtype=np.float32)
    reg = np.zeros((max_objs, 2), dtype=np.float32)
    ind = np.zeros((max_objs,), dtype=np.int64)
    reg_mask = np.zeros((max_objs,), dtype=np.uint8)
    ids = np.zeros((max_objs,), dtype=np.int64)
    cls = np.zeros((max_objs,), dtype=np.int64)

    scale = np.array([out_w, out_h, out_w, out_h], dtype=np.float32)
    for k in range(min(lab.shape[0], max_objs)):
        cls_f = float(lab[k, 0])
        cls_id = int(cls_f)
        if cls_id != cls_f or not 0 <= cls_id < num_classes:
            raise ValueError(f"build_targets: label {k} has class {cls_f}, expected an integer in [0, {num_classes})")
        bbox = lab[k, 2:6] * scale  # cx, cy, w, h in output pixels (float32)
        w, h = bbox[2], bbox[3]
        x1 = bbox[0] - w / np.float32(2.0)
        y1 = bbox[1] - h / np.float32(2.0)
        x2 = x1 + w
        y2 = y1 + h
        ct = np.array([min(max(bbox[0], 0), out_w - 1), min(max(bbox[1], 0), out_h - 1)], dtype=np.float32)
        if not (w > 0 and h > 0):
            continue
        radius = max(0, int(gaussian_radius((math.ceil(h), math.ceil(w)), 0.7)))
        ct_int = ct.astype(np.int32)
        draw_umich_gaussian(hm[cls_id], ct_int, radius)
        if ltrb:
            wh[k] = (ct[0] - x1, ct[1] - y1, x2 - ct[0], y2 - ct[1])
        else:
            wh[k] = (w, h)
        ind[k] = int(ct_int[1]) * out_w + int(ct_int[0])
        reg[k] = ct - ct_int
        reg_mask[k] = 1
        ids[k] = int(lab[k, 1])
        cls[k] = cls_id
    out = {"hm": hm, "reg_mask": reg_mask, "ind": ind, "wh": wh, "reg": reg, "ids": ids}
    if num_classes > 1:
        out["cls"] = cls
    return out
