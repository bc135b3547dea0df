"""Tests for ``fairmot.tracking.KalmanFilter`` (docs/official_behaviour.md §4.5).

8-D constant velocity filter, dt = 1, std_weight_position 1/20,
std_weight_velocity 1/160, all float64.  Each method accepts one track
((8,), (8, 8)) or a batch ((N, 8), (N, 8, 8)); gating_distance of a batch
against measurements (M, 4) returns (N, M).

The reference below is an independent float64 numpy/scipy transcription of
docs/official_behaviour.md §4.5.
"""

import numpy as np
import pytest
import scipy.linalg

import fairmot.tracking as tracking  # noqa: E402

SP = 1.0 / 20
SV = 1.0 / 160
CHI2_4 = 9.4877

F = np.eye(8)
for _i in range(4):
    F[_i, _i + 4] = 1.0
H = np.eye(4, 8)


# --------------------------------------------------------------------------
# float64 reference (single track)
# --------------------------------------------------------------------------


def ref_initiate(z):
    z = np.asarray(z, dtype=np.float64)
    mean = np.concatenate([z, np.zeros(4)])
    h = z[3]
    std = np.array([2 * SP * h, 2 * SP * h, 1e-2, 2 * SP * h,
                    10 * SV * h, 10 * SV * h, 1e-5, 10 * SV * h])
    return mean, np.diag(std ** 2)


def ref_predict(mean, cov):
    h = mean[3]
    std = np.array([SP * h, SP * h, 1e-2, SP * h, SV * h, SV * h, 1e-5, SV * h])
    q = np.diag(std ** 2)
    return F @ mean, F @ cov @ F.T + q


def ref_project(mean, cov):
    h = mean[3]
    r = np.diag(np.array([SP * h, SP * h, 1e-1, SP * h]) ** 2)
    return H @ mean, H @ cov @ H.T + r


def ref_update(mean, cov, z):
    m, s = ref_project(mean, cov)
    chol = scipy.linalg.cho_factor(s, lower=True)
    gain = scipy.linalg.cho_solve(chol, (cov @ H.T).T).T
    new_mean = mean + gain @ (np.asarray(z, np.float64) - m)
    new_cov = cov - gain @ s @ gain.T
    return new_mean, new_cov


def ref_gating(mean, cov, meas, only_position=False):
    m, s = ref_project(mean, cov)
    meas = np.asarray(meas, np.float64)
    if only_position:
        m, s, meas = m[:2], s[:2, :2], meas[:, :2]
    d = meas - m
    low = np.linalg.cholesky(s)
    z = scipy.linalg.solve_triangular(low, d.T, lower=True)
    return np.sum(z * z, axis=0)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def assert_close(got, ref, rtol=1e-10):
    got = np.asarray(got)
    ref = np.asarray(ref)
    assert got.shape == ref.shape, (got.shape, ref.shape)
    assert got.dtype == np.float64, got.dtype
    sc = np.max(np.abs(ref)) if ref.size else 0.0
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=rtol * sc)


def random_xyah(rng, n=None):
    shape = (4,) if n is None else (n, 4)
    z = np.empty(shape)
    z[..., 0] = rng.uniform(0, 1920, size=shape[:-1])
    z[..., 1] = rng.uniform(0, 1080, size=shape[:-1])
    z[..., 2] = rng.uniform(0.2, 1.2, size=shape[:-1])
    z[..., 3] = rng.uniform(10, 400, size=shape[:-1])
    return z


def random_state(rng, steps=None):
    """A realistic (mean, cov) reached by initiate + a few predict/update steps."""
    mean, cov = ref_initiate(random_xyah(rng))
    for _ in range(int(rng.integers(0, 6)) if steps is None else steps):
        mean, cov = ref_predict(mean, cov)
        if rng.random() < 0.7:
            z = ref_project(mean, cov)[0] + rng.normal(0, 1, 4) * [3, 3, 0.01, 3]
            mean, cov = ref_update(mean, cov, z)
    return mean, cov


def random_states(rng, n):
    ms, cs = zip(*[random_state(rng) for _ in range(n)])
    return np.array(ms), np.array(cs)


@pytest.fixture
def kf():
    return tracking.KalmanFilter()


# --------------------------------------------------------------------------
# single-track methods
# --------------------------------------------------------------------------


def test_initiate_matches_reference(kf):
    rng = np.random.default_rng(0)
    for _ in range(50):
        z = random_xyah(rng)
        z0 = z.copy()
        mean, cov = kf.initiate(z)
        np.testing.assert_array_equal(z, z0)
        rm, rc = ref_initiate(z)
        assert_close(mean, rm)
        assert_close(cov, rc)


def test_initiate_exact_values_for_simple_measurement(kf):
    mean, cov = kf.initiate(np.array([100.0, 50.0, 0.5, 200.0]))
    np.testing.assert_array_equal(mean, [100, 50, 0.5, 200, 0, 0, 0, 0])
    expected = np.array([20.0, 20.0, 1e-2, 20.0, 12.5, 12.5, 1e-5, 12.5]) ** 2
    np.testing.assert_allclose(np.diag(cov), expected, rtol=1e-14)
    assert np.count_nonzero(cov - np.diag(np.diag(cov))) == 0


def test_predict_matches_reference(kf):
    rng = np.random.default_rng(1)
    for _ in range(50):
        mean, cov = random_state(rng)
        mean[4:] = rng.normal(0, 2, 4)
        m0, c0 = mean.copy(), cov.copy()
        got_m, got_c = kf.predict(mean, cov)
        np.testing.assert_array_equal(mean, m0)
        np.testing.assert_array_equal(cov, c0)
        rm, rc = ref_predict(mean, cov)
        assert_close(got_m, rm)
        assert_close(got_c, rc)


def test_predict_uses_height_before_prediction_for_process_noise(kf):
    mean = np.array([0.0, 0.0, 1.0, 100.0, 0.0, 0.0, 0.0, 50.0])
    cov = np.zeros((8, 8))
    got_m, got_c = kf.predict(mean, cov)
    assert got_m[3] == 150.0
    # Q built from h = 100 (before prediction), not 150
    np.testing.assert_allclose(got_c[0, 0], (SP * 100.0) ** 2, rtol=1e-14)
    np.testing.assert_allclose(got_c[4, 4], (SV * 100.0) ** 2, rtol=1e-14)


def test_project_matches_reference(kf):
    rng = np.random.default_rng(2)
    for _ in range(50):
        mean, cov = random_state(rng)
        m0, c0 = mean.copy(), cov.copy()
        pm, pc = kf.project(mean, cov)
        np.testing.assert_array_equal(mean, m0)
        np.testing.assert_array_equal(cov, c0)
        rm, rc = ref_project(mean, cov)
        assert_close(pm, rm)
        assert_close(pc, rc)


def test_update_matches_reference(kf):
    rng = np.random.default_rng(3)
    for _ in range(50):
        mean, cov = random_state(rng)
        mean, cov = ref_predict(mean, cov)
        z = ref_project(mean, cov)[0] + rng.normal(0, 5, 4) * [1, 1, 0.01, 1]
        m0, c0, z0 = mean.copy(), cov.copy(), z.copy()
        um, uc = kf.update(mean, cov, z)
        np.testing.assert_array_equal(mean, m0)
        np.testing.assert_array_equal(cov, c0)
        np.testing.assert_array_equal(z, z0)
        rm, rc = ref_update(mean, cov, z)
        assert_close(um, rm)
        assert_close(uc, rc)


def test_gating_distance_matches_reference(kf):
    rng = np.random.default_rng(4)
    for _ in range(50):
        mean, cov = random_state(rng)
        meas = ref_project(mean, cov)[0] + rng.normal(0, 10, (7, 4)) * [1, 1, 0.02, 1]
        meas0 = meas.copy()
        d = kf.gating_distance(mean, cov, meas)
        np.testing.assert_array_equal(meas, meas0)
        assert_close(d, ref_gating(mean, cov, meas))
        dp = kf.gating_distance(mean, cov, meas, only_position=True)
        assert_close(dp, ref_gating(mean, cov, meas, only_position=True))


def test_gating_distance_keyword_and_positional_only_position(kf):
    rng = np.random.default_rng(5)
    mean, cov = random_state(rng)
    meas = random_xyah(rng, 3)
    a = kf.gating_distance(mean, cov, meas, True)
    b = kf.gating_distance(mean, cov, meas, only_position=True)
    np.testing.assert_array_equal(a, b)


def test_gating_distance_zero_for_projected_mean(kf):
    rng = np.random.default_rng(6)
    mean, cov = random_state(rng)
    m, _ = ref_project(mean, cov)
    d = kf.gating_distance(mean, cov, m[None, :])
    assert d.shape == (1,)
    assert abs(d[0]) < 1e-20


def test_gating_distance_no_measurements(kf):
    rng = np.random.default_rng(7)
    mean, cov = random_state(rng)
    d = kf.gating_distance(mean, cov, np.zeros((0, 4)))
    assert np.asarray(d).shape == (0,)


# --------------------------------------------------------------------------
# batched methods
# --------------------------------------------------------------------------


def test_batch_initiate_matches_reference(kf):
    rng = np.random.default_rng(10)
    z = random_xyah(rng, 9)
    mean, cov = kf.initiate(z)
    assert np.asarray(mean).shape == (9, 8) and np.asarray(cov).shape == (9, 8, 8)
    for i in range(9):
        rm, rc = ref_initiate(z[i])
        assert_close(mean[i], rm)
        assert_close(cov[i], rc)


def test_batch_predict_matches_reference_and_single(kf):
    rng = np.random.default_rng(11)
    means, covs = random_states(rng, 12)
    means[:, 4:] = rng.normal(0, 2, (12, 4))
    means[::3, 7] = 0.0  # like lost tracks
    m0, c0 = means.copy(), covs.copy()
    pm, pc = kf.predict(means, covs)
    np.testing.assert_array_equal(means, m0)
    np.testing.assert_array_equal(covs, c0)
    assert np.asarray(pm).shape == (12, 8) and np.asarray(pc).shape == (12, 8, 8)
    for i in range(12):
        rm, rc = ref_predict(means[i], covs[i])
        assert_close(pm[i], rm)
        assert_close(pc[i], rc)
        sm, sc = kf.predict(means[i], covs[i])
        # batched prediction is numerically identical to the single one (§4.1)
        np.testing.assert_array_equal(pm[i], sm)
        np.testing.assert_array_equal(pc[i], sc)


def test_batch_predict_empty(kf):
    pm, pc = kf.predict(np.zeros((0, 8)), np.zeros((0, 8, 8)))
    assert np.asarray(pm).shape == (0, 8)
    assert np.asarray(pc).shape == (0, 8, 8)


def test_batch_project_matches_reference(kf):
    rng = np.random.default_rng(12)
    means, covs = random_states(rng, 8)
    pm, pc = kf.project(means, covs)
    assert np.asarray(pm).shape == (8, 4) and np.asarray(pc).shape == (8, 4, 4)
    for i in range(8):
        rm, rc = ref_project(means[i], covs[i])
        assert_close(pm[i], rm)
        assert_close(pc[i], rc)


def test_batch_update_matches_reference(kf):
    rng = np.random.default_rng(13)
    means, covs = random_states(rng, 10)
    z = np.array([ref_project(m, c)[0] for m, c in zip(means, covs)])
    z += rng.normal(0, 4, z.shape) * [1, 1, 0.01, 1]
    m0, c0, z0 = means.copy(), covs.copy(), z.copy()
    um, uc = kf.update(means, covs, z)
    np.testing.assert_array_equal(means, m0)
    np.testing.assert_array_equal(covs, c0)
    np.testing.assert_array_equal(z, z0)
    assert np.asarray(um).shape == (10, 8) and np.asarray(uc).shape == (10, 8, 8)
    for i in range(10):
        rm, rc = ref_update(means[i], covs[i], z[i])
        assert_close(um[i], rm)
        assert_close(uc[i], rc)


def test_batch_gating_distance_shape_and_values(kf):
    rng = np.random.default_rng(14)
    means, covs = random_states(rng, 6)
    meas = random_xyah(rng, 5)
    d = np.asarray(kf.gating_distance(means, covs, meas))
    assert d.shape == (6, 5)
    dp = np.asarray(kf.gating_distance(means, covs, meas, only_position=True))
    assert dp.shape == (6, 5)
    for i in range(6):
        assert_close(d[i], ref_gating(means[i], covs[i], meas))
        assert_close(dp[i], ref_gating(means[i], covs[i], meas, True))


def test_batch_gating_distance_empty_batches(kf):
    rng = np.random.default_rng(15)
    means, covs = random_states(rng, 3)
    d = np.asarray(kf.gating_distance(means, covs, np.zeros((0, 4))))
    assert d.shape == (3, 0)
    d = np.asarray(kf.gating_distance(np.zeros((0, 8)), np.zeros((0, 8, 8)), random_xyah(rng, 4)))
    assert d.shape == (0, 4)


# --------------------------------------------------------------------------
# multi-step sequences
# --------------------------------------------------------------------------


def test_multi_step_random_sequence_stepwise(kf):
    """Each step fed the same (reference) state: every step matches to 1e-10."""
    rng = np.random.default_rng(20)
    for _ in range(10):
        mean, cov = ref_initiate(random_xyah(rng))
        got_m, got_c = kf.initiate(mean[:4].copy())
        assert_close(got_m, mean)
        assert_close(got_c, cov)
        vel = rng.normal(0, 3, 4) * [1, 1, 0.001, 0.3]
        for _step in range(40):
            lost = rng.random() < 0.3
            if lost:
                mean = mean.copy()
                mean[7] = 0.0  # vh zeroed for lost tracks (§4.1)
            pm, pc = kf.predict(mean, cov)
            rm, rc = ref_predict(mean, cov)
            assert_close(pm, rm)
            assert_close(pc, rc)
            mean, cov = rm, rc
            if not lost:
                z = mean[:4] + vel + rng.normal(0, 1, 4) * [2, 2, 0.005, 2]
                z[3] = max(z[3], 5.0)
                um, uc = kf.update(mean, cov, z)
                rm, rc = ref_update(mean, cov, z)
                assert_close(um, rm)
                assert_close(uc, rc)
                mean, cov = rm, rc


def test_multi_step_random_sequence_independent_chains(kf):
    """Implementation fed its own outputs, batched, against the reference."""
    rng = np.random.default_rng(21)
    n = 16
    z0 = random_xyah(rng, n)
    means, covs = kf.initiate(z0)
    ref = [ref_initiate(z) for z in z0]
    vel = rng.normal(0, 3, (n, 4)) * [1, 1, 0.001, 0.3]
    for _step in range(60):
        lost = rng.random(n) < 0.25
        means = np.array(means, copy=True)
        means[lost, 7] = 0.0
        new_ref = []
        for (m, c), lo in zip(ref, lost):
            if lo:
                m = m.copy()
                m[7] = 0.0
            new_ref.append((m, c))
        ref = new_ref
        means, covs = kf.predict(means, covs)
        ref = [ref_predict(m, c) for m, c in ref]
        det = ~lost
        if det.any():
            z = np.array([r[0][:4] for r in ref]) + vel + rng.normal(0, 1, (n, 4)) * [2, 2, 0.005, 2]
            z[:, 3] = np.maximum(z[:, 3], 5.0)
            um, uc = kf.update(means[det], covs[det], z[det])
            means = np.array(means, copy=True)
            covs = np.array(covs, copy=True)
            means[det] = um
            covs[det] = uc
            ref = [ref_update(m, c, z[i]) if det[i] else (m, c) for i, (m, c) in enumerate(ref)]
        for i in range(n):
            assert_close(means[i], ref[i][0], rtol=1e-9)
            assert_close(covs[i], ref[i][1], rtol=1e-9)
    d = kf.gating_distance(means, covs, z0)
    for i in range(n):
        assert_close(d[i], ref_gating(ref[i][0], ref[i][1], z0), rtol=1e-8)


def test_gating_threshold_value_is_chi2_95_4dof():
    # sanity check of the constant used by fuse_motion (not an API requirement)
    from scipy.stats import chi2
    assert abs(chi2.ppf(0.95, 4) - CHI2_4) < 1e-4


# --------------------------------------------------------------------------
# bad inputs
# --------------------------------------------------------------------------


def _good(rng=None):
    rng = rng or np.random.default_rng(30)
    return random_state(rng)


@pytest.mark.parametrize("z", [np.zeros(3), np.zeros(5), np.zeros((2, 3)), np.zeros((2, 2, 4))])
def test_initiate_bad_shape_raises(kf, z):
    z = z + 10.0
    with pytest.raises(ValueError):
        kf.initiate(z)


def test_initiate_nan_raises(kf):
    with pytest.raises(ValueError):
        kf.initiate(np.array([1.0, 2.0, np.nan, 100.0]))
    with pytest.raises(ValueError):
        kf.initiate(np.array([[1.0, 2.0, 0.5, 100.0], [1.0, 2.0, 0.5, np.nan]]))


def test_predict_bad_shapes_raise(kf):
    mean, cov = _good()
    bad = [
        (mean[:7], cov),
        (mean, cov[:, :7]),
        (mean, cov[:7, :7]),
        (np.stack([mean, mean]), np.stack([cov, cov, cov])),  # batch size mismatch
        (np.stack([mean, mean]), cov),
        (mean, np.stack([cov, cov])),
        (mean[None, None], cov[None, None]),
    ]
    for m, c in bad:
        with pytest.raises(ValueError):
            kf.predict(m, c)


def test_project_bad_shapes_raise(kf):
    mean, cov = _good()
    for m, c in [(mean[:7], cov), (mean, cov[:, :7]), (np.stack([mean] * 2), np.stack([cov] * 3))]:
        with pytest.raises(ValueError):
            kf.project(m, c)


def test_update_bad_shapes_raise(kf):
    mean, cov = _good()
    z = mean[:4].copy()
    bad = [
        (mean, cov, z[:3]),
        (mean, cov, np.stack([z, z])),
        (np.stack([mean] * 2), np.stack([cov] * 2), z[None]),
        (np.stack([mean] * 2), np.stack([cov] * 2), np.stack([z] * 3)),
        (mean[:7], cov, z),
    ]
    for m, c, zz in bad:
        with pytest.raises(ValueError):
            kf.update(m, c, zz)


def test_gating_distance_bad_shapes_raise(kf):
    mean, cov = _good()
    for meas in [np.zeros((3, 3)), np.zeros(3), np.zeros((2, 5)), np.zeros((1, 2, 4))]:
        with pytest.raises(ValueError):
            kf.gating_distance(mean, cov, meas + 1.0)
    with pytest.raises(ValueError):
        kf.gating_distance(np.stack([mean] * 2), np.stack([cov] * 3), np.ones((2, 4)))


def test_nan_in_state_or_measurement_raises(kf):
    mean, cov = _good()
    z = mean[:4].copy()
    m_nan = mean.copy()
    m_nan[2] = np.nan
    c_nan = cov.copy()
    c_nan[1, 1] = np.nan
    z_nan = z.copy()
    z_nan[0] = np.nan
    with pytest.raises(ValueError):
        kf.predict(m_nan, cov)
    with pytest.raises(ValueError):
        kf.predict(mean, c_nan)
    with pytest.raises(ValueError):
        kf.project(m_nan, cov)
    with pytest.raises(ValueError):
        kf.update(mean, cov, z_nan)
    with pytest.raises(ValueError):
        kf.update(mean, c_nan, z)
    with pytest.raises(ValueError):
        kf.gating_distance(mean, cov, z_nan[None])
    with pytest.raises(ValueError):
        kf.gating_distance(m_nan, cov, z[None])
