"""``fairmot demo``: the whole system on held-out synthetic crowds with the built-in model (:mod:`fairmot.demo`)."""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from ..demo import run_demo
from ..evaluation.evaluator import format_metrics_table
from .common import add_model_options


def cmd_demo(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    metrics = run_demo(args.output, frames=args.frames, sequences=args.sequences, seed=args.seed,
                       weights=args.weights, device=args.device, video=not args.no_video, progress=not args.quiet,
                       classes=args.classes)
    out = Path(args.output)
    print(format_metrics_table(metrics))
    print(f"outputs      {out.resolve()}  (metrics.csv, results/, sequences/{'' if args.no_video else ', *.mp4'})")
    print(f"time         {time.perf_counter() - t0:.1f} s")
    return 0


def add_demo_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``fairmot demo``."""
    p.add_argument("--output", default="fairmot-demo", help="output folder (default: %(default)s)")
    p.add_argument("--frames", type=int, default=300, help="frames per sequence (default: %(default)s)")
    p.add_argument("--sequences", type=int, default=1, help="number of sequences (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="which held-out scenes (default: %(default)s)")
    add_model_options(p, ("weights", "device"),
                      help_overrides={"weights": "checkpoint to use instead of the built-in model"})
    p.add_argument("--no-video", action="store_true", help="do not write the annotated video")
    p.add_argument("--classes", action="store_true",
                   help="multi-class scenes (people, cyclists, cars) tracked by the built-in multi-class model; "
                        "metrics per class and averaged over the classes")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_demo)


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``fairmot demo``; returns the sub-parser."""
    p = subparsers.add_parser(
        "demo", help="render held-out synthetic crowds, track them with the built-in model, report MOT metrics",
        description="The whole system with no downloads: renders held-out synthetic sequences, tracks them with the "
                    "built-in model, writes an annotated video, MOT result files and metrics.csv, prints the metrics.")
    add_demo_arguments(p)
    return p
