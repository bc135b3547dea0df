"""The counting options of ``fairmot track`` (``--count-line``, ``--zone``, ``--count-min-frames``,
``--counts-csv``) and the :class:`fairmot.counting.CountingSet` they describe."""
from __future__ import annotations

import argparse
from typing import Any, Callable

from ..counting import DEFAULT_MIN_FRAMES, CountingSet, parse_line, parse_polygon
from ..validation import POSITIVE_INT

#: ``--counts-csv`` when not given.
COUNTS_CSV_DEFAULT = "counts.csv"

__all__ = ["COUNTS_CSV_DEFAULT", "add_counting_options", "counting_from_args", "print_counts"]


def _checked(parse: Callable[[str, str], object], option: str) -> Callable[[str], str]:
    """An argparse ``type`` that checks a value with ``parse(text, option)`` and keeps the text."""
    def check(text: str) -> str:
        try:
            parse(text, option)
        except (TypeError, ValueError) as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return text
    return check


_line = _checked(parse_line, "--count-line")
_zone = _checked(parse_polygon, "--zone")


def add_counting_options(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """Add the counting option group to ``parser``; returns the group."""
    group = parser.add_argument_group(
        "counting", "count tracks (anchor: the bottom-centre of each box) crossing lines and inside zones; see "
                    "docs/counting.md")
    group.add_argument("--count-line", action="append", type=_line, default=[], metavar="X1,Y1,X2,Y2",
                       help="a directed line segment in frame pixels; crossings to its positive side (below a line "
                            "drawn left to right) count as 'in', the others as 'out' (repeatable)")
    group.add_argument("--zone", action="append", type=_zone, default=[], metavar="X1,Y1,X2,Y2,X3,Y3,...",
                       help="a polygon in frame pixels: current occupancy and unique entries (repeatable)")
    group.add_argument("--count-min-frames", type=POSITIVE_INT.arg_type(int), default=DEFAULT_MIN_FRAMES,
                       metavar="N", help="frames a track must stay on the new side before it counts, so a "
                                         "one-frame flicker never counts (default: %(default)s)")
    group.add_argument("--counts-csv", default=COUNTS_CSV_DEFAULT, metavar="PATH",
                       help="per-frame counts when --count-line / --zone is given (default: %(default)s; with "
                            "several sources: DIR/<NNN>_<name>_counts.csv of --output-dir)")
    return group


def counting_from_args(args: argparse.Namespace, csv_path: str | None = None) -> CountingSet | None:
    """A new :class:`CountingSet` of the parsed options writing ``csv_path`` (default ``args.counts_csv``);
    None without lines / zones. Each call gives independent counters (one per source in many-sources mode)."""
    if not args.count_line and not args.zone:
        return None
    return CountingSet(args.count_line, args.zone, min_frames=args.count_min_frames,
                       csv_path=args.counts_csv if csv_path is None else csv_path)


def print_counts(counting: Any) -> None:
    """The final counts, one line per counter (the CLI summary)."""
    for c in counting.lines:
        print(f"{c.name + ' in/out':<18}{c.in_count} / {c.out_count}")
    for z in counting.zones:
        print(f"{z.name + ' now/total':<18}{z.occupancy} / {z.total}")
    print(f"counts            {counting.csv_path}")
