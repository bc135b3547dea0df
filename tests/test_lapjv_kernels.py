"""The assignment solver's vectorised inner loops (AVX2 where the CPU has it) give
exactly what their plain scalar definitions and a numpy re-derivation give:
ties, +inf entries, every length around the vector width."""
from __future__ import annotations

import numpy as np
import pytest

from fairmot import _tracker  # noqa: E402
kernels = _tracker._lapjv_kernels

LENGTHS = [0, 1, 2, 3, 5, 8, 15, 16, 17, 23, 24, 31, 33, 64, 101, 603]


def two_smallest_reference(c: np.ndarray, v: np.ndarray):
    """First index of the smallest finite c - v, then the smallest over the other indices."""
    h = c - v
    finite = np.flatnonzero(np.isfinite(h))
    if finite.size == 0:
        return (np.inf, -1, np.inf, -1)
    j1 = int(finite[np.argmin(h[finite])])  # argmin: first occurrence
    rest = finite[finite != j1]
    if rest.size == 0:
        return (float(h[j1]), j1, np.inf, -1)
    j2 = int(rest[np.argmin(h[rest])])
    return (float(h[j1]), j1, float(h[j2]), j2)


def _rows(n: int, seed: int):
    rng = np.random.default_rng([n, seed])
    yield rng.random(n), rng.random(n)  # continuous: no ties
    tied = rng.integers(0, 4, n).astype(np.float64)  # heavy ties
    yield tied, np.zeros(n)
    with_inf = rng.random(n)
    with_inf[rng.random(n) < 0.4] = np.inf
    yield with_inf, rng.random(n)
    yield np.full(n, np.inf), np.zeros(n)  # nothing finite
    const = np.full(n, 0.25)
    yield const, np.zeros(n)  # every entry ties


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_smallest_matches_scalar_scan_and_numpy(n, seed):
    for c, v in _rows(n, seed):
        scalar, dispatched = kernels(c, v)["two_smallest"]
        assert dispatched == scalar
        ref = two_smallest_reference(c, v)
        assert scalar[1] == ref[1] and scalar[3] == ref[3]
        assert scalar[0] == ref[0] and scalar[2] == ref[2]


def test_two_smallest_prefers_earliest_index_among_equal_minima():
    c = np.array([5.0] * 20 + [1.0, 3.0, 1.0, 1.0] + [2.0] * 9)
    scalar, dispatched = kernels(c, np.zeros_like(c))["two_smallest"]
    assert scalar == dispatched == (1.0, 20, 1.0, 22)


@pytest.mark.parametrize("n", LENGTHS)
def test_cost_range_matches_scalar_definition(n):
    rng = np.random.default_rng(n)
    base = rng.normal(size=n) * 1e3
    cases = [base]
    for value in (np.nan, np.inf, -np.inf):
        for where in (0, n // 2, n - 1):
            if n:
                x = base.copy()
                x[where] = value
                cases.append(x)
    cases.append(np.full(n, np.inf))
    if n:
        signed_zeros = np.abs(base)
        signed_zeros[::3] = -0.0
        signed_zeros[1::5] = 0.0
        cases += [signed_zeros, -signed_zeros]
    for c in cases:
        scalar, dispatched = kernels(c, np.zeros(n))["cost_range"]
        assert dispatched == scalar
        # bit for bit: a zero bound is +0.0 whatever the scan order
        bits = [np.float64(v).view(np.int64) for v in (scalar[3], scalar[4], dispatched[3], dispatched[4])]
        assert bits[:2] == bits[2:]
        for v in (scalar[3], scalar[4]):
            assert not (v == 0 and np.signbit(v))
        finite = c[np.isfinite(c)]
        assert scalar[0] == bool(np.isnan(c).any())
        assert scalar[1] == bool(np.isposinf(c).any())
        assert scalar[2] == bool(np.isneginf(c).any())
        if finite.size:
            assert (scalar[3], scalar[4]) == (finite.min(), finite.max())
        else:
            assert scalar[3] > scalar[4]


@pytest.mark.parametrize("n", LENGTHS)
def test_column_minima_update_matches_scalar_definition(n):
    rng = np.random.default_rng(100 + n)
    c = rng.integers(0, 5, n).astype(np.float64)
    v = rng.integers(0, 5, n).astype(np.float64)
    (v_s, y_s), (v_d, y_d) = kernels(c, v)["column_minima"]
    assert v_s == v_d and y_s == y_d
    lower = c < v  # strictly: equal entries keep their owner
    np.testing.assert_array_equal(v_s, np.where(lower, c, v))
    np.testing.assert_array_equal(y_s, np.where(lower, 7, -1))


def test_kernel_hook_rejects_mismatched_rows():
    with pytest.raises(ValueError, match="1-D"):
        kernels(np.zeros(3), np.zeros(4))
