"""Shared set-up of the pytest-benchmark suites in ``benchmarks/``.

Run them with, e.g.::

    /work/venv/bin/python -m pytest benchmarks/ --benchmark-only
    /work/venv/bin/python -m pytest benchmarks/bench_lapjv.py --benchmark-columns=min,median,mean,rounds

Files are called ``bench_*.py`` so that the test run (``testpaths = ["tests"]``) never picks
them up; the hook below collects them whenever ``benchmarks/`` (or one of them) is named on the
command line.  Benchmark functions are still called ``test_*``.

``tests/`` is put on ``sys.path`` so that the suites can import ``streams`` (synthetic
detection streams) and ``reference_tracker`` (the NumPy re-implementation of the official
tracker).  Importing ``reference_tracker`` also makes the OpenBLAS libraries of NumPy/SciPy
single-threaded: the peers only use tiny matrices, for which BLAS worker threads cost far more
than they give (and make timings on a busy machine much noisier).  It does not change any
result, and the C++ core does not use BLAS.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
TESTS_DIR = REPO_ROOT / "tests"

for _p in (str(TESTS_DIR), str(BENCH_DIR)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import reference_tracker  # noqa: E402,F401  (side effect: single-threaded OpenBLAS)


# --------------------------------------------------------------------------------- collection
def pytest_collect_file(file_path, parent):
    """Collect ``benchmarks/bench_*.py`` like test modules.

    Files named explicitly on the command line are already collected by pytest's own python
    plugin, so only the ones found by walking a directory are handled here.
    """
    if file_path.suffix != ".py" or not file_path.name.startswith("bench_"):
        return None
    if parent.session.isinitpath(file_path):
        return None
    ihook = parent.session.gethookproxy(file_path)
    return ihook.pytest_pycollect_makemodule(module_path=file_path, parent=parent)


# --------------------------------------------------------------------------------- machine info
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def library_versions() -> dict:
    import lap
    import scipy

    import fairmot

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "lap": getattr(lap, "__version__", "?"),
        "fairmot": getattr(fairmot, "__version__", "?"),
    }


def pytest_benchmark_update_machine_info(config, machine_info):
    """Put the CPU model, the usable cores and the library versions into the saved JSON."""
    machine_info["cpu_model"] = cpu_model()
    machine_info["usable_cores"] = usable_cores()
    machine_info["versions"] = library_versions()


# --------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def tracking():
    """The C++ tracker core (``fairmot.tracking``)."""
    from fairmot import tracking as mod

    return mod


@pytest.fixture(scope="session")
def reference():
    """The NumPy reference module (``tests/reference_tracker.py``)."""
    return reference_tracker


@pytest.fixture(scope="session")
def streams():
    """The synthetic stream generators (``tests/streams.py``)."""
    import streams as mod

    return mod
