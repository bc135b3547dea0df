"""``--classes`` and ``--class-column`` of ``fairmot track`` (multi-class networks, docs/multiclass.md)."""
from __future__ import annotations

import argparse
from typing import Any, Sequence

__all__ = ["add_class_options", "class_run_options"]


def add_class_options(parser: argparse.ArgumentParser) -> None:
    """Add the class options to a ``fairmot track`` parser."""
    group = parser.add_argument_group("classes (multi-class networks)")
    group.add_argument("--classes", default=None, metavar="LIST",
                       help="report only tracks of these classes: comma-separated names (as the checkpoint "
                            "records them) or indices, e.g. person,car or 0,2; applied after the association, "
                            "so track ids are those of an unfiltered run (default: every class)")
    group.add_argument("--class-column", action="store_true",
                       help="write the class in column 8 of the result file (1-based: network class c -> c+1) "
                            "even for a single-class network; multi-class networks always write it")


def class_run_options(args: argparse.Namespace, num_classes: int, class_names: Sequence[str] | None
                      ) -> dict[str, Any]:
    """``classes``, ``class_column`` and ``class_names`` keyword arguments of
    :class:`fairmot.tracker.TrackingRun` for a network of ``num_classes`` classes.

    Raises ValueError (naming ``--classes``) for a selection that names no class of the network."""
    from ..models.classes import class_labels, parse_class_selection

    classes = None
    if getattr(args, "classes", None) is not None:
        classes = parse_class_selection(args.classes, num_classes, class_names, what="--classes")
    multi = num_classes > 1
    return {"classes": classes, "class_column": multi or bool(getattr(args, "class_column", False)),
            "class_names": class_labels(num_classes, class_names) if multi else None}
