"""CPU thread policy: how many threads torch uses, and how idle OpenMP threads wait.

Why: torch's CPU kernels run on an OpenMP pool with one thread per logical CPU whose idle
threads *spin* between parallel regions. When another busy process shares the cores, a spinning
thread steals the core from the thread that holds the work, and every layer waits for the
descheduled one: measured on a 2-core machine with one competing busy process, one forward of the
built-in model went from 43 ms to 1.6-2.2 s (see ``benchmarks/RESULTS.md``, "Shared CPU").

The policy (``fairmot`` CLI and :class:`fairmot.Tracker`):

* **Passive waiting.** ``import fairmot`` sets ``OMP_WAIT_POLICY=PASSIVE`` when torch is not
  imported yet and the variable is unset: idle OpenMP threads sleep instead of spinning. OpenMP
  reads the variable once, when torch loads, so this works only if ``fairmot`` is imported first
  (the CLI always does). If torch was imported first, :func:`apply_thread_policy` logs how to get
  it (import fairmot first, or export ``OMP_WAIT_POLICY=PASSIVE``).
* **Thread count.** The number of *usable physical* cores: CPUs in this process's affinity mask,
  bounded by a cgroup CPU quota (containers), counting SMT siblings once. ``threads=N`` (CLI
  ``--threads N``) overrides it.
* ``FAIRMOT_THREADS=off`` in the environment leaves torch and OpenMP exactly as they are (torch's
  defaults); ``FAIRMOT_THREADS=N`` sets the default count.
"""
from __future__ import annotations

import logging
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ThreadPolicy", "usable_cores", "cgroup_cpu_limit", "validate_threads", "prepare_openmp_env", "apply_thread_policy", "policy_disabled"]

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class ThreadPolicy:
    """The thread settings in force after :func:`apply_thread_policy`.

    Attributes:
        threads: torch intra-op threads (``torch.get_num_threads()``).
        wait_policy: ``OMP_WAIT_POLICY`` as OpenMP read it at torch's load (``"PASSIVE"``,
            ``"ACTIVE"`` or ``"default"``: unset, spinning for a while before sleeping).
        source: why: ``"fairmot"`` (the default policy), ``"explicit"`` (``threads=N``),
            ``"env"`` (``FAIRMOT_THREADS=N``) or ``"off"`` (``FAIRMOT_THREADS=off``: untouched).
    """

    threads: int
    wait_policy: str
    source: str


def policy_disabled() -> bool:
    """True when ``FAIRMOT_THREADS=off`` (or ``0``/``none``/``torch``): leave torch alone."""
    return os.environ.get("FAIRMOT_THREADS", "").strip().lower() in ("off", "0", "none", "torch")


def prepare_openmp_env() -> None:
    """Sets ``OMP_WAIT_POLICY=PASSIVE`` if torch is not loaded yet and the user did not choose.

    Called by ``import fairmot``. Does nothing when torch is already imported (too late: OpenMP
    has read its environment), when ``OMP_WAIT_POLICY`` is set, or with ``FAIRMOT_THREADS=off``.
    """
    if policy_disabled() or "torch" in sys.modules or "OMP_WAIT_POLICY" in os.environ:
        return
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"


def cgroup_cpu_limit(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """CPUs allowed by a cgroup v2 (``cpu.max``) or v1 (``cpu/cpu.cfs_quota_us``) quota, or None."""
    try:
        text = (root / "cpu.max").read_text().split()
        if text and text[0] != "max":
            return int(text[0]) / int(text[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        if quota > 0 and period > 0:
            return quota / period
    except (OSError, ValueError):
        pass
    return None


def _physical_cores(cpus: set[int]) -> int:
    """How many distinct physical cores the logical ``cpus`` belong to (SMT siblings once)."""
    cores = set()
    for cpu in cpus:
        try:
            siblings = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list").read_text().strip()
        except OSError:
            return len(cpus)
        cores.add(siblings)
    return max(1, len(cores))


def usable_cores() -> int:
    """Physical cores this process may use: affinity mask, cgroup quota, SMT siblings counted once."""
    try:
        cpus = set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = set(range(os.cpu_count() or 1))
    n = _physical_cores(cpus)
    limit = cgroup_cpu_limit()
    if limit is not None:
        n = min(n, max(1, math.ceil(limit)))
    return max(1, n)


def _env_threads() -> int | None:
    raw = os.environ.get("FAIRMOT_THREADS", "").strip()
    if not raw or policy_disabled():
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"FAIRMOT_THREADS must be a positive integer or 'off', got {raw!r}") from None
    if value < 1:
        raise ValueError(f"FAIRMOT_THREADS must be a positive integer or 'off', got {raw!r}")
    return value


def validate_threads(threads: object) -> int | None:
    """``threads`` as given to the CLI / :class:`fairmot.Tracker`: None or a positive int."""
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, int):
        raise TypeError(f"threads must be a positive int or None, got {type(threads).__name__}")
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    return threads


def apply_thread_policy(threads: int | None = None) -> ThreadPolicy:
    """Applies the policy to torch (process-wide) and returns what is in force.

    Args:
        threads: intra-op threads; None for the default (``FAIRMOT_THREADS``, else
            :func:`usable_cores`).
    """
    threads = validate_threads(threads)
    import torch

    wait = os.environ["OMP_WAIT_POLICY"].upper() if "OMP_WAIT_POLICY" in os.environ else "default"
    if threads is None and policy_disabled():
        return ThreadPolicy(torch.get_num_threads(), wait, "off")
    if threads is not None:
        n, source = threads, "explicit"
    elif (env := _env_threads()) is not None:
        n, source = env, "env"
    else:
        n, source = usable_cores(), "fairmot"
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    if n > 1 and wait == "default":
        logger.debug("OpenMP threads spin while idle (OMP_WAIT_POLICY=%s): on a shared CPU import fairmot "
                     "before torch or export OMP_WAIT_POLICY=PASSIVE", wait)
    return ThreadPolicy(n, wait, source)
