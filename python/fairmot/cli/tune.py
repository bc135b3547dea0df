"""``fairmot tune``: search the association parameters on cached detections (:mod:`fairmot.tuning`)."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import _positive_int

_PERCENT = ("HOTA", "DetA", "AssA", "MOTA", "IDF1")


def _format_params(params: dict[str, Any]) -> str:
    parts = []
    for k, v in params.items():
        parts.append(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}")
    return " ".join(parts)


def _as_flags(params: dict[str, Any]) -> str:
    """The settings as ``fairmot track`` options."""
    return " ".join(f"--{k.replace('_', '-')} {v:.4g}" if isinstance(v, float) else f"--{k.replace('_', '-')} {v}"
                    for k, v in params.items())


def _cmd_tune(args: argparse.Namespace) -> int:
    from ..tuning import tune

    sequences = [s for item in args.sequences for s in item.split(",") if s] if args.sequences else None
    try:
        res = tune(args.detections, args.gt, trials=args.trials, metric=args.metric, jobs=args.jobs, seed=args.seed,
                   sequences=sequences, benchmark=args.benchmark, output=args.output, progress=not args.quiet)
    except ImportError as exc:
        print(f"fairmot: error: {exc}", file=sys.stderr)
        return 1
    print(f"sequences         {len(res.sequences)} ({', '.join(res.sequences)})")
    print(f"trials            {len(res.trials)} in {res.seconds:.1f} s ({res.trials_per_minute:.0f} trials/min)")
    header = f"{'':18}" + "".join(f"{m:>8}" for m in (*_PERCENT, "IDSW"))
    print(header)
    for label, row in (("official defaults", res.default), (f"best ({res.metric})", res.best)):
        cells = "".join(f"{float(row[m]) * 100:8.2f}" for m in _PERCENT) + f"{int(row['IDSW']):8d}"
        print(f"{label:18}{cells}")
    print(f"best settings     {_format_params(res.best_params)}")
    print(f"as track options  {_as_flags(res.best_params)}")
    print(f"noise             {res.noise}")
    if res.csv_path is not None:
        print(f"trials csv        {res.csv_path}")
    if res.plot_path is not None:
        print(f"plot              {res.plot_path}")
    return 0


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``fairmot tune``; returns the sub-parser."""
    p = subparsers.add_parser(
        "tune", help="search the association parameters on cached detections (no network)",
        description="Search conf_thres, track_buffer, the embedding / IoU / unconfirmed match thresholds and the "
                    "association mode (default or byte) with Optuna's TPE sampler, replaying only the association "
                    "on detections saved by fairmot track --save-detections and scoring each setting with the "
                    "MOTChallenge protocol (TrackEval's numbers) against the ground truth. Trial 0 is the "
                    "official defaults. Prints the best settings next to the defaults and says whether the gain "
                    "exceeds the noise between sequences. Needs pip install 'fairmot[tune]'.")
    p.add_argument("--detections", required=True, metavar="DIR",
                   help="a detection cache, or a folder of them (one per sequence, named like the sequence)")
    p.add_argument("--gt", required=True, metavar="ROOT", help="folder with <sequence>/gt/gt.txt (and seqinfo.ini)")
    p.add_argument("--trials", type=_positive_int, default=100, help="settings to evaluate (default: %(default)s)")
    p.add_argument("--metric", default="HOTA", choices=("HOTA", "DetA", "AssA", "MOTA", "IDF1"),
                   help="COMBINED metric to maximise (default: %(default)s)")
    p.add_argument("--jobs", type=_positive_int, default=1,
                   help="worker processes replaying sequences in parallel (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="sampler seed: the same seed gives the same trials")
    p.add_argument("--sequences", nargs="+", default=None, metavar="NAME", help="sequences to use (default: all)")
    p.add_argument("--benchmark", type=str.upper, default="AUTO", choices=("AUTO", "MOT15", "MOT16", "MOT17", "MOT20"),
                   help="evaluation preprocessing, as fairmot eval (default: auto)")
    p.add_argument("--output", default=None, metavar="DIR", help="write trials.csv and trials.png here")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_tune)
    return p
