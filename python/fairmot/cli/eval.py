"""``fairmot eval``: MOT Challenge metrics of result files (:mod:`fairmot.evaluation`)."""
from __future__ import annotations

import argparse
from typing import Any

from ..evaluation.evaluator import PROTOCOLS, evaluate, format_metrics_table, write_metrics_csv


def _cmd_eval(args: argparse.Namespace) -> int:
    """``fairmot eval``: evaluate, print the table, optionally save the CSV."""
    sequences = None
    if args.sequences:
        sequences = [s for item in args.sequences for s in item.split(",") if s]
    df = evaluate(args.gt, args.results, sequences, protocol=args.protocol, all_frames=args.all_frames,
                  benchmark=args.benchmark, progress=not args.quiet, classes=args.classes)
    print(format_metrics_table(df))
    if args.output:
        print(f"metrics           {write_metrics_csv(df, args.output)}")
    return 0


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``fairmot eval`` on an argparse sub-parsers object; returns the sub-parser."""
    p = subparsers.add_parser(
        "eval", help="MOT Challenge metrics (HOTA, MOTA, IDF1, ...) of tracking results",
        description="Evaluate MOT Challenge result files against ground truth. --protocol motchallenge (default): "
                    "the leaderboard numbers, equal to TrackEval 1.3.0's MotChallenge2DBox with HOTA, CLEAR and "
                    "Identity (distractor classes removed by matching, zero-marked gt ignored, every frame of "
                    "each sequence counted; lengths from seqinfo.ini). --protocol fairmot: the official FairMOT "
                    "evaluation (motmetrics, IoU >= 0.5, MOT16/MOT17 class filtering and ignore regions; only "
                    "frames present in each result file unless --all-frames), to reproduce the paper's numbers.")
    p.add_argument("--gt", required=True, metavar="ROOT", help="folder with <sequence>/gt/gt.txt")
    p.add_argument("--results", required=True, metavar="DIR", help="folder with <sequence>.txt result files")
    p.add_argument("--protocol", choices=PROTOCOLS, default="motchallenge",
                   help="motchallenge: TrackEval's leaderboard numbers; fairmot: the official FairMOT "
                        "evaluation (default: %(default)s)")
    p.add_argument("--benchmark", type=str.upper, default="AUTO", choices=("AUTO", "MOT15", "MOT16", "MOT17", "MOT20"),
                   help="motchallenge protocol: which benchmark's preprocessing (MOT15: none; MOT20: also "
                        "removes boxes on non-motorised vehicles); auto: from the folder and sequence names, "
                        "else MOT17 (also right for DanceTrack) (default: auto)")
    p.add_argument("--output", default=None, metavar="CSV",
                   help="save the metrics as CSV (one row per sequence plus COMBINED / OVERALL; ratios as "
                        "fractions)")
    p.add_argument("--sequences", nargs="+", default=None, metavar="NAME",
                   help="sequences to evaluate (default: every sequence under --gt; each needs a result file)")
    p.add_argument("--all-frames", action="store_true",
                   help="fairmot protocol: also evaluate ground-truth frames the tracker wrote nothing for")
    p.add_argument("--classes", default="auto", metavar="auto|none|NAMES",
                   help="per-class evaluation (motchallenge protocol): auto: when the sequences' seqinfo.ini "
                        "name their classes (classes=..., as fairmot synth --classes writes); NAMES: the class "
                        "names of the 1-based ids in column 8 of gt and results, e.g. person,cyclist,car; none: "
                        "single-class. Prints each class, the class average (cls_comb_cls_av) and the pooled "
                        "detections (cls_comb_det_av) (default: auto)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_eval)
    return p
