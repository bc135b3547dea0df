"""Object classes of a FairMOT network (issue 17, MC-FairMOT design).

A network with ``C`` classes has ``C`` heatmap channels (``hm`` head) and shared box, offset and
identity heads. Its number of classes is therefore the ``hm`` head's output channel count, read
from the network or a checkpoint; class names are optional and recorded in a checkpoint's
``meta['classes']`` (a list of ``C`` strings) by ``fairmot train`` when the data config names them.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..validation import check_class_names  # noqa: F401  (re-exported: the class-name rule lives there)

__all__ = ["check_class_names", "num_classes_of", "class_names_of", "check_num_classes", "parse_class_selection",
           "class_labels"]


def check_num_classes(num_classes: Any, name: str = "num_classes") -> int:
    """``num_classes`` as an int >= 1; ``TypeError`` (not an int) / ``ValueError`` (< 1) naming ``name``."""
    if isinstance(num_classes, bool) or not isinstance(num_classes, int):
        raise TypeError(f"{name} must be an int, got {type(num_classes).__name__}")
    if num_classes < 1:
        raise ValueError(f"{name} must be >= 1, got {num_classes}")
    return int(num_classes)


def num_classes_of(model: Any) -> int:
    """Number of classes of a network (torch module with an ``hm`` head, or a backend with a
    ``heads`` dict): the heatmap head's output channels (1 when it cannot be told)."""
    heads = getattr(model, "heads", None)
    if isinstance(heads, dict) and isinstance(heads.get("hm"), int) and heads["hm"] > 0:
        return int(heads["hm"])
    head = getattr(model, "hm", None)
    if head is not None:
        last = head[-1] if hasattr(head, "__getitem__") else head
        ch = getattr(last, "out_channels", None)
        if isinstance(ch, int) and ch > 0:
            return ch
    return 1


def class_names_of(model: Any) -> list[str] | None:
    """Class names of a network: ``model.class_names`` (set by :func:`fairmot.models.load_model` from a
    checkpoint's ``meta['classes']``, or by :class:`fairmot.detection.onnx_runtime.OnnxModel` from the
    file's metadata), else ``checkpoint_meta['classes']``; None when it has none."""
    names = getattr(model, "class_names", None)
    if names is None:
        names = (getattr(model, "checkpoint_meta", None) or {}).get("classes")
    return None if names is None else list(names)


def parse_class_selection(spec: Any, num_classes: int, class_names: Sequence[str] | None = None,
                          what: str = "classes") -> list[int]:
    """The class indices a selection names, sorted and unique.

    ``spec`` is a comma-separated string (``"person,car"``, ``"0,2"``, mixed) or a sequence of names
    / ints. A name must be one of ``class_names``; an index must be in ``[0, num_classes)`` (a
    name that is also a number is read as a name first). Raises ``ValueError`` naming ``what`` and
    listing the valid names / indices for anything else (an empty selection included), ``TypeError``
    for a spec that is neither a string nor a sequence.
    """
    if isinstance(spec, str):
        items: list[Any] = [p.strip() for p in spec.split(",")]
    elif isinstance(spec, Sequence):
        items = list(spec)
    else:
        raise TypeError(f"{what} must be a comma-separated string or a list, got {type(spec).__name__}")
    names = list(class_names) if class_names is not None else []
    valid = ", ".join(f"{i} ({names[i]})" if i < len(names) else str(i) for i in range(num_classes))
    out: set[int] = set()
    for item in items:
        if isinstance(item, str) and item in names:
            out.add(names.index(item))
            continue
        index: int | None = None
        if isinstance(item, int) and not isinstance(item, bool):
            index = item
        elif isinstance(item, str) and item.isascii() and item.isdigit():
            index = int(item)
        if index is None or not 0 <= index < num_classes:
            raise ValueError(f"{what}: {item!r} is not a class of this network; valid: {valid}")
        out.add(index)
    if not out:
        raise ValueError(f"{what}: empty selection; valid: {valid}")
    return sorted(out)


def class_labels(num_classes: int, class_names: Sequence[str] | None = None) -> list[str]:
    """Display names of classes ``0 .. num_classes - 1``: the given names, else the indices as text."""
    names = list(class_names) if class_names is not None else []
    return [names[i] if i < len(names) else str(i) for i in range(num_classes)]
