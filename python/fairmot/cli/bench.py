"""``fairmot bench``: per-frame latency split by stage (:mod:`fairmot.bench`)."""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from .._io import atomic_open
from ..bench import run_bench
from .common import _positive_int, add_model_options, parse_frame_size


def register(subparsers: Any) -> None:
    """Register ``fairmot bench`` on the CLI's sub-parsers."""
    p = subparsers.add_parser(
        "bench", help="per-frame latency of the tracker on this machine, split by stage",
        description="Time the tracker frame by frame (pre-processing, network, decoding, association; then plain "
                    "Tracker.update calls end to end) on synthetic 1920x1080 street scenes or the first frames of a "
                    "video, and print a table.")
    add_model_options(p)
    p.add_argument("--frames", type=_positive_int, default=100, help="timed frames (default: %(default)s)")
    p.add_argument("--warmup", type=int, default=10, help="untimed frames first (default: %(default)s)")
    p.add_argument("--source", default=None, help="take frames from this video / image folder instead")
    p.add_argument("--frame-size", type=parse_frame_size, default=(1920, 1080), metavar="WxH",
                   help="size of the synthetic frames (default: 1920x1080)")
    p.add_argument("--json", default=None, metavar="PATH", help="also write the setup and all times as JSON")
    p.set_defaults(func=_cmd_bench)


def _cmd_bench(args: argparse.Namespace) -> int:
    result = run_bench(weights=args.weights, arch=args.arch, img_size=args.img_size, device=args.device,
                       dtype=args.dtype, n_frames=args.frames, warmup=args.warmup, source=args.source,
                       frame_size=args.frame_size)
    s = result.setup
    print(f"fairmot {s['fairmot']}, torch {s['torch']}, {s['device']}, {s['dtype']}, weights {s['weights']}")
    print(f"network input {s['img_size'][0]}x{s['img_size'][1]}, frames {s['frame_size'][0]}x{s['frame_size'][1]} "
          f"({s['source']}), {s['frames']} timed after {s['warmup']} warm-up")
    print(result.table())
    if args.json:
        with atomic_open(args.json) as fh:
            json.dump({**asdict(result), "summary": result.summary(), "fps": result.fps()}, fh, indent=1)
        print(f"written to {args.json}")
    return 0
