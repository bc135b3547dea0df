"""Frames per second for S streams: one ``fairmot.MultiStreamTracker`` (one batched network call per
step) vs the same S streams through S separate ``fairmot.Tracker`` objects (S network calls per step).

Both sides share one network (the same weights object), see the same pre-rendered synthetic frames
(``fairmot.data.synthetic``, 640x360, a different scene per stream) and do the whole per-frame work:
letterbox, network, decoding, association, output filter. Rounds alternate between the two sides
(batched, separate, batched, ...) so that load changes on a shared machine hit both; the table gives
the best round of each and their ratio.

    python benchmarks/bench_streams.py                                   # built-in model, 320x192, CPU
    python benchmarks/bench_streams.py --arch dla34 --img-size 1088x608 --frames 2 --rounds 2
    python benchmarks/bench_streams.py --arch dla34 --img-size 1088x608 --device cuda --dtype float16 --streams 1,4,16

``--arch dla34`` uses random weights (timing only: the heads' default biases give few detections, so
association is nearly free; the network dominates).
"""
from __future__ import annotations

import argparse
import itertools
import platform
import time

import numpy as np


def _frames(streams: int, n: int, size: tuple[int, int]) -> list[list[np.ndarray]]:
    from fairmot.data.synthetic import SceneConfig, render_sequence

    cfg = SceneConfig(width=size[0], height=size[1], n_frames=n + 1)
    return [[f for f, _ in itertools.islice(render_sequence(cfg, seed=900 + s), n + 1)] for s in range(streams)]


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def run(args: argparse.Namespace) -> list[dict]:
    import torch

    import fairmot

    if args.arch == "builtin":
        from fairmot.weights import default_weights

        model = fairmot.load_model(default_weights())
    else:
        torch.manual_seed(0)
        model = fairmot.build_model(args.arch)
    kw = dict(img_size=args.img_size, device=args.device, dtype=args.dtype)
    rows = []
    for s in args.streams:
        frames = _frames(s, args.frames, (640, 360))
        mt = fairmot.MultiStreamTracker(model, streams=s, **kw)
        separate = [fairmot.Tracker(model, **kw) for _ in range(s)]
        mt.update([f[0] for f in frames])  # warm-up (allocations, kernel selection)
        for t, f in zip(separate, frames):
            t.update(f[0])
        best = {"batched": float("inf"), "separate": float("inf")}
        for _ in range(args.rounds):
            for side in ("batched", "separate"):
                _sync(args.device)
                t0 = time.perf_counter()
                for k in range(1, args.frames + 1):
                    if side == "batched":
                        mt.update([f[k] for f in frames])
                    else:
                        for t, f in zip(separate, frames):
                            t.update(f[k])
                _sync(args.device)
                best[side] = min(best[side], time.perf_counter() - t0)
        n = s * args.frames
        row = {"streams": s, "batched_fps": n / best["batched"], "separate_fps": n / best["separate"]}
        row["ratio"] = row["batched_fps"] / row["separate_fps"]
        rows.append(row)
        print(f"{s:>3} streams: batched {row['batched_fps']:8.2f} frames/s, separate {row['separate_fps']:8.2f} "
              f"frames/s, batched / separate {row['ratio']:.2f}x", flush=True)
    return rows


def main() -> None:
    from fairmot.validation import parse_wxh

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--arch", default="builtin", help="'builtin' (the packaged model) or an arch name (random weights)")
    p.add_argument("--img-size", type=parse_wxh, default=None, help="network input WxH (default: 320x192 for the "
                   "built-in model, else 1088x608)")
    p.add_argument("--streams", default="1,4,8", help="comma-separated stream counts (default: %(default)s)")
    p.add_argument("--frames", type=int, default=10, help="timed steps per round (default: %(default)s)")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds per side (default: %(default)s)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float32")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: fairmot's policy)")
    args = p.parse_args()
    args.streams = [int(v) for v in args.streams.split(",")]
    if args.img_size is None:
        args.img_size = (320, 192) if args.arch == "builtin" else (1088, 608)
    from fairmot.threads import apply_thread_policy

    policy = apply_thread_policy(args.threads)
    import torch

    print(f"# {args.arch} {args.img_size[0]}x{args.img_size[1]} {args.device} {args.dtype}, {policy.threads} "
          f"threads, {platform.processor() or platform.machine()}, torch {torch.__version__}, {args.frames} steps x "
          f"{args.rounds} rounds (best)")
    rows = run(args)
    print("\n| streams | batched (frames/s) | separate Trackers (frames/s) | batched / separate |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r['streams']} | {r['batched_fps']:.2f} | {r['separate_fps']:.2f} | {r['ratio']:.2f}x |")


if __name__ == "__main__":
    main()
