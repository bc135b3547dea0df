"""Dense linear assignment: ``fairmot.tracking.lapjv`` vs SciPy and ``lap``.

* uniform random float64 costs, square n = 10 ... 1000 and a 100 x 300 rectangle, three
  seeded matrices per size; every solver is called with ``extend_cost=True`` semantics
  (``scipy.optimize.linear_sum_assignment`` handles rectangles natively);
* tracker-like problems: 30 x 30 and 300 x 300 costs in [0, 1] with 30 % forbidden (inf)
  entries solved as FairMOT's ``linear_assignment`` does (``extend_cost=True,
  cost_limit=0.4``) -- ours (``lapjv`` and ``linear_assignment``) vs ``lap``.

Each benchmark's group is the problem size, so pytest-benchmark prints the solvers together.
The cost generators are plain functions, reused by ``benchmarks/report.py``.
"""

from __future__ import annotations

import lap
import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from fairmot.tracking import lapjv, linear_assignment

SHAPES = [(10, 10), (50, 50), (200, 200), (500, 500), (1000, 1000), (100, 300)]
SEEDS = [0, 1, 2]
TRACKER_LIKE_SIZES = [30, 300]
TRACKER_LIKE_LIMIT = 0.4
TRACKER_LIKE_INF_FRACTION = 0.3


def uniform_cost(shape, seed: int) -> np.ndarray:
    """Uniform [0, 1) float64 costs, C-contiguous."""
    rng = np.random.default_rng([1234, shape[0], shape[1], seed])
    return np.ascontiguousarray(rng.random(shape, dtype=np.float64))


def tracker_like_cost(n: int, seed: int = 0, inf_fraction: float = TRACKER_LIKE_INF_FRACTION) -> np.ndarray:
    """(n, n) costs in [0, 1] with ``inf_fraction`` of the entries forbidden (+inf)."""
    rng = np.random.default_rng([4321, n, seed])
    cost = rng.random((n, n), dtype=np.float64)
    cost[rng.random((n, n)) < inf_fraction] = np.inf
    return cost


# -------------------------------------------------------------------- solvers, as benchmarked
def solve_ours(cost):
    return lapjv(cost, extend_cost=True)


def solve_scipy(cost):
    return linear_sum_assignment(cost)


def solve_lap(cost):
    return lap.lapjv(cost, extend_cost=True)


def limited_ours(cost, limit=TRACKER_LIKE_LIMIT):
    return lapjv(cost, extend_cost=True, cost_limit=limit)


def limited_ours_la(cost, limit=TRACKER_LIKE_LIMIT):
    return linear_assignment(cost, limit)


def limited_lap(cost, limit=TRACKER_LIKE_LIMIT):
    return lap.lapjv(cost, extend_cost=True, cost_limit=limit)


SOLVERS = {"fairmot": solve_ours, "scipy": solve_scipy, "lap": solve_lap}
LIMITED_SOLVERS = {"fairmot.lapjv": limited_ours, "fairmot.linear_assignment": limited_ours_la, "lap": limited_lap}


def optimal_total(cost: np.ndarray) -> float:
    r, c = linear_sum_assignment(cost)
    return float(cost[r, c].sum())


def total_of(solver: str, cost: np.ndarray, out) -> float:
    """Total cost of a solver's answer, whatever its output format."""
    if solver == "scipy":
        r, c = out
        return float(cost[r, c].sum())
    x = np.asarray(out[1])
    rows = np.nonzero(x >= 0)[0]
    return float(cost[rows, x[rows]].sum())


def shape_id(shape) -> str:
    return f"{shape[0]}x{shape[1]}"


# -------------------------------------------------------------------- benchmarks
@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed{s}")
@pytest.mark.parametrize("solver", list(SOLVERS))
@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_lapjv_uniform(benchmark, shape, solver, seed):
    cost = uniform_cost(shape, seed)
    benchmark.group = f"lapjv {shape_id(shape)}"
    benchmark.extra_info.update(n=shape[0], m=shape[1], seed=seed, solver=solver)
    out = benchmark(SOLVERS[solver], cost)
    assert total_of(solver, cost, out) == pytest.approx(optimal_total(cost), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("solver", list(LIMITED_SOLVERS))
@pytest.mark.parametrize("n", TRACKER_LIKE_SIZES, ids=lambda n: f"{n}x{n}")
def test_lapjv_tracker_like(benchmark, n, solver):
    cost = tracker_like_cost(n)
    benchmark.group = f"linear_assignment {n}x{n} 30% inf, cost_limit={TRACKER_LIKE_LIMIT}"
    benchmark.extra_info.update(n=n, solver=solver, cost_limit=TRACKER_LIKE_LIMIT)
    out = benchmark(LIMITED_SOLVERS[solver], cost)
    if solver == "fairmot.linear_assignment":
        matches = np.asarray(out[0]).reshape(-1, 2)
        assert np.all(cost[matches[:, 0], matches[:, 1]] <= TRACKER_LIKE_LIMIT)
    else:
        x = np.asarray(out[1])
        rows = np.nonzero(x >= 0)[0]
        assert np.all(cost[rows, x[rows]] <= TRACKER_LIKE_LIMIT)
