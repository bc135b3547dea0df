#include "fairmot/tracker/kalman_filter.hpp"

#include <cmath>

namespace fairmot {
namespace kalman {
namespace {

constexpr double kSp = kStdWeightPosition;
constexpr double kSv = kStdWeightVelocity;

// In-place lower Cholesky factor of a d x d SPD matrix (row-major, d <= 4).
bool cholesky(double* a, int d) {
  for (int j = 0; j < d; ++j) {
    double s = a[j * d + j];
    for (int k = 0; k < j; ++k) s -= a[j * d + k] * a[j * d + k];
    if (!(s > 0.0)) return false;
    const double l = std::sqrt(s);
    a[j * d + j] = l;
    for (int i = j + 1; i < d; ++i) {
      double t = a[i * d + j];
      for (int k = 0; k < j; ++k) t -= a[i * d + k] * a[j * d + k];
      a[i * d + j] = t / l;
    }
  }
  return true;
}

// Solves L z = b in place (forward substitution).
void solve_lower(const double* l, int d, double* b) {
  for (int i = 0; i < d; ++i) {
    double t = b[i];
    for (int k = 0; k < i; ++k) t -= l[i * d + k] * b[k];
    b[i] = t / l[i * d + i];
  }
}

void project_one(const double* mean, const double* cov, double* pm, double* pc) {
  const double h = mean[3];
  const double s0 = kSp * h, s2 = 1e-1;
  const double r[4] = {s0 * s0, s0 * s0, s2 * s2, s0 * s0};
  for (int a = 0; a < 4; ++a) {
    pm[a] = mean[a];
    for (int b = 0; b < 4; ++b) pc[a * 4 + b] = cov[a * 8 + b];
    pc[a * 4 + a] += r[a];
  }
}

}  // namespace

void initiate(const double* xyah, int64_t n, double* mean, double* cov) {
  for (int64_t t = 0; t < n; ++t) {
    const double* z = xyah + 4 * t;
    double* m = mean + 8 * t;
    double* p = cov + 64 * t;
    const double h = z[3];
    for (int k = 0; k < 4; ++k) {
      m[k] = z[k];
      m[k + 4] = 0.0;
    }
    const double sp = 2 * kSp * h, sv = 10 * kSv * h;
    const double std[8] = {sp, sp, 1e-2, sp, sv, sv, 1e-5, sv};
    for (int k = 0; k < 64; ++k) p[k] = 0.0;
    for (int k = 0; k < 8; ++k) p[k * 9] = std[k] * std[k];
  }
}

void predict(double* mean, double* cov, int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    double* m = mean + 8 * t;
    double* p = cov + 64 * t;
    const double h = m[3];
    const double sp = kSp * h, sv = kSv * h;
    const double std[8] = {sp, sp, 1e-2, sp, sv, sv, 1e-5, sv};
    for (int k = 0; k < 4; ++k) m[k] = m[k] + m[k + 4];
    // P <- F P F^T + Q with F = [[I, I], [0, I]]. Each entry of F P and of
    // (F P) F^T is a sum of at most two products, so this equals a dense
    // matrix product exactly.
    double a[64];
    for (int r = 0; r < 8; ++r) {
      for (int c = 0; c < 8; ++c) a[r * 8 + c] = r < 4 ? p[r * 8 + c] + p[(r + 4) * 8 + c] : p[r * 8 + c];
    }
    for (int r = 0; r < 8; ++r) {
      for (int c = 0; c < 8; ++c) p[r * 8 + c] = c < 4 ? a[r * 8 + c] + a[r * 8 + c + 4] : a[r * 8 + c];
      p[r * 9] += std[r] * std[r];
    }
  }
}

void project(const double* mean, const double* cov, int64_t n, double* pmean, double* pcov) {
  for (int64_t t = 0; t < n; ++t) project_one(mean + 8 * t, cov + 64 * t, pmean + 4 * t, pcov + 16 * t);
}

bool update(double* mean, double* cov, const double* xyah, int64_t n, int64_t* bad) {
  bool ok = true;
  for (int64_t t = 0; t < n; ++t) {
    double* m = mean + 8 * t;
    double* p = cov + 64 * t;
    const double* z = xyah + 4 * t;
    double pm[4], s[16];
    project_one(m, p, pm, s);
    if (!cholesky(s, 4)) {
      if (ok && bad) *bad = t;
      ok = false;
      continue;
    }
    // Kalman gain K (8x4) = P H^T S^-1: solve S k_r = (P H^T)_r for each row r
    // with the Cholesky factor (reciprocal diagonal hoisted out of the loop).
    const double r0 = 1.0 / s[0], r1 = 1.0 / s[5], r2 = 1.0 / s[10], r3 = 1.0 / s[15];
    const double l10 = s[4], l20 = s[8], l21 = s[9], l30 = s[12], l31 = s[13], l32 = s[14];
    double k[32];
    for (int r = 0; r < 8; ++r) {
      const double* b = p + r * 8;
      // forward: L y = b
      const double y0 = b[0] * r0;
      const double y1 = (b[1] - l10 * y0) * r1;
      const double y2 = (b[2] - l20 * y0 - l21 * y1) * r2;
      const double y3 = (b[3] - l30 * y0 - l31 * y1 - l32 * y2) * r3;
      // backward: L^T x = y
      const double x3 = y3 * r3;
      const double x2 = (y2 - l32 * x3) * r2;
      const double x1 = (y1 - l21 * x2 - l31 * x3) * r1;
      const double x0 = (y0 - l10 * x1 - l20 * x2 - l30 * x3) * r0;
      double* kr = k + 4 * r;
      kr[0] = x0;
      kr[1] = x1;
      kr[2] = x2;
      kr[3] = x3;
    }
    double innov[4];
    for (int c = 0; c < 4; ++c) innov[c] = z[c] - pm[c];
    for (int r = 0; r < 8; ++r) {
      double d = 0.0;
      for (int c = 0; c < 4; ++c) d += innov[c] * k[4 * r + c];
      m[r] += d;
    }
    // P <- P - K S K^T, and K S = P H^T (the first four columns of P).
    double ks[32];
    for (int r = 0; r < 8; ++r) {
      for (int c = 0; c < 4; ++c) ks[4 * r + c] = p[r * 8 + c];
    }
    double upd[64];
    for (int r = 0; r < 8; ++r) {
      for (int c = 0; c < 8; ++c) {
        double d = 0.0;
        for (int q = 0; q < 4; ++q) d += ks[4 * r + q] * k[4 * c + q];
        upd[r * 8 + c] = d;
      }
    }
    for (int q = 0; q < 64; ++q) p[q] -= upd[q];
  }
  return ok;
}

bool gating_distance(const double* mean, const double* cov, const double* xyah, int64_t m,
                     bool only_position, double* out) {
  double pm[4], s[16];
  project_one(mean, cov, pm, s);
  const int d = only_position ? 2 : 4;
  double l[16];
  for (int a = 0; a < d; ++a) {
    for (int b = 0; b < d; ++b) l[a * d + b] = s[a * 4 + b];
  }
  if (!cholesky(l, d)) return false;
  if (d == 2) {
    for (int64_t j = 0; j < m; ++j) {
      double diff[2] = {xyah[4 * j] - pm[0], xyah[4 * j + 1] - pm[1]};
      solve_lower(l, 2, diff);
      out[j] = diff[0] * diff[0] + diff[1] * diff[1];
    }
    return true;
  }
  // Forward substitution unrolled for d = 4; independent across measurements.
  const double l10 = l[4], l20 = l[8], l21 = l[9], l30 = l[12], l31 = l[13], l32 = l[14];
  const double r0 = 1.0 / l[0], r1 = 1.0 / l[5], r2 = 1.0 / l[10], r3 = 1.0 / l[15];
  for (int64_t j = 0; j < m; ++j) {
    const double* z = xyah + 4 * j;
    const double z0 = (z[0] - pm[0]) * r0;
    const double z1 = ((z[1] - pm[1]) - l10 * z0) * r1;
    const double z2 = ((z[2] - pm[2]) - l20 * z0 - l21 * z1) * r2;
    const double z3 = ((z[3] - pm[3]) - l30 * z0 - l31 * z1 - l32 * z2) * r3;
    out[j] = z0 * z0 + z1 * z1 + z2 * z2 + z3 * z3;
  }
  return true;
}

}  // namespace kalman
}  // namespace fairmot
