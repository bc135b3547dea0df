// Camera-motion compensation of Kalman states (see warp.hpp for the transformation).
#include "fairmot/tracker/warp.hpp"

#include <cmath>

#include "fairmot/tracker/limits.hpp"

namespace fairmot {

namespace {
constexpr double kMaxLinear = 2.0;
constexpr double kMinDet = 0.5, kMaxDet = 2.0;
}  // namespace

std::string warp_problem(const double* A) {
  for (int k = 0; k < 6; ++k) {
    if (!std::isfinite(A[k])) return "warp must be finite";
  }
  const double lin[4] = {A[0], A[1], A[3], A[4]};
  for (double v : lin) {
    if (!(std::fabs(v) <= kMaxLinear)) return "warp's linear part must have every entry within +-2";
  }
  const double det = std::fabs(A[0] * A[4] - A[1] * A[3]);
  if (!(det >= kMinDet && det <= kMaxDet)) {
    return "warp's linear part must have |det| within [0.5, 2] (at most a 2x zoom per frame)";
  }
  if (!(std::fabs(A[2]) <= kMaxCoordinate) || !(std::fabs(A[5]) <= kMaxCoordinate)) {
    return "warp's translation must lie within +-1e50 pixels";
  }
  return std::string();
}

bool warp_is_identity(const double* A) {
  return A[0] == 1.0 && A[1] == 0.0 && A[2] == 0.0 && A[3] == 0.0 && A[4] == 1.0 && A[5] == 0.0;
}

void warp_state(const double* A, double* mean, double* cov) {
  const double l00 = A[0], l01 = A[1], l10 = A[3], l11 = A[4];
  const double s = std::sqrt(std::fabs(l00 * l11 - l01 * l10));
  if (mean) {
    const double cx = mean[0], cy = mean[1], vx = mean[4], vy = mean[5];
    mean[0] = l00 * cx + l01 * cy + A[2];
    mean[1] = l10 * cx + l11 * cy + A[5];
    mean[3] = s * mean[3];
    mean[4] = l00 * vx + l01 * vy;
    mean[5] = l10 * vx + l11 * vy;
    mean[7] = s * mean[7];
  }
  if (cov) {
    // M = diag(L, 1, s, L, 1, s); P <- M P M^T, both products in plain row / column order.
    double M[64] = {0.0};
    for (int b = 0; b < 8; b += 4) {
      M[(b + 0) * 8 + b + 0] = l00;
      M[(b + 0) * 8 + b + 1] = l01;
      M[(b + 1) * 8 + b + 0] = l10;
      M[(b + 1) * 8 + b + 1] = l11;
      M[(b + 2) * 8 + b + 2] = 1.0;
      M[(b + 3) * 8 + b + 3] = s;
    }
    double MP[64];
    for (int i = 0; i < 8; ++i) {
      for (int j = 0; j < 8; ++j) {
        double acc = 0.0;
        for (int k = 0; k < 8; ++k) acc += M[i * 8 + k] * cov[k * 8 + j];
        MP[i * 8 + j] = acc;
      }
    }
    for (int i = 0; i < 8; ++i) {
      for (int j = i; j < 8; ++j) {  // the upper triangle, mirrored: the result stays exactly symmetric
        double acc = 0.0;
        for (int k = 0; k < 8; ++k) acc += MP[i * 8 + k] * M[j * 8 + k];
        cov[i * 8 + j] = acc;
        cov[j * 8 + i] = acc;
      }
    }
  }
}

}  // namespace fairmot
