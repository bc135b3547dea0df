"""Regression tests of the robustness probe of the native code (issue 13, item 4).

Each finding gets the input that exposed it and an independent reference (numpy float64,
scipy, or an invariance the result must have). The valid ranges are those of
docs/valid_inputs.md.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.optimize import linear_sum_assignment

from fairmot import _tracker
from fairmot.ops import DCN, deform_conv2d
from fairmot.tracking.core import JDETracker, KalmanFilter, embedding_distance, iou_distance, lapjv

# ------------------------------------------------------------------ lapjv: the limit rule


def _thresholded_optimum(cost: np.ndarray, limit: float) -> float:
    """min over matchings of sum(c_ij - L) over matched pairs with c_ij <= L (scipy on the
    padded square formulation: every row and column may stay unmatched at cost 0)."""
    n, m = cost.shape
    big = 1e300
    sub = np.where(cost <= limit, cost - limit, big)
    padded = np.zeros((n + m, n + m))
    padded[:n, :m] = sub
    padded[:n, m:] = big
    np.fill_diagonal(padded[:n, m:], 0.0)
    padded[n:, :m] = big
    np.fill_diagonal(padded[n:, :m], 0.0)
    r, c = linear_sum_assignment(padded)
    return float(sum(padded[i, j] for i, j in zip(r, c) if i < n and j < m))


def test_lapjv_limit_rule_with_huge_finite_costs():
    # The power-of-two rescale underflowed 1e-60 to 0 next to 1e300, so the pair "cost <= 0" matched.
    total, x, y = lapjv(np.array([[1e300, 1e-60]]), True, 0.0)
    assert x.tolist() == [-1] and y.tolist() == [-1, -1] and total == 0.0
    total, x, y = lapjv(np.array([[1e300, 1e-60]]), True, 1e-60)
    assert x.tolist() == [1] and total == 1e-60


@pytest.mark.parametrize("seed", range(30))
def test_lapjv_every_finite_input_obeys_the_limit(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 7, size=2)
    # Tiny, ordinary and huge magnitudes, both signs: the scale exponent is set by the huge ones.
    mags = rng.choice([1e-300, 1e-60, 1e-3, 1.0, 1e200, 1e300, 1.7e308], size=(n, m))
    cost = mags * rng.choice([-1.0, 1.0], size=(n, m)) * rng.uniform(0.5, 1.0, size=(n, m))
    limit = float(rng.choice([0.0, 1e-60, 1e-3, 1.0, -1e-60]))
    total, x, y = lapjv(cost, True, limit)
    for i, j in enumerate(x):
        if j >= 0:
            assert cost[i, j] <= limit, (cost, limit, x)
            assert y[j] == i
    # Pairs at most the limit but tiny next to the scale may not be distinguishable, so compare
    # the objective on matrices whose allowed entries are all ordinary-sized.
    if np.all(np.abs(cost[cost <= limit]) >= 1e-3) and np.all(np.abs(cost[cost <= limit]) <= 1e10):
        got = sum(cost[i, j] - limit for i, j in enumerate(x) if j >= 0)
        assert got == pytest.approx(_thresholded_optimum(cost, limit), rel=1e-12, abs=1e-12)


def test_lapjv_extreme_finite_totals_are_minus_inf():
    big = np.array([[1.7e308, -1.7e308], [-1.7e308, 1.7e308]])
    for args in ((), (True,), (True, 1.0)):
        total, x, y = lapjv(big, *args)
        assert x.tolist() == [1, 0] and y.tolist() == [1, 0]
        assert total == -math.inf  # numpy's sum of the two pairs, as lap reports it


def test_linear_assignment_limit_rule_with_huge_costs():
    matches, ur, uc = _tracker.linear_assignment(np.array([[1e300, 1e-60], [1e-60, 0.0]]), 0.0)
    assert matches.tolist() == [[1, 1]] and ur.tolist() == [0] and uc.tolist() == [0]


# ------------------------------------------------------------------ distances


def _iou_reference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.zeros((len(a), len(b)))
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            iw = min(p[2], q[2]) - max(p[0], q[0]) + 1
            ih = min(p[3], q[3]) - max(p[1], q[1]) + 1
            inter = iw * ih if iw > 0 and ih > 0 else 0.0
            ua = (p[2] - p[0] + 1) * (p[3] - p[1] + 1) + (q[2] - q[0] + 1) * (q[3] - q[1] + 1) - inter
            out[i, j] = 1 - (inter / ua if inter > 0 and ua > 0 else 0.0)
    return out


def test_iou_distance_valid_range_and_huge_boxes():
    boxes = np.array([[0, 0, 1e50, 1e50], [-1e50, -1e50, 0, 0], [0, 0, 3e49, 1e50]])
    got = iou_distance(boxes, boxes)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, _iou_reference(boxes, boxes), rtol=0, atol=1e-15)
    assert got[0, 0] == 0.0
    for bad in (1e200, -1.0000001e50, 1.7e308):
        with pytest.raises(ValueError, match="valid range"):
            iou_distance(np.array([[0, 0, bad, 1.0]]), boxes)
        with pytest.raises(ValueError, match="boxes_b"):
            iou_distance(boxes, np.array([[0, 0, 1.0, bad]]))


def test_iou_distance_shapes():
    with pytest.raises(ValueError, match=r"\(5, 0\)"):
        iou_distance(np.zeros((5, 0)), np.zeros((3, 4)))
    with pytest.raises(ValueError):
        iou_distance(np.zeros((3, 4)), np.zeros((2, 0)))
    for empty in (np.zeros((0,)), np.zeros((0, 4)), np.zeros((0, 0)), []):
        assert iou_distance(empty, np.zeros((3, 4))).shape == (0, 3)
        assert iou_distance(np.zeros((2, 4)), empty).shape == (2, 0)


def _cosine_reference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine distance with each row scaled by its largest entry first (exact powers of two)."""
    def unit(v):
        v = np.asarray(v, dtype=np.float64)
        big = np.max(np.abs(v), axis=1, keepdims=True)
        big[big == 0] = 1
        v = v / 2.0 ** np.floor(np.log2(big))
        n = np.linalg.norm(v, axis=1, keepdims=True)
        n[n == 0] = np.inf
        return v / n
    return np.maximum(0.0, 1.0 - unit(a) @ unit(b).T)


@pytest.mark.parametrize("scale", [1e-200, 1e-300, 1e-320, 1e200, 1e300, 3e307])
def test_embedding_distance_extreme_magnitudes(scale):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4, 8)), rng.normal(size=(5, 8))
    ordinary = embedding_distance(a, b)
    # Identical vectors are at distance 0 at any scale; the cosine does not depend on scale.
    got = embedding_distance(a * scale if scale > 1e-310 else np.sign(a) * scale, b)
    assert np.all(np.isfinite(got))
    if scale > 1e-310:
        np.testing.assert_allclose(got, ordinary, rtol=0, atol=1e-12)
    else:  # subnormal: only the signs survive
        np.testing.assert_allclose(got, _cosine_reference(np.sign(a), b), rtol=0, atol=1e-12)
    same = np.full((1, 4), scale)
    assert embedding_distance(same, same)[0, 0] == pytest.approx(0.0, abs=1e-15)
    # Mixed: extreme and ordinary rows in one call.
    mixed = np.vstack([a[:2] * scale, a[2:]]) if scale > 1e-310 else a
    np.testing.assert_allclose(embedding_distance(mixed, b), ordinary, rtol=0, atol=1e-12)


def test_embedding_distance_ordinary_inputs_unchanged():
    # Ordinary rows keep the direct float64 computation: the same bits as before the rescale path.
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(6, 16)), rng.normal(size=(7, 16))
    want = np.maximum(0.0, 1.0 - np.array(
        [[math.fsum(u * v) / (math.sqrt(math.fsum(u * u)) * math.sqrt(math.fsum(v * v))) for v in b] for u in a]))
    np.testing.assert_allclose(embedding_distance(a, b), want, rtol=0, atol=1e-15)
    z = np.zeros((1, 16))
    assert embedding_distance(z, b).tolist() == [[1.0] * 7]  # a zero vector: cosine 0


def test_embedding_distance_shapes():
    with pytest.raises(ValueError, match="at least one feature"):
        embedding_distance(np.zeros((3, 0)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="at least one feature"):
        embedding_distance(np.zeros((4, 5)), np.zeros((3, 0)))
    with pytest.raises(ValueError, match="dimensions differ"):
        embedding_distance(np.zeros((0, 3)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="dimensions differ"):
        embedding_distance(np.ones((2, 3)), np.ones((4, 5)))
    assert embedding_distance(np.zeros((0, 5)), np.ones((4, 5))).shape == (0, 4)
    assert embedding_distance(np.zeros((0,)), np.ones((4, 5))).shape == (0, 4)
    assert embedding_distance(np.ones((2, 5)), np.zeros((0, 0))).shape == (2, 0)


# ------------------------------------------------------------------ Kalman filter


def _kalman_reference_update(mean, cov, z):
    """The textbook update in float64 numpy (official §4.5 noise model)."""
    std = [mean[3] / 20, mean[3] / 20, 1e-1, mean[3] / 20]
    H = np.zeros((4, 8))
    H[:, :4] = np.eye(4)
    S = H @ cov @ H.T + np.diag(np.square(std))
    K = cov @ H.T @ np.linalg.inv(S)
    return mean + K @ (z - H @ mean), cov - K @ S @ K.T


@pytest.mark.parametrize("h", [1e3, 1e20, 1e49, 1e50])
def test_kalman_huge_boxes_inside_the_range(h):
    kf = KalmanFilter()
    z = np.array([h / 3, -h / 7, 0.4, h])
    mean, cov = kf.initiate(z)
    for _ in range(5):
        mean, cov = kf.predict(mean, cov)
        want_mean, want_cov = _kalman_reference_update(mean, cov, z * 0.99)
        mean, cov = kf.update(mean, cov, z * 0.99)
        assert np.all(np.isfinite(mean)) and np.all(np.isfinite(cov))
        np.testing.assert_allclose(mean, want_mean, rtol=1e-9, atol=0)
        np.testing.assert_allclose(np.diag(cov), np.diag(want_cov), rtol=1e-6)
    d = kf.gating_distance(mean, cov, z[None] * 0.99)
    assert np.all(np.isfinite(d))


def test_kalman_rejects_out_of_range_values():
    kf = KalmanFilter()
    with pytest.raises(ValueError, match="measurement contains 1e\\+160, outside the valid range"):
        kf.initiate(np.array([1, 2, 0.5, 1e160]))
    mean, cov = kf.initiate(np.array([1, 2, 0.5, 100.0]))
    big_mean = mean.copy()
    big_mean[0] = 2e50
    with pytest.raises(ValueError, match="mean"):
        kf.predict(big_mean, cov)
    big_cov = cov.copy()
    big_cov[0, 0] = 1e101
    with pytest.raises(ValueError, match="covariance"):
        kf.update(mean, big_cov, np.array([1, 2, 0.5, 100.0]))
    with pytest.raises(ValueError, match="measurement"):
        kf.update(mean, cov, np.array([1, 2, 0.5, 1.3e155]))


def test_kalman_rejects_complex_and_strings():
    kf = KalmanFilter()
    z = np.array([1, 2, 0.5, 100.0])
    with pytest.raises(TypeError, match="real numbers.*complex"):
        kf.initiate(z + 0.5j)
    with pytest.raises(TypeError, match="real numbers"):
        kf.initiate(["1", "2", "0.5", "100"])
    mean, cov = kf.initiate(z)
    with pytest.raises(TypeError, match="mean"):
        kf.predict(mean.astype(complex), cov)
    with pytest.raises(TypeError, match="covariance"):
        kf.project(mean, cov.astype(object))
    with pytest.raises(TypeError, match="measurement"):
        kf.update(mean, cov, z.astype(np.complex64))
    with pytest.raises(TypeError, match="measurements"):
        kf.gating_distance(mean, cov, [["1", "2", "3", "4"]], metric="gaussian")
    # Real inputs of any real dtype still work.
    m2, c2 = kf.initiate(z.astype(np.float32))
    np.testing.assert_array_equal(m2, kf.initiate(z)[0])


# ------------------------------------------------------------------ JDETracker


def test_tracker_constructor_rejects_strings():
    with pytest.raises(TypeError, match="conf_thres"):
        JDETracker(conf_thres="0.5")
    with pytest.raises(TypeError):
        _tracker.JDETracker("0.5")


def test_tracker_rejects_boxes_outside_the_range_and_keeps_its_state():
    t = JDETracker()
    emb = np.ones((1, 4), np.float32)
    t.update(np.array([[0, 0, 10, 20.0]]), np.array([0.9]), emb)
    with pytest.raises(ValueError, match="out of range"):
        t.update(np.array([[0, 0, 10, 1.3e155]]), np.array([0.9]), emb)
    with pytest.raises(ValueError, match="out of range"):
        t.update(np.array([[-1e51, 0, 10, 20]]), np.array([0.9]), emb)
    assert t.frame_id == 1 and t.num_tracked == 1
    # Inside the range, huge boxes are tracked with finite numbers.
    h = 1e50
    big = JDETracker()
    for k in range(4):
        r = big.update(np.array([[0, 0, h / 2, h * (1 - k * 1e-3)]]), np.array([0.9]), emb)
        assert len(r) == 1 and r.ids.tolist() == [1] and np.all(np.isfinite(r.tlwh))


def _two_candidates(features_1, features_2):
    """Frame 1: one detection; frame 2: an orthogonal embedding on the predicted box and the same
    embedding slightly shifted. Appearance must win: the track takes the shifted detection."""
    t = JDETracker()
    box = np.array([[100, 100, 150, 220.0]])
    t.update(box, np.array([0.9]), features_1)
    boxes2 = np.vstack([box, box + np.array([3, 3, 3, 3.0])])
    return t.update(boxes2, np.array([0.9, 0.9]), features_2)


def test_tracker_float32_embedding_whose_norm_overflows():
    big = np.array([[3e38, 3e38, 3e38, 3e38]], np.float32)  # finite, |v| = 6e38 > float32 max
    unit = np.array([[0.5, 0.5, 0.5, 0.5]], np.float32)
    other = np.array([[0.5, -0.5, 0.5, -0.5]], np.float32)
    want = _two_candidates(unit, np.vstack([other, unit]))
    got = _two_candidates(big, np.vstack([other, big]))
    assert want.det_index.tolist() == [1]  # the reference: appearance decides
    for w, g in zip(want, got):
        np.testing.assert_array_equal(w, g)


# ------------------------------------------------------------------ deform_conv2d


def test_dcn_zero_size_kernel_is_a_clear_error():
    for ks in (0, (0, 3), (3, 0), (-1, 3)):
        with pytest.raises(ValueError, match="kernel_size must be positive"):
            DCN(2, 2, ks)
    with pytest.raises(ValueError, match="in_channels"):
        DCN(0, 2, 3)
    with pytest.raises(TypeError, match="out_channels"):
        DCN(2, 2.5, 3)
    x = torch.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match="kernel size must be positive"):
        deform_conv2d(x, torch.zeros(1, 0, 4, 4), torch.zeros(1, 1, 0, 3))


def _raw(x, weight, offset, stride=1, pad=0, dil=1):
    return torch.ops.fairmot.deform_conv2d(x, weight, offset, torch.zeros(0), torch.zeros(weight.shape[0]),
                                           stride, stride, pad, pad, dil, dil, 1, 1, False)


@pytest.mark.parametrize("big", [2**62, 2**62 + 12345, 2**63 - 1])
def test_deform_conv2d_huge_padding_and_dilation_do_not_overflow(big):
    x, w, off = torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 3, 3), torch.zeros(1, 18, 4, 4)
    with pytest.raises(RuntimeError, match="padding .* is too large"):
        _raw(x, w, off, pad=big)
    with pytest.raises(RuntimeError, match="dilation .* is too large"):
        _raw(x, w, off, dil=big)
    # The Python wrapper (arbitrary-precision ints) reports them as a size mismatch, not garbage.
    with pytest.raises(ValueError):
        deform_conv2d(x, off, w, padding=big)
    with pytest.raises(ValueError):
        deform_conv2d(x, off, w, dilation=big)


def test_deform_conv2d_valid_padding_unchanged():
    torch.manual_seed(0)
    x, w, off = torch.randn(1, 2, 5, 5), torch.randn(3, 2, 3, 3), torch.zeros(1, 18, 7, 7)
    got = deform_conv2d(x, off, w, padding=2)
    want = torch.nn.functional.conv2d(x.double(), w.double(), padding=2).float()
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


def test_tracker_ignores_detections_whose_aspect_overflows():
    """Found by the fuzz target (csrc/tracker/fuzz/regressions/tracker_subnormal_height): a subnormal
    height makes w / h infinite and the track's box -inf/inf. Such detections are ignored, like
    zero-height ones; the others are tracked exactly as without them."""
    emb = np.array([[1, 0], [0, 1], [1, 1]], np.float32)
    boxes = np.array([[532.3125, 0.0, 675.625, 5e-324], [1027.9, 772.9, 1136.8, 1055.8],
                      [100, 100, 150, 220.0]])
    scores = np.array([1.0, 1.0, 0.9])
    with_bad, without = JDETracker(), JDETracker()
    for k in range(3):
        shift = np.array([k, k, k, k], dtype=np.float64)
        got = with_bad.update(boxes + shift * [[0], [1], [1]], scores, emb)
        want = without.update((boxes + shift * [[0], [1], [1]])[1:], scores[1:], emb[1:])
        assert np.all(np.isfinite(got.tlwh))
        np.testing.assert_array_equal(got.ids, want.ids)
        np.testing.assert_array_equal(got.tlwh, want.tlwh)
        np.testing.assert_array_equal(got.det_index, want.det_index + 1)
    # Ordinary tiny heights (finite aspect) are still tracked.
    t = JDETracker()
    r = t.update(np.array([[0, 0, 1e-3, 1e-200]]), np.array([0.9]), emb[:1])
    assert len(r) == 1 and np.all(np.isfinite(r.tlwh))
