#!/usr/bin/env python
"""Side-by-side timings of the fairmot tracker core against its peers, in one process.

    /work/venv/bin/python benchmarks/report.py            # full run (~1-2 min on 2 cores)
    /work/venv/bin/python benchmarks/report.py --quick    # smoke run (< 30 s)

Prints a Markdown report and writes it into ``benchmarks/RESULTS.md`` (``--out`` to change), replacing only\nits own block between two markers (``results_file.py``): the hand-recorded sections below are kept.
Timing is ``timeit``-style: every callable is calibrated to a number of calls per sample, the
contenders of a case are sampled round-robin (so a load spike on the shared machine hits them
alike), and the minimum over the repeats is reported.  Tracker streams are timed per frame:
each frame's time is the minimum over the repeats (the tracker is deterministic, so frame j does
the same work in every repeat) and the mean over the measured frames is reported.

Ratios are peer time / our time: > 1 means fairmot is faster.
The workloads are the ones of the pytest-benchmark suites (``bench_*.py`` in this folder).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import math
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
# benchmarks/ first: its conftest.py (machine facts, 1-thread BLAS) must win over tests/conftest.py
for _p in (str(REPO_ROOT / "tests"), str(BENCH_DIR)):
    if _p in sys.path:
        sys.path.remove(_p)
    sys.path.insert(0, _p)

import numpy as np  # noqa: E402

import bench_kalman as bk  # noqa: E402
import bench_lapjv as bl  # noqa: E402
import bench_tracker as bt  # noqa: E402
from conftest import cpu_model, library_versions, usable_cores  # noqa: E402  (also: 1-thread BLAS)
from results_file import merge_generated  # noqa: E402

clock = time.perf_counter


# ============================================================================ timing helpers
def _sample(fn, number: int) -> float:
    enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = clock()
        for _ in range(number):
            fn()
        return clock() - t0
    finally:
        if enabled:
            gc.enable()


def _calibrate(fn, target: float) -> int:
    """Calls per sample so that one sample lasts at least ``target`` seconds (the calibration
    calls double as warm-up)."""
    number = 1
    while True:
        t = _sample(fn, number)
        if t >= target or number >= 1 << 20:
            return number
        number = min(1 << 20, max(2 * number, int(math.ceil(number * target / max(t, 1e-9) * 1.1))))


def compare(fns: dict, repeat: int, target: float) -> dict:
    """Min-of-``repeat`` seconds per call of each callable, sampled round-robin."""
    numbers = {k: _calibrate(f, target) for k, f in fns.items()}
    best = {k: math.inf for k in fns}
    for _ in range(repeat):
        for k, f in fns.items():
            best[k] = min(best[k], _sample(f, numbers[k]) / numbers[k])
    return best


def stream_per_frame(factories: dict, frames, warmup: int, repeats: dict) -> dict:
    """Per-frame ``update`` times of each tracker over ``frames[warmup:]``.

    Returns ``{name: array of per-frame min-over-repeats seconds}``.  Every repeat starts a
    fresh tracker and warms it up (untimed) on ``frames[:warmup]``; the trackers take turns
    repeat by repeat.
    """
    best = {k: np.full(len(frames) - warmup, np.inf) for k in factories}
    for r in range(max(repeats.values())):
        for name, factory in factories.items():
            if r >= repeats[name]:
                continue
            tracker = factory()
            for boxes, scores, emb in frames[:warmup]:
                tracker.update(boxes, scores, emb)
            update = tracker.update
            times = np.empty(len(frames) - warmup)
            enabled = gc.isenabled()
            gc.disable()
            try:
                for j, (boxes, scores, emb) in enumerate(frames[warmup:]):
                    t0 = clock()
                    update(boxes, scores, emb)
                    times[j] = clock() - t0
            finally:
                if enabled:
                    gc.enable()
            best[name] = np.minimum(best[name], times)
    return best


def fmt_time(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "n/a"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            v = seconds / scale
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    return f"{seconds / 1e-9:.0f} ns"


def fmt_ratio(r: float) -> str:
    if not math.isfinite(r):
        return "n/a"
    return f"{r:.2f}x" if r < 10 else f"{r:.1f}x" if r < 100 else f"{r:.0f}x"


def verdict(ok: bool, near: bool = False) -> str:
    return "yes" if ok else ("~ no (within 5 %)" if near else "**NO**")


def md_table(header, rows) -> list:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


# ============================================================================ sections
class Report:
    def __init__(self):
        self.lines: list = []
        self.summary: list = []  # (target, measured, verdict)

    def add(self, *lines):
        for line in lines:
            self.lines.append(line)
            print(line, flush=True)


def run_lapjv(rep: Report, cfg) -> None:
    rep.add("## 1. Dense assignment: `lapjv` vs SciPy vs `lap`", "",
            "Uniform random float64 costs in [0, 1); ours `lapjv(c, extend_cost=True)`, "
            "`scipy.optimize.linear_sum_assignment(c)`, `lap.lapjv(c, extend_cost=True)`. "
            f"Time per solve, min of {cfg.repeat} repeats, averaged over {len(cfg.seeds)} "
            "matrices (seeds " + ", ".join(map(str, cfg.seeds)) + "). "
            "Target: at least as fast as the fastest of scipy / lap at every size.", "")
    rows = []
    for shape in bl.SHAPES:
        acc = {k: [] for k in bl.SOLVERS}
        for seed in cfg.seeds:
            cost = bl.uniform_cost(shape, seed)
            fns = {k: (lambda f=f, c=cost: f(c)) for k, f in bl.SOLVERS.items()}
            for k, t in compare(fns, cfg.repeat, cfg.target).items():
                acc[k].append(t)
        t = {k: float(np.mean(v)) for k, v in acc.items()}
        fastest = min(t["scipy"], t["lap"])
        ratio = fastest / t["fairmot"]
        v = verdict(ratio >= 1.0, ratio >= 0.95)
        size = bl.shape_id(shape)
        rows.append([size, fmt_time(t["fairmot"]), fmt_time(t["scipy"]), fmt_time(t["lap"]),
                     fmt_ratio(t["scipy"] / t["fairmot"]), fmt_ratio(t["lap"] / t["fairmot"]),
                     "fastest peer / ours >= 1", v])
        rep.summary.append((f"lapjv {size}: as fast as the fastest of scipy/lap",
                            f"ours {fmt_time(t['fairmot'])}, fastest peer {fmt_time(fastest)} ({fmt_ratio(ratio)})", v))
    rep.add(*md_table(["size", "fairmot", "scipy", "lap", "scipy/ours", "lap/ours", "target", "met"], rows), "")

    rep.add("### Tracker-like assignment (FairMOT's `linear_assignment`)", "",
            "Costs in [0, 1] with 30 % +inf, `extend_cost=True, cost_limit=0.4`: ours "
            "`lapjv(...)` and `linear_assignment(c, 0.4)` vs `lap.lapjv(...)` (SciPy has no "
            "cost limit). Same target as above (lap is the only peer).", "")
    rows = []
    for n in bl.TRACKER_LIKE_SIZES:
        cost = bl.tracker_like_cost(n)
        fns = {k: (lambda f=f, c=cost: f(c)) for k, f in bl.LIMITED_SOLVERS.items()}
        t = compare(fns, cfg.repeat, cfg.target)
        ours = t["fairmot.lapjv"]
        ratio = t["lap"] / ours
        v = verdict(ratio >= 1.0, ratio >= 0.95)
        rows.append([f"{n}x{n}", fmt_time(ours), fmt_time(t["fairmot.linear_assignment"]), fmt_time(t["lap"]),
                     fmt_ratio(ratio), "lap / ours >= 1", v])
        rep.summary.append((f"linear_assignment {n}x{n} (30% inf, limit 0.4): as fast as lap",
                            f"ours {fmt_time(ours)}, lap {fmt_time(t['lap'])} ({fmt_ratio(ratio)})", v))
    rep.add(*md_table(["size", "fairmot lapjv", "fairmot linear_assignment", "lap", "lap/ours", "target", "met"],
                      rows), "")


class _CoreOnly:
    """``JDETracker`` called through the extension object directly (no Python wrapper)."""

    def __init__(self):
        self._t = bt.JDETracker()
        self.update = self._t._core.update


def run_tracker(rep: Report, cfg) -> None:
    rep.add("## 2. `JDETracker.update` per frame: fairmot (C++) vs `ReferenceJDETracker` (NumPy)", "",
            f"Warm streams: a fresh tracker is updated (untimed) on {bt.WARMUP} frames, then every "
            "following frame's `update` is timed; each frame's time is the min over the repeats "
            f"(fairmot {cfg.reps_ours}, reference {cfg.reps_ref}; reference at 500 objects "
            f"{cfg.reps_ref_500}), the table gives the mean over the measured frames. "
            "`dense-N`: `make_dense_stream(0, N)` (N objects always visible); `mot17`: "
            f"`make_stream(0, n_objects={bt.MOT17_OBJECTS})` (births, occlusions, false positives, "
            "~25 detections per frame).", "")
    rows = []
    mot17_info = None
    for case in bt.case_names():
        # the same streams as bench_tracker.py; --quick times only their first frames
        n_frames = bt.WARMUP + (cfg.mot17_frames if case == "mot17" else cfg.dense_frames)
        frames = bt.get_stream(case)[:n_frames]
        factories = {"fairmot": bt.JDETracker, "reference": bt.ReferenceJDETracker}
        repeats = {"fairmot": cfg.reps_ours, "reference": cfg.reps_ref_500 if case == "dense-500" else cfg.reps_ref}
        if case == "mot17":
            factories["core"] = _CoreOnly
            repeats["core"] = cfg.reps_ours
        per = stream_per_frame(factories, frames, bt.WARMUP, repeats)
        ours, ref = float(per["fairmot"].mean()), float(per["reference"].mean())
        ratio = ref / ours
        dets = bt.mean_detections(frames)
        if case == "mot17":
            ok_ratio, ok_abs = ratio >= 50, ours <= 50e-6
            target = "ref/ours >= 50 and ours <= ~50 us"
            v = verdict(ok_ratio and ok_abs, ok_ratio and ours <= 52.5e-6)
            rep.summary.append(("update at ~25 detections: <= 1/50 of the reference", fmt_ratio(ratio),
                                verdict(ok_ratio)))
            rep.summary.append(("update at ~25 detections: <= ~50 us per frame", fmt_time(ours),
                                verdict(ok_abs, ours <= 52.5e-6)))
            mot17_info = (frames, per)
        elif case == "dense-500":
            target = "ours < 5 ms"
            v = verdict(ours < 5e-3)
            rep.summary.append(("update at 500 objects: < 5 ms per frame", fmt_time(ours), v))
        else:
            target, v = "(info)", ""
        rows.append([case, f"{dets:.1f}", len(frames) - bt.WARMUP, fmt_time(ours),
                     fmt_time(float(np.median(per["fairmot"]))), fmt_time(ref), fmt_ratio(ratio), target, v])
    rep.add(*md_table(["stream", "detections / frame", "frames timed", "fairmot (mean)", "fairmot (median)",
                       "reference (mean)", "ref/ours", "target", "met"], rows), "")

    # ---- where the time goes at ~25 detections (Python call overhead vs C++ work)
    frames, per = mot17_info
    empty = (np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, 128), np.float32))
    tr_w, tr_c = bt.JDETracker(), bt.JDETracker()
    t = compare({"wrapper": lambda: tr_w.update(*empty), "core": lambda: tr_c._core.update(*empty)},
                cfg.repeat, cfg.target)
    full, core = float(per["fairmot"].mean()), float(per["core"].mean())
    rep.add("### Call overhead at ~25 detections (`mot17` stream)", "")
    rep.add(*md_table(["what", "time per frame", "share of `update`"], [
        ["`JDETracker.update` (Python wrapper + C++)", fmt_time(full), "100 %"],
        ["`JDETracker._core.update` (pybind11 call, no wrapper)", fmt_time(core), f"{100 * core / full:.0f} %"],
        ["Python wrapper (`TrackResult` namedtuple etc.), difference", fmt_time(max(full - core, 0.0)),
         f"{100 * max(full - core, 0.0) / full:.0f} %"],
        ["`update` of an empty frame (wrapper + binding + bookkeeping floor)", fmt_time(t["wrapper"]),
         f"{100 * t['wrapper'] / full:.0f} %"],
        ["`_core.update` of an empty frame", fmt_time(t["core"]), f"{100 * t['core'] / full:.0f} %"],
    ]), "", "Everything above the empty-frame floor is C++ work proportional to the detections "
        "and tracks (association, Kalman filter, input checks, output arrays).", "")


def run_kalman(rep: Report, cfg) -> None:
    n = bk.N_TRACKS
    rep.add(f"## 3. Kalman filter, {n} tracks: batched `fairmot.tracking.KalmanFilter` vs per-track NumPy loop", "",
            "The loop is official-style code (per track: predict with `np.dot` / `multi_dot`, update "
            "with `scipy.linalg.cho_factor` / `cho_solve`). Time per call over all tracks, min of "
            f"{cfg.repeat} repeats. Target: predict + update >= 20x faster than the loop.", "")
    means, covs, z = bk.make_tracks(n)
    rows = []
    for op, contenders in bk.CONTENDERS.items():
        kf_ours, kf_loop = bk.KalmanFilter(), bk.LoopKalman()
        fns = {"ours": lambda f=contenders["fairmot batched"]: f(kf_ours, means, covs, z),
               "loop": lambda f=contenders["numpy per-track loop"]: f(kf_loop, means, covs, z)}
        t = compare(fns, cfg.repeat, cfg.target)
        ratio = t["loop"] / t["ours"]
        if op == "predict+update":
            target, v = "loop/ours >= 20", verdict(ratio >= 20)
            rep.summary.append((f"Kalman predict+update, {n} tracks: >= 20x the per-track loop", fmt_ratio(ratio), v))
        else:
            target, v = "(info)", ""
        rows.append([op, fmt_time(t["ours"]), fmt_time(t["loop"]), fmt_ratio(ratio), target, v])
    rep.add(*md_table(["operation", "fairmot batched", "numpy per-track loop", "loop/ours", "target", "met"], rows), "")


def run_ops(rep: Report, cfg) -> None:
    """Torch operators on the CPU: fairmot vs torchvision / the official torch code."""
    try:
        import torch

        import bench_ops as bo
    except ImportError as exc:  # torch / torchvision missing
        rep.add("## 4. Torch operators", "", f"Skipped: {exc}", "")
        return
    if bo.fm_ops is None:
        rep.add("## 4. Torch operators", "", "Skipped: fairmot.ops is not built.", "")
        return
    threads = torch.get_num_threads()
    rep.add("## 4. Torch operators (CPU)", "",
            f"Modulated deformable convolution, 3x3, padding 1, with mask, batch 1, float32, {threads} torch "
            "threads: `fairmot.ops.deform_conv2d` vs `torchvision.ops.deform_conv2d`, min of repeats. "
            "Peak memory: growth of the process's peak RSS over one forward in a fresh interpreter "
            "(inputs already allocated). Decoding: `fairmot.ops.mot_decode` + `gather_embeddings` vs the "
            "official max_pool2d + topk + gather code at 152x272, K = 500.", "")
    rows = []
    shapes = ["64ch_152x272"] if cfg.quick else list(bo.DCN_SHAPES)
    repeat = 2 if cfg.quick else 3
    for name in shapes:
        C, H, W = bo.DCN_SHAPES[name]
        for mode in ("forward", "forward+backward"):
            if cfg.quick and mode != "forward":
                continue
            grad = mode != "forward"
            inputs = bo.dcn_inputs(C, H, W, requires_grad=grad)

            def run(fn, inputs=inputs, grad=grad):
                if grad:
                    out = bo._forward(fn, *inputs)
                    out.sum().backward()
                else:
                    with torch.no_grad():
                        bo._forward(fn, *inputs)

            t = compare({"ours": lambda: run(bo.dcn_fn("fairmot")), "tv": lambda: run(bo.dcn_fn("torchvision"))},
                        repeat, 0.0)
            rows.append([f"deform_conv2d {mode} {name}", fmt_time(t["ours"]), fmt_time(t["tv"]),
                         fmt_ratio(t["tv"] / t["ours"])])
            if name == "64ch_152x272" and mode == "forward":
                rep.summary.append(("deform_conv2d CPU forward 64ch 152x272: faster than torchvision",
                                    fmt_ratio(t["tv"] / t["ours"]), verdict(t["tv"] >= t["ours"])))
    # The 16 deformable convolutions of DLA-34 at a 1088x608 input: (C_in, C_out, H, W).
    layers = [(512, 256, 19, 34), (256, 256, 38, 68), (256, 128, 38, 68), (128, 128, 76, 136),
              (256, 128, 38, 68), (128, 128, 76, 136)] + [(128, 64, 76, 136), (64, 64, 152, 272)] * 3 + [
              (128, 64, 76, 136), (64, 64, 152, 272), (256, 64, 38, 68), (64, 64, 152, 272)]
    if not cfg.quick:
        g = torch.Generator().manual_seed(0)
        data = []
        for cin, cout, h, w in layers:
            data.append([torch.randn(1, cin, h, w, generator=g), torch.randn(1, 18, h, w, generator=g) * 2,
                         torch.randn(cout, cin, 3, 3, generator=g) / (cin * 9) ** 0.5, torch.zeros(cout),
                         torch.rand(1, 9, h, w, generator=g)])

        def all_layers(kind, grad=False):
            for x, off, wt, b, msk in data:
                if kind == "conv2d":
                    with torch.no_grad():
                        torch.nn.functional.conv2d(x, wt, b, padding=1)
                    continue
                fn = bo.dcn_fn(kind)
                if grad:
                    ts = [t.detach().requires_grad_(True) for t in (x, off, wt, b, msk)]
                    bo._forward(fn, *ts).sum().backward()
                else:
                    with torch.no_grad():
                        bo._forward(fn, x, off, wt, b, msk)

        t = compare({"ours": lambda: all_layers("fairmot"), "tv": lambda: all_layers("torchvision"),
                     "conv": lambda: all_layers("conv2d")}, 2, 0.0)
        rows.append(["deform_conv2d forward, 16 DLA-34 layers at 1088x608", fmt_time(t["ours"]), fmt_time(t["tv"]),
                     fmt_ratio(t["tv"] / t["ours"])])
        rows.append(["plain conv2d, same 16 shapes (reference)", fmt_time(t["conv"]), "", ""])
        rep.summary.append(("deform_conv2d CPU forward over the 16 DLA-34 layers: >= 5x faster than torchvision",
                            fmt_ratio(t["tv"] / t["ours"]), verdict(t["tv"] >= 5 * t["ours"])))
        rep.summary.append(("deform_conv2d CPU forward over the 16 layers: within 3x of plain conv2d",
                            fmt_ratio(t["ours"] / t["conv"]) + " of conv2d", verdict(t["ours"] <= 3 * t["conv"])))
        tb = compare({"ours": lambda: all_layers("fairmot", True), "tv": lambda: all_layers("torchvision", True)},
                     1, 0.0)
        rows.append(["deform_conv2d forward+backward, 16 layers", fmt_time(tb["ours"]), fmt_time(tb["tv"]),
                     fmt_ratio(tb["tv"] / tb["ours"])])
        rep.summary.append(("deform_conv2d CPU forward+backward over the 16 layers: >= 2x faster than torchvision",
                            fmt_ratio(tb["tv"] / tb["ours"]), verdict(tb["tv"] >= 2 * tb["ours"])))
    mem = {impl: bo.peak_rss_forward(impl, *bo.DCN_SHAPES["64ch_152x272"]) for impl in ("fairmot", "torchvision")}
    if all("peak_rss_growth_mib" in m for m in mem.values()):
        ours_m, tv_m = mem["fairmot"]["peak_rss_growth_mib"], mem["torchvision"]["peak_rss_growth_mib"]
        rows.append(["peak memory of one forward 64ch 152x272", f"{ours_m:.0f} MiB", f"{tv_m:.0f} MiB",
                     fmt_ratio(tv_m / max(ours_m, 1e-9))])
        rep.summary.append(("deform_conv2d forward peak memory 64ch 152x272 below torchvision's",
                            f"{ours_m:.0f} MiB vs {tv_m:.0f} MiB", verdict(ours_m < tv_m)))
    heat = bo.decode_inputs()[0]
    t = compare({"ours": lambda: bo.fm_ops.heatmap_topk(heat, 500, 3),
                 "ref": lambda: bo.official_heatmap_topk(heat, 500, 3)}, cfg.repeat, cfg.target)
    rows.append(["heatmap_topk (1,1,152,272) K=500", fmt_time(t["ours"]), fmt_time(t["ref"]),
                 fmt_ratio(t["ref"] / t["ours"])])
    rep.summary.append(("heatmap_topk CPU (1,1,152,272) K=500: >= 3x faster than max_pool2d + topk",
                        fmt_ratio(t["ref"] / t["ours"]), verdict(t["ref"] >= 3 * t["ours"])))
    args = bo.decode_inputs()
    t = compare({"ours": lambda: bo.fairmot_decode(*args), "ref": lambda: bo.official_decode(*args)},
                cfg.repeat, cfg.target)
    rows.append(["mot_decode + embeddings K=500 D=128", fmt_time(t["ours"]), fmt_time(t["ref"]),
                 fmt_ratio(t["ref"] / t["ours"])])
    rep.summary.append(("mot_decode + embeddings CPU K=500: >= 3x faster than the official torch code",
                        fmt_ratio(t["ref"] / t["ours"]), verdict(t["ref"] >= 3 * t["ours"])))
    rep.add(*md_table(["case", "fairmot", "torchvision / official torch", "ratio"], rows), "")


# ============================================================================ main
def git_state() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return f"{head}{' (with uncommitted changes)' if dirty else ''}" if head else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def header(args, quick: bool) -> list:
    import fairmot._tracker as ext

    v = library_versions()
    so = Path(ext.__file__)
    built = _dt.datetime.fromtimestamp(so.stat().st_mtime, _dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    try:
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "n/a"
    argv = " ".join(shlex.quote(a) for a in sys.argv[1:])
    command = f"{sys.executable} benchmarks/report.py{(' ' + argv) if argv else ''}"
    return [
        "# fairmot benchmark results" + (" (quick run)" if quick else ""), "",
        f"- **Date:** {_dt.datetime.now(_dt.timezone.utc).strftime('%Y-%m-%d %H:%M:%S UTC')}",
        f"- **Command:** `{command}` (run from the repository root)",
        f"- **Machine:** {cpu_model()}, {os.cpu_count()} logical cores ({usable_cores()} usable); "
        f"load average at start {load} (shared machine: timings are min of repeats)",
        f"- **Versions:** Python {v['python']}, NumPy {v['numpy']}, SciPy {v['scipy']}, lap {v['lap']}, "
        f"fairmot {v['fairmot']} (git {git_state()}; extension built {built})",
        "- **Threads:** NumPy/SciPy OpenBLAS limited to 1 thread (tiny matrices only; faster and "
        "less noisy for the peers); the fairmot core is single-threaded.",
        "- **Ratios:** peer time / fairmot time, > 1 means fairmot is faster.", "",
    ]


class Config:
    def __init__(self, quick: bool):
        self.quick = quick
        if quick:
            self.seeds, self.repeat, self.target = [0], 3, 0.004
            self.dense_frames, self.mot17_frames = 20, bt.MOT17_FRAMES - bt.WARMUP
            self.reps_ours, self.reps_ref, self.reps_ref_500 = 3, 1, 1
        else:
            self.seeds, self.repeat, self.target = list(bl.SEEDS), 7, 0.02
            self.dense_frames, self.mot17_frames = bt.N_FRAMES - bt.WARMUP, bt.MOT17_FRAMES - bt.WARMUP
            self.reps_ours, self.reps_ref, self.reps_ref_500 = 7, 3, 2


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer matrices, frames and repeats (< 30 s)")
    ap.add_argument("--out", type=Path, default=BENCH_DIR / "RESULTS.md", help="Markdown output file")
    args = ap.parse_args(argv)
    cfg = Config(args.quick)

    t0 = clock()
    rep = Report()
    rep.add(*header(args, args.quick))
    body_start = len(rep.lines)
    run_lapjv(rep, cfg)
    run_tracker(rep, cfg)
    run_kalman(rep, cfg)
    run_ops(rep, cfg)

    missed = [s for s in rep.summary if s[2] != "yes"]
    summary = ["## Summary of targets", ""]
    summary += md_table(["target", "measured", "met"], rep.summary)
    summary += ["", (f"**{len(missed)} of {len(rep.summary)} targets not met:** " +
                     "; ".join(s[0] for s in missed) + ".") if missed else "All targets met.", ""]
    summary += [f"_Total benchmark time: {clock() - t0:.0f} s._", ""]
    for line in summary:
        print(line)
    lines = rep.lines[:body_start] + summary + rep.lines[body_start:]
    existing = args.out.read_text() if args.out.is_file() else None
    args.out.write_text(merge_generated(existing, "\n".join(lines)))
    print(f"written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
