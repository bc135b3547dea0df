// Dense linear assignment (Jonker-Volgenant / shortest augmenting path).
//
// Semantics follow lap.lapjv (extend_cost, cost_limit, -1 for unassigned),
// with two documented extensions:
//   * +inf marks a forbidden pair: it is never assigned. When forbidden pairs
//     make a complete assignment impossible, the solver returns the
//     minimum-cost matching among those with the largest number of pairs.
//   * NaN and -inf are rejected (std::invalid_argument).
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace fairmot {

struct AssignmentResult {
  double total_cost = 0.0;      // sum of cost[i][x[i]] over assigned rows
  std::vector<int64_t> x;       // x[i]: column assigned to row i, or -1
  std::vector<int64_t> y;       // y[j]: row assigned to column j, or -1
};

// Solves the assignment problem for a dense row-major n x m matrix.
//
// extend_cost: allow n != m; the smaller side is assigned completely
//   (as far as forbidden pairs allow) and the rest of the larger side is -1.
// cost_limit: when finite, solves lap's thresholded problem: minimise
//   sum(matched c_ij) + cost_limit/2 * (#unmatched rows + #unmatched cols),
//   so no pair with c_ij > cost_limit is ever assigned.
// Throws std::invalid_argument on NaN / -inf entries or a non-square matrix
// without extend_cost (as lap does, whatever the cost_limit).
template <typename T>
AssignmentResult lapjv(const T* cost, int64_t n, int64_t m, bool extend_cost = false,
                       double cost_limit = std::numeric_limits<double>::infinity());

// Same, writing x (n) and y (m) into caller-owned buffers; returns the total cost.
template <typename T>
double lapjv_into(const T* cost, int64_t n, int64_t m, bool extend_cost, double cost_limit, int64_t* x,
                  int64_t* y);

// The official FairMOT `linear_assignment(cost, thresh)`: lapjv with
// extend_cost and cost_limit = thresh. Matches are emitted in row order,
// unmatched rows / columns ascending. An empty matrix leaves all unmatched.
struct MatchResult {
  std::vector<int64_t> matches;         // flattened pairs (row, col), row ascending
  std::vector<int64_t> unmatched_rows;  // ascending
  std::vector<int64_t> unmatched_cols;  // ascending
};

MatchResult linear_assignment(const double* cost, int64_t n, int64_t m, double thresh);

}  // namespace fairmot
