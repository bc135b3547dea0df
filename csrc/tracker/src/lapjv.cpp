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

#include "lapjv_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace fairmot {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Thresholded problems with n + m at least kPaddedMin in which at least
// kPaddedMinDensity of the pairs are under the limit are solved on lap's
// padded square matrix (its column reduction pays off on dense problems);
// all others, including the sparse, gated matrices of the tracker, on the
// unpadded private-column formulation. Measured: benchmarks/RESULTS.md.
constexpr int64_t kPaddedMin = 400;
constexpr double kPaddedMinDensity = 0.1;

// Shortest-augmenting-path solver over rows 0..nr-1 and columns
// 0..n_real-1. With Thresholded set, it solves the thresholded problem for
// the limit L: entry (i, j) costs c_ij - L (forbidden when c_ij > L), and
// every row has one private column n_real + i, reachable from row i only, at
// cost 0 ("stay unmatched"). All scratch memory lives in two buffers
// allocated once per solve.
template <bool Thresholded>
class PathSolver {
 public:
  PathSolver(const double* cost, int64_t nr, int64_t n_real, double limit = kInf)
      : c_(cost), nr_(nr), n_real_(n_real), limit_(limit), with_private_(Thresholded),
        nc_(n_real + (Thresholded ? nr : 0)) {
    dbuf_.assign(static_cast<size_t>(nr_ + 2 * nc_), 0.0);
    ibuf_.assign(static_cast<size_t>(2 * nr_ + 6 * nc_ + nr_), -1);
    u_ = dbuf_.data();
    v_ = u_ + nr_;
    shortest_ = v_ + nc_;
    col4row_ = ibuf_.data();
    row4col_ = col4row_ + nr_;
    path_ = row4col_ + nc_;
    remaining_ = path_ + nc_;
    touched_ = remaining_ + nc_;
    tree_ = touched_ + nc_;
    dummies_ = tree_ + nc_;
    visited_ = dummies_ + nr_;
    for (int64_t j = 0; j < nc_; ++j) shortest_[j] = kInf;
  }

  double* u() { return u_; }
  double* v() { return v_; }
  int64_t* col4row() { return col4row_; }
  int64_t* row4col() { return row4col_; }

  // Jonker-Volgenant augmenting row reduction (two passes) over the listed
  // free rows, from the current prices v and partial assignment, in which
  // every assigned row sits on a minimiser of its reduced costs. Rows it
  // cannot place stay in free_rows; u is then set for the assigned rows.
  void reduce_rows(std::vector<int64_t>& free_rows) {
    for (int pass = 0; pass < 2 && !free_rows.empty(); ++pass) {
      int64_t current = 0, n_new = 0, rr_count = 0;
      const int64_t n_free = static_cast<int64_t>(free_rows.size());
      while (current < n_free) {
        ++rr_count;
        const int64_t i = free_rows[current++];
        const double* ci = c_ + i * n_real_;
        int64_t j1 = -1, j2 = -1;
        double v1 = kInf, v2 = kInf;
        // Keeps (v1, j1) the smallest and (v2, j2) the second smallest reduced cost.
        auto consider = [&](double h, int64_t j) {
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
        };
        if (Thresholded) {
          for (int64_t j = 0; j < n_real_; ++j) consider(value(ci[j]) - v_[j], j);
          consider(-v_[n_real_ + i], n_real_ + i);
        } else {  // the hot loop of square solves: vectorised where the CPU allows
          const detail::TwoSmallest t = detail::two_smallest(ci, v_, n_real_);
          v1 = t.h1;
          v2 = t.h2;
          j1 = t.j1;
          j2 = t.j2;
        }
        if (!(v1 < kInf)) {  // no finite column: left to the path search
          free_rows[n_new++] = i;
          continue;
        }
        int64_t i0 = row4col_[j1];
        const bool lowers = v2 < kInf && v_[j1] - (v2 - v1) < v_[j1];
        if (rr_count < current * nc_) {  // bounded: guarantees termination
          if (lowers) {
            v_[j1] -= v2 - v1;
          } else if (i0 >= 0 && j2 >= 0 && v2 < kInf) {
            j1 = j2;
            i0 = row4col_[j2];
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
        if (i0 >= 0) col4row_[i0] = -1;
        col4row_[i] = j1;
        row4col_[j1] = i;
      }
      free_rows.resize(n_new);
    }
    for (int64_t i : free_rows) col4row_[i] = -1;
    for (int64_t i = 0; i < nr_; ++i) {
      const int64_t j = col4row_[i];
      if (j >= 0) u_[i] = (j < n_real_ ? value(c_[i * n_real_ + j]) : 0.0) - v_[j];
    }
  }

  // Assigns each listed free row by one shortest augmenting path.
  // Returns false when some row has no finite augmenting path.
  bool augment(const std::vector<int64_t>& free_rows) {
    for (int64_t cur : free_rows) {
      if (!augment_row(cur)) return false;
    }
    return true;
  }

 private:
  double value(double c) const {
    if (Thresholded) return c > limit_ ? kInf : c - limit_;
    return c;
  }

  bool augment_row(int64_t cur) {
    int64_t n_remaining = n_real_, n_dummies = 0, n_visited = 0, n_touched = 0, n_tree = 0;
    for (int64_t j = 0; j < n_real_; ++j) remaining_[j] = n_real_ - 1 - j;

    double min_val = 0.0;
    int64_t i = cur;
    int64_t sink = -1;
    bool ok = true;
    while (sink == -1) {
      visited_[n_visited++] = i;
      const double* ci = c_ + i * n_real_;
      const double base = min_val - u_[i];
      double lowest = kInf;
      int64_t pick = -1;  // index into remaining_ (>= 0) or ~index into dummies_
      for (int64_t it = 0; it < n_remaining; ++it) {
        const int64_t j = remaining_[it];
        const double r = base + value(ci[j]) - v_[j];
        double s = shortest_[j];
        if (r < s) {
          if (s == kInf) touched_[n_touched++] = j;
          path_[j] = i;
          shortest_[j] = s = r;
        }
        if (s < lowest || (s == lowest && row4col_[j] == -1)) {
          lowest = s;
          pick = it;
        }
      }
      if (with_private_) {
        const int64_t d = n_real_ + i;  // reachable only from row i
        const double r = base - v_[d];
        if (r < shortest_[d]) {
          if (shortest_[d] == kInf) touched_[n_touched++] = d;
          path_[d] = i;
          shortest_[d] = r;
        }
        dummies_[n_dummies++] = d;
        for (int64_t k = 0; k < n_dummies; ++k) {
          const int64_t j = dummies_[k];
          const double s = shortest_[j];
          if (s < lowest || (s == lowest && row4col_[j] == -1)) {
            lowest = s;
            pick = ~k;
          }
        }
      }
      if (!(lowest < kInf)) {  // no finite augmenting path from `cur`
        ok = false;
        break;
      }
      min_val = lowest;
      int64_t j;
      if (pick >= 0) {
        j = remaining_[pick];
        remaining_[pick] = remaining_[--n_remaining];
      } else {
        const int64_t k = ~pick;
        j = dummies_[k];
        dummies_[k] = dummies_[--n_dummies];
      }
      tree_[n_tree++] = j;
      if (row4col_[j] == -1) {
        sink = j;
      } else {
        i = row4col_[j];
      }
    }

    if (ok) {
      // Dual update keeps reduced costs non-negative and zero on the matching.
      u_[cur] += min_val;
      for (int64_t k = 0; k < n_visited; ++k) {
        const int64_t r = visited_[k];
        if (r != cur) u_[r] += min_val - shortest_[col4row_[r]];
      }
      for (int64_t k = 0; k < n_tree; ++k) {
        const int64_t j = tree_[k];
        v_[j] -= min_val - shortest_[j];
      }
      // Flip the alternating path.
      int64_t j = sink;
      while (true) {
        const int64_t r = path_[j];
        row4col_[j] = r;
        std::swap(col4row_[r], j);
        if (r == cur) break;
      }
    }
    for (int64_t k = 0; k < n_touched; ++k) shortest_[touched_[k]] = kInf;
    return ok;
  }

  const double* c_;
  int64_t nr_, n_real_;
  double limit_;
  bool with_private_;
  int64_t nc_;
  std::vector<double> dbuf_;
  std::vector<int64_t> ibuf_;
  double *u_, *v_, *shortest_;
  int64_t *col4row_, *row4col_, *path_, *remaining_, *touched_, *tree_, *dummies_, *visited_;
};

// Jonker-Volgenant column reduction and reduction transfer for a square
// all-finite matrix. Leaves a partial assignment whose rows each sit on a
// minimiser of c_ij - v_j and the rows still free.
void jv_initialise(const double* c, int64_t n, double* v, int64_t* x, int64_t* y,
                   std::vector<int64_t>& free_rows) {
  // Column reduction: v_j = min_i c_ij, each column offered to its argmin row.
  for (int64_t j = 0; j < n; ++j) v[j] = kInf;
  for (int64_t i = 0; i < n; ++i) detail::column_minima_update(c + i * n, n, i, v, y);
  // x[i] = -2 - j marks a row that owns column j and at least one more.
  for (int64_t j = n - 1; j >= 0; --j) {
    const int64_t i = y[j];
    if (x[i] == -1) {
      x[i] = j;
    } else {
      if (x[i] >= 0) x[i] = -2 - x[i];
      y[j] = -1;
    }
  }
  // Reduction transfer for rows that own exactly one column.
  free_rows.clear();
  free_rows.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    if (x[i] <= -2) {
      x[i] = -2 - x[i];  // owned several columns: keeps the first, no transfer
    } else if (x[i] < 0) {
      free_rows.push_back(i);
    } else if (n > 1) {
      const int64_t j = x[i];
      // The smallest c_ik - v_k over k != j: the first minimum unless that
      // is j itself, then the runner-up.
      const detail::TwoSmallest t = detail::two_smallest(c + i * n, v, n);
      v[j] -= t.j1 != j ? t.h1 : t.h2;
    }
  }
}

// Complete assignment of every row (nr <= nc) on a finite-or-+inf matrix.
// Returns false when +inf entries make it impossible.
bool solve_complete(const double* c, int64_t nr, int64_t nc, bool all_finite,
                    std::vector<int64_t>& col4row) {
  PathSolver<false> solver(c, nr, nc);
  std::vector<int64_t> free_rows;
  if (nr == nc && all_finite) {
    jv_initialise(c, nr, solver.v(), solver.col4row(), solver.row4col(), free_rows);
  } else {
    free_rows.resize(static_cast<size_t>(nr));
    for (int64_t i = 0; i < nr; ++i) free_rows[i] = i;
  }
  solver.reduce_rows(free_rows);
  if (!solver.augment(free_rows)) return false;
  col4row.assign(solver.col4row(), solver.col4row() + nr);
  return true;
}

// Scans for NaN / -inf (rejected) and +inf (noted); lo / hi are the smallest
// and largest finite entries (lo > hi when there is none).
struct ScanResult {
  bool has_inf = false;
  bool huge = false;              // some finite |c| > 2^200
  double lo = kInf, hi = -kInf;  // range of the finite entries (lo > hi: none)
};

template <typename T>
ScanResult scan(const T* cost, int64_t count) {
  detail::CostRange cr;
  if constexpr (std::is_same<T, double>::value) {
    cr = detail::cost_range(cost, count);  // vectorised: one pass
  } else {
    cr = detail::cost_range_scalar(cost, count);
  }
  if (cr.has_nan) throw std::invalid_argument("cost matrix contains NaN");
  if (cr.has_neg_inf) throw std::invalid_argument("cost matrix contains -inf");
  ScanResult r;
  r.has_inf = cr.has_pos_inf;
  r.lo = cr.lo;
  r.hi = cr.hi;
  r.huge = cr.lo <= cr.hi && std::max(std::fabs(cr.lo), std::fabs(cr.hi)) > 0x1p200;
  return r;
}

// Power-of-two factor that brings huge finite costs into a range where sums of
// potentials cannot overflow (exact: only the exponent changes).
int scale_exponent(double max_abs) {
  if (!(max_abs > 0x1p200)) return 0;
  int e = 0;
  std::frexp(max_abs, &e);
  return 100 - e;
}

// numpy's float64 pairwise summation (pairwise_sum in its loops): fewer than
// 8 terms left to right; up to 128 terms in 8 interleaved partial sums
// combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the remainder left to
// right; longer runs split at a multiple of 8 near the middle.
double pairwise_sum(const double* a, int64_t n) {
  if (n < 8) {
    double res = 0.0;
    for (int64_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int k = 0; k < 8; ++k) r[k] = a[k];
    int64_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (int k = 0; k < 8; ++k) r[k] += a[i + k];
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  int64_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

// The total of an assignment as lap reports it: numpy's sum of the assigned
// costs (as float64) in ascending row order, starting from 0.0.
template <typename T>
double assignment_total(const T* cost, int64_t n, int64_t m, const int64_t* x) {
  double small[64];
  std::vector<double> large;
  double* vals = small;
  if (std::min(n, m) > 64) {
    large.resize(static_cast<size_t>(std::min(n, m)));
    vals = large.data();
  }
  int64_t k = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (x[i] >= 0) vals[k++] = static_cast<double>(cost[i * m + x[i]]);
  }
  return 0.0 + pairwise_sum(vals, k);
}

}  // namespace

template <typename T>
double lapjv_into(const T* cost, int64_t n, int64_t m, bool extend_cost, double cost_limit, int64_t* x,
                  int64_t* y, bool partial) {
  if (n < 0 || m < 0) throw std::invalid_argument("cost matrix dimensions must be non-negative");
  if (std::isnan(cost_limit)) throw std::invalid_argument("cost_limit must not be NaN");
  if (cost_limit == -kInf) throw std::invalid_argument("cost_limit must not be -inf");
  if (n != m && !extend_cost) {
    throw std::invalid_argument("square cost matrix expected (got " + std::to_string(n) + "x" +
                                std::to_string(m) + "); pass extend_cost=True for a rectangular one");
  }
  std::fill(x, x + n, -1);
  std::fill(y, y + m, -1);
  if (n == 0 || m == 0) return 0.0;

  const ScanResult sc = scan(cost, n * m);
  const bool limited = cost_limit < kInf;
  double max_abs = sc.huge ? std::max(std::fabs(sc.lo), std::fabs(sc.hi)) : 0.0;
  if (limited) max_abs = std::max(max_abs, std::fabs(cost_limit));
  const int sexp = scale_exponent(max_abs);
  auto scaled = [sexp](double c) { return sexp == 0 ? c : std::ldexp(c, sexp); };

  if (limited) {
    // Thresholded problem on rows x (real columns + private columns).
    const double limit = scaled(cost_limit);
    std::vector<double> buffer;
    const double* c = nullptr;
    if (std::is_same<T, double>::value && sexp == 0) {
      c = reinterpret_cast<const double*>(cost);
    } else {
      buffer.resize(static_cast<size_t>(n * m));
      for (int64_t k = 0; k < n * m; ++k) {
        // The limit rule is decided on the unscaled values: the power-of-two
        // scale may round a tiny cost above the limit down onto it (e.g. 1e-60
        // to 0 next to 1e300, with limit 0), so such pairs are marked forbidden.
        const double v = static_cast<double>(cost[k]);
        buffer[k] = sexp != 0 && v > cost_limit ? kInf : scaled(v);
      }
      c = buffer.data();
    }
    int64_t candidates = 0;  // pairs that may be matched at all
    if (n + m >= kPaddedMin) {
      for (int64_t k = 0; k < n * m; ++k) candidates += c[k] <= limit;
    }
    if (n + m >= kPaddedMin && static_cast<double>(candidates) >= kPaddedMinDensity * static_cast<double>(n * m)) {
      // lap's padded (n+m) x (n+m) formulation, made all-finite: an entry
      // above the limit (or +inf) can never beat leaving both sides
      // unmatched (cost L), so any value above L serves; then the square
      // Jonker-Volgenant solver with its column reduction applies.
      const int64_t N = n + m;
      const double above = limit + std::max(1.0, std::fabs(limit));
      // Filled block by block, without zero-initialising first: building it
      // was 10-15 % of the 300 x 300 tracker-like solve.
      std::unique_ptr<double[]> padded(new double[static_cast<size_t>(N * N)]);
      for (int64_t i = 0; i < N; ++i) {
        double* row = padded.get() + i * N;
        if (i < n) {
          const double* ci = c + i * m;
          for (int64_t j = 0; j < m; ++j) row[j] = ci[j] > limit ? above : ci[j];
          std::fill(row + m, row + N, limit / 2);
        } else {
          std::fill(row, row + m, limit / 2);
          std::fill(row + m, row + N, 0.0);
        }
      }
      std::vector<int64_t> col4row;
      if (!solve_complete(padded.get(), N, N, true, col4row)) {
        throw std::logic_error("lapjv: padded problem must be feasible");
      }
      for (int64_t i = 0; i < n; ++i) {
        const int64_t j = col4row[i];
        if (j < m && !(c[i * m + j] > limit)) {
          x[i] = j;
          y[j] = i;
        }
      }
    } else {
      // Small problems: rows x (real columns + one private column per row).
      PathSolver<true> solver(c, n, m, limit);
      std::vector<int64_t> rows(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) rows[i] = i;
      solver.reduce_rows(rows);
      if (!solver.augment(rows)) throw std::logic_error("lapjv: thresholded problem must be feasible");
      const int64_t* col4row = solver.col4row();
      for (int64_t i = 0; i < n; ++i) {
        if (col4row[i] < m) {
          x[i] = col4row[i];
          y[col4row[i]] = i;
        }
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
    if (!solve_complete(c, nr, nc, !sc.has_inf, col4row)) {
      // Forbidden pairs make a complete assignment impossible: use a cost for
      // them that outweighs any difference in finite costs, which yields the
      // cheapest matching among those with the most finite pairs, then drop
      // the forbidden pairs it had to use (which of them it used is
      // arbitrary). Without `partial`, the rows left over then take the
      // lowest free columns in ascending order: lap's complete assignment of
      // total +inf, with a canonical choice of the forbidden pairs.
      const bool any_finite = sc.lo <= sc.hi;
      const double slo = scaled(any_finite ? sc.lo : 0.0), shi = scaled(any_finite ? sc.hi : 0.0);
      const double big = shi + static_cast<double>(nr + 1) * (shi - slo) + 1.0;
      std::vector<double> patched(c, c + nr * nc);
      for (double& v : patched) {
        if (v == kInf) v = big;
      }
      if (!solve_complete(patched.data(), nr, nc, true, col4row)) {
        throw std::logic_error("lapjv: patched problem must be feasible");
      }
      std::vector<char> used(static_cast<size_t>(nc), 0);
      for (int64_t i = 0; i < nr; ++i) {
        if (c[i * nc + col4row[i]] == kInf) {
          col4row[i] = -1;
        } else {
          used[static_cast<size_t>(col4row[i])] = 1;
        }
      }
      if (!partial) {
        int64_t next = 0;  // nr <= nc: enough free columns for the rows left over
        for (int64_t i = 0; i < nr; ++i) {
          if (col4row[i] >= 0) continue;
          while (used[static_cast<size_t>(next)]) ++next;
          col4row[i] = next++;
        }
      }
    }
    for (int64_t i = 0; i < nr; ++i) {
      const int64_t j = col4row[i];
      if (j < 0) continue;
      const int64_t row = transpose ? j : i, col = transpose ? i : j;
      x[row] = col;
      y[col] = row;
    }
  }
  return assignment_total(cost, n, m, x);
}

template <typename T>
AssignmentResult lapjv(const T* cost, int64_t n, int64_t m, bool extend_cost, double cost_limit, bool partial) {
  AssignmentResult res;
  res.x.resize(static_cast<size_t>(std::max<int64_t>(n, 0)));
  res.y.resize(static_cast<size_t>(std::max<int64_t>(m, 0)));
  res.total_cost = lapjv_into(cost, n, m, extend_cost, cost_limit, res.x.data(), res.y.data(), partial);
  return res;
}

template double lapjv_into<float>(const float*, int64_t, int64_t, bool, double, int64_t*, int64_t*, bool);
template double lapjv_into<double>(const double*, int64_t, int64_t, bool, double, int64_t*, int64_t*, bool);
template AssignmentResult lapjv<float>(const float*, int64_t, int64_t, bool, double, bool);
template AssignmentResult lapjv<double>(const double*, int64_t, int64_t, bool, double, bool);

MatchResult linear_assignment(const double* cost, int64_t n, int64_t m, double thresh) {
  MatchResult out;
  if (n == 0 || m == 0) {
    for (int64_t i = 0; i < n; ++i) out.unmatched_rows.push_back(i);
    for (int64_t j = 0; j < m; ++j) out.unmatched_cols.push_back(j);
    return out;
  }
  // partial: today's tracker semantics (never a forbidden pair), whatever thresh.
  const AssignmentResult r = lapjv(cost, n, m, true, thresh, /*partial=*/true);
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
