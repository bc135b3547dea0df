// Small float32-vector kernels shared by the tracker sources (internal).
#pragma once

#include <cmath>
#include <cstdint>

namespace fairmot {
namespace detail {

// Dot product of float32 vectors accumulated in float64, with four
// independent partial sums (keeps the FP pipeline busy). Products of two
// float32 values are exact in float64.
inline double dot_f64(const float* u, const float* v, int64_t d) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t k = 0;
  for (; k + 4 <= d; k += 4) {
    s0 += static_cast<double>(u[k]) * v[k];
    s1 += static_cast<double>(u[k + 1]) * v[k + 1];
    s2 += static_cast<double>(u[k + 2]) * v[k + 2];
    s3 += static_cast<double>(u[k + 3]) * v[k + 3];
  }
  for (; k < d; ++k) s0 += static_cast<double>(u[k]) * v[k];
  return (s0 + s1) + (s2 + s3);
}

// v <- v / |v| in float32 (the norm accumulated in float64, rounded to
// float32 as numpy's float32 norm is). A norm beyond the float32 range (a
// finite vector such as [3e38] * 4) is divided in float64 instead, so the
// result is the unit vector rather than zeros (and NaN on the next call).
inline void normalise(float* v, int64_t d) {
  const double norm64 = std::sqrt(dot_f64(v, v, d));
  const float norm = static_cast<float>(norm64);
  if (std::isinf(norm)) {
    for (int64_t k = 0; k < d; ++k) v[k] = static_cast<float>(static_cast<double>(v[k]) / norm64);
    return;
  }
  for (int64_t k = 0; k < d; ++k) v[k] = v[k] / norm;
}

}  // namespace detail
}  // namespace fairmot
