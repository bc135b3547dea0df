"""Tracking throughput on a shared CPU: idle versus one competing busy process.

Each configuration runs ``fairmot bench`` (built-in model, synthetic 1920x1080 frames, end-to-end
``Tracker.update`` calls) in a fresh process, so that OpenMP settings read at library load take
effect; with ``--competitor`` a second process spins on one core for the whole run (the situation
of a tracker sharing a machine with a video decoder, a web server or another tracker). Runs are
interleaved (idle, busy, idle, busy, ...) and repeated; the table reports the median frames/s and
busy/idle ratios.

    python benchmarks/bench_threads.py --repeats 3 --frames 40
    python benchmarks/bench_threads.py --config "before:FAIRMOT_THREADS=off,OMP_WAIT_POLICY=" --config after:

Configurations are ``name:VAR=value,VAR=value`` environment overrides (an empty value unsets the
variable). The defaults compare the state before the thread policy (torch's defaults: one thread
per logical core, OpenMP active waiting) with the policy (``fairmot``'s defaults).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CONFIGS = [
    "before (torch defaults):FAIRMOT_THREADS=off",
    "after (fairmot policy):",
    "1 thread:FAIRMOT_THREADS=1",
]


def _env_for(spec: str) -> tuple[str, dict[str, str | None]]:
    name, _, assigns = spec.partition(":")
    env: dict[str, str | None] = {}
    for item in filter(None, assigns.split(",")):
        key, _, value = item.partition("=")
        env[key.strip()] = value if value != "" else None
    return name, env


def _run_bench(env_over: dict[str, str | None], frames: int, warmup: int, img_size: str | None) -> float:
    env = dict(os.environ)
    for key in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS", "FAIRMOT_THREADS"):
        env.pop(key, None)
    for key, value in env_over.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.json"
        cmd = [sys.executable, "-m", "fairmot", "bench", "--frames", str(frames), "--warmup", str(warmup),
               "--device", "cpu", "--json", str(out)]
        if img_size:
            cmd += ["--img-size", img_size]
        subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
        data = json.loads(out.read_text())
    times = data["end_to_end_ms"] if "end_to_end_ms" in data else data["end_to_end"]
    return 1000.0 / statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", action="append", default=None, help="name:VAR=value,... (repeatable)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--frames", type=int, default=40)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--img-size", default=None, help="network input WxH (default: the model's)")
    args = p.parse_args(argv)
    configs = [_env_for(c) for c in (args.config or DEFAULT_CONFIGS)]
    results: dict[tuple[str, str], list[float]] = {}
    for rep in range(args.repeats):
        for name, env in configs:
            for load in ("idle", "busy"):
                competitor = None
                if load == "busy":
                    competitor = subprocess.Popen([sys.executable, "-c", "while True: pass"])
                    time.sleep(0.5)
                try:
                    fps = _run_bench(env, args.frames, args.warmup, args.img_size)
                finally:
                    if competitor is not None:
                        competitor.kill()
                        competitor.wait()
                results.setdefault((name, load), []).append(fps)
                print(f"[{rep + 1}/{args.repeats}] {name:<28} {load:<5} {fps:8.2f} frames/s", file=sys.stderr)
    print(f"cores: {os.cpu_count()}; median of {args.repeats} interleaved runs, {args.frames} frames each\n")
    print("| configuration | idle frames/s | busy frames/s | busy / idle |")
    print("|---|---:|---:|---:|")
    for name, _ in configs:
        idle = statistics.median(results[(name, "idle")])
        busy = statistics.median(results[(name, "busy")])
        print(f"| {name} | {idle:.2f} | {busy:.2f} | {busy / idle:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
