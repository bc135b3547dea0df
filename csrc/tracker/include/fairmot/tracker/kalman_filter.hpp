// 8-dimensional constant-velocity Kalman filter over (cx, cy, a, h) and their
// velocities, with FairMOT's noise model (docs/official_behaviour.md §4.5). All arithmetic float64.
// Functions take batches: `n` tracks, means (n, 8), covariances (n, 8, 8),
// measurements (n, 4) (or (m, 4) for gating), all row-major.
#pragma once

#include <cstdint>

namespace fairmot {
namespace kalman {

constexpr double kStdWeightPosition = 1.0 / 20.0;
constexpr double kStdWeightVelocity = 1.0 / 160.0;
// 0.95 quantile of the chi-square distribution, indexed by degrees of freedom.
constexpr double kChi2Inv95[10] = {0.0,    3.8415, 5.9915, 7.8147, 9.4877,
                                   11.070, 12.592, 14.067, 15.507, 16.919};

// mean (n,8), cov (n,8,8) from measurements xyah (n,4).
void initiate(const double* xyah, int64_t n, double* mean, double* cov);

// One time step for n tracks, in place.
void predict(double* mean, double* cov, int64_t n);

// Measurement-space projection: pmean (n,4), pcov (n,4,4).
void project(const double* mean, const double* cov, int64_t n, double* pmean, double* pcov);

// Correction with measurements xyah (n,4), in place. Returns false (and
// leaves that track unchanged) when the innovation covariance of some track is
// not positive definite; the index of the first such track goes to *bad.
bool update(double* mean, double* cov, const double* xyah, int64_t n, int64_t* bad = nullptr);

// Squared Mahalanobis distance between one track's projected state and m
// measurements (m,4) -> out (m). only_position uses (cx, cy) only.
// Returns false when the projected covariance is not positive definite.
bool gating_distance(const double* mean, const double* cov, const double* xyah, int64_t m,
                     bool only_position, double* out);

}  // namespace kalman
}  // namespace fairmot
