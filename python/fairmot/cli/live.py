"""The live-source options of ``fairmot track`` (``--reconnect-max-wait``, ``--give-up-after``)."""
from __future__ import annotations

import argparse
from typing import Any

from ..validation import POSITIVE_NUMBER

__all__ = ["add_live_options", "live_options_from_args"]


def add_live_options(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """Add the live-source option group to ``parser``; returns the group."""
    group = parser.add_argument_group(
        "live sources", "stream URLs (rtsp://, http(s)://, udp://, ...) and cameras are read on a background "
                        "thread that keeps only the newest frame: frames the tracker cannot keep up with are "
                        "dropped (counted in the progress line); a dropped stream is reconnected with "
                        "exponential backoff")
    seconds = POSITIVE_NUMBER.arg_type(float)
    group.add_argument("--reconnect-max-wait", type=seconds, default=8.0, metavar="S",
                       help="longest wait between reconnection attempts, seconds (default: %(default)s)")
    group.add_argument("--give-up-after", type=seconds, default=30.0, metavar="S",
                       help="end the run when a dropped stream gives no frame for this long, seconds "
                            "(default: %(default)s)")
    return group


def live_options_from_args(args: argparse.Namespace, source: Any) -> dict:
    """``open_source`` keyword arguments for ``source``: the live options for cameras / stream URLs."""
    from ..io.sources import _is_stream_url

    text = str(source)
    if text.isdigit() or _is_stream_url(text):
        return {"max_backoff": args.reconnect_max_wait, "give_up_after": args.give_up_after}
    return {}
