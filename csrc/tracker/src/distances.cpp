#include "fairmot/tracker/distances.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
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

template <typename T>
void embedding_distance(const T* a, int64_t n, const T* b, int64_t m, int64_t d, double* out) {
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
