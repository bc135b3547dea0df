#include "lapjv_kernels.hpp"

#include <limits>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FAIRMOT_LAPJV_AVX2 1
#include <immintrin.h>
#endif

namespace fairmot {
namespace detail {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Running state of the left-to-right scan over one subsequence.
struct Scan {
  double h1 = kInf, h2 = kInf;
  int64_t j1 = -1, j2 = -1;

  void add(double h, int64_t j) {
    if (h < h2) {
      if (h < h1) {
        h2 = h1;
        j2 = j1;
        h1 = h;
        j1 = j;
      } else {
        h2 = h;
        j2 = j;
      }
    }
  }
};

// (h, j) ordered by value, then index; "none" (j < 0) after everything.
bool before(double ha, int64_t ja, double hb, int64_t jb) {
  if (ja < 0) return false;
  if (jb < 0) return true;
  return ha < hb || (ha == hb && ja < jb);
}

// Scans of disjoint index sets combined into the scan of their union: the
// overall first minimum is the smallest (h1, j1); the runner-up is the
// smallest of the winner's (h2, j2) and every other part's (h1, j1).
TwoSmallest merge(const Scan* parts, int count) {
  int win = 0;
  for (int p = 1; p < count; ++p) {
    if (before(parts[p].h1, parts[p].j1, parts[win].h1, parts[win].j1)) win = p;
  }
  double h2 = parts[win].h2;
  int64_t j2 = parts[win].j2;
  for (int p = 0; p < count; ++p) {
    if (p != win && before(parts[p].h1, parts[p].j1, h2, j2)) {
      h2 = parts[p].h1;
      j2 = parts[p].j1;
    }
  }
  return {parts[win].h1, j2 < 0 ? kInf : h2, parts[win].j1, j2};
}

#ifdef FAIRMOT_LAPJV_AVX2
// Eight interleaved scans (lane k sees indices k, k + 8, ...), each with the
// scalar scan's update rule done by compare + blend, then merged. Two
// independent vectors of lanes, because one is bound by the latency of its
// compare -> blend chain.
__attribute__((target("avx2"))) TwoSmallest two_smallest_avx2(const double* c, const double* v, int64_t n) {
  constexpr int kVec = 2;
  __m256d h1[kVec], h2[kVec], j1[kVec], j2[kVec], idx[kVec];
  for (int q = 0; q < kVec; ++q) {
    h1[q] = h2[q] = _mm256_set1_pd(kInf);
    j1[q] = j2[q] = _mm256_set1_pd(-1.0);
    idx[q] = _mm256_setr_pd(4.0 * q, 4.0 * q + 1, 4.0 * q + 2, 4.0 * q + 3);
  }
  const __m256d step = _mm256_set1_pd(4.0 * kVec);
  int64_t j = 0;
  for (; j + 4 * kVec <= n; j += 4 * kVec) {
    for (int q = 0; q < kVec; ++q) {
      const __m256d h = _mm256_sub_pd(_mm256_loadu_pd(c + j + 4 * q), _mm256_loadu_pd(v + j + 4 * q));
      const __m256d lt1 = _mm256_cmp_pd(h, h1[q], _CMP_LT_OQ);  // implies lt2 (h1 <= h2)
      const __m256d lt2 = _mm256_cmp_pd(h, h2[q], _CMP_LT_OQ);
      h2[q] = _mm256_blendv_pd(_mm256_blendv_pd(h2[q], h, lt2), h1[q], lt1);
      j2[q] = _mm256_blendv_pd(_mm256_blendv_pd(j2[q], idx[q], lt2), j1[q], lt1);
      h1[q] = _mm256_blendv_pd(h1[q], h, lt1);
      j1[q] = _mm256_blendv_pd(j1[q], idx[q], lt1);
      idx[q] = _mm256_add_pd(idx[q], step);
    }
  }
  Scan parts[4 * kVec + 1];
  for (int q = 0; q < kVec; ++q) {
    alignas(32) double a1[4], a2[4], b1[4], b2[4];
    _mm256_store_pd(a1, h1[q]);
    _mm256_store_pd(a2, h2[q]);
    _mm256_store_pd(b1, j1[q]);
    _mm256_store_pd(b2, j2[q]);
    for (int k = 0; k < 4; ++k) {
      Scan& s = parts[4 * q + k];
      s.h1 = a1[k];
      s.h2 = a2[k];
      s.j1 = static_cast<int64_t>(b1[k]);  // indices < 2^53: exact
      s.j2 = static_cast<int64_t>(b2[k]);
    }
  }
  for (; j < n; ++j) parts[4 * kVec].add(c[j] - v[j], j);
  return merge(parts, 4 * kVec + 1);
}

__attribute__((target("avx2"))) CostRange cost_range_avx2(const double* c, int64_t n) {
  const __m256d inf = _mm256_set1_pd(kInf), ninf = _mm256_set1_pd(-kInf);
  const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
  __m256d lo = inf, hi = ninf, nan = _mm256_setzero_pd(), pinf = nan, minf = nan;
  int64_t k = 0;
  for (; k + 4 <= n; k += 4) {
    const __m256d x = _mm256_loadu_pd(c + k);
    const __m256d finite = _mm256_cmp_pd(_mm256_and_pd(x, abs_mask), inf, _CMP_LT_OQ);
    lo = _mm256_min_pd(lo, _mm256_blendv_pd(inf, x, finite));
    hi = _mm256_max_pd(hi, _mm256_blendv_pd(ninf, x, finite));
    nan = _mm256_or_pd(nan, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
    pinf = _mm256_or_pd(pinf, _mm256_cmp_pd(x, inf, _CMP_EQ_OQ));
    minf = _mm256_or_pd(minf, _mm256_cmp_pd(x, ninf, _CMP_EQ_OQ));
  }
  alignas(32) double l[4], h[4];
  _mm256_store_pd(l, lo);
  _mm256_store_pd(h, hi);
  CostRange r = cost_range_scalar(c + k, n - k);  // the tail
  for (int q = 0; q < 4; ++q) {
    r.lo = l[q] < r.lo ? l[q] : r.lo;
    r.hi = h[q] > r.hi ? h[q] : r.hi;
  }
  if (r.lo == 0.0) r.lo = 0.0;  // -0.0 -> +0.0, as the scalar scan
  if (r.hi == 0.0) r.hi = 0.0;
  r.has_nan |= _mm256_movemask_pd(nan) != 0;
  r.has_pos_inf |= _mm256_movemask_pd(pinf) != 0;
  r.has_neg_inf |= _mm256_movemask_pd(minf) != 0;
  return r;
}

__attribute__((target("avx2"))) void column_minima_update_avx2(const double* ci, int64_t n, int64_t i, double* v,
                                                               int64_t* y) {
  const __m256d row = _mm256_castsi256_pd(_mm256_set1_epi64x(i));
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const __m256d c = _mm256_loadu_pd(ci + j), vj = _mm256_loadu_pd(v + j);
    const __m256d lt = _mm256_cmp_pd(c, vj, _CMP_LT_OQ);
    _mm256_storeu_pd(v + j, _mm256_blendv_pd(vj, c, lt));
    const __m256d yj = _mm256_loadu_pd(reinterpret_cast<const double*>(y + j));
    _mm256_storeu_pd(reinterpret_cast<double*>(y + j), _mm256_blendv_pd(yj, row, lt));
  }
  column_minima_update_scalar(ci + j, n - j, i, v + j, y + j);
}
#endif

}  // namespace

TwoSmallest two_smallest_scalar(const double* c, const double* v, int64_t n) {
  Scan s;
  for (int64_t j = 0; j < n; ++j) s.add(c[j] - v[j], j);
  return {s.h1, s.h2, s.j1, s.j2};
}

TwoSmallest two_smallest(const double* c, const double* v, int64_t n) {
#ifdef FAIRMOT_LAPJV_AVX2
  if (n >= 16 && __builtin_cpu_supports("avx2")) return two_smallest_avx2(c, v, n);
#endif
  return two_smallest_scalar(c, v, n);
}

void column_minima_update_scalar(const double* ci, int64_t n, int64_t i, double* v, int64_t* y) {
  for (int64_t j = 0; j < n; ++j) {
    if (ci[j] < v[j]) {
      v[j] = ci[j];
      y[j] = i;
    }
  }
}

void column_minima_update(const double* ci, int64_t n, int64_t i, double* v, int64_t* y) {
#ifdef FAIRMOT_LAPJV_AVX2
  if (n >= 16 && __builtin_cpu_supports("avx2")) return column_minima_update_avx2(ci, n, i, v, y);
#endif
  column_minima_update_scalar(ci, n, i, v, y);
}

CostRange cost_range(const double* c, int64_t n) {
#ifdef FAIRMOT_LAPJV_AVX2
  if (n >= 16 && __builtin_cpu_supports("avx2")) return cost_range_avx2(c, n);
#endif
  return cost_range_scalar(c, n);
}

}  // namespace detail
}  // namespace fairmot
