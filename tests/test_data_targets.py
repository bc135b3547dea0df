"""Training targets (docs/official_behaviour.md §5.3): gaussian_radius, draw_umich_gaussian, build_targets."""
from __future__ import annotations

import math

import numpy as np
import pytest

from fairmot.data.targets import build_targets, draw_umich_gaussian, gaussian2d, gaussian_radius


def _radius_reference(h: np.ndarray, w: np.ndarray, mo: float = 0.7) -> np.ndarray:
    """Independent vectorised float64 transcription of CenterNet's three 'roots' (with its /2)."""
    h = np.asarray(h, np.float64)
    w = np.asarray(w, np.float64)
    coeffs = [
        (1.0, h + w, w * h * (1 - mo) / (1 + mo)),
        (4.0, 2 * (h + w), (1 - mo) * w * h),
        (4 * mo, -2 * mo * (h + w), (mo - 1) * w * h),
    ]
    roots = [(b + np.sqrt(b * b - 4 * a * c)) / 2 for a, b, c in coeffs]
    return np.minimum(np.minimum(roots[0], roots[1]), roots[2])


def test_gaussian_radius_matches_reference_formula():
    rng = np.random.default_rng(0)
    hs = np.concatenate([np.arange(1, 60), rng.integers(1, 400, 200)]).astype(np.float64)
    ws = np.concatenate([np.arange(1, 60)[::-1], rng.integers(1, 400, 200)]).astype(np.float64)
    ref = _radius_reference(hs, ws)
    got = np.array([gaussian_radius((h, w)) for h, w in zip(hs, ws)])
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=0)
    # the official int() truncation must agree everywhere
    assert np.array_equal(got.astype(int), ref.astype(int))


def test_gaussian_radius_known_values():
    # square 10x10: the third case wins, r = (-28 + sqrt(28^2 + 4 * 2.8 * 30)) / 2
    assert gaussian_radius((10, 10)) == pytest.approx((-28 + math.sqrt(784 + 336)) / 2, rel=1e-14)
    assert gaussian_radius((10, 10)) == pytest.approx(2.7332005306815, rel=1e-12)
    # homogeneous of degree 1 in the size
    assert gaussian_radius((80, 30)) == pytest.approx(10 * gaussian_radius((8, 3)), rel=1e-12)
    # symmetric in (h, w); other overlap
    assert gaussian_radius((7, 19), 0.5) == pytest.approx(gaussian_radius((19, 7), 0.5), rel=1e-14)
    assert int(gaussian_radius((1, 1))) == 0


def test_gaussian2d_peak_and_eps_zeroing():
    g = gaussian2d((5, 5), sigma=5 / 6)
    assert g.shape == (5, 5) and g.dtype == np.float64
    assert g[2, 2] == 1.0 and g.max() == 1.0
    assert g[2, 3] == pytest.approx(math.exp(-1 / (2 * (5 / 6) ** 2)))
    # tiny sigma: the corners fall below eps * max and are zeroed
    g = gaussian2d((9, 9), sigma=0.5)
    assert g[0, 0] == 0.0 and g[4, 4] == 1.0 and g[4, 5] > 0


def test_draw_umich_gaussian_centre_symmetry_sigma():
    hm = np.zeros((21, 31), np.float32)
    out = draw_umich_gaussian(hm, (15, 10), 3)
    assert out is hm
    assert hm[10, 15] == 1.0 and hm.max() == 1.0
    patch = hm[7:14, 12:19]
    np.testing.assert_array_equal(patch, patch[::-1, :])
    np.testing.assert_array_equal(patch, patch[:, ::-1])
    np.testing.assert_array_equal(patch, patch.T)
    sigma = 7 / 6
    assert hm[10, 16] == pytest.approx(math.exp(-1 / (2 * sigma ** 2)), rel=1e-6)
    # nothing outside the (2r+1) window
    mask = np.zeros_like(hm, bool)
    mask[7:14, 12:19] = True
    assert not hm[~mask].any()
    # radius 0 writes a single 1
    hm0 = np.zeros((5, 5), np.float32)
    draw_umich_gaussian(hm0, (2.9, 1.2), 0)
    assert hm0[1, 2] == 1.0 and hm0.sum() == 1.0


def test_draw_umich_gaussian_border_clipping_and_max():
    r = 4
    full = gaussian2d((2 * r + 1, 2 * r + 1), sigma=(2 * r + 1) / 6)
    hm = np.zeros((10, 12), np.float32)
    draw_umich_gaussian(hm, (0, 0), r)  # top-left corner: only the bottom-right quadrant
    np.testing.assert_allclose(hm[: r + 1, : r + 1], full[r:, r:].astype(np.float32))
    assert not hm[r + 1:, :].any() and not hm[:, r + 1:].any()
    hm = np.zeros((10, 12), np.float32)
    draw_umich_gaussian(hm, (11, 9), r)  # bottom-right corner
    np.testing.assert_allclose(hm[10 - r - 1:, 12 - r - 1:], full[: r + 1, : r + 1].astype(np.float32))
    # element-wise max: a second, weaker peak never lowers existing values
    before = hm.copy()
    draw_umich_gaussian(hm, (10, 8), 2, k=0.5)
    assert np.all(hm >= before)
    assert hm[9, 11] == 1.0
    assert hm[8, 10] == pytest.approx(max(before[8, 10], 0.5))


def test_build_targets_single_object_exact():
    out_w, out_h = 32, 16
    t = build_targets(np.array([[0, 7, 0.5, 0.5, 0.25, 0.5]]), out_w, out_h, max_objs=8)
    assert set(t) == {"hm", "reg_mask", "ind", "wh", "reg", "ids"}
    assert t["hm"].shape == (1, 16, 32) and t["hm"].dtype == np.float32
    assert t["reg_mask"].shape == (8,) and t["reg_mask"].dtype == np.uint8
    assert t["ind"].dtype == np.int64 and t["ids"].dtype == np.int64
    assert t["wh"].shape == (8, 4) and t["wh"].dtype == np.float32
    assert t["reg"].shape == (8, 2) and t["reg"].dtype == np.float32
    # centre (16, 8), box 8 x 8
    assert t["ind"][0] == 8 * 32 + 16
    np.testing.assert_array_equal(t["reg"][0], [0, 0])
    np.testing.assert_array_equal(t["wh"][0], [4, 4, 4, 4])
    assert t["reg_mask"].tolist() == [1, 0, 0, 0, 0, 0, 0, 0]
    assert t["ids"].tolist() == [7, 0, 0, 0, 0, 0, 0, 0]  # unused slots stay 0 (official np.zeros)
    assert t["hm"][0, 8, 16] == 1.0
    r = int(gaussian_radius((8, 8)))
    expected = np.zeros((16, 32), np.float32)
    draw_umich_gaussian(expected, (16, 8), r)
    np.testing.assert_array_equal(t["hm"][0], expected)


def test_build_targets_fractional_centre_and_ltrb():
    out_w, out_h = 32, 16
    lab = np.array([[0, 2, 0.3, 0.7, 0.1, 0.2]], np.float32)
    t = build_targets(lab, out_w, out_h, max_objs=4)
    cx, cy = np.float32(0.3) * 32, np.float32(0.7) * 16  # 9.6, 11.2
    w, h = np.float32(0.1) * 32, np.float32(0.2) * 16
    assert t["ind"][0] == 11 * 32 + 9
    np.testing.assert_allclose(t["reg"][0], [cx - 9, cy - 11], atol=1e-6)
    np.testing.assert_allclose(t["wh"][0], [w / 2, h / 2, w / 2, h / 2], atol=1e-5)
    assert t["hm"][0, 11, 9] == 1.0
    t2 = build_targets(lab, out_w, out_h, max_objs=4, ltrb=False)
    assert t2["wh"].shape == (4, 2)
    np.testing.assert_allclose(t2["wh"][0], [w, h], atol=1e-6)
    np.testing.assert_array_equal(t2["hm"], t["hm"])


def test_build_targets_centre_clipping_uses_amodal_box():
    out_w, out_h = 32, 16
    # centre right of and above the image: cx = 33.6, cy = -0.8; w = 6.4, h = 3.2
    t = build_targets(np.array([[0, 1, 1.05, -0.05, 0.2, 0.2]]), out_w, out_h, max_objs=2)
    cx, cy = np.float32(1.05) * 32, np.float32(-0.05) * 16
    w, h = np.float32(0.2) * 32, np.float32(0.2) * 16
    x1, y1 = cx - w / 2, cy - h / 2
    x2, y2 = x1 + w, y1 + h
    ct = np.array([31.0, 0.0])
    assert t["ind"][0] == 0 * 32 + 31
    np.testing.assert_allclose(t["reg"][0], [0, 0], atol=0)
    np.testing.assert_allclose(t["wh"][0], [ct[0] - x1, ct[1] - y1, x2 - ct[0], y2 - ct[1]], atol=1e-5)
    assert t["wh"][0, 0] < t["wh"][0, 2]  # asymmetric: the clipped centre is left of the true one
    assert t["hm"][0, 0, 31] == 1.0


def test_build_targets_skips_zero_size_and_keeps_slots():
    lab = np.array([
        [0, 4, 0.5, 0.5, 0.0, 0.3],   # w == 0 -> skipped, slot 0 stays empty
        [0, -1, 0.25, 0.25, 0.2, 0.3],
        [0, 9, 0.5, 0.5, 0.2, -0.1],  # h < 0 -> skipped
        [0, 5, 0.75, 0.75, 0.2, 0.3],
    ])
    t = build_targets(lab, 40, 20, max_objs=6)
    assert t["reg_mask"].tolist() == [0, 1, 0, 1, 0, 0]
    assert t["ids"].tolist() == [0, -1, 0, 5, 0, 0]
    assert t["ind"][0] == 0 and t["ind"][2] == 0
    assert t["ind"][1] == 5 * 40 + 10 and t["ind"][3] == 15 * 40 + 30
    assert not t["wh"][0].any() and not t["wh"][2].any()
    assert (t["hm"] == 1.0).sum() == 2


def test_build_targets_max_objs_cap_and_empty():
    lab = np.array([[0, k, 0.05 + 0.09 * k, 0.5, 0.05, 0.3] for k in range(10)])
    t = build_targets(lab, 100, 20, max_objs=4)
    assert t["reg_mask"].tolist() == [1, 1, 1, 1]
    assert t["ids"].tolist() == [0, 1, 2, 3]
    assert (t["hm"] == 1.0).sum() == 4
    for labels in (np.zeros((0, 6)), np.array([])):
        e = build_targets(labels, 100, 20, max_objs=3)
        assert not e["hm"].any() and not e["reg_mask"].any() and e["wh"].shape == (3, 4)


def test_build_targets_classes_and_errors():
    lab = np.array([[1, 0, 0.5, 0.5, 0.2, 0.2], [0, 1, 0.2, 0.2, 0.2, 0.2]])
    t = build_targets(lab, 20, 20, num_classes=2, max_objs=2)
    assert t["hm"].shape == (2, 20, 20)
    assert t["hm"][1, 10, 10] == 1.0 and t["hm"][0, 4, 4] == 1.0 and t["hm"][0, 10, 10] < 1.0
    with pytest.raises(ValueError, match="class"):
        build_targets(lab, 20, 20, num_classes=1)
    with pytest.raises(ValueError, match="shape"):
        build_targets(np.zeros((2, 5)), 20, 20)
    with pytest.raises(ValueError, match="NaN"):
        build_targets(np.array([[0, 0, np.nan, 0.5, 0.1, 0.1]]), 20, 20)
    with pytest.raises(ValueError, match="positive"):
        build_targets(np.zeros((0, 6)), 0, 20)


def test_build_targets_does_not_modify_labels():
    lab = np.array([[0, 3, 0.4, 0.6, 0.2, 0.1]], np.float32)
    before = lab.copy()
    build_targets(lab, 16, 8)
    np.testing.assert_array_equal(lab, before)
