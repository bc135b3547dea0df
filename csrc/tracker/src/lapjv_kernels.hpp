// Vectorised inner loops of the assignment solver (internal).
//
// Each kernel has a plain scalar version, which defines its result, and an
// AVX2 version picked at run time where the CPU has it (the library itself
// is compiled for the baseline ISA, so it stays portable). Tests compare the
// two through fairmot.tracking._lapjv_kernels.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace fairmot {
namespace detail {

// The two smallest reduced costs h_j = c_j - v_j of one cost-matrix row: the
// augmenting row reduction of the Jonker-Volgenant solver spends most of its
// time here. Defined as the plain left-to-right scan (lap / the JV paper)
// defines it: j1 = the first index with the smallest h; (h2, j2) = the
// smallest h over the other indices, first index on ties. +inf entries are
// never picked (index -1, value +inf when there is no finite one).
struct TwoSmallest {
  double h1, h2;
  int64_t j1, j2;
};

TwoSmallest two_smallest_scalar(const double* c, const double* v, int64_t n);
TwoSmallest two_smallest(const double* c, const double* v, int64_t n);

// One row of the Jonker-Volgenant column reduction: for every column j with
// c_ij < v_j (strictly), set v_j = c_ij and y_j = i.
void column_minima_update_scalar(const double* ci, int64_t n, int64_t i, double* v, int64_t* y);
void column_minima_update(const double* ci, int64_t n, int64_t i, double* v, int64_t* y);

// What a cost matrix holds: which non-finite values occur, and the range of
// its finite entries (lo > hi when there is none; a zero bound is +0.0
// whichever signed zeros occur, so that every scan order gives the same bits).
struct CostRange {
  bool has_nan = false, has_pos_inf = false, has_neg_inf = false;
  double lo, hi;
};

template <typename T>
CostRange cost_range_scalar(const T* c, int64_t n) {
  CostRange r;
  r.lo = std::numeric_limits<double>::infinity();
  r.hi = -r.lo;
  for (int64_t k = 0; k < n; ++k) {
    const double x = static_cast<double>(c[k]);
    if (std::isnan(x)) {
      r.has_nan = true;
    } else if (std::isinf(x)) {
      (x > 0 ? r.has_pos_inf : r.has_neg_inf) = true;
    } else {
      r.lo = x < r.lo ? x : r.lo;
      r.hi = x > r.hi ? x : r.hi;
    }
  }
  if (r.lo == 0.0) r.lo = 0.0;  // -0.0 -> +0.0
  if (r.hi == 0.0) r.hi = 0.0;
  return r;
}

CostRange cost_range(const double* c, int64_t n);

}  // namespace detail
}  // namespace fairmot
