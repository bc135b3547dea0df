"""Kalman predict + update of 100 tracks: ``fairmot.tracking.KalmanFilter`` on batched arrays
(means (N, 8), covariances (N, 8, 8), measurements (N, 4)) vs a per-track NumPy loop in the
style of the official FairMOT ``kalman_filter.py`` (predict with ``np.dot`` / ``multi_dot``,
update with ``scipy.linalg.cho_factor`` / ``cho_solve``), which is how the official tracker
updates its matched tracks (one ``STrack.update`` -> ``KalmanFilter.update`` per track).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from fairmot.tracking import KalmanFilter

N_TRACKS = 100


class LoopKalman:
    """One track at a time, NumPy/SciPy, float64 (official-style code)."""

    std_weight_position = 1.0 / 20
    std_weight_velocity = 1.0 / 160

    def __init__(self) -> None:
        ndim = 4
        self.motion = np.eye(2 * ndim)
        self.motion[:ndim, ndim:] = np.eye(ndim)  # dt = 1
        self.measure = np.eye(ndim, 2 * ndim)

    def predict(self, mean, covariance):
        h = mean[3]
        sp, sv = self.std_weight_position, self.std_weight_velocity
        std = np.r_[sp * h, sp * h, 1e-2, sp * h, sv * h, sv * h, 1e-5, sv * h]
        q = np.diag(np.square(std))
        mean = np.dot(mean, self.motion.T)
        covariance = np.linalg.multi_dot((self.motion, covariance, self.motion.T)) + q
        return mean, covariance

    def project(self, mean, covariance):
        h = mean[3]
        sp = self.std_weight_position
        r = np.diag(np.square(np.r_[sp * h, sp * h, 1e-1, sp * h]))
        proj_mean = np.dot(self.measure, mean)
        proj_cov = np.linalg.multi_dot((self.measure, covariance, self.measure.T)) + r
        return proj_mean, proj_cov

    def update(self, mean, covariance, measurement):
        proj_mean, proj_cov = self.project(mean, covariance)
        factor = scipy.linalg.cho_factor(proj_cov, lower=True, check_finite=False)
        gain = scipy.linalg.cho_solve(factor, np.dot(covariance, self.measure.T).T, check_finite=False).T
        innovation = measurement - proj_mean
        new_mean = mean + np.dot(innovation, gain.T)
        new_cov = covariance - np.linalg.multi_dot((gain, proj_cov, gain.T))
        return new_mean, new_cov


def make_tracks(n: int = N_TRACKS, seed: int = 0):
    """Realistic track states and next-frame measurements.

    Returns ``(means (n, 8), covs (n, 8, 8), measurements (n, 4))``: tracks initiated from
    random pedestrian boxes and run for a few predict/update steps (so the covariances are
    full, not diagonal), and noisy measurements of where the objects moved.
    """
    rng = np.random.default_rng([77, n, seed])
    h = rng.uniform(40, 300, n)
    xyah = np.stack([rng.uniform(0, 1920, n), rng.uniform(0, 1080, n), rng.uniform(0.3, 0.5, n), h], 1)
    vel = np.stack([rng.normal(0, 3, n), rng.normal(0, 1, n), np.zeros(n), rng.normal(0, 0.5, n)], 1)
    kf = KalmanFilter()
    means, covs = kf.initiate(xyah)
    for _ in range(5):
        xyah = xyah + vel
        means, covs = kf.predict(means, covs)
        means, covs = kf.update(means, covs, xyah + rng.normal(0, 1, xyah.shape))
    z = xyah + vel + rng.normal(0, 1, xyah.shape)
    return np.ascontiguousarray(means), np.ascontiguousarray(covs), np.ascontiguousarray(z)


# -------------------------------------------------------------------- the two contenders
def batched_predict_update(kf: KalmanFilter, means, covs, z):
    means, covs = kf.predict(means, covs)
    return kf.update(means, covs, z)


def loop_predict_update(kf: LoopKalman, means, covs, z):
    out_m = np.empty_like(means)
    out_c = np.empty_like(covs)
    for i in range(len(means)):
        m, c = kf.predict(means[i], covs[i])
        out_m[i], out_c[i] = kf.update(m, c, z[i])
    return out_m, out_c


def batched_predict(kf, means, covs, z):
    return kf.predict(means, covs)


def loop_predict(kf, means, covs, z):
    return [kf.predict(means[i], covs[i]) for i in range(len(means))]


def batched_update(kf, means, covs, z):
    return kf.update(means, covs, z)


def loop_update(kf, means, covs, z):
    return [kf.update(means[i], covs[i], z[i]) for i in range(len(means))]


CONTENDERS = {
    "predict+update": {"fairmot batched": batched_predict_update, "numpy per-track loop": loop_predict_update},
    "predict": {"fairmot batched": batched_predict, "numpy per-track loop": loop_predict},
    "update": {"fairmot batched": batched_update, "numpy per-track loop": loop_update},
}


def make_filter(impl: str):
    return KalmanFilter() if impl.startswith("fairmot") else LoopKalman()


# -------------------------------------------------------------------- benchmarks
@pytest.mark.parametrize("impl", ["fairmot batched", "numpy per-track loop"])
@pytest.mark.parametrize("op", list(CONTENDERS))
def test_kalman(benchmark, op, impl):
    means, covs, z = make_tracks()
    kf = make_filter(impl)
    benchmark.group = f"Kalman {op}, {N_TRACKS} tracks"
    benchmark.extra_info.update(op=op, impl=impl, tracks=N_TRACKS)
    benchmark(CONTENDERS[op][impl], kf, means, covs, z)


def test_kalman_contenders_agree():
    """Both implementations compute the same filter (so the comparison is fair)."""
    means, covs, z = make_tracks()
    m1, c1 = batched_predict_update(KalmanFilter(), means, covs, z)
    m2, c2 = loop_predict_update(LoopKalman(), means, covs, z)
    np.testing.assert_allclose(m1, m2, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(c1, c2, rtol=1e-9, atol=1e-9)
