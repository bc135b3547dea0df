// Linear assignment for dense cost matrices.
//
// Square, all-finite problems use the Jonker-Volgenant initialisation
// (column reduction, reduction transfer, two augmenting-row-reduction passes)
// followed by shortest augmenting paths for the rows still free. Everything
// else (rectangular matrices, forbidden +inf pairs, the thresholded problem)
// uses shortest augmenting paths directly (Dijkstra with dual potentials, as
// in Crouse, "On implementing 2D rectangular assignment algorithms", 2016).
//
// The thresholded problem (finite cost_limit L) is solved on an n x (m + n)
// matrix: real pairs cost c_ij - L (forbidden when c_ij > L) and every row has
// a private "stay unmatched" column of cost 0. Minimising that is the same as
// minimising sum(c_ij) + L/2 * (#unmatched rows + #unmatched columns), the
// objective of lap's padded (n+m) x (n+m) formulation, without the padding.
#include "fairmot/tracker/lapjv.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace fairmot {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Shortest-augmenting-path solver over rows 0..nr-1 and columns
// 0..n_real-1 (+ one private column per row when with_private is set:
// column n_real + i is reachable from row i only, at cost 0).
class PathSolver {
 public:
  PathSolver(const double* cost, int64_t nr, int64_t n_real, bool with_private)
      : c_(cost), nr_(nr), n_real_(n_real), with_private_(with_private),
        nc_(n_real + (with_private ? nr : 0)),
        u_(nr, 0.0), v_(nc_, 0.0), col4row_(nr, -1), row4col_(nc_, -1) {}

  std::vector<double>& v() { return v_; }
  std::vector<double>& u() { return u_; }
  std::vector<int64_t>& col4row() { return col4row_; }
  std::vector<int64_t>& row4col() { return row4col_; }

  // Assigns each listed free row by one shortest augmenting path.
  // Returns false when some row has no finite augmenting path.
  bool augment(const std::vector<int64_t>& free_rows) {
    shortest_.assign(nc_, kInf);
    path_.assign(nc_, -1);
    remaining_.resize(n_real_);
    dummies_.clear();
    for (int64_t cur : free_rows) {
      if (!augment_row(cur)) return false;
    }
    return true;
  }

 private:
  bool augment_row(int64_t cur) {
    int64_t n_remaining = n_real_;
    for (int64_t j = 0; j < n_real_; ++j) remaining_[j] = n_real_ - 1 - j;
    dummies_.clear();
    visited_rows_.clear();
    touched_cols_.clear();

    double min_val = 0.0;
    int64_t i = cur;
    int64_t sink = -1;
    while (sink == -1) {
      visited_rows_.push_back(i);
      const double* ci = c_ + i * n_real_;
      const double base = min_val - u_[i];
      double lowest = kInf;
      int64_t pick = -1;  // index into remaining_ (>= 0) or ~index into dummies_
      for (int64_t it = 0; it < n_remaining; ++it) {
        const int64_t j = remaining_[it];
        const double r = base + ci[j] - v_[j];
        if (r < shortest_[j]) {
          if (shortest_[j] == kInf) touched_cols_.push_back(j);
          path_[j] = i;
          shortest_[j] = r;
        }
        const double s = shortest_[j];
        if (s < lowest || (s == lowest && row4col_[j] == -1)) {
          lowest = s;
          pick = it;
        }
      }
      if (with_private_) {
        const int64_t d = n_real_ + i;  // reachable only from row i
        const double r = base - v_[d];
        if (r < shortest_[d]) {
          if (shortest_[d] == kInf) touched_cols_.push_back(d);
          path_[d] = i;
          shortest_[d] = r;
        }
        dummies_.push_back(d);
        for (size_t k = 0; k < dummies_.size(); ++k) {
          const int64_t j = dummies_[k];
          const double s = shortest_[j];
          if (s < lowest || (s == lowest && row4col_[j] == -1)) {
            lowest = s;
            pick = ~static_cast<int64_t>(k);
          }
        }
      }
      if (!(lowest < kInf)) {  // no finite augmenting path from `cur`
        reset_marks();
        return false;
      }
      min_val = lowest;
      int64_t j;
      if (pick >= 0) {
        j = remaining_[pick];
        remaining_[pick] = remaining_[--n_remaining];
      } else {
        const size_t k = static_cast<size_t>(~pick);
        j = dummies_[k];
        dummies_[k] = dummies_.back();
        dummies_.pop_back();
      }
      tree_cols_.push_back(j);
      if (row4col_[j] == -1) {
        sink = j;
      } else {
        i = row4col_[j];
      }
    }

    // Dual update keeps reduced costs non-negative and zero on the matching.
    u_[cur] += min_val;
    for (int64_t r : visited_rows_) {
      if (r != cur) u_[r] += min_val - shortest_[col4row_[r]];
    }
    for (int64_t j : tree_cols_) v_[j] -= min_val - shortest_[j];

    // Flip the alternating path.
    int64_t j = sink;
    while (true) {
      const int64_t r = path_[j];
      row4col_[j] = r;
      std::swap(col4row_[r], j);
      if (r == cur) break;
    }
    reset_marks();
    return true;
  }

  void reset_marks() {
    for (int64_t j : touched_cols_) shortest_[j] = kInf;
    touched_cols_.clear();
    tree_cols_.clear();
    visited_rows_.clear();
  }

  const double* c_;
  int64_t nr_, n_real_;
  bool with_private_;
  int64_t nc_;
  std::vector<double> u_, v_;
  std::vector<int64_t> col4row_, row4col_;
  std::vector<double> shortest_;
  std::vector<int64_t> path_, remaining_, dummies_, visited_rows_, touched_cols_, tree_cols_;
};

// Jonker-Volgenant initialisation for a square all-finite matrix. Leaves a
// partial assignment whose rows each sit on a minimiser of c_ij - v_j, sets u
// for assigned rows accordingly, and returns the rows still free.
std::vector<int64_t> jv_initialise(const double* c, int64_t n, std::vector<double>& u,
                                   std::vector<double>& v, std::vector<int64_t>& x,
                                   std::vector<int64_t>& y) {
  // Column reduction: v_j = min_i c_ij, each column offered to its argmin row.
  for (int64_t j = 0; j < n; ++j) v[j] = kInf;
  for (int64_t i = 0; i < n; ++i) {
    const double* ci = c + i * n;
    for (int64_t j = 0; j < n; ++j) {
      if (ci[j] < v[j]) {
        v[j] = ci[j];
        y[j] = i;
      }
    }
  }
  std::vector<char> unique(n, 1);
  for (int64_t j = n - 1; j >= 0; --j) {
    const int64_t i = y[j];
    if (x[i] < 0) {
      x[i] = j;
    } else {
      unique[i] = 0;
      y[j] = -1;
    }
  }
  // Reduction transfer for rows that own exactly one column.
  std::vector<int64_t> free_rows;
  for (int64_t i = 0; i < n; ++i) {
    if (x[i] < 0) {
      free_rows.push_back(i);
    } else if (unique[i] && n > 1) {
      const int64_t j = x[i];
      const double* ci = c + i * n;
      double best = kInf;
      for (int64_t k = 0; k < n; ++k) {
        if (k != j) best = std::min(best, ci[k] - v[k]);
      }
      v[j] -= best;
    }
  }
  // Augmenting row reduction, twice.
  for (int pass = 0; pass < 2 && !free_rows.empty(); ++pass) {
    int64_t current = 0, n_new = 0, rr_count = 0;
    const int64_t n_free = static_cast<int64_t>(free_rows.size());
    while (current < n_free) {
      ++rr_count;
      const int64_t i = free_rows[current++];
      const double* ci = c + i * n;
      int64_t j1 = 0, j2 = -1;
      double v1 = ci[0] - v[0], v2 = kInf;
      for (int64_t j = 1; j < n; ++j) {
        const double h = ci[j] - v[j];
        if (h < v2) {
          if (h >= v1) {
            v2 = h;
            j2 = j;
          } else {
            v2 = v1;
            v1 = h;
            j2 = j1;
            j1 = j;
          }
        }
      }
      int64_t i0 = y[j1];
      const double v1_new = v[j1] - (v2 - v1);
      const bool lowers = v1_new < v[j1];
      if (rr_count < current * n) {  // bounded: guarantees termination
        if (lowers) {
          v[j1] = v1_new;
        } else if (i0 >= 0 && j2 >= 0) {
          j1 = j2;
          i0 = y[j2];
        }
        if (i0 >= 0) {
          if (lowers) {
            free_rows[--current] = i0;
          } else {
            free_rows[n_new++] = i0;
          }
        }
      } else if (i0 >= 0) {
        free_rows[n_new++] = i0;
      }
      x[i] = j1;
      y[j1] = i;
    }
    free_rows.resize(n_new);
  }
  for (int64_t i : free_rows) x[i] = -1;
  for (int64_t i = 0; i < n; ++i) {
    if (x[i] >= 0) u[i] = c[i * n + x[i]] - v[x[i]];
  }
  return free_rows;
}

// Complete assignment of every row (nr <= nc) on a finite-or-+inf matrix.
// Returns false when +inf entries make it impossible.
bool solve_complete(const double* c, int64_t nr, int64_t nc, bool all_finite,
                    std::vector<int64_t>& col4row) {
  PathSolver solver(c, nr, nc, false);
  std::vector<int64_t> free_rows;
  if (nr == nc && all_finite && nr > 0) {
    free_rows = jv_initialise(c, nr, solver.u(), solver.v(), solver.col4row(), solver.row4col());
  } else {
    free_rows.resize(nr);
    for (int64_t i = 0; i < nr; ++i) free_rows[i] = i;
  }
  if (!solver.augment(free_rows)) return false;
  col4row = solver.col4row();
  return true;
}

// Scans for NaN / -inf, notes +inf, and returns the largest finite |c|.
template <typename T>
double scan(const T* cost, int64_t count, bool& has_inf, double& lo, double& hi) {
  double max_abs = 0.0;
  has_inf = false;
  lo = kInf;
  hi = -kInf;
  for (int64_t k = 0; k < count; ++k) {
    const double c = static_cast<double>(cost[k]);
    if (std::isnan(c)) throw std::invalid_argument("cost matrix contains NaN");
    if (c == kInf) {
      has_inf = true;
      continue;
    }
    if (c == -kInf) throw std::invalid_argument("cost matrix contains -inf");
    lo = std::min(lo, c);
    hi = std::max(hi, c);
  }
  if (lo <= hi) max_abs = std::max(std::fabs(lo), std::fabs(hi));
  return max_abs;
}

// Power-of-two factor that brings huge finite costs into a range where sums of
// potentials cannot overflow (exact: only the exponent changes).
int scale_exponent(double max_abs) {
  if (!(max_abs > 0x1p200)) return 0;
  int e = 0;
  std::frexp(max_abs, &e);
  return 100 - e;
}

}  // namespace

template <typename T>
AssignmentResult lapjv(const T* cost, int64_t n, int64_t m, bool extend_cost, double cost_limit) {
  if (n < 0 || m < 0) throw std::invalid_argument("cost matrix dimensions must be non-negative");
  if (std::isnan(cost_limit)) throw std::invalid_argument("cost_limit must not be NaN");
  if (cost_limit == -kInf) throw std::invalid_argument("cost_limit must not be -inf");
  if (n != m && !extend_cost) {
    throw std::invalid_argument("square cost matrix expected (got " + std::to_string(n) + "x" +
                                std::to_string(m) + "); pass extend_cost=True for a rectangular one");
  }
  AssignmentResult res;
  res.x.assign(n, -1);
  res.y.assign(m, -1);
  if (n == 0 || m == 0) return res;

  bool has_inf = false;
  double lo = 0.0, hi = 0.0;
  const double max_abs = scan(cost, n * m, has_inf, lo, hi);
  const bool limited = cost_limit < kInf;
  const int sexp = scale_exponent(limited ? std::max(max_abs, std::fabs(cost_limit)) : max_abs);
  auto scaled = [sexp](double c) { return sexp == 0 ? c : std::ldexp(c, sexp); };

  if (limited) {
    // Thresholded problem on rows x (real columns + private columns).
    const double limit = scaled(cost_limit);
    std::vector<double> c(static_cast<size_t>(n * m));
    for (int64_t k = 0; k < n * m; ++k) {
      const double v = scaled(static_cast<double>(cost[k]));
      c[k] = v > limit ? kInf : v - limit;
    }
    PathSolver solver(c.data(), n, m, true);
    std::vector<int64_t> rows(n);
    for (int64_t i = 0; i < n; ++i) rows[i] = i;
    if (!solver.augment(rows)) throw std::logic_error("lapjv: thresholded problem must be feasible");
    const auto& col4row = solver.col4row();
    for (int64_t i = 0; i < n; ++i) {
      if (col4row[i] < m) {
        res.x[i] = col4row[i];
        res.y[col4row[i]] = i;
      }
    }
  } else {
    // Complete assignment of the smaller side; transpose when rows > cols.
    const bool transpose = n > m;
    const int64_t nr = transpose ? m : n, nc = transpose ? n : m;
    std::vector<double> buffer;
    const double* c = nullptr;
    if (std::is_same<T, double>::value && !transpose && sexp == 0) {
      c = reinterpret_cast<const double*>(cost);
    } else {
      buffer.resize(static_cast<size_t>(n * m));
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < m; ++j) {
          const double v = scaled(static_cast<double>(cost[i * m + j]));
          buffer[transpose ? j * n + i : i * m + j] = v;
        }
      }
      c = buffer.data();
    }
    std::vector<int64_t> col4row;
    if (!solve_complete(c, nr, nc, !has_inf, col4row)) {
      // Forbidden pairs make a complete assignment impossible: use a cost for
      // them that outweighs any difference in finite costs, which yields the
      // cheapest matching among those with the most finite pairs, then drop
      // the forbidden pairs it had to use.
      const double slo = scaled(lo <= hi ? lo : 0.0), shi = scaled(lo <= hi ? hi : 0.0);
      const double big = shi + static_cast<double>(nr + 1) * (shi - slo) + 1.0;
      std::vector<double> patched(c, c + nr * nc);
      for (double& v : patched) {
        if (v == kInf) v = big;
      }
      if (!solve_complete(patched.data(), nr, nc, true, col4row)) {
        throw std::logic_error("lapjv: patched problem must be feasible");
      }
      for (int64_t i = 0; i < nr; ++i) {
        if (c[i * nc + col4row[i]] == kInf) col4row[i] = -1;
      }
    }
    for (int64_t i = 0; i < nr; ++i) {
      const int64_t j = col4row[i];
      if (j < 0) continue;
      const int64_t row = transpose ? j : i, col = transpose ? i : j;
      res.x[row] = col;
      res.y[col] = row;
    }
  }
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    if (res.x[i] >= 0) total += static_cast<double>(cost[i * m + res.x[i]]);
  }
  res.total_cost = total;
  return res;
}

template AssignmentResult lapjv<float>(const float*, int64_t, int64_t, bool, double);
template AssignmentResult lapjv<double>(const double*, int64_t, int64_t, bool, double);

MatchResult linear_assignment(const double* cost, int64_t n, int64_t m, double thresh) {
  MatchResult out;
  if (n == 0 || m == 0) {
    for (int64_t i = 0; i < n; ++i) out.unmatched_rows.push_back(i);
    for (int64_t j = 0; j < m; ++j) out.unmatched_cols.push_back(j);
    return out;
  }
  const AssignmentResult r = lapjv(cost, n, m, true, thresh);
  for (int64_t i = 0; i < n; ++i) {
    if (r.x[i] >= 0) {
      out.matches.push_back(i);
      out.matches.push_back(r.x[i]);
    } else {
      out.unmatched_rows.push_back(i);
    }
  }
  for (int64_t j = 0; j < m; ++j) {
    if (r.y[j] < 0) out.unmatched_cols.push_back(j);
  }
  return out;
}

}  // namespace fairmot
