"""``--classes`` and ``--class-column`` of ``fairmot track`` (multi-class networks, docs/multiclass.md)."""
from __future__ import annotations

import argparse
from typing import Any, Sequence

__all__ = ["add_class_options", "class_run_options", "output_filter_kwargs"]


def _bound(kind: str):
    """argparse type of an output-filter bound: ``none`` (no bound) or a finite number (> 0 for the
    aspect ratio, >= 0 for the area)."""
    from ..validation import NON_NEGATIVE_NUMBER, POSITIVE_NUMBER

    rule = POSITIVE_NUMBER if kind == "ratio" else NON_NEGATIVE_NUMBER
    parse_number = rule.arg_type(float)

    def parse(text: str) -> Any:
        return "none" if str(text).strip().lower() == "none" else parse_number(text)

    return parse


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
    group.add_argument("--max-aspect-ratio", type=_bound("ratio"), default=None, metavar="R|none",
                       help="output filter: drop tracks with w / h > R (official 1.6, a standing-person rule that "
                            "also drops wide classes such as cars: 'none' keeps every shape)")
    group.add_argument("--min-box-area", type=_bound("area"), default=None, metavar="A|none",
                       help="output filter: keep tracks with w * h > A pixels (official 100; 'none': no bound)")


def output_filter_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """``max_aspect_ratio`` / ``min_box_area`` keyword arguments (of :class:`fairmot.Tracker` and
    :func:`fairmot.tracking.replay`) given on the command line: only those given; None disables."""
    out: dict[str, Any] = {}
    for key in ("max_aspect_ratio", "min_box_area"):
        value = getattr(args, key, None)
        if value is not None:
            out[key] = None if value == "none" else value
    return out


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
