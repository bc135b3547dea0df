"""Tuning throughput: one network pass saved as a detection cache vs Optuna trials replaying it.

Renders demo sequence(s) (the ``fairmot demo`` scenes), tracks them once with the built-in model while
saving detections (``fairmot track --save-detections``), then runs ``fairmot tune`` for N trials and
prints the seconds of the network pass, the seconds per trial and trials per minute.

    python benchmarks/bench_tune.py --frames 150 --trials 100
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--sequences", type=int, default=1)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()

    from fairmot import cli
    from fairmot.data.synthetic import write_sequence
    from fairmot.demo import DEMO_SEED_BASE, demo_sequence_config
    from fairmot.tuning import tune

    root = Path(tempfile.mkdtemp(prefix="bench-tune-"))
    network_s = 0.0
    for k in range(args.sequences):
        name = f"SYN-DEMO-{k:02d}"
        write_sequence(root / "gt" / name, demo_sequence_config(k, args.frames), seed=DEMO_SEED_BASE + k, progress=False)
        t0 = time.perf_counter()
        assert cli.main(["track", str(root / "gt" / name), "--device", "cpu", "-q", "--output-txt",
                         str(root / f"{name}.txt"), "--save-detections", str(root / "det" / name)]) == 0
        network_s += time.perf_counter() - t0
    res = tune(root / "det", root / "gt", trials=args.trials, jobs=args.jobs, seed=0)
    frames = args.frames * args.sequences
    print("\n| what | value |\n|---|---|")
    print(f"| frames (sequences) | {frames} ({args.sequences}) |")
    print(f"| network pass with --save-detections (built-in model, CPU) | {network_s:.1f} s |")
    print(f"| {args.trials} tuning trials (replay + MOTChallenge evaluation) | {res.seconds:.1f} s |")
    print(f"| seconds per trial / per network pass | {res.seconds / args.trials:.3f} / {network_s:.1f} "
          f"(one pass = {network_s / (res.seconds / args.trials):.0f} trials) |")
    print(f"| trials per minute | {res.trials_per_minute:.0f} |")
    print(f"| HOTA defaults -> best | {res.default['HOTA'] * 100:.2f} -> {res.best['HOTA'] * 100:.2f} |")
    print(f"| noise | {res.noise} |")


if __name__ == "__main__":
    main()
