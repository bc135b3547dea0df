"""Training augmentation (docs/official_behaviour.md §5.2): hsv_jitter, random_affine and helpers."""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from fairmot.data.augment import (
    affine_matrix,
    hflip,
    hsv_jitter,
    labels_to_xyxy,
    random_affine,
    warp_boxes,
    xyxy_to_normalized,
)


class FixedRng:
    """Stands in for numpy's Generator: ``random()`` returns the given values in order."""

    def __init__(self, *values: float):
        self.values = list(values)

    def random(self) -> float:
        return self.values.pop(0)


def _grey(value: int, h: int = 6, w: int = 8) -> np.ndarray:
    return np.full((h, w, 3), value, np.uint8)


# ------------------------------------------------------------------------------------------ hsv


def test_hsv_jitter_truncates_and_clips_only_when_a_above_one():
    # grey pixels: S = 0, V = value; r -> a = (2r - 1) * 0.5 + 1
    out = hsv_jitter(_grey(201), FixedRng(0.5, 0.25))  # a_S = 1, a_V = 0.75: 150.75 -> 150 (truncation)
    assert np.all(out == 150)
    out = hsv_jitter(_grey(200), FixedRng(0.5, 0.8))  # a_V = 1.3: 260 -> clipped to 255
    assert np.all(out == 255)
    out = hsv_jitter(_grey(99), FixedRng(0.5, 0.0))  # a_V = 0.5: 49.5 -> 49
    assert np.all(out == 49)


def test_hsv_jitter_saturation_then_value_order():
    img = np.zeros((4, 4, 3), np.uint8)
    img[..., 2] = 200  # pure-ish red: H 0, S 255, V 200
    img[..., 1] = 100
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
    out = hsv_jitter(img, FixedRng(0.0, 1.0))  # a_S = 0.5, a_V = 1.5
    expected = hsv.copy()
    expected[..., 1] = (hsv[..., 1].astype(np.float32) * np.float32(0.5)).astype(np.uint8)
    expected[..., 2] = np.clip(hsv[..., 2].astype(np.float32) * np.float32(1.5), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(out, cv2.cvtColor(expected, cv2.COLOR_HSV2BGR))
    assert out is not img and img[0, 0, 2] == 200  # input untouched


def test_hsv_jitter_statistics_and_reproducibility():
    img = _grey(100, 2, 2)
    ratios = np.array([hsv_jitter(img, np.random.default_rng(s))[0, 0, 0] / 100.0 for s in range(400)])
    assert ratios.min() >= 0.5 - 1e-9 and ratios.max() <= 1.5
    assert abs(ratios.mean() - 1.0) < 0.05  # a ~ U(0.5, 1.5)
    assert abs(ratios.std() - 1 / math.sqrt(12)) < 0.05
    colour = np.zeros((2, 2, 3), np.uint8)
    colour[..., 0] = 120
    colour[..., 2] = 240
    a = hsv_jitter(colour, np.random.default_rng(3))
    b = hsv_jitter(colour, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        hsv_jitter(np.zeros((4, 4), np.uint8), np.random.default_rng(0))


# ------------------------------------------------------------------------------------------ affine


def _image(h: int = 100, w: int = 200) -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def _targets(*boxes) -> np.ndarray:
    return np.array([[0, i, *b] for i, b in enumerate(boxes)], np.float32)


IDENTITY = dict(degrees=(0, 0), translate=(0, 0), scale=(1, 1), shear=(0, 0))


def test_random_affine_identity_leaves_everything_unchanged():
    img = _image()
    tg = _targets((10, 20, 50, 80), (100.5, 10.25, 190, 90))
    out, kept, m = random_affine(img, tg, rng=np.random.default_rng(0), **IDENTITY)
    np.testing.assert_array_equal(m, np.eye(3))
    np.testing.assert_array_equal(out, img)
    np.testing.assert_array_equal(kept, tg)
    assert kept.dtype == np.float32
    out2, none, _ = random_affine(img, None, rng=np.random.default_rng(0), **IDENTITY)
    assert none is None and np.array_equal(out2, img)


def test_random_affine_translation_axes_are_swapped():
    h, w = 100, 200
    img = _image(h, w)
    tg = _targets((40, 30, 80, 70))
    # draws: angle (0.5 -> 0 deg), scale (fixed 1), tx: r 0.75 -> +0.5 * 0.1 * HEIGHT = +5,
    # ty: r 0.25 -> -0.5 * 0.1 * WIDTH = -10, shears 0.5 -> 0 deg
    out, kept, m = random_affine(img, tg, degrees=(-5, 5), translate=(0.1, 0.1), scale=(1, 1), shear=(-2, 2),
                                 rng=FixedRng(0.5, 0.3, 0.75, 0.25, 0.5, 0.5))
    np.testing.assert_allclose(m, [[1, 0, 5], [0, 1, -10], [0, 0, 1]], atol=1e-12)
    np.testing.assert_allclose(kept[0, 2:], [45, 20, 85, 60], atol=1e-4)
    # integer shift: the image moves exactly; uncovered rows at the bottom get the 128 border
    np.testing.assert_array_equal(out[0:90, 5:], img[10:100, 0:195])
    assert np.all(out[90:, :] == 128) and np.all(out[:, :5] == 128)


def test_random_affine_draw_order_with_a_generator():
    h, w = 60, 120
    img = _image(h, w)
    rng = np.random.default_rng(42)
    r = np.random.default_rng(42).random(6)
    _, _, m = random_affine(img, None, rng=rng)
    a = r[0] * 10 - 5
    s = r[1] * 0.7 + 0.5
    tx = (r[2] * 2 - 1) * 0.1 * h
    ty = (r[3] * 2 - 1) * 0.1 * w
    shx, shy = r[4] * 4 - 2, r[5] * 4 - 2
    expected = affine_matrix(w, h, a, s, tx, ty, shx, shy)
    np.testing.assert_allclose(m, expected, rtol=0, atol=0)
    # independent construction of M = Shear @ Translate @ (Rotate*Scale about the centre)
    rad = math.radians(a)
    al, be = s * math.cos(rad), s * math.sin(rad)
    rs = np.array([[al, be, (1 - al) * w / 2 - be * h / 2], [-be, al, be * w / 2 + (1 - al) * h / 2], [0, 0, 1]])
    tr = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
    sh = np.array([[1, math.tan(math.radians(shx)), 0], [math.tan(math.radians(shy)), 1, 0], [0, 0, 1]])
    np.testing.assert_allclose(m, sh @ tr @ rs, atol=1e-9)


def test_random_affine_scale_about_centre():
    h, w = 100, 200
    tg = _targets((60, 20, 100, 80))
    _, kept, _ = random_affine(_image(h, w), tg, degrees=(0, 0), translate=(0, 0), scale=(0.5, 0.5), shear=(0, 0),
                               rng=np.random.default_rng(0))
    cx, cy = w / 2, h / 2
    expected = [cx + 0.5 * (60 - cx), cy + 0.5 * (20 - cy), cx + 0.5 * (100 - cx), cy + 0.5 * (80 - cy)]
    np.testing.assert_allclose(kept[0, 2:], expected, atol=1e-4)


def test_warp_boxes_rotation_shrinks_enclosing_box():
    w, h = 200, 200
    m = affine_matrix(w, h, angle=30)
    tg = _targets((80, 80, 120, 120))  # 40 x 40 square centred on the image centre
    kept = warp_boxes(tg, m, 30, w, h)
    side = 40 * (math.cos(math.radians(30)) + math.sin(math.radians(30))) * math.sqrt(math.cos(math.radians(30)))
    np.testing.assert_allclose(kept[0, 2:], [100 - side / 2, 100 - side / 2, 100 + side / 2, 100 + side / 2], atol=1e-3)


def test_warp_boxes_keep_rules():
    w, h = 200, 100
    eye = np.eye(3)
    tg = _targets(
        (10, 10, 14, 50),      # w == 4 -> dropped
        (10, 10, 50, 14.5),    # h 4.5 -> kept
        (10, 10, 110, 19.9),   # aspect 100 / 9.9 >= 10 -> dropped
        (10, 10, 108, 20),     # aspect 9.8 -> kept
        (150, 40, 260, 90),    # partly outside: kept, NOT clipped
        (200, 10, 240, 50),    # x1 >= W -> dropped
        (-50, 10, 0, 50),      # x2 <= 0 -> dropped
        (20, -40, 60, 0),      # y2 <= 0 -> dropped
        (20, 100, 60, 140),    # y1 >= H -> dropped
    )
    kept = warp_boxes(tg, eye, 0.0, w, h)
    assert kept[:, 1].tolist() == [1, 3, 4]
    np.testing.assert_array_equal(kept[2, 2:], [150, 40, 260, 90])
    # area rule: scale 0.3 -> area ratio 0.09 < 0.1 -> dropped; 0.35 -> 0.1225 kept
    big = _targets((0, 0, 100, 80))
    assert len(warp_boxes(big, affine_matrix(w, h, scale=0.3), 0.0, w, h)) == 0
    assert len(warp_boxes(big, affine_matrix(w, h, scale=0.35), 0.0, w, h)) == 1
    # extra columns are carried, empty input works
    assert warp_boxes(np.zeros((0, 6), np.float32), eye, 0.0, w, h).shape == (0, 6)
    with pytest.raises(ValueError):
        warp_boxes(np.zeros((3, 3)), eye, 0.0, w, h)


# ------------------------------------------------------------------------------------------ helpers


def test_label_conversions_roundtrip_and_flip():
    lab = np.array([[0, 5, 0.5, 0.25, 0.2, 0.1], [0, -1, 0.1, 0.9, 0.05, 0.1]], np.float32)
    # a 200x100 image letterboxed into 128x96: ratio 0.64, new 128x64, padh 16
    xyxy = labels_to_xyxy(lab, 200, 100, 0.64, 0.0, 16.0)
    assert xyxy.dtype == np.float32
    np.testing.assert_allclose(xyxy[0, 2:], [0.64 * 200 * 0.4, 0.64 * 100 * 0.2 + 16, 0.64 * 200 * 0.6,
                                             0.64 * 100 * 0.3 + 16], rtol=1e-6)
    norm = xyxy_to_normalized(xyxy, 128, 96)
    np.testing.assert_allclose(norm[:, 2], lab[:, 2], atol=1e-6)
    np.testing.assert_allclose(norm[:, 3], (lab[:, 3] * 64 + 16) / 96, atol=1e-6)
    np.testing.assert_allclose(norm[:, 4], lab[:, 4], atol=1e-6)
    np.testing.assert_allclose(norm[:, 5], lab[:, 5] * 64 / 96, atol=1e-6)
    np.testing.assert_array_equal(norm[:, :2], lab[:, :2])
    img = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    fimg, flab = hflip(img, norm)
    np.testing.assert_array_equal(fimg, img[:, ::-1])
    np.testing.assert_allclose(flab[:, 2], 1 - norm[:, 2])
    np.testing.assert_array_equal(flab[:, 3:], norm[:, 3:])
    assert labels_to_xyxy(np.zeros((0, 6)), 10, 10, 1.0, 0, 0).shape == (0, 6)
