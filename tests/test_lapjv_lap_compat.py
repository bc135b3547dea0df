"""``fairmot.tracking.lapjv`` as a drop-in for ``lap.lapjv`` (lap / lapx 0.5.x).

The reference is ``lap.lapjv`` itself, called side by side (lap is a test
dependency, always installed in CI). What is promised (docs/compatibility.md):

* same signature: ``lapjv(cost, extend_cost=False, cost_limit=inf,
  return_cost=True)``, positional or keyword; ``(total, x, y)`` or ``(x, y)``;
* x / y int32, -1 for unassigned; the same x / y as lap wherever the optimum
  is unique, and then the same total bit for bit (numpy's pairwise sum);
* an infeasible problem (``+inf`` entries leave no complete assignment of
  finite cost, ``cost_limit`` infinite) returns total ``inf`` with a complete
  assignment, as lap does; which forbidden pairs complete it is arbitrary in
  lap and canonical here (documented, checked below);
* ``partial=True`` (keyword only, ours): the previous behaviour, the cheapest
  matching of maximum size, -1 for the unmatched, finite total.

Test matrices marked "lap's suite" are the data of gatagat/lap's
tests/test_lapjv.py and test_arr_loop.py, with lap's documented answers.
"""

import math

import lap
import numpy as np
import pytest

from fairmot import tracking
from fairmot.tracking import lapjv

INF = np.inf

# lap's suite: the 8x8 integer matrix most of its tests slice.
DENSE_8X8 = np.array([[1000, 2, 11, 10, 8, 7, 6, 5],
                      [6, 1000, 1, 8, 8, 4, 6, 7],
                      [5, 12, 1000, 11, 8, 12, 3, 11],
                      [11, 9, 10, 1000, 1, 9, 8, 10],
                      [11, 11, 9, 4, 1000, 2, 10, 9],
                      [12, 8, 5, 2, 11, 1000, 11, 9],
                      [10, 11, 12, 10, 9, 12, 1000, 3],
                      [10, 10, 10, 10, 6, 3, 1, 1000]])


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def both(cost, *args, **kw):
    """(ours, lap's) results of one call, after the checks every call passes."""
    ours = lapjv(cost, *args, **kw)
    theirs = lap.lapjv(cost, *args, **kw)
    assert type(ours) is tuple and len(ours) == len(theirs)
    for a, b in zip(ours[-2:], theirs[-2:]):
        assert isinstance(a, np.ndarray) and a.dtype == np.int32 == b.dtype
        assert a.shape == b.shape
    if len(ours) == 3:
        assert type(ours[0]) is float
    return ours, theirs


def assert_same_as_lap(cost, *args, **kw):
    """x, y and total identical to lap's (total bit for bit)."""
    (total, x, y), (ltotal, lx, ly) = both(cost, *args, **kw)
    np.testing.assert_array_equal(x, lx)
    np.testing.assert_array_equal(y, ly)
    assert total == ltotal or (math.isnan(total) and math.isnan(ltotal)), (total, ltotal)
    return total, x, y


def assert_valid(x, y, n, m):
    assert x.shape == (n,) and y.shape == (m,)
    rows = np.flatnonzero(x >= 0)
    assert np.all(x[rows] < m) and len(set(x[rows].tolist())) == len(rows)
    np.testing.assert_array_equal(y[x[rows]], rows)
    assert np.sum(y >= 0) == len(rows) and np.all(y >= -1) and np.all(x >= -1)


def canonical_completion(cost, x_partial):
    """The documented completion of an infeasible problem: the indices of the
    smaller side left unmatched by the partial matching (ascending) take the
    lowest free indices of the other side (ascending)."""
    n, m = cost.shape
    x = x_partial.astype(np.int64).copy()
    y = -np.ones(m, np.int64)
    y[x[x >= 0]] = np.flatnonzero(x >= 0)
    if n <= m:
        free = iter(np.flatnonzero(y < 0))
        for i in np.flatnonzero(x < 0):
            x[i] = next(free)
    else:
        free = iter(np.flatnonzero(x < 0))
        for j in np.flatnonzero(y < 0):
            x[next(free)] = j
    y = -np.ones(m, np.int64)
    y[x[x >= 0]] = np.flatnonzero(x >= 0)
    return x, y


# --------------------------------------------------------------------------
# lap's own deterministic cases: same x, y, total
# --------------------------------------------------------------------------

# lap's suite (test_square): (matrix, total, x, y); some are ambiguous (the
# "trackmate bug" ones), lap's answer is what its suite pins.
SQUARE_CASES = [
    (DENSE_8X8, 17.0, [1, 2, 0, 4, 5, 3, 7, 6], [2, 0, 1, 5, 3, 4, 7, 6]),
    ([[1000, 4, 1], [1, 1000, 3], [5, 1, 1000]], 3.0, [2, 0, 1], [1, 2, 0]),
    ([[5, 1000, 3], [1000, 2, 2], [1, 5, 1000]], 6.0, [2, 1, 0], [2, 1, 0]),
    ([[1000, 1001, 1000], [1000, 1000, 1001], [1, 2, 3]], 2001.0, [2, 1, 0], [2, 1, 0]),
    ([[10, 10, 13], [4, 8, 8], [8, 5, 8]], 22.0, [2, 0, 1], [1, 2, 0]),
    ([[11, 10, 6], [10, 11, 11], [11, 12, 15]], 28.0, [2, 0, 1], [1, 2, 0]),
    ([[12, 4, 9], [16, 15, 14], [19, 13, 17]], 37.0, [1, 0, 2], [1, 0, 2]),
    ([[2, 5, 7], [7, 10, 12], [1, 5, 9]], 18.0, [2, 1, 0], [2, 1, 0]),
    ([[10, 6, 14, 1], [17, 18, 17, 15], [14, 17, 15, 8], [11, 13, 11, 4]], 41.0, [1, 2, 0, 3], [2, 0, 1, 3]),
    # test_sparse_square: feasible, with forbidden pairs
    ([[11.0, 20.0, INF, INF, INF], [12.0, INF, 12.0, INF, INF], [INF, 11.0, 10.0, 15.0, 9.0],
      [15.0, INF, INF, 22.0, INF], [13.0, INF, INF, INF, 15.0]], 71.0, [0, 2, 1, 3, 4], [0, 2, 1, 3, 4]),
]


@pytest.mark.parametrize("cost,total,x,y", SQUARE_CASES)
def test_lap_suite_square_cases(cost, total, x, y):
    got = assert_same_as_lap(np.array(cost))
    assert got[0] == total
    np.testing.assert_array_equal(got[1], x)
    np.testing.assert_array_equal(got[2], y)


def test_lap_suite_slices_extension_and_cost_limit():
    # test_lapjv_non_contigous: a non-contiguous view
    got = assert_same_as_lap(DENSE_8X8[:3, :3])
    assert got[0] == 8.0 and list(got[1]) == [1, 2, 0] and list(got[2]) == [2, 0, 1]
    # test_lapjv_extension: 2x4 with extend_cost
    got = assert_same_as_lap(DENSE_8X8[:2, :4], extend_cost=True)
    assert got[0] == 3.0 and list(got[1]) == [1, 2] and list(got[2]) == [-1, 0, 1, -1]
    # test_lapjv_noextension: padded by hand instead
    c = np.r_[DENSE_8X8[:2, :4], [[1001, 1001, 1001, 2001], [2001, 1001, 1001, 1001]]]
    got = assert_same_as_lap(c, extend_cost=False)
    assert got[0] == 2005.0 and list(got[1]) == [1, 2, 0, 3] and list(got[2]) == [2, 0, 1, 3]
    # test_lapjv_cost_limit: square, cost_limit without extend_cost
    got = assert_same_as_lap(DENSE_8X8[:3, :3], cost_limit=4.99)
    assert got[0] == 3.0 and list(got[1]) == [1, 2, -1] and list(got[2]) == [-1, 0, 1]


def test_lap_suite_inf_unique():
    cost = np.full((4, 4), INF)
    cost[:3, :3] = [[1000, 4, 1], [1, 1000, 3], [5, 1, 1000]]
    cost[3, 3] = 0
    total, x, _ = assert_same_as_lap(cost)
    assert total == 3.0 and list(x) == [2, 0, 1, 3]


def test_lap_suite_arr_loop_7x3():
    cost = np.full((7, 3), 1000.0)
    ii = [0, 0, 1, 1, 2, 2, 5, 5, 6, 6]
    jj = [0, 1, 0, 1, 1, 2, 0, 1, 0, 1]
    cost[ii, jj] = [0.2593883482138951146, 0.3080381437461217620, 0.1976243020727339317,
                    0.2462740976049606068, 0.4203993396282833528, 0.4286184525458427985,
                    0.1706431415909629434, 0.2192929371231896185, 0.2117769622802734286,
                    0.2604267578125001315]
    # two optima (lap's suite accepts either): not compared element-wise
    for total, _, y in both(cost, extend_cost=True, return_cost=True):
        assert total == pytest.approx(0.8455356917416, rel=1e-10)
        assert list(y) in ([5, 1, 2], [1, 5, 2])


@pytest.mark.parametrize("transpose", [False, True])
def test_lapx_regressions_issue_20_inf_and_21_negative(transpose):
    # gatagat/lap issues 20 (inf in a non-square matrix) and 21 (all-negative
    # non-square matrix), as lapx's suite pins them.
    for cost, total, pairs in [
        (np.array([[INF, 11.0, 8.0], [8.0, INF, 7.0]]), 16.0, [(0, 2), (1, 0)]),
        (np.array([[2.0, 4, 6, 8], [1, 2, 4, 8]]) - 30.0, -56.0, [(0, 0), (1, 1)]),
    ]:
        c = cost.T.copy() if transpose else cost
        got, x, _ = assert_same_as_lap(c, extend_cost=True)
        assert got == total
        expect = sorted((j, i) if transpose else (i, j) for i, j in pairs)
        assert sorted((int(i), int(x[i])) for i in np.flatnonzero(x >= 0)) == expect


# --------------------------------------------------------------------------
# infeasible problems: total inf and a complete assignment, as lap
# --------------------------------------------------------------------------

INFEASIBLE = {
    "all_inf_1x1": (np.array([[INF]]), {}),
    "all_inf_3x3": (np.full((3, 3), INF), {}),
    "all_inf_5x5": (np.full((5, 5), INF), {}),
    "all_inf_3x3_extend": (np.full((3, 3), INF), {"extend_cost": True}),
    "all_inf_2x3_extend": (np.full((2, 3), INF), {"extend_cost": True}),
    "all_inf_3x2_extend": (np.full((3, 2), INF), {"extend_cost": True}),
    "inf_row": (np.array([[INF, INF, INF], [1.0, 2.0, 9.0], [4.0, 3.0, 8.0]]), {}),
    "inf_column": (np.array([[INF, 1.0, 4.0], [INF, 2.0, 3.0], [INF, 9.0, 8.0]]), {}),
    "inf_row_extend_2x4": (np.array([[INF, INF, INF, INF], [5.0, 1.0, 7.0, 2.0]]), {"extend_cost": True}),
    "inf_column_extend_4x2": (np.array([[INF, 5.0], [INF, 1.0], [INF, 7.0], [INF, 2.0]]), {"extend_cost": True}),
    # finite entries everywhere in some row and column, but no perfect matching
    "no_perfect_matching": (np.array([[1.0, INF, INF], [2.0, INF, INF], [3.0, 4.0, 5.0]]), {}),
    # lap's suite: test_infs_unsolvable (both), test_inf_col, test_inf_row
    "lap_unsolvable_zeros": (np.array([[0.0, 0.0, 0.0, INF, INF], [INF, INF, INF, 0.0, 0.0],
                                       [INF, INF, INF, 0.0, 0.0], [INF, INF, INF, 0.0, 0.0],
                                       [0.0, 0.0, 0.0, INF, INF]]), {}),
    "lap_unsolvable_costs": (np.array([[19.0, 22.0, 16.0, INF, INF], [INF, INF, INF, 4.0, 13.0],
                                       [INF, INF, INF, 3.0, 14.0], [INF, INF, INF, 10.0, 12.0],
                                       [11.0, 14.0, 13.0, INF, INF]]), {}),
    "lap_inf_col": (np.array([[0.0, INF, 0.0, 0.0, INF], [INF, INF, 0.0, 0.0, 0.0],
                              [INF, INF, INF, 0.0, INF], [INF, INF, INF, 0.0, 0.0],
                              [0.0, INF, 0.0, INF, INF]]), {}),
    "lap_inf_row": (np.array([[0.0, 0.0, 0.0, 0.0, INF], [INF, INF, 0.0, 0.0, 0.0],
                              [INF, INF, INF, INF, INF], [INF, INF, INF, 0.0, 0.0],
                              [0.0, 0.0, 0.0, INF, INF]]), {}),
}


@pytest.mark.parametrize("name", sorted(INFEASIBLE))
def test_infeasible_total_inf_and_complete_assignment_like_lap(name):
    cost, kw = INFEASIBLE[name]
    n, m = cost.shape
    (total, x, y), (ltotal, lx, ly) = both(cost, **kw)
    assert ltotal == INF  # what lap does, and what its suite checks
    assert total == INF
    for xx, yy in ((x, y), (lx, ly)):
        assert_valid(xx, yy, n, m)
        assert np.sum(xx >= 0) == min(n, m)  # complete: the smaller side is all assigned
    rows = np.flatnonzero(x >= 0)
    assert np.any(np.isinf(cost[rows, x[rows]]))
    if n == m:
        assert sorted(x.tolist()) == list(range(m))  # a permutation


@pytest.mark.parametrize("name", sorted(INFEASIBLE))
def test_infeasible_completion_is_the_documented_one(name):
    # finite pairs = the partial mode's matching (cheapest of maximum size);
    # the rest = canonical completion, ascending.
    cost, kw = INFEASIBLE[name]
    _, xp, yp = lapjv(cost, partial=True, **kw)
    _, x, y = lapjv(cost, **kw)
    ex, ey = canonical_completion(cost, xp)
    np.testing.assert_array_equal(x, ex)
    np.testing.assert_array_equal(y, ey)
    rows = np.flatnonzero(x >= 0)
    finite = np.isfinite(cost[rows, x[rows]])
    np.testing.assert_array_equal(np.flatnonzero(xp >= 0), rows[finite])


def test_infeasible_examples_exact_output():
    total, x, y = lapjv(np.array([[INF, INF, INF], [1.0, 2.0, 9.0], [4.0, 3.0, 8.0]]))
    assert total == INF and list(x) == [2, 0, 1] and list(y) == [1, 2, 0]
    total, x, y = lapjv(np.full((3, 3), INF))
    assert total == INF and list(x) == [0, 1, 2]
    total, x, y = lapjv(np.full((3, 2), INF), extend_cost=True)
    assert total == INF and list(x) == [0, 1, -1] and list(y) == [0, 1]


def test_infeasible_with_return_cost_false():
    cost = np.array([[INF, INF], [1.0, 2.0]])
    out = lapjv(cost, return_cost=False)
    assert len(out) == 2
    lout = lap.lapjv(cost, return_cost=False)
    assert len(lout) == 2
    assert sorted(out[0].tolist()) == sorted(lout[0].tolist()) == [0, 1]


def test_random_infeasible_like_lap():
    rng = np.random.default_rng(77)
    seen = 0
    for k in range(400):
        n, m = (int(v) for v in rng.integers(1, 9, size=2))
        if k % 2 == 0:
            m = n
        cost = rng.uniform(0.0, 5.0, size=(n, m))
        cost[rng.random((n, m)) < rng.uniform(0.4, 0.9)] = INF
        (total, x, y), (ltotal, lx, ly) = both(cost, extend_cost=(n != m))
        assert np.sum(x >= 0) == np.sum(lx >= 0) == min(n, m)
        assert (total == INF) == (ltotal == INF)
        if ltotal == INF:
            seen += 1
        else:
            assert total == ltotal
    assert seen > 100


# --------------------------------------------------------------------------
# return_cost, positional arguments
# --------------------------------------------------------------------------


def test_return_cost_keyword():
    cost = DENSE_8X8[:3, :3].astype(float)
    out = lapjv(cost, return_cost=False)
    lout = lap.lapjv(cost, return_cost=False)
    assert type(out) is tuple and len(out) == 2
    for a, b in zip(out, lout):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype == np.int32
    assert len(lapjv(cost, return_cost=True)) == 3


@pytest.mark.parametrize("args", [
    (False,), (True,), (False, INF), (True, 0.5), (True, INF, True), (True, INF, False),
    (False, 4.99, False), (False, 4.99, True), (True, 7, False),
])
def test_positional_arguments_in_laps_order(args):
    cost = np.random.default_rng(4).uniform(0.0, 10.0, size=(4, 4))  # no ties
    out, lout = both(cost, *args)
    assert len(out) == len(lout) == (2 if len(args) == 3 and not args[2] else 3)
    for a, b in zip(out, lout):
        np.testing.assert_array_equal(a, b)


def test_return_cost_rectangular_and_cost_limit():
    cost = np.random.default_rng(5).uniform(0, 1, (4, 7))
    for kw in ({"extend_cost": True}, {"extend_cost": True, "cost_limit": 0.3}):
        x, y = lapjv(cost, return_cost=False, **kw)
        _, x2, y2 = lapjv(cost, return_cost=True, **kw)
        lx, ly = lap.lapjv(cost, return_cost=False, **kw)
        np.testing.assert_array_equal(x, x2)
        np.testing.assert_array_equal(x, lx)
        np.testing.assert_array_equal(y, ly)


def test_argument_errors():
    cost = np.eye(2)
    with pytest.raises(TypeError):
        lapjv(cost, False, INF, True, False)  # partial is keyword-only
    with pytest.raises(TypeError):
        lapjv(cost, True, return_cost=True, extend_cost=True)
    with pytest.raises(TypeError):
        lapjv(cost, bogus=1)
    with pytest.raises(TypeError):
        lapjv()
    with pytest.raises(TypeError):
        lapjv(cost, cost_limit=None)


# --------------------------------------------------------------------------
# the opt-in partial mode: the previous behaviour
# --------------------------------------------------------------------------


def test_partial_mode_all_inf_assigns_nothing():
    for shape, kw in [((1, 1), {}), ((4, 4), {}), ((4, 4), {"extend_cost": True}), ((3, 5), {"extend_cost": True})]:
        total, x, y = lapjv(np.full(shape, INF), partial=True, **kw)
        assert total == 0.0 and np.all(x == -1) and np.all(y == -1)
        assert x.dtype == y.dtype == np.int32


def test_partial_mode_inf_row_inf_column_and_no_perfect_matching():
    cost = np.array([[INF, INF, INF], [1.0, 2.0, 9.0], [4.0, 3.0, 8.0]])
    total, x, y = lapjv(cost, partial=True)
    assert total == 4.0 and list(x) == [-1, 0, 1] and list(y) == [1, 2, -1]
    total, x, y = lapjv(cost.T.copy(), partial=True)
    assert total == 4.0 and list(x) == [1, 2, -1] and list(y) == [-1, 0, 1]
    # no perfect matching: two finite pairs at most; the cheapest such is
    # (0, 0) + (2, 1) = 5
    cost = np.array([[1.0, INF, INF], [2.0, INF, INF], [3.0, 4.0, 5.0]])
    total, x, y = lapjv(cost, partial=True)
    assert total == 5.0 and list(x) == [0, -1, 1] and list(y) == [0, 2, -1]
    out = lapjv(cost, partial=True, return_cost=False)
    assert len(out) == 2 and list(out[0]) == [0, -1, 1]


def test_partial_mode_maximum_cardinality_before_cost():
    cost = np.array([[0.0, 100.0], [100.0, INF]])
    for partial in (False, True):  # feasible: both modes agree, and agree with lap
        total, x, y = lapjv(cost, partial=partial)
        assert total == 200.0 and list(x) == [1, 0]
    assert_same_as_lap(cost)


def test_partial_changes_nothing_on_feasible_problems_or_with_cost_limit():
    rng = np.random.default_rng(11)
    for k in range(300):
        n, m = (int(v) for v in rng.integers(1, 10, size=2))
        cost = rng.uniform(0.0, 1.0, size=(n, m))
        cost[rng.random((n, m)) < (0.5 if k % 2 else 0.1)] = INF
        kw = {"extend_cost": True}
        if k % 3 == 0:
            kw["cost_limit"] = 0.5
        a = lapjv(cost, **kw)
        b = lapjv(cost, partial=True, **kw)
        if "cost_limit" in kw or a[0] != INF:
            assert a[0] == b[0]
            np.testing.assert_array_equal(a[1], b[1])
            np.testing.assert_array_equal(a[2], b[2])
        else:
            assert b[0] < INF and np.sum(b[1] >= 0) < min(n, m)


def test_linear_assignment_still_never_matches_a_forbidden_pair():
    # the tracker's primitive keeps the partial semantics even with thresh=inf
    cost = np.array([[INF, INF, INF], [1.0, 2.0, 9.0], [4.0, 3.0, 8.0]])
    matches, ur, uc = tracking.linear_assignment(cost, INF)
    np.testing.assert_array_equal(matches, [[1, 0], [2, 1]])
    np.testing.assert_array_equal(ur, [0])
    np.testing.assert_array_equal(uc, [2])


# --------------------------------------------------------------------------
# random agreement: unique optima -> same x, y and bit-identical total
# --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["square", "extend", "cost_limit", "square_cost_limit", "with_inf"])
def test_random_unique_optima_identical_to_lap(mode):
    rng = np.random.default_rng(["square", "extend", "cost_limit", "square_cost_limit", "with_inf"].index(mode))
    for k in range(150):
        big = k % 15 == 0  # some above 128 assigned pairs: numpy's pairwise sum recurses
        n = int(rng.integers(1, 260 if big else 25))
        m = n if mode.startswith("square") else int(rng.integers(1, 260 if big else 25))
        cost = rng.uniform(0.0, 1.0, size=(n, m)) * 10.0 ** rng.uniform(-3, 3)
        kw = {"extend_cost": n != m}
        if mode == "with_inf":
            cost[rng.random((n, m)) < 0.15] = INF
        if "cost_limit" in mode:
            kw["cost_limit"] = float(np.quantile(cost, 0.3))
        _, lx, _ = lap.lapjv(cost, **kw)
        if mode == "with_inf" and np.any(np.isinf(cost[np.flatnonzero(lx >= 0), lx[lx >= 0]])):
            continue  # infeasible: covered above
        assert_same_as_lap(cost, **kw)


def test_total_is_numpys_pairwise_sum_bit_for_bit():
    # a left-to-right sum differs from lap's total in the last bits for most
    # of these; ours must not
    rng = np.random.default_rng(123)
    for n in (7, 8, 9, 16, 17, 127, 128, 129, 200, 257, 300):
        cost = rng.uniform(0.0, 1.0, size=(n, n)) * 10.0 ** rng.uniform(-4, 4, size=(n, n))
        total, x, _ = assert_same_as_lap(cost)
        assert total == float(np.sum(cost[np.arange(n), x]))


# --------------------------------------------------------------------------
# dtypes, layouts, empty matrices, errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.uint32, np.float16, np.float32,
                                   np.float64, np.longdouble, np.bool_])
def test_input_dtypes_like_lap(dtype):
    # a planted permutation of small costs among costs >= 50: a unique
    # optimum, exact in every dtype (bool: the complement of a permutation)
    rng = np.random.default_rng(9)
    perm = rng.permutation(5)
    if dtype is np.bool_:
        cost = np.ones((5, 5), dtype=bool)
        cost[np.arange(5), perm] = False
    else:
        cost = 50 + rng.permutation(25).reshape(5, 5)
        cost[np.arange(5), perm] = rng.permutation(5)
        cost = cost.astype(dtype)
    assert_same_as_lap(cost)
    assert_same_as_lap(cost[:, :3], extend_cost=True)
    assert_same_as_lap(cost, cost_limit=40)


def test_large_integer_costs_like_lap():
    rng = np.random.default_rng(10)
    for dtype, lo, hi in ((np.int32, -10_000_000, 10_000_000), (np.int64, -1_000_000_000, 1_000_000_000)):
        cost = rng.integers(lo, hi, size=(25, 25), dtype=dtype)
        assert_same_as_lap(cost)


@pytest.mark.parametrize("view", ["fortran", "reversed_cols", "reversed_rows", "strided", "transposed"])
def test_non_contiguous_inputs_like_lap(view):
    base = np.random.default_rng(12).normal(0.0, 5.0, size=(12, 16))
    c = {"fortran": np.asfortranarray(base), "reversed_cols": base[:, ::-1], "reversed_rows": base[::-1],
         "strided": base[:, ::2], "transposed": base.T}[view]
    assert_same_as_lap(c, extend_cost=c.shape[0] != c.shape[1])


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 1), (1, 0)])
@pytest.mark.parametrize("cost_limit", [INF, 1.0])
def test_empty_matrices_like_lap(shape, cost_limit):
    cost = np.zeros(shape)
    total, x, y = assert_same_as_lap(cost, extend_cost=True, cost_limit=cost_limit)
    assert total == 0.0 and np.all(x == -1) and np.all(y == -1)
    x, y = lapjv(cost, extend_cost=True, return_cost=False)
    assert x.shape == (shape[0],) and y.shape == (shape[1],)


def test_zero_by_zero():
    # lap 0.5.13 corrupts the heap on a 0x0 matrix, so it is not called here;
    # lapx 0.11 returns (0.0, [], []), as we do
    total, x, y = lapjv(np.zeros((0, 0)))
    assert total == 0.0 and x.shape == (0,) and y.shape == (0,) and x.dtype == np.int32


@pytest.mark.parametrize("shape", [(3, 2), (2, 3), (0, 3)])
@pytest.mark.parametrize("cost_limit", [INF, 0.5])
def test_non_square_without_extend_cost_raises_like_lap(shape, cost_limit):
    cost = np.ones(shape)
    with pytest.raises(ValueError):
        lap.lapjv(cost, cost_limit=cost_limit)
    with pytest.raises(ValueError):
        lapjv(cost, cost_limit=cost_limit)


@pytest.mark.parametrize("arr", [np.ndarray([]), np.zeros(3), np.zeros((1, 2, 2))])
def test_wrong_dimensions_raise_value_error_like_lap(arr):
    with pytest.raises(ValueError):
        lap.lapjv(arr)
    with pytest.raises(ValueError):
        lapjv(arr)


@pytest.mark.parametrize("limit", [-1.0, 0.0, 1e-9])
def test_cost_limit_at_or_below_every_cost_like_lap(limit):
    cost = np.array([[1.0, 2.0], [3.0, 4.0]])
    total, x, y = assert_same_as_lap(cost, cost_limit=limit)
    assert total == 0.0 and np.all(x == -1) and np.all(y == -1)


def test_cost_limit_boundary_and_inf_entries_like_lap():
    cost = np.array([[0.5, INF, 0.2], [INF, 0.5, 0.9], [0.1, 0.6, INF]])
    for limit in (0.05, 0.15, 0.3, 0.55, 0.7, 1.0, 100.0):  # never equal to a cost: no ties
        assert_same_as_lap(cost, cost_limit=limit)
        assert_same_as_lap(cost[:2], extend_cost=True, cost_limit=limit)


# Documented differences (docs/compatibility.md): lap gives no meaningful
# answer for these; we refuse them.


@pytest.mark.parametrize("bad", [np.nan, -INF])
def test_nan_and_negative_inf_raise(bad):
    cost = np.array([[0.1, bad], [0.2, 0.3]])
    for kw in ({}, {"extend_cost": True}, {"cost_limit": 0.5}, {"partial": True}, {"return_cost": False}):
        with pytest.raises(ValueError):
            lapjv(cost, **kw)


@pytest.mark.parametrize("limit", [np.nan, -INF])
def test_nan_or_negative_inf_cost_limit_raises(limit):
    with pytest.raises(ValueError):
        lapjv(np.eye(2), cost_limit=limit)


def test_array_likes_accepted():
    # lap requires an ndarray (TypeError otherwise); we also take array-likes
    total, x, y = lapjv([[4.0, 1.0], [2.0, 0.0]])
    assert total == 3.0 and list(x) == [1, 0]
