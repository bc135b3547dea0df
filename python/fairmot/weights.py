"""Locating the built-in model shipped with the package."""
from __future__ import annotations

from pathlib import Path

__all__ = ["default_weights", "BUILTIN_WEIGHTS"]

#: Where the package's built-in checkpoint lives once it is shipped.
BUILTIN_WEIGHTS = Path(__file__).resolve().parent / "data" / "weights" / "fairmot_builtin.pth"


def default_weights() -> str:
    """Path of the built-in checkpoint; FileNotFoundError (with what to do) when it is not shipped."""
    if BUILTIN_WEIGHTS.is_file():
        return str(BUILTIN_WEIGHTS)
    raise FileNotFoundError(
        "this fairmot build ships no built-in model yet; pass a FairMOT checkpoint "
        "(e.g. --weights fairmot_dla34.pth)"
    )
