"""Command-line interface: ``fairmot <command> ...``."""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

logger = logging.getLogger("fairmot")


def _cmd_demo(args: argparse.Namespace) -> int:
    """Track a built-in synthetic scene and report what happened."""
    import numpy as np

    from .data.synthetic_detections import StreamConfig, make_detection_stream
    from .tracking import JDETracker

    try:
        from tqdm import tqdm
    except ImportError:  # progress bars are optional
        def tqdm(it, **_):
            return it

    cfg = StreamConfig(n_frames=args.frames, n_people=args.people)
    frames = make_detection_stream(args.seed, cfg)
    tracker = JDETracker(conf_thres=args.conf_thres)
    out_dir = Path(args.output)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    # identity purity: for each output id, the share of its boxes that belong to its majority person
    votes: dict[int, dict[int, int]] = {}
    elapsed = 0.0
    n_dets = 0
    for t, (boxes, scores, emb, gt) in enumerate(tqdm(frames, desc="tracking", unit="frame"), start=1):
        t0 = time.perf_counter()
        res = tracker.update(boxes, scores, emb)
        elapsed += time.perf_counter() - t0
        n_dets += len(boxes)
        for k in range(len(res)):
            x, y, w, h = res.tlwh[k]
            lines.append(f"{t},{res.ids[k]},{x:.2f},{y:.2f},{w:.2f},{h:.2f},1,-1,-1,-1")
            person = int(gt[res.det_index[k]])
            counts = votes.setdefault(int(res.ids[k]), {})
            counts[person] = counts.get(person, 0) + 1
    (out_dir / "results.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
    total = sum(sum(c.values()) for c in votes.values())
    pure = sum(max(c.values()) for c in votes.values())
    people = len({int(p) for f in frames for p in f[3] if p >= 0})
    print(f"frames            {len(frames)}")
    print(f"detections        {n_dets}")
    print(f"people in scene   {people}")
    print(f"track ids output  {len(votes)}")
    print(f"id purity         {pure / max(total, 1):.4f}  (share of output boxes carrying their id's majority person)")
    print(f"association time  {1e6 * elapsed / len(frames):.1f} us / frame")
    print(f"results           {out_dir / 'results.txt'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="fairmot", description="FairMOT multi-object tracking")
    parser.add_argument("--version", action="version", version=f"fairmot {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="track a built-in synthetic scene (no downloads)")
    demo.add_argument("--output", default="fairmot-demo", help="output folder (default: %(default)s)")
    demo.add_argument("--frames", type=int, default=600)
    demo.add_argument("--people", type=int, default=25)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--conf-thres", type=float, default=0.4)
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args))
    except (ValueError, TypeError, OSError) as exc:
        print(f"fairmot: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
