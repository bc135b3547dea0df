#include "fairmot/tracker/distances.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "fairmot/tracker/kalman_filter.hpp"
#include "vector_math.hpp"

namespace fairmot {

void iou_distance(const double* a, int64_t n, const double* b, int64_t m, double* out) {
  for (int64_t i = 0; i < n; ++i) {
    const double* p = a + 4 * i;
    const double area_a = (p[2] - p[0] + 1) * (p[3] - p[1] + 1);
    for (int64_t j = 0; j < m; ++j) {
      const double* q = b + 4 * j;
      double iou = 0.0;
      const double iw = std::min(p[2], q[2]) - std::max(p[0], q[0]) + 1;
      if (iw > 0) {
        const double ih = std::min(p[3], q[3]) - std::max(p[1], q[1]) + 1;
        if (ih > 0) {
          const double area_b = (q[2] - q[0] + 1) * (q[3] - q[1] + 1);
          const double ua = area_b + area_a - iw * ih;
          if (ua > 0) iou = iw * ih / ua;
        }
      }
      out[i * m + j] = 1.0 - iou;
    }
  }
}

namespace {

template <typename T>
void embedding_distance_direct(const T* a, int64_t n, const T* b, int64_t m, int64_t d, double* out) {
  std::vector<double> nb(static_cast<size_t>(m));
  for (int64_t j = 0; j < m; ++j) {
    double s = 0.0;
    for (int64_t k = 0; k < d; ++k) s += static_cast<double>(b[j * d + k]) * static_cast<double>(b[j * d + k]);
    nb[j] = std::sqrt(s);
  }
  for (int64_t i = 0; i < n; ++i) {
    const T* u = a + i * d;
    double su = 0.0;
    for (int64_t k = 0; k < d; ++k) su += static_cast<double>(u[k]) * static_cast<double>(u[k]);
    const double nu = std::sqrt(su);
    for (int64_t j = 0; j < m; ++j) {
      const T* v = b + j * d;
      double dot = 0.0;
      for (int64_t k = 0; k < d; ++k) dot += static_cast<double>(u[k]) * static_cast<double>(v[k]);
      const double denom = nu * nb[j];
      const double cosine = denom > 0 ? dot / denom : 0.0;
      out[i * m + j] = std::max(0.0, 1.0 - cosine);
    }
  }
}

// True when the squared norm of a float64 row leaves the range where it is computed
// accurately (its squares underflow, as for 1e-200 entries, or overflow, as for 1e200).
bool extreme_row(const double* v, int64_t d) {
  double s = 0.0;
  bool nonzero = false;
  for (int64_t k = 0; k < d; ++k) {
    s += v[k] * v[k];
    nonzero = nonzero || v[k] != 0.0;
  }
  return nonzero && !(s >= 0x1p-960 && s <= 0x1p960);
}

// Copies rows (count, d) and scales each extreme one by the power of two that brings its
// largest entry to [1, 2): exact, and the cosine does not depend on the scale.
std::vector<double> rescaled(const double* v, int64_t count, int64_t d) {
  std::vector<double> out(v, v + count * d);
  for (int64_t i = 0; i < count; ++i) {
    double* row = out.data() + i * d;
    if (!extreme_row(row, d)) continue;
    double big = 0.0;
    for (int64_t k = 0; k < d; ++k) big = std::max(big, std::fabs(row[k]));
    const int e = std::ilogb(big);
    for (int64_t k = 0; k < d; ++k) row[k] = std::ldexp(row[k], -e);
  }
  return out;
}

}  // namespace

template <typename T>
void embedding_distance(const T* a, int64_t n, const T* b, int64_t m, int64_t d, double* out) {
  if constexpr (std::is_same<T, double>::value) {
    // float32 rows cannot leave the range (their squares are exact in float64); float64 rows
    // whose squared norm underflows or overflows are rescaled first. Other rows keep the
    // direct computation, bit for bit.
    bool any = false;
    for (int64_t i = 0; i < n && !any; ++i) any = extreme_row(a + i * d, d);
    for (int64_t j = 0; j < m && !any; ++j) any = extreme_row(b + j * d, d);
    if (any) {
      const std::vector<double> ra = rescaled(a, n, d), rb = rescaled(b, m, d);
      embedding_distance_direct(ra.data(), n, rb.data(), m, d, out);
      return;
    }
  }
  embedding_distance_direct(a, n, b, m, d, out);
}

using detail::dot_f64;

void gated_embedding_cost(const float* a, int64_t n, const float* b, int64_t m, int64_t d, const double* mean,
                          const double* cov, const double* xyah, double* out, double lambda) {
  const double inf = std::numeric_limits<double>::infinity();
  const double threshold = kalman::kChi2Inv95[4];
  const double mu = 1 - lambda;
  std::vector<double> nb(static_cast<size_t>(m));
  for (int64_t j = 0; j < m; ++j) nb[j] = std::sqrt(dot_f64(b + j * d, b + j * d, d));
  for (int64_t i = 0; i < n; ++i) {
    double* row = out + i * m;
    if (!kalman::gating_distance(mean + 8 * i, cov + 64 * i, xyah, m, false, row)) {
      std::fill(row, row + m, inf);
      continue;
    }
    const float* u = a + i * d;
    const double nu = std::sqrt(dot_f64(u, u, d));
    for (int64_t j = 0; j < m; ++j) {
      const double g = row[j];
      if (g > threshold) {
        row[j] = inf;
        continue;
      }
      const double denom = nu * nb[j];
      const double cosine = denom > 0 ? dot_f64(u, b + j * d, d) / denom : 0.0;
      row[j] = lambda * std::max(0.0, 1.0 - cosine) + mu * g;
    }
  }
}

template void embedding_distance<float>(const float*, int64_t, const float*, int64_t, int64_t, double*);
template void embedding_distance<double>(const double*, int64_t, const double*, int64_t, int64_t, double*);

bool fuse_motion(double* cost, int64_t n, int64_t m, const double* mean, const double* cov,
                 const double* xyah, bool only_position, double lambda) {
  if (n == 0 || m == 0) return true;
  const double threshold = kalman::kChi2Inv95[only_position ? 2 : 4];
  const double mu = 1 - lambda;
  std::vector<double> gate(static_cast<size_t>(m));
  for (int64_t i = 0; i < n; ++i) {
    if (!kalman::gating_distance(mean + 8 * i, cov + 64 * i, xyah, m, only_position, gate.data())) {
      return false;
    }
    double* row = cost + i * m;
    for (int64_t j = 0; j < m; ++j) {
      if (gate[j] > threshold) row[j] = std::numeric_limits<double>::infinity();
      row[j] = lambda * row[j] + mu * gate[j];
    }
  }
  return true;
}

}  // namespace fairmot
