"""Locating the built-in model shipped with the package (``fairmot/assets/fairmot_builtin.pth``),
and saying what it is good for."""
from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import warnings
from pathlib import Path
from typing import Any, Iterator, Mapping

__all__ = ["default_weights", "BUILTIN_WEIGHTS", "BUILTIN_CLASSES_WEIGHTS", "BUILTIN_CLASSES_RECIPE", "LEGACY_BUILTIN_WEIGHTS", "BUILTIN_RECIPE", "BUILTIN_WARNING",
           "is_builtin", "resolve_legacy_builtin", "warn_builtin", "builtin_warning_suppressed"]

logger = logging.getLogger(__name__)

#: Where the package's built-in checkpoint lives once it is shipped.
BUILTIN_WEIGHTS = Path(__file__).resolve().parent / "assets" / "fairmot_builtin.pth"

#: Where it lived up to fairmot 0.1 (inside the training-data package). Paths to it still load
#: (:func:`resolve_legacy_builtin`), with a DeprecationWarning.
LEGACY_BUILTIN_WEIGHTS = Path(__file__).resolve().parent / "data" / "weights" / "fairmot_builtin.pth"

#: ``meta['recipe']`` of checkpoints made by the built-in model's recipe (``fairmot.train.builtin``).
BUILTIN_RECIPE = "python -m fairmot.train.builtin"

#: The built-in multi-class model (person, cyclist, car; ``fairmot demo --classes``).
BUILTIN_CLASSES_WEIGHTS = Path(__file__).resolve().parent / "assets" / "fairmot_builtin_classes.pth"

#: ``meta['recipe']`` of checkpoints made by the multi-class recipe (``fairmot.train.builtin_classes``).
BUILTIN_CLASSES_RECIPE = "python -m fairmot.train.builtin_classes"

#: The one warning logged whenever the built-in model is used outside ``fairmot demo``.
BUILTIN_WARNING = (
    "using the built-in model, which is trained on synthetic scenes only: on real footage it finds few "
    "people (about 3 % of the people in MOT17 frames). For real video pass FairMOT weights, e.g. "
    "--weights fairmot_dla34.pth (Python: fairmot.Tracker(\"fairmot_dla34.pth\")); see README \"Models\""
)

_quiet: contextvars.ContextVar[bool] = contextvars.ContextVar("fairmot_builtin_warning_quiet", default=False)


def default_weights() -> str:
    """Path of the built-in checkpoint; FileNotFoundError (with what to do) when it is not shipped."""
    if BUILTIN_WEIGHTS.is_file():
        return str(BUILTIN_WEIGHTS)
    raise FileNotFoundError(
        "this fairmot build ships no built-in model yet; pass a FairMOT checkpoint "
        "(e.g. --weights fairmot_dla34.pth)"
    )


def resolve_legacy_builtin(path: str | os.PathLike[str]) -> str | os.PathLike[str]:
    """``path`` itself, unless it names the built-in model's old location
    (:data:`LEGACY_BUILTIN_WEIGHTS`) and no file is there: then :data:`BUILTIN_WEIGHTS`, with a
    ``DeprecationWarning``."""
    try:
        legacy = not os.path.exists(path) and Path(path).resolve() == LEGACY_BUILTIN_WEIGHTS
    except (OSError, ValueError, TypeError):
        return path
    if not legacy:
        return path
    warnings.warn(f"{os.fspath(path)}: the built-in model moved to {BUILTIN_WEIGHTS} (fairmot.weights.default_weights() "
                  f"returns its path); the old path will stop working in a future release",
                  DeprecationWarning, stacklevel=3)
    return str(BUILTIN_WEIGHTS)


def is_builtin(source: Any = None, meta: Mapping[str, Any] | None = None) -> bool:
    """Whether a checkpoint is the built-in model: the shipped file itself (``source`` a path to it)
    or any checkpoint the built-in recipe wrote (``meta['recipe']``)."""
    if meta is not None and meta.get("recipe") in (BUILTIN_RECIPE, BUILTIN_CLASSES_RECIPE):
        return True
    if isinstance(source, (str, os.PathLike)):
        try:
            if not os.path.exists(source) and Path(source).resolve() == LEGACY_BUILTIN_WEIGHTS:
                source = BUILTIN_WEIGHTS  # the old location (loaded through resolve_legacy_builtin)
            return BUILTIN_WEIGHTS.is_file() and os.path.samefile(source, BUILTIN_WEIGHTS)
        except OSError:
            return False
    return False


def warn_builtin() -> None:
    """Log :data:`BUILTIN_WARNING` (logger ``fairmot.weights``) unless suppressed by ``fairmot demo``."""
    if not _quiet.get():
        logger.warning(BUILTIN_WARNING)


@contextlib.contextmanager
def builtin_warning_suppressed() -> Iterator[None]:
    """Within this block the built-in model is used without :func:`warn_builtin`'s warning
    (``fairmot demo``, which runs it on the synthetic scenes it is made for)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)
