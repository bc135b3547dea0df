"""Training augmentation of FairMOT / JDE (docs/official_behaviour.md §5.2), with explicit random generators.

The official code draws from Python's global ``random``; here every function takes an explicit
``rng: numpy.random.Generator`` and draws the same quantities, in the same order, with the same
formulas (``rng.random()`` replaces ``random.random()``), so results are reproducible per sample.

Order of the draws in one training sample (see ``fairmot.data.jde``):
``hsv_jitter`` (S factor, V factor) -> ``random_affine`` (angle, scale, tx, ty, shear x, shear y)
-> flip (``rng.random() > 0.5``).

Box arrays are (N, C) with C >= 4 whose **last four** columns are ``x1, y1, x2, y2`` in pixels
(the official layout is ``[class, id, x1, y1, x2, y2]``); other columns are carried along.
"""
from __future__ import annotations

import math

import numpy as np

from .._io import import_cv2

__all__ = [
    "hsv_jitter",
    "affine_matrix",
    "warp_boxes",
    "random_affine",
    "labels_to_xyxy",
    "xyxy_to_normalized",
    "hflip",
]

#: Border value of the affine warp (as the letterbox: 127.5 -> 128 in uint8 images).
BORDER_VALUE = (127.5, 127.5, 127.5)


def _cv2():
    return import_cv2("fairmot.data.augment")


def _default_rng(rng: np.random.Generator | None) -> np.random.Generator:
    return np.random.default_rng() if rng is None else rng


def hsv_jitter(img_bgr: np.ndarray, rng: np.random.Generator | None = None, fraction: float = 0.5) -> np.ndarray:
    """Random saturation / value scaling (docs/official_behaviour.md §5.2 step 1). Returns a new
    (H, W, 3) uint8 BGR image.

    The image goes to OpenCV HSV; S and V (as float32) are each multiplied by an independent
    ``a = 1 + U(-fraction, fraction)`` (drawn as ``(r * 2 - 1) * fraction + 1``, S first); a channel is
    clipped to [0, 255] only when its ``a > 1``; both are cast back to uint8 by truncation and the
    image is converted back to BGR.
    """
    if not isinstance(img_bgr, np.ndarray) or img_bgr.ndim != 3 or img_bgr.shape[2] != 3 or img_bgr.dtype != np.uint8:
        raise ValueError(f"hsv_jitter: expected an (H, W, 3) uint8 BGR image, got "
                         f"{getattr(img_bgr, 'shape', None)} {getattr(img_bgr, 'dtype', None)}")
    rng = _default_rng(rng)
    cv2 = _cv2()
    img_hsv = cv2.cvtColor(img_bgr, cv2.COLOR_BGR2HSV)
    for channel in (1, 2):
        values = img_hsv[:, :, channel].astype(np.float32)
        a = (rng.random() * 2 - 1) * fraction + 1
        values *= np.float32(a)
        if a > 1:
            np.clip(values, 0, 255, out=values)
        img_hsv[:, :, channel] = values.astype(np.uint8)
    return cv2.cvtColor(img_hsv, cv2.COLOR_HSV2BGR)


def affine_matrix(width: int, height: int, angle: float = 0.0, scale: float = 1.0, tx: float = 0.0, ty: float = 0.0,
                  shear_x: float = 0.0, shear_y: float = 0.0) -> np.ndarray:
    """The 3x3 float64 forward warp ``M = Shear @ Translate @ RotateScale`` of ``random_affine``.

    ``angle`` in degrees (OpenCV's ``getRotationMatrix2D`` convention, about the image centre
    (width / 2, height / 2), together with ``scale``); ``tx``, ``ty`` in pixels; ``shear_x``,
    ``shear_y`` in degrees (the matrix holds their tangents).
    """
    cv2 = _cv2()
    r = np.eye(3)
    r[:2] = cv2.getRotationMatrix2D(angle=angle, center=(width / 2, height / 2), scale=scale)
    t = np.eye(3)
    t[0, 2] = tx
    t[1, 2] = ty
    s = np.eye(3)
    s[0, 1] = math.tan(shear_x * math.pi / 180)
    s[1, 0] = math.tan(shear_y * math.pi / 180)
    return s @ t @ r


def warp_boxes(targets: np.ndarray, m: np.ndarray, angle: float, width: int, height: int) -> np.ndarray:
    """Warp the boxes of ``targets`` (N, C) by ``m`` (3x3) and apply the official keep rules.

    Each box's 4 corners are warped (affine part of ``m``, like the official code), the enclosing box
    is shrunk about its centre by ``sqrt(max(|sin a|, |cos a|))``; rows are kept when the new box has
    w > 4, h > 4, area / original area > 0.1 and aspect ratio max(w/h, h/w) < 10, then rows entirely
    outside the (width, height) image (x1 >= W, x2 <= 0, y1 >= H or y2 <= 0) are dropped. Boxes are
    not clipped to the image. Returns the kept rows (same dtype, new array).
    """
    targets = np.asarray(targets)
    if targets.ndim != 2 or targets.shape[1] < 4:
        raise ValueError(f"warp_boxes: targets must have shape (N, C >= 4), got {targets.shape}")
    n = targets.shape[0]
    if n == 0:
        return targets.copy()
    points = targets[:, -4:].copy()
    area0 = (points[:, 2] - points[:, 0]) * (points[:, 3] - points[:, 1])

    xy = np.ones((n * 4, 3))
    xy[:, :2] = points[:, [0, 1, 2, 3, 0, 3, 2, 1]].reshape(n * 4, 2)  # x1y1, x2y2, x1y2, x2y1
    xy = (xy @ m.T)[:, :2].reshape(n, 8)
    xs = xy[:, [0, 2, 4, 6]]
    ys = xy[:, [1, 3, 5, 7]]
    x1, y1, x2, y2 = xs.min(1), ys.min(1), xs.max(1), ys.max(1)

    radians = angle * math.pi / 180
    reduction = max(abs(math.sin(radians)), abs(math.cos(radians))) ** 0.5
    cx = (x2 + x1) / 2
    cy = (y2 + y1) / 2
    w = (x2 - x1) * reduction
    h = (y2 - y1) * reduction
    boxes = np.stack((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), axis=1)

    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    area = w * h
    ar = np.maximum(w / (h + 1e-16), h / (w + 1e-16))
    keep = (w > 4) & (h > 4) & (area / (area0 + 1e-16) > 0.1) & (ar < 10)

    out = targets[keep].copy()
    out[:, -4:] = boxes[keep]
    inside = (out[:, -4] < width) & (out[:, -2] > 0) & (out[:, -3] < height) & (out[:, -1] > 0)
    return out[inside]


def random_affine(
    img: np.ndarray,
    targets_xyxy: np.ndarray | None = None,
    degrees: tuple[float, float] = (-5, 5),
    translate: tuple[float, float] = (0.10, 0.10),
    scale: tuple[float, float] = (0.50, 1.20),
    shear: tuple[float, float] = (-2, 2),
    border_value: tuple[float, float, float] = BORDER_VALUE,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Random rotation / scale / translation / shear of an image and its boxes
    (docs/official_behaviour.md §5.2 step 3).

    Draws, in this order: angle ~ U(degrees) (degrees), scale ~ U(scale), then
    tx = U(-1, 1) * translate[0] * **height** and ty = U(-1, 1) * translate[1] * **width** (pixels;
    the axes are swapped as in the official JDE code), then the x and y shear angles ~ U(shear)
    (degrees). The image (H, W, C) is warped with ``cv2.warpPerspective`` (bilinear, constant border
    ``border_value``) to the same size; boxes go through ``warp_boxes``.

    Returns (warped image, kept targets or None when ``targets_xyxy`` is None, M 3x3 float64).
    """
    rng = _default_rng(rng)
    cv2 = _cv2()
    height, width = img.shape[0], img.shape[1]
    a = rng.random() * (degrees[1] - degrees[0]) + degrees[0]
    s = rng.random() * (scale[1] - scale[0]) + scale[0]
    tx = (rng.random() * 2 - 1) * translate[0] * height
    ty = (rng.random() * 2 - 1) * translate[1] * width
    shx = rng.random() * (shear[1] - shear[0]) + shear[0]
    shy = rng.random() * (shear[1] - shear[0]) + shear[0]
    m = affine_matrix(width, height, angle=a, scale=s, tx=tx, ty=ty, shear_x=shx, shear_y=shy)
    warped = cv2.warpPerspective(img, m, dsize=(width, height), flags=cv2.INTER_LINEAR, borderValue=border_value)
    if targets_xyxy is None:
        return warped, None, m
    targets = np.asarray(targets_xyxy)
    if targets.size == 0:
        return warped, targets.copy(), m
    return warped, warp_boxes(targets, m, a, width, height), m


def labels_to_xyxy(labels: np.ndarray, img_w: int, img_h: int, ratio: float, padw: float, padh: float) -> np.ndarray:
    """Normalised ``[class, id, cx, cy, w, h]`` labels of an (img_w x img_h) image -> letterboxed pixel xyxy.

    ``ratio``, ``padw``, ``padh`` come from ``fairmot.detection.preprocess.letterbox`` (float half paddings, not the
    rounded integer borders, as the official code). Float32 in, float32 out (N, 6).
    """
    lab0 = np.asarray(labels, dtype=np.float32).reshape(-1, 6)
    out = lab0.copy()
    out[:, 2] = ratio * img_w * (lab0[:, 2] - lab0[:, 4] / 2) + padw
    out[:, 3] = ratio * img_h * (lab0[:, 3] - lab0[:, 5] / 2) + padh
    out[:, 4] = ratio * img_w * (lab0[:, 2] + lab0[:, 4] / 2) + padw
    out[:, 5] = ratio * img_h * (lab0[:, 3] + lab0[:, 5] / 2) + padh
    return out


def xyxy_to_normalized(labels_xyxy: np.ndarray, width: int, height: int) -> np.ndarray:
    """(N, 6) ``[class, id, x1, y1, x2, y2]`` pixels -> ``[class, id, cx, cy, w, h]`` normalised by (width, height).

    Float32 arithmetic, like the official ``xyxy2xywh`` followed by the divisions. Returns a new array.
    """
    lab = np.array(labels_xyxy, dtype=np.float32).reshape(-1, 6)
    x1, y1, x2, y2 = lab[:, 2].copy(), lab[:, 3].copy(), lab[:, 4].copy(), lab[:, 5].copy()
    lab[:, 2] = (x1 + x2) / 2
    lab[:, 3] = (y1 + y2) / 2
    lab[:, 4] = x2 - x1
    lab[:, 5] = y2 - y1
    lab[:, 2] /= width
    lab[:, 3] /= height
    lab[:, 4] /= width
    lab[:, 5] /= height
    return lab


def hflip(img: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mirror an (H, W, C) image left-right and normalised labels (cx -> 1 - cx). Returns new arrays."""
    lab = np.array(labels, dtype=np.float32).reshape(-1, 6)
    lab[:, 2] = 1 - lab[:, 2]
    return np.ascontiguousarray(img[:, ::-1]), lab
