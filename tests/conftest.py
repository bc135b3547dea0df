"""Suite-wide pytest hooks.

The header of every run names the fairmot build under test (compiled modules,
CUDA policy), so a broken or unexpected build is visible before any test runs.
Tests import fairmot's own modules directly: a broken build fails the suite,
it never turns into skips.
"""
from __future__ import annotations


def pytest_report_header(config) -> list[str]:
    from fairmot import info

    facts = info.collect()
    keys = ("fairmot", "tracker_core", "torch", "cuda_available", "ops", "ops_with_cuda", "ops_cuda_archs",
            "ops_build_policy")
    return ["fairmot build: " + ", ".join(f"{k}={facts[k]}" for k in keys if k in facts)]
