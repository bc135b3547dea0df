"""Tests for ``fairmot.tracking.linear_assignment`` (docs/official_behaviour.md §4.6).

linear_assignment(C, thresh) -> (matches (K, 2), unmatched_rows, unmatched_cols):
empty C -> everything unmatched; otherwise the thresholded problem
lap.lapjv(C, extend_cost=True, cost_limit=thresh): minimise
sum(matched c_ij) + thresh/2 * (#unmatched rows + #unmatched cols).
Matches in row order, unmatched indices ascending.

References: scipy.optimize.linear_sum_assignment on the explicitly padded
(n+m)x(n+m) matrix.
"""

import math

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

import fairmot.tracking as tracking  # noqa: E402

INF = np.inf


def run(cost, thresh):
    cost_arr = np.asarray(cost)
    before = cost_arr.copy()
    res = tracking.linear_assignment(cost, thresh)
    np.testing.assert_array_equal(cost_arr, before)  # not modified in place
    assert len(res) == 3
    matches, ur, uc = (np.asarray(a) for a in res)
    n, m = cost_arr.shape
    assert matches.ndim == 2 and matches.shape[1] == 2, matches.shape
    assert ur.ndim == 1 and uc.ndim == 1
    for a in (matches, ur, uc):
        assert a.size == 0 or np.issubdtype(a.dtype, np.integer), a.dtype
    matches = matches.astype(np.int64).reshape(-1, 2)
    ur = ur.astype(np.int64)
    uc = uc.astype(np.int64)
    # matches in ascending row order, unmatched ascending
    assert np.all(np.diff(matches[:, 0]) > 0), matches
    assert np.all(np.diff(ur) > 0), ur
    assert np.all(np.diff(uc) > 0), uc
    # partitions of rows and columns
    np.testing.assert_array_equal(np.sort(np.concatenate([matches[:, 0], ur])), np.arange(n))
    np.testing.assert_array_equal(np.sort(np.concatenate([matches[:, 1], uc])), np.arange(m))
    return matches, ur, uc


def objective(cost, matches, n, m, t):
    c = np.asarray(cost, dtype=np.float64)
    k = len(matches)
    s = math.fsum(c[matches[:, 0], matches[:, 1]].tolist()) if k else 0.0
    return s + 0.5 * t * ((n - k) + (m - k))


def padded(cost, t):
    c = np.asarray(cost, dtype=np.float64)
    n, m = c.shape
    big = 4.0 * abs(t) + 1.0
    p = np.zeros((n + m, n + m))
    p[:n, :m] = np.where(np.isfinite(c), c, big)
    p[:n, m:] = t / 2.0
    p[n:, :m] = t / 2.0
    return p


def ref_assignment(cost, t):
    """Reference: (objective, matches) via scipy on the padded matrix."""
    c = np.asarray(cost, dtype=np.float64)
    n, m = c.shape
    p = padded(c, t)
    r, k = linear_sum_assignment(p)
    sel = (r < n) & (k < m)
    matches = np.stack([r[sel], k[sel]], axis=1).astype(np.int64)
    matches = matches[np.argsort(matches[:, 0])]
    return math.fsum(p[r, k].tolist()), matches


def unique_optimum(cost, t, matches, eps=1e-9):
    c = np.asarray(cost, dtype=np.float64)
    n, m = c.shape
    p = padded(c, t)
    big = 4.0 * abs(t) + 1.0
    r, k = linear_sum_assignment(p)
    opt = p[r, k].sum()
    for i, j in matches:
        q = p.copy()
        q[i, j] = big
        r, k = linear_sum_assignment(q)
        if q[r, k].sum() <= opt + eps:
            return False
    ur = np.setdiff1d(np.arange(n), matches[:, 0])
    uc = np.setdiff1d(np.arange(m), matches[:, 1])
    return not np.any(np.abs(c[np.ix_(ur, uc)] - t) <= eps)


def scale(cost, t):
    c = np.asarray(cost, dtype=np.float64)
    f = c[np.isfinite(c)]
    return 1e-12 * (1.0 + (np.abs(f).max() if f.size else 0.0) + abs(t)) * (sum(c.shape) + 1)


@pytest.mark.parametrize("shape", [(0, 0), (0, 3), (4, 0)])
def test_empty_cost_matrix_everything_unmatched(shape):
    matches, ur, uc = run(np.zeros(shape), 0.4)
    assert matches.shape == (0, 2)
    np.testing.assert_array_equal(ur, np.arange(shape[0]))
    np.testing.assert_array_equal(uc, np.arange(shape[1]))


def test_empty_matches_array_has_shape_0_by_2_when_nothing_matches():
    res = tracking.linear_assignment(np.array([[0.9, 0.8], [0.95, 0.99]]), 0.4)
    assert np.asarray(res[0]).shape == (0, 2)
    np.testing.assert_array_equal(res[1], [0, 1])
    np.testing.assert_array_equal(res[2], [0, 1])


def test_empty_input_shapes_returned_for_zero_size_matrix():
    res = tracking.linear_assignment(np.zeros((0, 0)), 0.5)
    assert np.asarray(res[0]).shape == (0, 2)
    assert np.asarray(res[1]).shape == (0,)
    assert np.asarray(res[2]).shape == (0,)


def test_simple_match_in_row_order():
    cost = np.array([[0.9, 0.1, 0.8],
                     [0.2, 0.9, 0.9],
                     [0.9, 0.9, 0.9],
                     [0.7, 0.8, 0.3]])
    matches, ur, uc = run(cost, 0.4)
    np.testing.assert_array_equal(matches, [[0, 1], [1, 0], [3, 2]])
    np.testing.assert_array_equal(ur, [2])
    np.testing.assert_array_equal(uc, [])


def test_matches_sorted_by_row_even_when_columns_are_not():
    cost = np.array([[0.9, 0.9, 0.0], [0.9, 0.0, 0.9], [0.0, 0.9, 0.9]])
    matches, ur, uc = run(cost, 0.5)
    np.testing.assert_array_equal(matches, [[0, 2], [1, 1], [2, 0]])


def test_thresholded_solution_differs_from_solve_then_drop():
    # Hungarian on the full matrix picks (0,0)+(1,1) = 0.65, both below the
    # threshold, so "solve then drop" keeps two matches.  The thresholded
    # problem maximises sum(thresh - c): (0,1) alone gains 0.3 > 0.1 + 0.05.
    cost = np.array([[0.3, 0.1], [10.0, 0.35]])
    thresh = 0.4
    r, c = linear_sum_assignment(cost)
    keep = cost[r, c] <= thresh
    solve_then_drop = np.stack([r[keep], c[keep]], axis=1)
    np.testing.assert_array_equal(solve_then_drop, [[0, 0], [1, 1]])

    matches, ur, uc = run(cost, thresh)
    np.testing.assert_array_equal(matches, [[0, 1]])
    np.testing.assert_array_equal(ur, [1])
    np.testing.assert_array_equal(uc, [0])


def test_pair_above_threshold_left_unmatched_although_hungarian_assigns_it():
    # Hungarian on the full matrix: (0,1)+(1,0) = 0.5 < 0.9 + 0.1; after the
    # drop step only (0,1) would remain. Thresholded: (0,1) gain 0.4 beats
    # (0,0) gain 0.3 and (1,*) is infeasible -> same single match here.
    cost = np.array([[0.1, 0.0], [0.5, 100.0]])
    matches, ur, uc = run(cost, 0.4)
    np.testing.assert_array_equal(matches, [[0, 1]])
    np.testing.assert_array_equal(ur, [1])
    np.testing.assert_array_equal(uc, [0])


def test_inf_entries_never_matched():
    cost = np.array([[INF, 0.1, INF], [INF, INF, INF], [0.2, INF, 0.3]])
    matches, ur, uc = run(cost, 0.7)
    np.testing.assert_array_equal(matches, [[0, 1], [2, 0]])
    np.testing.assert_array_equal(ur, [1])
    np.testing.assert_array_equal(uc, [2])


def test_all_inf_matrix_everything_unmatched():
    matches, ur, uc = run(np.full((3, 5), INF), 0.5)
    assert matches.shape == (0, 2)
    np.testing.assert_array_equal(ur, [0, 1, 2])
    np.testing.assert_array_equal(uc, [0, 1, 2, 3, 4])


def test_nonsquare_inf_regression_matrix_with_large_threshold():
    cost = np.array([[INF, 11.0, 8.0], [8.0, INF, 7.0]])
    matches, ur, uc = run(cost, 100.0)
    np.testing.assert_array_equal(matches, [[0, 2], [1, 0]])
    np.testing.assert_array_equal(ur, [])
    np.testing.assert_array_equal(uc, [1])


@pytest.mark.parametrize("thresh", [0.4, 0.5, 0.7])
def test_random_tracker_like_matrices_optimal_and_equal_to_reference_when_unique(thresh):
    rng = np.random.default_rng(int(thresh * 100))
    compared = 0
    for k in range(500):
        n, m = (int(v) for v in rng.integers(1, 12, size=2))
        cost = rng.uniform(0.0, 1.0, size=(n, m))
        if k % 2:
            cost[rng.random((n, m)) < 0.3] = INF
        matches, ur, uc = run(cost, thresh)
        if len(matches):
            assert np.all(cost[matches[:, 0], matches[:, 1]] <= thresh)
        ref_obj, ref_matches = ref_assignment(cost, thresh)
        obj = objective(cost, matches, n, m, thresh)
        assert abs(obj - ref_obj) <= scale(cost, thresh), (cost.tolist(), matches, ref_matches)
        if unique_optimum(cost, thresh, ref_matches):
            compared += 1
            np.testing.assert_array_equal(matches, ref_matches, err_msg=str(cost.tolist()))
    assert compared > 400


def test_agrees_with_lap_lapjv_extend_cost_cost_limit():
    lap = pytest.importorskip("lap")
    rng = np.random.default_rng(77)
    for k in range(600):
        n, m = (int(v) for v in rng.integers(1, 12, size=2))
        cost = rng.uniform(0.0, 1.0, size=(n, m))
        if k % 2:
            cost[rng.random((n, m)) < 0.3] = INF
        thresh = (0.4, 0.5, 0.7)[k % 3]
        _, x, y = lap.lapjv(cost, extend_cost=True, cost_limit=thresh)
        lm = np.array([[i, j] for i, j in enumerate(x) if j >= 0], dtype=np.int64).reshape(-1, 2)
        matches, ur, uc = run(cost, thresh)
        obj = objective(cost, matches, n, m, thresh)
        lobj = objective(cost, lm, n, m, thresh)
        assert abs(obj - lobj) <= scale(cost, thresh)
        if unique_optimum(cost, thresh, lm):
            np.testing.assert_array_equal(matches, lm, err_msg=str(cost.tolist()))
            np.testing.assert_array_equal(ur, np.flatnonzero(np.asarray(x) < 0))
            np.testing.assert_array_equal(uc, np.flatnonzero(np.asarray(y) < 0))


def test_integer_and_float32_costs_accepted():
    cost = np.array([[1, 5], [5, 1]])
    for dt in (np.int32, np.int64, np.float32):
        matches, ur, uc = run(cost.astype(dt), 2.0)
        np.testing.assert_array_equal(matches, [[0, 0], [1, 1]])


def test_nan_cost_raises_value_error():
    with pytest.raises(ValueError):
        tracking.linear_assignment(np.array([[0.1, np.nan]]), 0.5)


def test_wrong_ndim_raises():
    with pytest.raises((ValueError, TypeError)):
        tracking.linear_assignment(np.ones(3), 0.5)
