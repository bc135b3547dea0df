"""Tests for ``fairmot.tracking.lapjv``.

Semantics checked (lap.lapjv compatible, plus the documented extensions; the
cases where lap's own answer is the reference are in
tests/test_lapjv_lap_compat.py):

* returns ``(total_cost, x, y)``; ``x[i]`` is the column of row ``i`` or -1,
  ``y[j]`` the row of column ``j`` or -1, ``total_cost`` the sum of the costs
  of the assigned pairs;
* ``+inf`` entries are forbidden pairs. With ``partial=True`` they are never
  assigned: with ``cost_limit`` infinite the solver returns the minimum-cost
  matching among those with the maximum number of finite pairs. Without it
  (lap's behaviour) an infeasible problem gets that matching completed with
  forbidden pairs and a total of inf;
* with a finite ``cost_limit`` t the problem is the padded (n+m)x(n+m) one:
  minimise sum(matched c_ij) + t/2 * (#unmatched rows + #unmatched cols);
* NaN / -inf -> ValueError; non-square without extend_cost (and cost_limit
  inf) -> ValueError; bad ndim / dtype -> ValueError or TypeError.

Every reference in this file is independent of the implementation under
test: scipy.optimize.linear_sum_assignment, scipy.sparse.csgraph and plain
numpy float64 code.
"""

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

import fairmot.tracking as tracking  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

INF = np.inf


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def solve(cost, **kw):
    """Call the implementation and normalise / sanity-check the output."""
    cost_arr = np.asarray(cost)
    n, m = cost_arr.shape
    before = cost_arr.copy()
    res = tracking.lapjv(cost, **kw)
    assert len(res) == 3
    total, x, y = res
    # input must not be modified
    np.testing.assert_array_equal(cost_arr, before)
    assert isinstance(total, (float, np.floating)), type(total)
    x = np.asarray(x)
    y = np.asarray(y)
    assert x.shape == (n,), (x.shape, n)
    assert y.shape == (m,), (y.shape, m)
    assert x.size == 0 or np.issubdtype(x.dtype, np.integer), x.dtype
    assert y.size == 0 or np.issubdtype(y.dtype, np.integer), y.dtype
    x = x.astype(np.int64)
    y = y.astype(np.int64)
    assert_consistent(x, y, n, m)
    return float(total), x, y


def assert_consistent(x, y, n, m):
    """x and y describe the same (partial) matching."""
    assert np.all((x >= -1) & (x < m)), x
    assert np.all((y >= -1) & (y < n)), y
    rows = np.flatnonzero(x >= 0)
    assert np.all(y[x[rows]] == rows), (x, y)
    cols = np.flatnonzero(y >= 0)
    assert np.all(x[y[cols]] == cols), (x, y)
    assert len(rows) == len(cols)


def pairs(x):
    rows = np.flatnonzero(x >= 0)
    return rows, x[rows]


def matched_cost(cost, x):
    c = np.asarray(cost, dtype=np.float64)
    r, k = pairs(x)
    return math.fsum(c[r, k].tolist())


def padded_objective(cost, x, y, t):
    return matched_cost(cost, x) + 0.5 * t * (int(np.sum(x < 0)) + int(np.sum(y < 0)))


def scale_of(cost, t=0.0):
    c = np.asarray(cost, dtype=np.float64)
    fin = c[np.isfinite(c)]
    mx = float(np.abs(fin).max()) if fin.size else 0.0
    return (1.0 + mx + abs(t)) * (sum(c.shape) + 1)


def close(a, b, cost, t=0.0, rel=1e-12):
    return abs(a - b) <= rel * scale_of(cost, t)


def ref_full(cost):
    """scipy optimum (cost of a complete min(n, m) assignment)."""
    c = np.asarray(cost, dtype=np.float64)
    r, k = linear_sum_assignment(c)
    return math.fsum(c[r, k].tolist())


def max_card(fin):
    """Maximum bipartite matching size of a boolean biadjacency matrix."""
    n, m = fin.shape
    if n == 0 or m == 0 or not fin.any():
        return 0
    g = csr_matrix(fin.astype(np.int8))
    match = maximum_bipartite_matching(g, perm_type="column")
    return int(np.sum(match >= 0))


def ref_maxcard_mincost(cost):
    """(k, cost): max number of finite pairs, min cost among such matchings.

    inf is replaced by a big-M large enough that one extra finite pair always
    outweighs any difference of finite sums.
    """
    c = np.asarray(cost, dtype=np.float64)
    n, m = c.shape
    fin = np.isfinite(c)
    if n == 0 or m == 0 or not fin.any():
        return 0, 0.0
    span = float(np.abs(c[fin]).max())
    big = 4.0 * min(n, m) * span + 1.0
    cc = np.where(fin, c, big)
    r, k = linear_sum_assignment(cc)
    keep = fin[r, k]
    count = int(keep.sum())
    assert count == max_card(fin)  # self-check of the reference
    return count, math.fsum(c[r[keep], k[keep]].tolist())


def padded_matrix(cost, t):
    c = np.asarray(cost, dtype=np.float64)
    n, m = c.shape
    big = 4.0 * abs(t) + 1.0  # > t: using it is always worse than two dummies
    p = np.zeros((n + m, n + m))
    p[:n, :m] = np.where(np.isfinite(c), c, big)
    p[:n, m:] = t / 2.0
    p[n:, :m] = t / 2.0
    return p


def ref_padded(cost, t):
    """Optimal objective and one optimal matching of the cost_limit problem."""
    c = np.asarray(cost, dtype=np.float64)
    n, m = c.shape
    if n + m == 0:
        return 0.0, np.zeros(0, np.int64), np.zeros(0, np.int64)
    p = padded_matrix(c, t)
    r, k = linear_sum_assignment(p)
    obj = math.fsum(p[r, k].tolist())
    x = -np.ones(n, np.int64)
    y = -np.ones(m, np.int64)
    for i, j in zip(r, k):
        if i < n and j < m:
            # scipy may take a pair a hair above t where it ties with two dummies (t = 0 and c = 4.6e-287
            # was seen): the objectives agree to rounding, and such a pair is no match of the limited problem
            assert np.isfinite(c[i, j]) and c[i, j] <= t + 1e-12 * (1.0 + abs(t))
            if c[i, j] <= t:
                x[i] = j
                y[j] = i
    return obj, x, y


def padded_solution_is_unique(cost, t, x, eps=1e-9):
    """True if x is the unique optimal matching of the cost_limit problem.

    Any other optimum differs by alternating components of zero gain; those
    either contain a pair of x (found by forbidding it) or are a single pair
    between two rows/cols unmatched in x with c == t.
    """
    c = np.asarray(cost, dtype=np.float64)
    n, m = c.shape
    if n == 0 or m == 0:
        return True
    p = padded_matrix(c, t)
    big = 4.0 * abs(t) + 1.0
    r0, k0 = linear_sum_assignment(p)
    opt = p[r0, k0].sum()
    for i, j in zip(*pairs(x)):
        q = p.copy()
        q[i, j] = big
        r, k = linear_sum_assignment(q)
        if q[r, k].sum() <= opt + eps:
            return False
    ur = np.flatnonzero(x < 0)
    y = -np.ones(m, np.int64)
    for i, j in zip(*pairs(x)):
        y[j] = i
    uc = np.flatnonzero(y < 0)
    sub = c[np.ix_(ur, uc)]
    if np.any(np.abs(sub - t) <= eps):
        return False
    return True


# --------------------------------------------------------------------------
# regression / hand-made cases
# --------------------------------------------------------------------------


def test_gatagat_lap_issue20_inf_in_nonsquare_extend_cost_gives_16_not_18():
    # gatagat/lap issue #20: a solver returned 18 where the optimum is 16
    cost = np.array([[INF, 11.0, 8.0], [8.0, INF, 7.0]])
    total, x, y = solve(cost, extend_cost=True)
    assert total == 16.0
    np.testing.assert_array_equal(x, [2, 0])
    np.testing.assert_array_equal(y, [1, -1, 0])


def test_gatagat_lap_issue20_transposed():
    cost = np.array([[INF, 11.0, 8.0], [8.0, INF, 7.0]]).T.copy()
    total, x, y = solve(cost, extend_cost=True)
    assert total == 16.0
    np.testing.assert_array_equal(x, [1, -1, 0])
    np.testing.assert_array_equal(y, [2, 0])


def test_inf_nonsquare_extend_cost_with_cost_limit():
    cost = np.array([[INF, 11.0, 8.0], [8.0, INF, 7.0]])
    total, x, y = solve(cost, extend_cost=True, cost_limit=100.0)
    assert total == 16.0
    np.testing.assert_array_equal(x, [2, 0])
    total, x, y = solve(cost, extend_cost=True, cost_limit=15.0)
    # objective: {(0,2),(1,0)} -> 16 + 7.5 (col 1 unmatched) = 23.5 is optimal
    assert total == 16.0
    np.testing.assert_array_equal(x, [2, 0])


def test_all_negative_rectangular_matrix_extend_cost():
    # gatagat/lap issue #21 style: all-negative non-square matrices
    cost = -np.array([[5.0, 10.0, 15.0], [20.0, 25.0, 31.0]])
    total, x, y = solve(cost, extend_cost=True)
    assert total == ref_full(cost) == -41.0
    np.testing.assert_array_equal(x, [1, 2])
    np.testing.assert_array_equal(y, [-1, 0, 1])
    total, x, y = solve(cost.T.copy(), extend_cost=True)
    assert total == -41.0
    np.testing.assert_array_equal(x, [-1, 0, 1])


def test_all_negative_rectangular_random_matches_scipy():
    rng = np.random.default_rng(21)
    for _ in range(300):
        n, m = rng.integers(1, 9, size=2)
        cost = -rng.uniform(1.0, 100.0, size=(n, m))
        total, x, y = solve(cost, extend_cost=True)
        ref = ref_full(cost)
        assert int(np.sum(x >= 0)) == min(n, m)
        assert close(matched_cost(cost, x), ref, cost), (cost, x, ref)
        assert close(total, ref, cost)


def test_lapx_issue_style_float32_blocking_costs_unique_optimum():
    # non-square, more columns than rows, 1e6 blocking costs, trivial optimum
    cost = np.full((3, 6), 1e6, dtype=np.float32)
    cost[0, 4] = 0.1
    cost[1, 2] = 0.2
    cost[2, 5] = 0.3
    cost[0, 1] = 0.5
    total, x, y = solve(cost, extend_cost=True)
    np.testing.assert_array_equal(x, [4, 2, 5])
    np.testing.assert_array_equal(y, [-1, -1, 1, -1, 0, 2])
    assert abs(total - float(np.float32(0.1) + np.float64(np.float32(0.2)) + np.float32(0.3))) < 1e-6


def test_unique_optimum_with_blocking_costs_transposed_more_rows_than_cols():
    cost = np.full((7, 3), 1e6)
    cost[5, 0] = 0.25
    cost[1, 1] = 0.5
    cost[3, 2] = 0.75
    total, x, y = solve(cost, extend_cost=True)
    np.testing.assert_array_equal(y, [5, 1, 3])
    assert total == 1.5


@pytest.mark.parametrize("shape", [(0, 0), (0, 1), (0, 5), (1, 0), (5, 0)])
def test_empty_matrix_with_extend_cost(shape):
    cost = np.zeros(shape)
    total, x, y = solve(cost, extend_cost=True)
    assert total == 0.0
    assert np.all(x == -1) and np.all(y == -1)


@pytest.mark.parametrize("shape", [(0, 0), (0, 4), (4, 0)])
def test_empty_matrix_with_cost_limit(shape):
    cost = np.zeros(shape)
    total, x, y = solve(cost, extend_cost=True, cost_limit=0.5)
    assert total == 0.0
    assert np.all(x == -1) and np.all(y == -1)


def test_zero_by_zero_square_without_extend_cost():
    total, x, y = solve(np.zeros((0, 0)))
    assert total == 0.0


@pytest.mark.parametrize("shape", [(0, 3), (3, 0)])
def test_empty_nonsquare_without_extend_cost_raises(shape):
    with pytest.raises(ValueError):
        tracking.lapjv(np.zeros(shape))


def test_one_by_one():
    total, x, y = solve(np.array([[3.5]]))
    assert total == 3.5
    np.testing.assert_array_equal(x, [0])
    np.testing.assert_array_equal(y, [0])


def test_one_by_one_inf_is_unassigned_in_partial_mode():
    total, x, y = solve(np.array([[INF]]), partial=True)
    assert total == 0.0
    np.testing.assert_array_equal(x, [-1])
    np.testing.assert_array_equal(y, [-1])


def test_one_by_one_above_cost_limit_is_unassigned():
    total, x, y = solve(np.array([[0.6]]), cost_limit=0.5)
    assert total == 0.0
    np.testing.assert_array_equal(x, [-1])
    total, x, y = solve(np.array([[0.4]]), cost_limit=0.5)
    assert total == 0.4
    np.testing.assert_array_equal(x, [0])


def test_row_all_inf_square_matrix_stays_unassigned_in_partial_mode():
    cost = np.array([[INF, INF, INF], [1.0, 2.0, 9.0], [4.0, 3.0, 8.0]])
    total, x, y = solve(cost, partial=True)
    assert x[0] == -1
    np.testing.assert_array_equal(x, [-1, 0, 1])
    np.testing.assert_array_equal(y, [1, 2, -1])
    assert total == 4.0


def test_column_all_inf_square_matrix_stays_unassigned_in_partial_mode():
    cost = np.array([[INF, INF, INF], [1.0, 2.0, 9.0], [4.0, 3.0, 8.0]]).T.copy()
    total, x, y = solve(cost, partial=True)
    np.testing.assert_array_equal(y, [-1, 0, 1])
    assert total == 4.0


def test_row_all_inf_with_extend_cost_in_partial_mode():
    cost = np.array([[INF, INF, INF, INF], [5.0, 1.0, 7.0, 2.0]])
    total, x, y = solve(cost, extend_cost=True, partial=True)
    np.testing.assert_array_equal(x, [-1, 1])
    np.testing.assert_array_equal(y, [-1, 1, -1, -1])
    assert total == 1.0


def test_row_all_inf_with_cost_limit():
    cost = np.array([[INF, INF], [1.0, 2.0]])
    total, x, y = solve(cost, extend_cost=True, cost_limit=5.0)
    np.testing.assert_array_equal(x, [-1, 0])
    np.testing.assert_array_equal(y, [1, -1])
    assert total == 1.0
    # square matrix, cost_limit without extend_cost
    total, x, y = solve(cost, cost_limit=5.0)
    np.testing.assert_array_equal(x, [-1, 0])
    assert total == 1.0


def test_all_inf_matrix_assigns_nothing_in_partial_mode_or_with_cost_limit():
    for kw in [{"partial": True}, {"extend_cost": True, "partial": True}, {"cost_limit": 1.0},
               {"cost_limit": 1.0, "partial": True}]:
        total, x, y = solve(np.full((4, 4), INF), **kw)
        assert total == 0.0
        assert np.all(x == -1) and np.all(y == -1)
    total, x, y = solve(np.full((3, 5), INF), extend_cost=True, partial=True)
    assert total == 0.0 and np.all(x == -1) and np.all(y == -1)


def test_inf_forces_maximum_number_of_finite_pairs_before_cost():
    # matching row0-col0 (cost 0) alone blocks two pairs of cost 100 each;
    # the max-cardinality rule prefers the two expensive pairs.
    cost = np.array([[0.0, 100.0], [100.0, INF]])
    total, x, y = solve(cost)
    np.testing.assert_array_equal(x, [1, 0])
    assert total == 200.0


def test_cost_limit_prefers_cheap_single_pair_over_two_pairs():
    # with cost_limit the objective is thresholded: one pair of gain 0.3
    # beats two pairs with total gain 0.15
    cost = np.array([[0.3, 0.1], [10.0, 0.35]])
    total, x, y = solve(cost, extend_cost=True, cost_limit=0.4)
    np.testing.assert_array_equal(x, [1, -1])
    np.testing.assert_array_equal(y, [-1, 0])
    assert abs(total - 0.1) < 1e-15


def test_pairs_above_cost_limit_are_never_matched():
    cost = np.array([[0.41, 0.9], [0.95, 0.401]])
    total, x, y = solve(cost, extend_cost=True, cost_limit=0.4)
    assert np.all(x == -1) and np.all(y == -1)
    assert total == 0.0


def test_nonsquare_with_finite_cost_limit_without_extend_cost_raises_or_pads():
    # lap.lapjv raises here; solving the padded problem (as with
    # extend_cost=True) would also be consistent with the documented
    # cost_limit semantics.  Either is accepted; anything else is not.
    cost = np.array([[0.1, 0.9, 0.2], [0.3, 0.05, 0.8]])
    try:
        a = solve(cost, cost_limit=0.5)
    except ValueError:
        return
    b = solve(cost, extend_cost=True, cost_limit=0.5)
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[2], b[2])
    np.testing.assert_array_equal(a[1], [0, 1])


def test_square_with_extend_cost_same_as_without():
    rng = np.random.default_rng(3)
    for _ in range(50):
        n = int(rng.integers(1, 8))
        cost = rng.uniform(0, 10, size=(n, n))
        a = solve(cost)
        b = solve(cost, extend_cost=True)
        assert close(a[0], b[0], cost)
        np.testing.assert_array_equal(a[1], b[1])


def test_integer_dtypes_accepted_and_exact():
    cost = np.array([[4, 1, 3], [2, 0, 5], [3, 2, 2]])
    for dt in (np.int32, np.int64, np.float32, np.float64):
        total, x, y = solve(cost.astype(dt))
        assert total == 5.0
        np.testing.assert_array_equal(x, [1, 0, 2])


def test_fortran_ordered_and_strided_inputs():
    rng = np.random.default_rng(4)
    base = rng.uniform(0, 1, size=(9, 14))
    for view in (np.asfortranarray(base), base[:, ::2], base.T, base[::-1, 1::3]):
        ref = solve(np.ascontiguousarray(view), extend_cost=True)
        got = solve(view, extend_cost=True)
        assert got[0] == ref[0]
        np.testing.assert_array_equal(got[1], ref[1])
        np.testing.assert_array_equal(got[2], ref[2])


# --------------------------------------------------------------------------
# input validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize("kw", [{}, {"extend_cost": True}, {"cost_limit": 0.5},
                                {"extend_cost": True, "cost_limit": 0.5}])
def test_nan_raises_value_error(kw):
    cost = np.array([[0.1, np.nan], [0.2, 0.3]])
    with pytest.raises(ValueError):
        tracking.lapjv(cost, **kw)


@pytest.mark.parametrize("kw", [{}, {"extend_cost": True}, {"cost_limit": 0.5}])
def test_negative_inf_raises_value_error(kw):
    cost = np.array([[0.1, -np.inf], [0.2, 0.3]])
    with pytest.raises(ValueError):
        tracking.lapjv(cost, **kw)


def test_nan_in_float32_raises_value_error():
    cost = np.array([[0.1, np.nan, 0.4]], dtype=np.float32)
    with pytest.raises(ValueError):
        tracking.lapjv(cost, extend_cost=True)


@pytest.mark.parametrize("shape", [(2, 3), (3, 2), (1, 4)])
def test_nonsquare_without_extend_cost_raises(shape):
    with pytest.raises(ValueError):
        tracking.lapjv(np.ones(shape))


@pytest.mark.parametrize("arr", [np.ones(3), np.ones((2, 2, 2)), np.float64(1.0), np.ones((1, 1, 1))])
def test_wrong_ndim_raises(arr):
    with pytest.raises((ValueError, TypeError)):
        tracking.lapjv(arr)


@pytest.mark.parametrize("arr", [np.array([["a", "b"], ["c", "d"]]),
                                 np.array([[object(), 1], [2, 3]], dtype=object)])
def test_non_numeric_dtype_raises(arr):
    with pytest.raises((ValueError, TypeError)):
        tracking.lapjv(arr)


# --------------------------------------------------------------------------
# random comparisons against scipy
# --------------------------------------------------------------------------


def test_random_square_float_matches_scipy_optimum():
    rng = np.random.default_rng(1001)
    for _ in range(1500):
        n = int(rng.integers(1, 13))
        cost = rng.uniform(0.0, rng.choice([1.0, 100.0, 1e4]), size=(n, n))
        total, x, y = solve(cost)
        ref = ref_full(cost)
        assert np.all(x >= 0)
        assert close(matched_cost(cost, x), ref, cost), (cost.tolist(), x, ref)
        assert close(total, ref, cost)


def test_random_rectangular_extend_cost_matches_scipy_optimum():
    rng = np.random.default_rng(1002)
    for _ in range(1500):
        n, m = (int(v) for v in rng.integers(1, 13, size=2))
        cost = rng.uniform(0.0, 1.0, size=(n, m))
        total, x, y = solve(cost, extend_cost=True)
        ref = ref_full(cost)
        assert int(np.sum(x >= 0)) == min(n, m)
        assert close(matched_cost(cost, x), ref, cost), (cost.tolist(), x, ref)
        assert close(total, ref, cost)


def test_random_integer_costs_with_many_ties_match_scipy_exactly():
    rng = np.random.default_rng(1003)
    for k in range(1500):
        n, m = (int(v) for v in rng.integers(1, 11, size=2))
        if k % 2 == 0:
            m = n
        hi = int(rng.choice([1, 2, 3, 5, 50]))
        dt = (np.int32, np.int64, np.float64)[k % 3]
        cost = rng.integers(0, hi + 1, size=(n, m)).astype(dt)
        total, x, y = solve(cost, extend_cost=(n != m))
        ref = ref_full(cost)
        assert int(np.sum(x >= 0)) == min(n, m)
        assert matched_cost(cost, x) == ref, (cost.tolist(), x, ref)
        assert total == ref


def test_constant_matrix_gives_any_full_assignment():
    for n, m in [(1, 1), (5, 5), (4, 9), (9, 4), (30, 30)]:
        cost = np.full((n, m), 7.0)
        total, x, y = solve(cost, extend_cost=(n != m))
        assert int(np.sum(x >= 0)) == min(n, m)
        assert total == 7.0 * min(n, m)


def test_random_partly_forbidden_inf_matches_scipy_when_feasible():
    rng = np.random.default_rng(1004)
    tested = 0
    for k in range(2500):
        n, m = (int(v) for v in rng.integers(1, 11, size=2))
        if k % 2 == 0:
            m = n
        cost = rng.uniform(0.0, 10.0, size=(n, m))
        cost[rng.random((n, m)) < rng.uniform(0.1, 0.6)] = INF
        try:
            r, c = linear_sum_assignment(cost)
        except ValueError:
            continue  # infeasible for scipy: covered by the max-cardinality test
        tested += 1
        ref = math.fsum(cost[r, c].tolist())
        total, x, y = solve(cost, extend_cost=(n != m))
        rows, cols = pairs(x)
        assert len(rows) == min(n, m), (cost.tolist(), x)
        assert np.all(np.isfinite(cost[rows, cols]))
        assert close(matched_cost(cost, x), ref, cost), (cost.tolist(), x, ref)
        assert close(total, ref, cost)
    assert tested > 800


def test_random_inf_maximum_finite_cardinality_then_minimum_cost():
    rng = np.random.default_rng(1005)
    for k in range(1500):
        n, m = (int(v) for v in rng.integers(1, 10, size=2))
        if k % 3 == 0:
            m = n
        cost = rng.uniform(-5.0, 10.0, size=(n, m))
        cost[rng.random((n, m)) < rng.uniform(0.3, 0.9)] = INF
        total, x, y = solve(cost, extend_cost=(n != m), partial=True)
        rows, cols = pairs(x)
        assert np.all(np.isfinite(cost[rows, cols])), (cost.tolist(), x)
        kref, cref = ref_maxcard_mincost(cost)
        assert len(rows) == kref, (cost.tolist(), x, kref)
        assert close(matched_cost(cost, x), cref, cost), (cost.tolist(), x, cref)
        assert close(total, cref, cost)


def test_random_negative_costs_match_scipy():
    rng = np.random.default_rng(1006)
    for k in range(1000):
        n, m = (int(v) for v in rng.integers(1, 12, size=2))
        if k % 2 == 0:
            m = n
        cost = rng.uniform(-1000.0, 1000.0, size=(n, m))
        if k % 4 == 1:
            cost -= 5000.0
        total, x, y = solve(cost, extend_cost=(n != m))
        ref = ref_full(cost)
        assert int(np.sum(x >= 0)) == min(n, m)
        assert close(matched_cost(cost, x), ref, cost), (cost.tolist(), x, ref)


def test_huge_and_tiny_magnitudes_mixed_match_scipy():
    rng = np.random.default_rng(1007)
    for k in range(600):
        n, m = (int(v) for v in rng.integers(1, 11, size=2))
        if k % 2 == 0:
            m = n
        cost = 10.0 ** rng.uniform(-8.0, 12.0, size=(n, m))
        if k % 3 == 0:
            cost *= rng.choice([-1.0, 1.0], size=(n, m))
        total, x, y = solve(cost, extend_cost=(n != m))
        ref = ref_full(cost)
        assert int(np.sum(x >= 0)) == min(n, m)
        assert close(matched_cost(cost, x), ref, cost, rel=1e-11), (cost.tolist(), x, ref)


def test_tiny_optimum_hidden_among_huge_costs_found_exactly():
    # a unique optimum made of tiny costs, every other entry huge; rounding in
    # the solver must not lose the tiny differences
    rng = np.random.default_rng(1008)
    for k in range(300):
        n = int(rng.integers(2, 12))
        m = n + int(rng.integers(0, 4)) if k % 2 else n
        cost = np.full((n, m), 1e12) * rng.uniform(1.0, 2.0, size=(n, m))
        perm = rng.permutation(m)[:n]
        tiny = rng.uniform(1e-9, 1e-6, size=n)
        cost[np.arange(n), perm] = tiny
        total, x, y = solve(cost, extend_cost=(n != m))
        np.testing.assert_array_equal(x, perm)
        assert abs(total - math.fsum(tiny.tolist())) <= 1e-12 * math.fsum(tiny.tolist())


def test_float32_with_1e6_blocking_costs_is_optimal_in_float64():
    rng = np.random.default_rng(1009)
    for _k in range(1000):
        n, m = (int(v) for v in rng.integers(1, 12, size=2))
        cost = rng.uniform(0.0, 1.0, size=(n, m)).astype(np.float32)
        cost[rng.random((n, m)) < rng.uniform(0.2, 0.8)] = np.float32(1e6)
        total, x, y = solve(cost, extend_cost=True)
        c64 = cost.astype(np.float64)
        ref = ref_full(c64)
        assert int(np.sum(x >= 0)) == min(n, m)
        got = matched_cost(c64, x)
        assert abs(got - ref) <= 1e-6, (cost.tolist(), x, got, ref)
        assert abs(total - ref) <= 1e-6


def test_large_random_problem_matches_scipy():
    rng = np.random.default_rng(1010)
    for n, m in [(150, 150), (80, 200), (200, 60)]:
        cost = rng.uniform(0, 1, size=(n, m))
        cost[rng.random((n, m)) < 0.3] = INF
        total, x, y = solve(cost, extend_cost=(n != m))
        kref, cref = ref_maxcard_mincost(cost)
        assert int(np.sum(x >= 0)) == kref
        assert close(matched_cost(cost, x), cref, cost, rel=1e-11)


# --------------------------------------------------------------------------
# cost_limit vs an explicitly padded reference
# --------------------------------------------------------------------------


def test_random_cost_limit_matches_padded_reference_objective():
    rng = np.random.default_rng(2001)
    for k in range(2000):
        n, m = (int(v) for v in rng.integers(0, 11, size=2))
        cost = rng.uniform(0.0, 1.0, size=(n, m))
        if k % 2:
            cost[rng.random((n, m)) < 0.3] = INF
        t = float(rng.choice([0.1, 0.4, 0.5, 0.7, 1.0, 2.0]))
        total, x, y = solve(cost, extend_cost=True, cost_limit=t)
        rows, cols = pairs(x)
        assert np.all(cost[rows, cols] <= t), (cost.tolist(), t, x)
        obj_ref, _, _ = ref_padded(cost, t)
        obj = padded_objective(cost, x, y, t)
        assert close(obj, obj_ref, cost, t), (cost.tolist(), t, x, obj, obj_ref)
        assert close(total, matched_cost(cost, x), cost)


def test_random_cost_limit_with_negative_and_wide_costs():
    rng = np.random.default_rng(2002)
    for _k in range(800):
        n, m = (int(v) for v in rng.integers(1, 10, size=2))
        cost = rng.uniform(-3.0, 20.0, size=(n, m))
        cost[rng.random((n, m)) < 0.2] = INF
        t = float(rng.uniform(0.5, 15.0))
        total, x, y = solve(cost, extend_cost=True, cost_limit=t)
        obj_ref, _, _ = ref_padded(cost, t)
        obj = padded_objective(cost, x, y, t)
        assert close(obj, obj_ref, cost, t), (cost.tolist(), t, x, obj, obj_ref)


def test_random_integer_cost_limit_with_ties_objective_exact():
    rng = np.random.default_rng(2003)
    for _k in range(800):
        n, m = (int(v) for v in rng.integers(1, 9, size=2))
        cost = rng.integers(0, 6, size=(n, m)).astype(np.int64)
        t = float(rng.integers(1, 8))
        total, x, y = solve(cost, extend_cost=True, cost_limit=t)
        obj_ref, _, _ = ref_padded(cost, t)
        assert padded_objective(cost, x, y, t) == obj_ref, (cost.tolist(), t, x)


def test_cost_limit_square_without_extend_cost_uses_padded_problem():
    rng = np.random.default_rng(2004)
    for _k in range(400):
        n = int(rng.integers(1, 10))
        cost = rng.uniform(0.0, 1.0, size=(n, n))
        cost[rng.random((n, n)) < 0.3] = INF
        t = float(rng.choice([0.3, 0.5, 0.8]))
        total, x, y = solve(cost, cost_limit=t)
        obj_ref, _, _ = ref_padded(cost, t)
        assert close(padded_objective(cost, x, y, t), obj_ref, cost, t)


def test_cost_limit_matching_unique_optimum_equals_reference_matching():
    rng = np.random.default_rng(2005)
    compared = 0
    for _k in range(600):
        n, m = (int(v) for v in rng.integers(1, 10, size=2))
        cost = rng.uniform(0.0, 1.0, size=(n, m))
        cost[rng.random((n, m)) < 0.3] = INF
        t = float(rng.choice([0.4, 0.5, 0.7]))
        _, xr, yr = ref_padded(cost, t)
        if not padded_solution_is_unique(cost, t, xr):
            continue
        compared += 1
        total, x, y = solve(cost, extend_cost=True, cost_limit=t)
        np.testing.assert_array_equal(x, xr, err_msg=str((cost.tolist(), t)))
        np.testing.assert_array_equal(y, yr)
    assert compared > 500


# --------------------------------------------------------------------------
# agreement with lap.lapjv (the solver used by the official implementation)
# --------------------------------------------------------------------------


def test_matches_lap_lapjv_on_tracker_like_matrices():
    import lap  # a test dependency (requirements-ci.txt): always installed
    rng = np.random.default_rng(3001)
    compared = 0
    for k in range(1500):
        n, m = (int(v) for v in rng.integers(0, 12, size=2))
        cost = rng.uniform(0.0, 1.0, size=(n, m))
        if k % 2:
            cost[rng.random((n, m)) < 0.3] = INF
        t = float((0.4, 0.5, 0.7)[k % 3])
        total, x, y = solve(cost, extend_cost=True, cost_limit=t)
        if cost.size == 0:
            # lap 0.5.13 corrupts the heap on a 0x0 input (glibc later aborts
            # with "free(): invalid pointer"); the official code never calls
            # it on an empty matrix, so neither do we.
            assert np.all(x == -1) and np.all(y == -1)
            continue
        lt, lx, ly = lap.lapjv(cost, extend_cost=True, cost_limit=t)
        lx = np.asarray(lx, np.int64)
        ly = np.asarray(ly, np.int64)
        obj = padded_objective(cost, x, y, t)
        lobj = padded_objective(cost, lx, ly, t)
        assert close(obj, lobj, cost, t), (cost.tolist(), t, x, lx)
        if padded_solution_is_unique(cost, t, lx):
            compared += 1
            np.testing.assert_array_equal(x, lx, err_msg=str((cost.tolist(), t)))
            np.testing.assert_array_equal(y, ly)
            assert close(total, float(lt), cost)
    assert compared > 1000


# --------------------------------------------------------------------------
# hypothesis property tests
# --------------------------------------------------------------------------

_elem = st.one_of(
    st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0, -1.0, INF]),
    st.floats(min_value=-50.0, max_value=50.0, allow_nan=False, allow_infinity=False, width=64),
)

_matrices = hnp.arrays(
    dtype=np.float64,
    shape=st.tuples(st.integers(0, 6), st.integers(0, 6)),
    elements=_elem,
)

_settings = settings(max_examples=300, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(cost=_matrices)
def test_property_extend_cost_max_cardinality_min_cost(cost):
    n, m = cost.shape
    total, x, y = solve(cost, extend_cost=True, partial=True)
    rows, cols = pairs(x)
    assert np.all(np.isfinite(cost[rows, cols]))
    kref, cref = ref_maxcard_mincost(cost)
    assert len(rows) == kref
    assert close(matched_cost(cost, x), cref, cost, rel=1e-11)
    assert close(total, matched_cost(cost, x), cost)


@_settings
@given(cost=_matrices, t=st.floats(min_value=0.0, max_value=60.0, allow_nan=False))
def test_property_cost_limit_padded_objective(cost, t):
    total, x, y = solve(cost, extend_cost=True, cost_limit=t)
    rows, cols = pairs(x)
    # a pair a hair above t ties with leaving both unmatched (t = 0 with c = 4.6e-287, seen only in
    # full-suite runs, not reproduced alone): the objective below still has to be optimal
    assert np.all(cost[rows, cols] <= t + 1e-12 * (1.0 + abs(t)))
    obj_ref, _, _ = ref_padded(cost, t)
    assert close(padded_objective(cost, x, y, t), obj_ref, cost, t, rel=1e-11)


@_settings
@given(cost=hnp.arrays(dtype=np.float64,
                       shape=st.integers(0, 6).map(lambda k: (k, k)),
                       elements=_elem))
def test_property_square_without_extend_cost(cost):
    total, x, y = solve(cost, partial=True)
    rows, cols = pairs(x)
    assert np.all(np.isfinite(cost[rows, cols]))
    kref, cref = ref_maxcard_mincost(cost)
    assert len(rows) == kref
    assert close(matched_cost(cost, x), cref, cost, rel=1e-11)


@_settings
@given(cost=hnp.arrays(dtype=np.int64,
                       shape=st.tuples(st.integers(1, 6), st.integers(1, 6)),
                       elements=st.integers(-3, 3)))
def test_property_integer_matrices_equal_scipy(cost):
    total, x, y = solve(cost, extend_cost=True)
    assert total == ref_full(cost)


# --------------------------------------------------------------------------
# termination on adversarial inputs (run in a subprocess with a timeout, so a
# solver that loops forever while holding the GIL cannot hang the test run)
# --------------------------------------------------------------------------

_HARD_CASES = {
    "zeros_300": "c = np.zeros((300, 300)); kw = {}",
    "ones_rect_extend": "c = np.ones((150, 260)); kw = dict(extend_cost=True)",
    "ones_rect_limit": "c = np.ones((150, 260)); kw = dict(extend_cost=True, cost_limit=1.0)",
    "inf_except_few_square": (
        "c = np.full((120, 120), np.inf); c[3, 7] = 1.0; c[50, 7] = 1.0; c[50, 9] = 1.0; kw = {}"),
    "inf_except_few_extend": (
        "c = np.full((60, 140), np.inf); c[3, 7] = 0.0; c[4, 7] = 0.0; kw = dict(extend_cost=True)"),
    "inf_except_few_limit": (
        "c = np.full((100, 100), np.inf); c[0, 0] = 0.5; c[1, 0] = 0.5; kw = dict(cost_limit=0.5)"),
    "all_inf_square": "c = np.full((80, 80), np.inf); kw = {}",
    "all_inf_extend": "c = np.full((40, 90), np.inf); kw = dict(extend_cost=True)",
    "zero_or_inf_random": (
        "r = np.random.default_rng(0); c = np.where(r.random((200, 200)) < 0.5, 0.0, np.inf); kw = {}"),
    "equal_or_inf_limit": (
        "r = np.random.default_rng(1); c = np.where(r.random((150, 170)) < 0.3, 0.4, np.inf); "
        "kw = dict(extend_cost=True, cost_limit=0.4)"),
    "huge_1e308_square": "c = np.full((30, 30), 1e308); c[::2, ::3] = -1e308; kw = {}",
    "huge_1e308_extend": "c = np.full((20, 35), 1e308); c[1, 1] = 1.0; kw = dict(extend_cost=True)",
    "huge_1e308_limit": "c = np.full((25, 25), 1e308); c[2, ::2] = 1e-308; kw = dict(cost_limit=1e308)",
    "max_float_with_inf": (
        "c = np.full((30, 30), np.finfo(np.float64).max); c[::3] = np.inf; kw = dict(extend_cost=True)"),
    "tiny_differences": (
        "r = np.random.default_rng(2); c = 1.0 + r.integers(0, 3, (200, 200)) * 1e-16; kw = {}"),
}

_HARD_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import fairmot.tracking as T

    def check(c, kw, partial):
        # partial=True: no forbidden pair is ever assigned. Default (lap's
        # behaviour): without a cost_limit the smaller side is assigned
        # completely, and a forbidden pair implies a total of inf.
        n, m = c.shape
        try:
            total, x, y = T.lapjv(c, partial=partial, **kw)
        except (ValueError, OverflowError) as e:
            return "RAISED " + type(e).__name__
        x = np.asarray(x).astype(np.int64)
        y = np.asarray(y).astype(np.int64)
        if x.shape != (n,) or y.shape != (m,):
            return "BAD shapes %r %r" % (x.shape, y.shape)
        if not (np.all(x < m) and np.all(y < n) and np.all(x >= -1) and np.all(y >= -1)):
            return "BAD index range"
        rows = np.flatnonzero(x >= 0)
        if not np.all(y[x[rows]] == rows) or np.sum(y >= 0) != len(rows):
            return "BAD x/y inconsistent"
        forbidden = not np.all(np.isfinite(c[rows, x[rows]]))
        if forbidden and (partial or "cost_limit" in kw):
            return "BAD inf pair assigned"
        if not partial and "cost_limit" not in kw:
            if len(rows) != min(n, m):
                return "BAD incomplete assignment without partial"
            if forbidden and total != np.inf:
                return "BAD inf pair with a finite total"
        return "OK %d" % len(rows)

    for name, setup in CASES:
        print("START", name, flush=True)
        ns = {"np": np}
        exec(setup, ns)
        a = check(ns["c"], ns["kw"], True)
        b = check(ns["c"], ns["kw"], False)
        print("RESULT", name, a if not a.startswith(("OK", "RAISED")) else b, flush=True)
""")

_HARD_TIMEOUT = 40.0


@pytest.fixture(scope="module")
def adversarial_results():
    """Run every adversarial case in ONE subprocess (the solver may hold the
    GIL, so a thread-based timeout would not work); returns {name: status}."""
    cases = sorted(_HARD_CASES.items())
    script = "CASES = %r\n" % (cases,) + _HARD_SCRIPT
    try:
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True,
                              text=True, timeout=_HARD_TIMEOUT)
        out, err, rc = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err, rc = "TIMEOUT", None
    results = {}
    started = None
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if parts[0] == "START":
            started = parts[1]
        elif parts[0] == "RESULT":
            results[parts[1]] = parts[2]
            started = None
    if started is not None:
        if rc is None:
            results[started] = "HUNG (no result within %.0f s)" % _HARD_TIMEOUT
        else:
            results[started] = "CRASHED rc=%r: %s" % (rc, err[-2000:])
    return results, err


@pytest.mark.parametrize("name", sorted(_HARD_CASES))
def test_adversarial_input_terminates(name, adversarial_results):
    results, err = adversarial_results
    if name not in results:
        pytest.fail(f"case {name!r} not reached (an earlier case hung or crashed): {err[-500:]}")
    status = results[name]
    assert status.startswith(("OK", "RAISED")), f"{name}: {status}"


def test_adversarial_finite_inputs_return_a_valid_matching():
    # these have a well-defined answer (no overflow possible) and must not raise
    cases = [
        (np.zeros((60, 60)), {}),
        (np.where(np.random.default_rng(5).random((50, 50)) < 0.5, 0.0, INF), {}),
        (np.full((40, 40), INF), {"cost_limit": 0.3}),
        (1.0 + np.random.default_rng(6).integers(0, 3, (60, 60)) * 1e-16, {}),
    ]
    for cost, kw in cases:
        total, x, y = solve(cost, partial=True, **kw)
        if "cost_limit" not in kw:
            kref, cref = ref_maxcard_mincost(cost)
            assert int(np.sum(x >= 0)) == kref
            assert close(matched_cost(cost, x), cref, cost)


def test_near_max_float_costs_keep_cheap_unique_optimum():
    # finite costs close to DBL_MAX (padding / dual updates must not overflow
    # into inf or nan and lose the obvious optimum)
    rng = np.random.default_rng(4001)
    big = np.finfo(np.float64).max
    for k in range(200):
        n = int(rng.integers(1, 10))
        m = n + int(rng.integers(0, 4)) * (k % 2)
        cost = big * rng.uniform(0.5, 1.0, (n, m))
        if k % 3 == 0:
            cost[rng.random((n, m)) < 0.3] = INF
        perm = rng.permutation(m)[:n]
        cost[np.arange(n), perm] = rng.uniform(0.0, 1.0, n)
        for kw in ({"extend_cost": True}, {"extend_cost": True, "cost_limit": 1e300}):
            total, x, y = solve(cost, **kw)
            np.testing.assert_array_equal(x, perm, err_msg=str((kw, cost.tolist())))


@pytest.mark.parametrize("n,m", [(199, 200), (200, 200), (150, 260), (260, 150), (300, 300)])
@pytest.mark.parametrize("limit", [0.4, 0.8])
def test_large_thresholded_problems_on_both_formulations_are_optimal(n, m, limit):
    # n + m straddles the size where the solver switches from the unpadded
    # private-column formulation to the padded square one.
    rng = np.random.default_rng(n * 1000 + m)
    cost = rng.random((n, m))
    cost[rng.random((n, m)) < 0.3] = np.inf
    total, x, y = solve(cost, extend_cost=True, cost_limit=limit)
    assert_consistent(x, y, n, m)
    r, k = pairs(x)
    assert np.all(cost[r, k] <= limit)
    assert total == pytest.approx(matched_cost(cost, x), abs=1e-9)
    expected, _, _ = ref_padded(cost, limit)
    assert close(padded_objective(cost, x, y, limit), expected, cost, limit)
