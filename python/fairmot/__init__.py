"""fairmot: a fast, pip-installable reimplementation of the FairMOT tracker.

The tracker core (``fairmot.tracking``) is C++17 with a numpy API and does not
need torch.
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
