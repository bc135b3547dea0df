// Dense linear assignment (Jonker-Volgenant / shortest augmenting path).
//
// Semantics follow lap.lapjv 0.5.x (extend_cost, cost_limit, -1 for
// unassigned, +inf for a forbidden pair), with one documented extension:
// NaN and -inf are rejected (std::invalid_argument).
//
// When forbidden pairs leave no complete assignment of finite cost (cost_limit
// infinite; "complete" = every index of the smaller side assigned), the result
// depends on `partial`:
//   * false (lap's behaviour, the default): a complete assignment is returned
//     anyway and its total is +inf. Its finite pairs form a minimum-cost
//     matching among those with the most finite pairs; the indices of the
//     smaller side left over (ascending) take the lowest free indices of the
//     other side (ascending), at cost +inf.
//   * true: only that matching is returned, the left-over indices are -1 and
//     the total is finite.
// With a finite cost_limit or a feasible problem both modes give the same
// result.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace fairmot {

struct AssignmentResult {
  double total_cost = 0.0;      // sum of cost[i][x[i]] over assigned rows (see lapjv_into)
  std::vector<int64_t> x;       // x[i]: column assigned to row i, or -1
  std::vector<int64_t> y;       // y[j]: row assigned to column j, or -1
};

// Solves the assignment problem for a dense row-major n x m matrix.
//
// extend_cost: allow n != m; the smaller side is assigned completely and the
//   rest of the larger side is -1 (see above for infeasible problems).
// cost_limit: when finite, solves lap's thresholded problem: minimise
//   sum(matched c_ij) + cost_limit/2 * (#unmatched rows + #unmatched cols),
//   so no pair with c_ij > cost_limit is ever assigned.
// partial: see above; only matters without a finite cost_limit.
// Throws std::invalid_argument on NaN / -inf entries, a NaN or -inf
// cost_limit, or a non-square matrix without extend_cost (as lap 0.5 does,
// whatever the cost_limit).
template <typename T>
AssignmentResult lapjv(const T* cost, int64_t n, int64_t m, bool extend_cost = false,
                       double cost_limit = std::numeric_limits<double>::infinity(), bool partial = false);

// Same, writing x (n) and y (m) into caller-owned buffers; returns the total
// cost: the float64 sum of cost[i][x[i]] over the assigned rows in ascending
// row order, added up the way numpy's float64 sum does it (pairwise, 8-way
// unrolled blocks), so it equals lap's total bit for bit when x is the same.
template <typename T>
double lapjv_into(const T* cost, int64_t n, int64_t m, bool extend_cost, double cost_limit, int64_t* x,
                  int64_t* y, bool partial = false);

// The official FairMOT `linear_assignment(cost, thresh)`: lapjv with
// extend_cost, cost_limit = thresh and partial = true (a forbidden pair is
// never matched, even with thresh = inf). Matches are emitted in row order,
// unmatched rows / columns ascending. An empty matrix leaves all unmatched.
struct MatchResult {
  std::vector<int64_t> matches;         // flattened pairs (row, col), row ascending
  std::vector<int64_t> unmatched_rows;  // ascending
  std::vector<int64_t> unmatched_cols;  // ascending
};

MatchResult linear_assignment(const double* cost, int64_t n, int64_t m, double thresh);

}  // namespace fairmot
