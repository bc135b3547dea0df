"""Suite-wide pytest hooks.

The header of every run names the fairmot build under test (compiled modules,
CUDA policy), so a broken or unexpected build is visible before any test runs.
Tests import fairmot's own modules directly: a broken build fails the suite,
it never turns into skips.
"""
from __future__ import annotations

import sys

import pytest


def pytest_report_header(config) -> list[str]:
    from fairmot import info

    facts = info.collect()
    keys = ("fairmot", "tracker_core", "torch", "cuda_available", "ops", "ops_with_cuda", "ops_cuda_archs",
            "ops_build_policy")
    return ["fairmot build: " + ", ".join(f"{k}={facts[k]}" for k in keys if k in facts)]


@pytest.fixture(scope="module", autouse=True)
def _restore_torch_threads():
    """Some tests run the CLI in-process with ``--threads N``, which sets torch's process-wide thread count:
    give every test module the count it started with back, so one module's option never leaks into the next."""
    torch = sys.modules.get("torch")
    n = torch.get_num_threads() if torch is not None else None
    yield
    torch = sys.modules.get("torch")
    if n is not None and torch is not None and torch.get_num_threads() != n:
        torch.set_num_threads(n)
