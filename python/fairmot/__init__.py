"""fairmot: a fast, pip-installable reimplementation of the FairMOT tracker.

The tracker core (``fairmot.tracking``) is C++17 with a numpy API and needs no
torch; the network (``fairmot.models``) and the torch operators
(``fairmot.ops``) load torch lazily, on first use.
"""
from __future__ import annotations

from typing import Any

from .threads import prepare_openmp_env as _prepare_openmp_env

# Idle OpenMP threads sleep instead of spinning (read once, when torch loads): see fairmot.threads.
_prepare_openmp_env()

__version__ = "0.1.0"

__all__ = ["__version__", "Tracker", "track_video", "build_model", "load_model", "save_checkpoint"]

_LAZY = {
    "Tracker": ("fairmot.api", "Tracker"),
    "track_video": ("fairmot.api", "track_video"),
    "build_model": ("fairmot.models", "build_model"),
    "load_model": ("fairmot.models", "load_model"),
    "save_checkpoint": ("fairmot.models", "save_checkpoint"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'fairmot' has no attribute {name!r}")
