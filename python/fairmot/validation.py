"""Argument rules shared by the command line and the Python constructors.

Each :class:`Rule` checks one kind of value, the same way whether it comes from a constructor
(``JDETracker(conf_thres=...)``, ``fairmot.Tracker(...)``) or from a command-line option
(``fairmot track --conf-thres ...``), so both accept exactly the same values:

* in Python, ``RULE(value, "name")`` returns the normalised value or raises ``TypeError`` (wrong
  type: booleans are not numbers, strings are not numbers, floats are not integers) or
  ``ValueError`` (out of range, NaN / inf where meaningless), naming the argument and the value;
* on the command line, ``RULE.arg_type(parse)`` is an argparse ``type=``: it parses the text with
  ``parse`` and applies the same check, reporting ``expected <rule>, got '<text>'``.

Torch-free: the CLI imports this module when it builds its parser.
"""
from __future__ import annotations

import argparse
import math
import numbers
import os
import re
from typing import Any, Callable, Sequence

from .config import is_valid_img_size

__all__ = [
    "Rule", "INT32_MAX", "POSITIVE_INT", "TRACK_BUFFER", "SCORE_THRESHOLD", "POSITIVE_NUMBER",
    "NON_NEGATIVE_NUMBER", "IMG_SIZE", "FRAME_SIZE", "DTYPE", "DTYPES", "ASSOCIATION", "DEVICE", "ARCH",
    "parse_wxh", "check_optional", "REID_BUFFER", "GMC_METHODS", "GMC_METHOD", "check_class_names",
]

#: Largest value of a C ``int`` (the C++ tracker's frame counts).
INT32_MAX = 2 ** 31 - 1


class _Invalid(Exception):
    """Raised by a rule's check; carries the exception type to report (TypeError or ValueError)."""

    def __init__(self, kind: type[Exception] = ValueError) -> None:
        super().__init__()
        self.kind = kind


class Rule:
    """A named check: ``rule(value, name)`` for Python arguments, ``rule.arg_type()`` for argparse.

    Args:
        description: what a valid value is, e.g. ``"a positive integer"`` (or a callable returning it,
            evaluated only when a message is built).
        check: returns the normalised value or raises ``_Invalid`` (with ``TypeError`` for a wrong type).
    """

    def __init__(self, description: str | Callable[[], str], check: Callable[[Any], Any]) -> None:
        self._description = description
        self._check = check

    @property
    def description(self) -> str:
        d = self._description
        return d() if callable(d) else d

    def __call__(self, value: Any, name: str) -> Any:
        try:
            return self._check(value)
        except _Invalid as exc:
            if exc.kind is TypeError:
                raise TypeError(f"{name} must be {self.description}, got {type(value).__name__} {value!r}") from None
            raise ValueError(f"{name} must be {self.description}, got {value!r}") from None

    def arg_type(self, parse: Callable[[str], Any] = str) -> Callable[[str], Any]:
        """An argparse ``type=``: ``parse(text)`` then this rule; ``expected <rule>, got '<text>'`` on error."""
        def convert(text: str) -> Any:
            try:
                return self._check(parse(text))
            except (_Invalid, ValueError, TypeError):
                raise argparse.ArgumentTypeError(f"expected {self.description}, got {text!r}") from None

        convert.__name__ = getattr(parse, "__name__", "value")  # argparse names the type in some messages
        return convert


def check_optional(rule: Rule, value: Any, name: str) -> Any:
    """``None`` or a value valid under ``rule``."""
    return None if value is None else rule(value, name)


# ------------------------------------------------------------------------------ building blocks

def _is_bool(value: Any) -> bool:
    return isinstance(value, bool) or type(value).__name__ in ("bool_", "bool")  # numpy booleans too


def _integer(value: Any) -> int:
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        raise _Invalid(TypeError)
    return int(value)


def _real(value: Any) -> float:
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise _Invalid(TypeError)
    return float(value)


def _positive_int(value: Any) -> int:
    v = _integer(value)
    if v <= 0:
        raise _Invalid()
    return v


def _track_buffer(value: Any) -> int:
    v = _positive_int(value)
    if v > INT32_MAX:
        raise _Invalid()
    return v


def _frame_count(value: Any) -> int:
    v = _integer(value)
    if not 0 <= v <= INT32_MAX:
        raise _Invalid()
    return v


def _score_threshold(value: Any) -> float:
    v = _real(value)
    if not 0.0 <= v < 1.0:  # NaN fails too
        raise _Invalid()
    return v


def _positive_number(value: Any) -> float:
    v = _real(value)
    if not (v > 0.0 and math.isfinite(v)):
        raise _Invalid()
    return v


def _non_negative_number(value: Any) -> float:
    v = _real(value)
    if not (v >= 0.0 and math.isfinite(v)):
        raise _Invalid()
    return v


def _pair(value: Any) -> tuple[int, int]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) and not hasattr(value, "__array__"):
        raise _Invalid(TypeError)
    items = list(value)
    if len(items) != 2:
        raise _Invalid()
    return _integer(items[0]), _integer(items[1])


def _img_size(value: Any) -> tuple[int, int]:
    w, h = _pair(value)
    if not is_valid_img_size(w, h):
        raise _Invalid()
    return w, h


def _frame_size(value: Any) -> tuple[int, int]:
    w, h = _pair(value)
    if w <= 0 or h <= 0:
        raise _Invalid()
    return w, h


def _choice(choices: Sequence[str]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise _Invalid(TypeError)
        if value not in choices:
            raise _Invalid()
        return value

    return check


_DEVICE_RE = re.compile(r"auto|cpu|cuda(?::\d+)?")


def _device(value: Any) -> Any:
    if type(value).__module__ == "torch" and type(value).__name__ == "device":  # a torch.device
        return value
    if not isinstance(value, str):
        raise _Invalid(TypeError)
    if not _DEVICE_RE.fullmatch(value):
        raise _Invalid()
    return value


def _arch(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(TypeError)
    from .models.factory import (
        normalize_arch,  # torch: only when an architecture is given
    )

    try:
        return normalize_arch(value)
    except ValueError:
        raise _Invalid() from None


def _arch_description() -> str:
    from .models.factory import available_archs

    return "one of " + ", ".join(available_archs()) + " (or the official alias dla_34)"


def parse_wxh(text: str) -> tuple[int, int]:
    """``"WxH"`` (or ``W*H``, any case) -> (W, H) ints; ``ValueError`` otherwise."""
    parts = str(text).lower().replace("*", "x").split("x")
    if len(parts) != 2:
        raise ValueError(f"expected WIDTHxHEIGHT, got {text!r}")
    return int(parts[0]), int(parts[1])


# ------------------------------------------------------------------------------ the rules

#: ``--frames``, ``K``: integers >= 1.
POSITIVE_INT = Rule("a positive integer", _positive_int)
#: ``track_buffer`` / ``--track-buffer``: frames at 30 fps a lost track is kept.
TRACK_BUFFER = Rule(f"a positive integer (at most {INT32_MAX})", _track_buffer)
#: ``reid_buffer`` / ``--reid-buffer``: frames at 30 fps a removed track stays in the re-id gallery (0 = off).
REID_BUFFER = Rule(f"an integer in [0, {INT32_MAX}]", _frame_count)
#: ``gmc`` / ``--gmc``: the camera-motion estimator.
GMC_METHODS = ("none", "sparse", "ecc")
GMC_METHOD = Rule("one of " + ", ".join(GMC_METHODS), _choice(GMC_METHODS))
#: ``conf_thres`` / ``--conf-thres`` and the byte mode's ``low_thres``: detection scores.
SCORE_THRESHOLD = Rule("a number in [0, 1)", _score_threshold)
#: ``frame_rate`` and ``max_aspect_ratio``: finite and > 0 (a huge frame rate: lost tracks never expire).
POSITIVE_NUMBER = Rule("a finite number > 0", _positive_number)
#: ``match_thres`` and ``min_box_area``: finite and >= 0.
NON_NEGATIVE_NUMBER = Rule("a finite number >= 0", _non_negative_number)
#: Network input size ``(width, height)`` / ``--img-size WxH``.
IMG_SIZE = Rule("two positive multiples of 32, width x height (e.g. 1088x608, 864x480, 576x320)", _img_size)
#: Any frame size ``(width, height)`` / ``--frame-size WxH``.
FRAME_SIZE = Rule("two positive integers, width x height (e.g. 1920x1080)", _frame_size)
#: Network precisions.
DTYPES = ("float32", "float16", "bfloat16")
DTYPE = Rule("one of " + ", ".join(DTYPES), _choice(DTYPES))
#: ``JDETracker(association=...)``.
ASSOCIATION = Rule("'default' or 'byte'", _choice(("default", "byte")))
#: ``device`` / ``--device``: ``auto``, ``cpu``, ``cuda`` or ``cuda:N`` (or a ``torch.device``).
DEVICE = Rule("auto, cpu, cuda or cuda:N", _device)
#: ``arch`` / ``--arch``: a known architecture name, returned in canonical form.
ARCH = Rule(_arch_description, _arch)


def check_weights(value: Any, name: str = "weights") -> Any:
    """``None``, a path (``str`` / ``os.PathLike``), a ``torch.nn.Module`` or an ``OnnxModel``."""
    if value is None or isinstance(value, (str, os.PathLike)):
        return value
    mro = {(c.__module__, c.__name__) for c in type(value).__mro__}
    if ("torch.nn.modules.module", "Module") in mro or (type(value).__name__ == "OnnxModel" and callable(value)):
        return value
    raise TypeError(f"{name} must be a checkpoint path, a torch.nn.Module, an OnnxModel or None, "
                    f"got {type(value).__name__} {value!r}")


def check_class_names(names: Any, num_classes: int | None = None, source: str = "classes") -> list[str]:
    """A validated list of class names: non-empty, unique strings without commas or surrounding blanks
    (they appear in ``--classes`` lists), one per class when ``num_classes`` is given.

    Raises ``TypeError`` for something that is not a list of strings and ``ValueError`` (naming
    ``source``) for empty, duplicate or malformed names or a count other than ``num_classes``.
    """
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise TypeError(f"{source} must be a list of class names, got {type(names).__name__}")
    out: list[str] = []
    for i, n in enumerate(names):
        if not isinstance(n, str):
            raise TypeError(f"{source}[{i}] must be a string, got {type(n).__name__}")
        if not n or n.strip() != n or "," in n:
            raise ValueError(f"{source}[{i}] = {n!r}: a class name must be non-empty, without commas or "
                             "surrounding blanks")
        if n in out:
            raise ValueError(f"{source}: class name {n!r} appears twice")
        out.append(n)
    if not out:
        raise ValueError(f"{source} is empty: give at least one class name")
    if num_classes is not None and len(out) != num_classes:
        raise ValueError(f"{source} names {len(out)} classes but the network has {num_classes} heatmap channels")
    return out
