"""fairmot: a fast, pip-installable reimplementation of the FairMOT tracker.

The path of a frame (docs/architecture.md): :mod:`fairmot.io` (sources) -> :mod:`fairmot.detection`
(letterbox, network, decoding) -> :mod:`fairmot.tracking` (association, C++17 core with a numpy API,
no torch) -> :mod:`fairmot.io` (writers). :class:`Tracker` runs the whole path on one frame at a time.
The network (:mod:`fairmot.models`) and the torch operators (:mod:`fairmot.ops`) load torch lazily,
on first use; ``import fairmot`` imports neither torch nor OpenCV.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .threads import prepare_openmp_env as _prepare_openmp_env

# Idle OpenMP threads sleep instead of spinning (read once, when torch loads): see fairmot.threads.
_prepare_openmp_env()

if TYPE_CHECKING:  # pragma: no cover - names for type checkers; at run time they load on first use
    from .counting import LineCounter, ZoneCounter
    from .models import build_model, load_model, save_checkpoint
    from .multistream import MultiStreamTracker
    from .tracker import Tracker, track_video

__version__ = "0.1.0"

__all__ = ["__version__", "Tracker", "MultiStreamTracker", "track_video", "build_model", "load_model", "save_checkpoint",
           "LineCounter", "ZoneCounter"]

#: Public name -> (module, attribute), imported on first access.
_LAZY: dict[str, tuple[str, str]] = {
    "Tracker": ("fairmot.tracker", "Tracker"),
    "track_video": ("fairmot.tracker", "track_video"),
    "MultiStreamTracker": ("fairmot.multistream", "MultiStreamTracker"),
    "build_model": ("fairmot.models", "build_model"),
    "load_model": ("fairmot.models", "load_model"),
    "save_checkpoint": ("fairmot.models", "save_checkpoint"),
    "LineCounter": ("fairmot.counting", "LineCounter"),
    "ZoneCounter": ("fairmot.counting", "ZoneCounter"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'fairmot' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
