"""The CPU thread policy (fairmot.threads): passive OpenMP waiting set before torch loads, the
thread count from usable physical cores / cgroup quota / FAIRMOT_THREADS / an explicit value."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from fairmot import threads


def _python(code: str, **env_over: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "FAIRMOT_THREADS")}
    for k, v in env_over.items():
        if v is not None:
            env[k] = v
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_importing_fairmot_before_torch_makes_openmp_wait_passively():
    assert _python("import fairmot, os; print(os.environ.get('OMP_WAIT_POLICY'))") == "PASSIVE"


def test_torch_imported_first_is_left_alone():
    assert _python("import torch, fairmot, os; print(os.environ.get('OMP_WAIT_POLICY'))") == "None"


def test_the_users_wait_policy_and_the_off_switch_are_respected():
    code = "import fairmot, os; print(os.environ.get('OMP_WAIT_POLICY'))"
    assert _python(code, OMP_WAIT_POLICY="ACTIVE") == "ACTIVE"
    assert _python(code, FAIRMOT_THREADS="off") == "None"


def test_cli_process_runs_torch_with_passive_waiting_and_usable_cores():
    code = ("import fairmot.threads as t, torch, os; p = t.apply_thread_policy(); "
            "print(os.environ['OMP_WAIT_POLICY'], p.threads == t.usable_cores() == torch.get_num_threads(), p.source)")
    assert _python(code) == "PASSIVE True fairmot"


def test_explicit_and_environment_thread_counts():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    try:
        assert threads.apply_thread_policy(1).threads == 1 and torch.get_num_threads() == 1
        assert threads.apply_thread_policy(1).source == "explicit"
    finally:
        torch.set_num_threads(before)
    assert _python("import fairmot.threads as t; p = t.apply_thread_policy(); print(p.threads, p.source)",
                   FAIRMOT_THREADS="1") == "1 env"
    out = _python("import torch; n = torch.get_num_threads(); import fairmot.threads as t; "
                  "p = t.apply_thread_policy(); print(p.threads == n, p.source)", FAIRMOT_THREADS="off")
    assert out == "True off"


@pytest.mark.parametrize("bad, exc", [(0, ValueError), (-2, ValueError), (1.5, TypeError), (True, TypeError),
                                      ("2", TypeError)])
def test_bad_thread_counts_are_rejected(bad, exc):
    with pytest.raises(exc, match="threads"):
        threads.apply_thread_policy(bad)


def test_bad_fairmot_threads_variable_is_named(monkeypatch):
    monkeypatch.setenv("FAIRMOT_THREADS", "many")
    with pytest.raises(ValueError, match="FAIRMOT_THREADS"):
        threads.apply_thread_policy()


def test_usable_cores_is_bounded_by_affinity():
    n = threads.usable_cores()
    assert 1 <= n <= len(os.sched_getaffinity(0))


def test_cgroup_quota_is_read_from_v2_and_v1_files(tmp_path):
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert threads.cgroup_cpu_limit(tmp_path) == 1.5
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert threads.cgroup_cpu_limit(tmp_path) is None
    (tmp_path / "cpu.max").unlink()
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("50000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert threads.cgroup_cpu_limit(tmp_path) == 0.5
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert threads.cgroup_cpu_limit(tmp_path) is None
    assert threads.cgroup_cpu_limit(tmp_path / "missing") is None
