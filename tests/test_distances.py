"""Tests for ``fairmot.tracking.iou_distance``, ``embedding_distance`` and
``fuse_motion`` (docs/official_behaviour.md §4.4 step 3, §4.7, §9).

References are float64 numpy / scipy code written here.
"""

import numpy as np
import pytest
import scipy.linalg
from scipy.spatial.distance import cdist

import fairmot.tracking as tracking  # noqa: E402

INF = np.inf
CHI2_4 = 9.4877
SP = 1.0 / 20
SV = 1.0 / 160


# --------------------------------------------------------------------------
# references
# --------------------------------------------------------------------------


def ref_iou(a, b):
    """cython_bbox.bbox_overlaps semantics (+1 pixel convention), float64."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    out = np.zeros((len(a), len(b)), np.float64)
    for k in range(len(b)):
        q = b[k]
        q_area = (q[2] - q[0] + 1) * (q[3] - q[1] + 1)
        for n in range(len(a)):
            p = a[n]
            iw = min(p[2], q[2]) - max(p[0], q[0]) + 1
            if iw > 0:
                ih = min(p[3], q[3]) - max(p[1], q[1]) + 1
                if ih > 0:
                    ua = (p[2] - p[0] + 1) * (p[3] - p[1] + 1) + q_area - iw * ih
                    out[n, k] = iw * ih / ua
    return out


def ref_iou_distance(a, b):
    return 1.0 - ref_iou(a, b)


def ref_embedding_distance(t, d):
    t = np.asarray(t, np.float64)
    d = np.asarray(d, np.float64)
    if len(t) == 0 or len(d) == 0:
        return np.zeros((len(t), len(d)))
    return np.maximum(0.0, cdist(t, d, "cosine"))


def ref_project(mean, cov):
    h = mean[3]
    r = np.diag(np.array([SP * h, SP * h, 1e-1, SP * h]) ** 2)
    return mean[:4].copy(), cov[:4, :4] + r


def ref_gating(mean, cov, meas):
    m, s = ref_project(mean, cov)
    low = np.linalg.cholesky(s)
    z = scipy.linalg.solve_triangular(low, (np.asarray(meas, np.float64) - m).T, lower=True)
    return np.sum(z * z, axis=0)


def ref_fuse_motion(cost, means, covs, meas, lambda_=0.98):
    out = np.array(cost, dtype=np.float64, copy=True)
    if out.size == 0:
        return out, np.zeros(out.shape)
    dist = np.zeros(out.shape)
    for i in range(out.shape[0]):
        d = ref_gating(means[i], covs[i], meas)
        dist[i] = d
        out[i, d > CHI2_4] = INF
        out[i] = lambda_ * out[i] + (1 - lambda_) * d
    return out, dist


# --------------------------------------------------------------------------
# data generators
# --------------------------------------------------------------------------


def random_boxes(rng, n, integer=False):
    x1 = rng.uniform(0, 300, n)
    y1 = rng.uniform(0, 300, n)
    w = rng.uniform(0, 120, n)
    h = rng.uniform(0, 120, n)
    b = np.stack([x1, y1, x1 + w, y1 + h], axis=1)
    return np.round(b) if integer else b


def random_tracks(rng, n):
    means, covs = [], []
    for _ in range(n):
        z = np.array([rng.uniform(0, 1920), rng.uniform(0, 1080), rng.uniform(0.3, 0.8),
                      rng.uniform(30, 300)])
        h = z[3]
        mean = np.concatenate([z, rng.normal(0, 2, 4) * [1, 1, 0.001, 0.2]])
        std = np.array([2 * SP * h, 2 * SP * h, 1e-2, 2 * SP * h,
                        10 * SV * h, 10 * SV * h, 1e-5, 10 * SV * h]) * rng.uniform(0.7, 3.0)
        a = rng.normal(0, 0.2, (8, 8))
        corr = np.eye(8) + 0.5 * (a @ a.T) / 8
        dinv = 1 / np.sqrt(np.diag(corr))
        corr = corr * dinv[:, None] * dinv[None, :]
        means.append(mean)
        covs.append(corr * std[:, None] * std[None, :])
    return np.array(means).reshape(n, 8), np.array(covs).reshape(n, 8, 8)


def detections_near(rng, means, m):
    """Detections around the tracks: some close (gated in), some far."""
    n = len(means)
    det = np.empty((m, 4))
    for j in range(m):
        base = means[rng.integers(n)][:4] if n else np.array([500.0, 500.0, 0.5, 100.0])
        h = base[3]
        scale = rng.choice([0.02, 0.05, 0.1, 0.3])
        det[j] = base + rng.normal(0, 1, 4) * [scale * h, scale * h, 0.02, scale * h]
    det[:, 3] = np.maximum(det[:, 3], 5.0)
    return det


@pytest.fixture
def kf():
    return tracking.KalmanFilter()


def assert_float64(a, shape):
    a = np.asarray(a)
    assert a.shape == shape, (a.shape, shape)
    assert a.dtype == np.float64, a.dtype


# --------------------------------------------------------------------------
# iou_distance
# --------------------------------------------------------------------------


def test_iou_distance_identical_zero_size_boxes_is_zero():
    a = np.array([[5.0, 7.0, 5.0, 7.0]])
    d = tracking.iou_distance(a, a.copy())
    assert_float64(d, (1, 1))
    assert d[0, 0] == 0.0


def test_iou_distance_adjacent_boxes_without_overlap_is_one():
    d = tracking.iou_distance(np.array([[0.0, 0.0, 9.0, 9.0]]), np.array([[10.0, 0.0, 19.0, 9.0]]))
    assert d[0, 0] == 1.0


def test_iou_distance_one_pixel_column_overlap_is_10_over_190():
    d = tracking.iou_distance(np.array([[0.0, 0.0, 9.0, 9.0]]), np.array([[9.0, 0.0, 18.0, 9.0]]))
    assert d[0, 0] == 1.0 - 10.0 / 190.0


def test_iou_distance_identical_boxes_is_zero():
    rng = np.random.default_rng(0)
    b = random_boxes(rng, 20)
    d = np.asarray(tracking.iou_distance(b, b.copy()))
    np.testing.assert_allclose(np.diag(d), 0.0, atol=1e-15)


def test_iou_distance_matches_reference_random():
    rng = np.random.default_rng(1)
    for k in range(60):
        n, m = (int(v) for v in rng.integers(1, 12, size=2))
        a = random_boxes(rng, n, integer=(k % 2 == 0))
        b = random_boxes(rng, m, integer=(k % 2 == 0))
        a0, b0 = a.copy(), b.copy()
        d = tracking.iou_distance(a, b)
        np.testing.assert_array_equal(a, a0)
        np.testing.assert_array_equal(b, b0)
        assert_float64(d, (n, m))
        np.testing.assert_allclose(d, ref_iou_distance(a, b), rtol=0, atol=1e-14)


def test_iou_distance_touching_and_nested_boxes():
    a = np.array([[0.0, 0.0, 9.0, 9.0]])
    b = np.array([
        [9.0, 9.0, 20.0, 20.0],    # one-pixel corner overlap
        [10.0, 10.0, 20.0, 20.0],  # touching corner: iw = ih = 0
        [2.0, 2.0, 5.0, 5.0],      # nested
        [-5.0, -5.0, 30.0, 30.0],  # containing
        [0.0, 10.0, 9.0, 19.0],    # adjacent vertically
        [0.0, 9.5, 9.0, 19.0],     # half-pixel overlap (ih = 0.5)
    ])
    d = tracking.iou_distance(a, b)
    np.testing.assert_allclose(d, ref_iou_distance(a, b), rtol=0, atol=1e-15)
    assert d[0, 1] == 1.0 and d[0, 4] == 1.0
    np.testing.assert_allclose(d[0, 2], 1 - 16 / 100, rtol=0, atol=1e-15)


def test_iou_distance_float32_inputs_widened_to_float64():
    rng = np.random.default_rng(2)
    a = random_boxes(rng, 6).astype(np.float32)
    b = random_boxes(rng, 7).astype(np.float32)
    d = tracking.iou_distance(a, b)
    assert_float64(d, (6, 7))
    np.testing.assert_allclose(d, ref_iou_distance(a.astype(np.float64), b.astype(np.float64)),
                               rtol=0, atol=1e-14)


def test_iou_distance_symmetric():
    rng = np.random.default_rng(3)
    a = random_boxes(rng, 8)
    b = random_boxes(rng, 5)
    np.testing.assert_allclose(tracking.iou_distance(a, b), np.asarray(tracking.iou_distance(b, a)).T,
                               rtol=0, atol=1e-15)


@pytest.mark.parametrize("n,m", [(0, 3), (3, 0), (0, 0)])
def test_iou_distance_empty_inputs(n, m):
    rng = np.random.default_rng(4)
    d = tracking.iou_distance(random_boxes(rng, n).reshape(n, 4), random_boxes(rng, m).reshape(m, 4))
    assert_float64(d, (n, m))


@pytest.mark.parametrize("a,b", [
    (np.zeros((2, 3)), np.zeros((2, 4))),
    (np.zeros((2, 4)), np.zeros((2, 5))),
    (np.zeros(4), np.zeros((2, 4))),
    (np.zeros((1, 2, 4)), np.zeros((2, 4))),
])
def test_iou_distance_bad_shapes_raise(a, b):
    with pytest.raises(ValueError):
        tracking.iou_distance(a, b)


def test_iou_distance_nan_raises():
    a = np.array([[0.0, 0.0, np.nan, 9.0]])
    b = np.array([[0.0, 0.0, 9.0, 9.0]])
    with pytest.raises(ValueError):
        tracking.iou_distance(a, b)
    with pytest.raises(ValueError):
        tracking.iou_distance(b, a)


# --------------------------------------------------------------------------
# embedding_distance
# --------------------------------------------------------------------------


def normalised(rng, n, d, dtype=np.float32):
    f = rng.normal(0, 1, (n, d)).astype(dtype)
    return (f / np.linalg.norm(f, axis=1, keepdims=True)).astype(dtype)


def test_embedding_distance_matches_scipy_cdist_cosine_float32_features():
    rng = np.random.default_rng(10)
    for _ in range(20):
        n, m = (int(v) for v in rng.integers(1, 15, size=2))
        t = normalised(rng, n, 128)
        d = normalised(rng, m, 128)
        t0, d0 = t.copy(), d.copy()
        got = tracking.embedding_distance(t, d)
        np.testing.assert_array_equal(t, t0)
        np.testing.assert_array_equal(d, d0)
        assert_float64(got, (n, m))
        np.testing.assert_allclose(got, ref_embedding_distance(t, d), rtol=0, atol=1e-13)


def test_embedding_distance_matches_scipy_float64_unnormalised():
    rng = np.random.default_rng(11)
    t = rng.normal(0, 3, (7, 64))
    d = rng.normal(0, 0.1, (9, 64))
    got = tracking.embedding_distance(t, d)
    assert_float64(got, (7, 9))
    np.testing.assert_allclose(got, ref_embedding_distance(t, d), rtol=0, atol=1e-13)


def test_embedding_distance_is_never_negative_for_identical_vectors():
    rng = np.random.default_rng(12)
    f = normalised(rng, 50, 128)
    got = np.asarray(tracking.embedding_distance(f, f.copy()))
    assert np.all(got >= 0.0)
    np.testing.assert_allclose(np.diag(got), 0.0, atol=1e-12)


def test_embedding_distance_opposite_and_orthogonal_vectors():
    t = np.array([[1.0, 0.0, 0.0]])
    d = np.array([[-1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [3.0, 0.0, 0.0]])
    got = tracking.embedding_distance(t, d)
    np.testing.assert_allclose(got, [[2.0, 1.0, 0.0]], atol=1e-15)


@pytest.mark.parametrize("n,m", [(0, 4), (4, 0), (0, 0)])
def test_embedding_distance_empty_inputs(n, m):
    rng = np.random.default_rng(13)
    got = tracking.embedding_distance(normalised(rng, n, 16).reshape(n, 16),
                                      normalised(rng, m, 16).reshape(m, 16))
    assert_float64(got, (n, m))


def test_embedding_distance_mismatched_dimension_raises():
    rng = np.random.default_rng(14)
    with pytest.raises(ValueError):
        tracking.embedding_distance(normalised(rng, 3, 16), normalised(rng, 3, 17))


@pytest.mark.parametrize("t,d", [
    (np.ones(8), np.ones((2, 8))),
    (np.ones((2, 8)), np.ones(8)),
    (np.ones((1, 2, 8)), np.ones((2, 8))),
])
def test_embedding_distance_wrong_ndim_raises(t, d):
    with pytest.raises(ValueError):
        tracking.embedding_distance(t, d)


def test_embedding_distance_nan_raises():
    rng = np.random.default_rng(15)
    t = normalised(rng, 2, 8)
    d = normalised(rng, 3, 8)
    t_bad = t.copy()
    t_bad[1, 3] = np.nan
    with pytest.raises(ValueError):
        tracking.embedding_distance(t_bad, d)
    d_bad = d.copy()
    d_bad[0, 0] = np.nan
    with pytest.raises(ValueError):
        tracking.embedding_distance(t, d_bad)


# --------------------------------------------------------------------------
# fuse_motion
# --------------------------------------------------------------------------


def test_fuse_motion_matches_reference(kf):
    rng = np.random.default_rng(20)
    n_inf = n_fin = 0
    for _ in range(30):
        n, m = (int(v) for v in rng.integers(1, 10, size=2))
        means, covs = random_tracks(rng, n)
        det = detections_near(rng, means, m)
        cost = rng.uniform(0.0, 1.0, (n, m))
        args = [a.copy() for a in (cost, means, covs, det)]
        got = tracking.fuse_motion(kf, *args)
        np.testing.assert_array_equal(args[1], means)
        np.testing.assert_array_equal(args[2], covs)
        np.testing.assert_array_equal(args[3], det)
        ref, dist = ref_fuse_motion(cost, means, covs, det)
        assert_float64(got, (n, m))
        clear = np.abs(dist - CHI2_4) > 1e-9 * CHI2_4  # ignore razor-edge gating
        np.testing.assert_array_equal(np.isinf(got)[clear], np.isinf(ref)[clear])
        fin = np.isfinite(ref) & np.isfinite(got)
        np.testing.assert_allclose(got[fin], ref[fin], rtol=1e-10)
        n_inf += int(np.isinf(ref).sum())
        n_fin += int(np.isfinite(ref).sum())
    assert n_inf > 20 and n_fin > 20  # both branches exercised


def test_fuse_motion_keeps_existing_inf(kf):
    rng = np.random.default_rng(21)
    means, covs = random_tracks(rng, 3)
    det = np.array([ref_project(m, c)[0] for m, c in zip(means, covs)])  # perfect matches
    cost = np.full((3, 3), 0.5)
    cost[1, 1] = INF
    got = np.asarray(tracking.fuse_motion(kf, cost.copy(), means, covs, det))
    assert np.isinf(got[1, 1])
    for i in (0, 2):
        np.testing.assert_allclose(got[i, i], 0.98 * 0.5, rtol=1e-12)


def test_fuse_motion_gating_threshold_is_strict_9_4877(kf):
    rng = np.random.default_rng(22)
    means, covs = random_tracks(rng, 1)
    mean, cov = means[0], covs[0]
    m, s = ref_project(mean, cov)
    u = np.array([1.0, 0.7, 0.0, -0.4])
    q = u @ np.linalg.solve(s, u)  # d(t * u) = t^2 * q
    dets = np.array([m + np.sqrt(CHI2_4 * f / q) * u for f in (0.5, 1 - 1e-6, 1 + 1e-6, 3.0)])
    dist = ref_gating(mean, cov, dets)
    assert dist[1] < CHI2_4 < dist[2]
    cost = np.array([[0.2, 0.3, 0.1, 0.0]])
    got = np.asarray(tracking.fuse_motion(kf, cost.copy(), means, covs, dets))
    assert np.isfinite(got[0, 0]) and np.isfinite(got[0, 1])
    assert np.isinf(got[0, 2]) and np.isinf(got[0, 3])
    np.testing.assert_allclose(got[0, :2], 0.98 * cost[0, :2] + (1 - 0.98) * dist[:2], rtol=1e-10)


def test_fuse_motion_other_lambda(kf):
    rng = np.random.default_rng(23)
    means, covs = random_tracks(rng, 4)
    det = detections_near(rng, means, 6)
    cost = rng.uniform(0, 1, (4, 6))
    for lam in (0.5, 0.9, 1.0):
        got = np.asarray(tracking.fuse_motion(kf, cost.copy(), means, covs, det, lambda_=lam))
        ref, dist = ref_fuse_motion(cost, means, covs, det, lambda_=lam)
        np.testing.assert_array_equal(np.isinf(got), np.isinf(ref))
        fin = np.isfinite(ref)
        np.testing.assert_allclose(got[fin], ref[fin], rtol=1e-10, atol=1e-15)


def test_fuse_motion_with_real_kalman_filter_states(kf):
    rng = np.random.default_rng(24)
    z = np.array([[100.0, 200.0, 0.4, 120.0], [400.0, 220.0, 0.5, 80.0]])
    means, covs = kf.initiate(z)
    means, covs = kf.predict(means, covs)
    means = np.asarray(means)
    covs = np.asarray(covs)
    det = np.array([[101.0, 199.0, 0.41, 121.0], [399.0, 223.0, 0.5, 79.0], [700.0, 200.0, 0.4, 100.0]])
    cost = rng.uniform(0, 0.5, (2, 3))
    got = np.asarray(tracking.fuse_motion(kf, cost.copy(), means, covs, det))
    ref, _ = ref_fuse_motion(cost, means, covs, det)
    np.testing.assert_array_equal(np.isinf(got), np.isinf(ref))
    assert np.isfinite(got[0, 0]) and np.isfinite(got[1, 1]) and np.all(np.isinf(got[:, 2]))
    fin = np.isfinite(ref)
    np.testing.assert_allclose(got[fin], ref[fin], rtol=1e-10)


@pytest.mark.parametrize("n,m", [(0, 3), (3, 0), (0, 0)])
def test_fuse_motion_empty_cost(kf, n, m):
    rng = np.random.default_rng(25)
    means, covs = random_tracks(rng, n)
    det = detections_near(rng, means, m).reshape(m, 4)
    got = tracking.fuse_motion(kf, np.zeros((n, m)), means, covs, det)
    assert np.asarray(got).shape == (n, m)


def test_fuse_motion_mismatched_shapes_raise(kf):
    rng = np.random.default_rng(26)
    means, covs = random_tracks(rng, 3)
    det = detections_near(rng, means, 4)
    bad = [
        (np.zeros((2, 4)), means, covs, det),      # rows != N
        (np.zeros((3, 5)), means, covs, det),      # cols != M
        (np.zeros((3, 4)), means[:2], covs, det),  # means/covs disagree
        (np.zeros((3, 4)), means, covs, det[:, :3]),
        (np.zeros(4), means, covs, det),
    ]
    for c, mm, cc, dd in bad:
        with pytest.raises(ValueError):
            tracking.fuse_motion(kf, c, mm, cc, dd)


def test_fuse_motion_nan_raises(kf):
    rng = np.random.default_rng(27)
    means, covs = random_tracks(rng, 2)
    det = detections_near(rng, means, 3)
    det_bad = det.copy()
    det_bad[1, 2] = np.nan
    with pytest.raises(ValueError):
        tracking.fuse_motion(kf, np.zeros((2, 3)), means, covs, det_bad)
    means_bad = means.copy()
    means_bad[0, 0] = np.nan
    with pytest.raises(ValueError):
        tracking.fuse_motion(kf, np.zeros((2, 3)), means_bad, covs, det)
