"""``fairmot eval`` (motchallenge protocol) vs TrackEval 1.3.0 on MOT17-train-sized data, side by side.

    python benchmarks/bench_eval.py [--repeat 3] [--keep DIR]

Generates 21 sequences shaped like MOT17 train (7 scenes x 3 detector variants: 5,316 distinct frames,
15,948 in all; the real lengths, image sizes and pedestrian densities; about 340k evaluated gt boxes
plus distractor, static-person, vehicle and zero-marked rows) and a realistic tracker output for each
(about 300k boxes): people walking with perspective-scaled boxes and occlusion, a detector whose misses
come in bursts and depend on visibility, some people mostly missed, box noise, detections on
distractors, short false-positive tracks, identity switches after long misses. Both evaluators then
read the same files and compute HOTA, CLEAR and Identity in this process, single-threaded, alternating
order for ``--repeat`` rounds (imports done before timing); the table gives each one's best and
median wall time, and the script checks that the COMBINED results are equal (counts exactly, ratios
to 1e-9).

TrackEval is installed with ``pip install --no-deps trackeval==1.3.0`` (requirements-nodeps.txt).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# scene -> (frames, evaluated pedestrian boxes per frame, width, height): MOT17 train
MOT17_TRAIN = {"02": (600, 31.0, 1920, 1080), "04": (1050, 45.3, 1920, 1080), "05": (837, 8.3, 640, 480),
               "09": (525, 10.1, 1920, 1080), "10": (654, 19.6, 1920, 1080), "11": (900, 10.5, 1920, 1080),
               "13": (750, 15.5, 1920, 1080)}
DETECTORS = ("DPM", "FRCNN", "SDP")
# person on vehicle, static person, distractor, reflection, car, bicycle, occluder
OTHER_CLASSES = (2, 7, 8, 12, 3, 4, 9)
OTHER_P = np.array([0.15, 0.4, 0.15, 0.05, 0.15, 0.05, 0.05])


def ground_truth(rng: np.random.Generator, n_frames: int, density: float, width: int, height: int) -> np.ndarray:
    """gt rows ``frame,id,x,y,w,h,mark,class,visibility`` sorted by id then frame (as MOT17's files)."""
    blocks, evaluated, oid = [], 0, 0
    target = density * n_frames
    while evaluated < target:
        oid += 1
        pedestrian = rng.random() < 0.82
        cls = 1 if pedestrian else int(rng.choice(OTHER_CLASSES, p=OTHER_P))
        length = int(rng.integers(30, 600))
        start = int(rng.integers(1 - length // 3, n_frames))
        f0, f1 = max(1, start), min(n_frames, start + length - 1)
        if f1 < f0:
            continue
        t = np.arange(f0, f1 + 1)
        n = t.size
        foot = rng.uniform(0.45, 1.0) * height  # perspective: lower in the image = closer = taller
        h = 0.08 * height + 0.55 * height * (foot / height - 0.4)
        w = (1.6 if cls in (3, 4) else 0.41) * h
        moving = cls not in (7, 9)
        v = rng.normal(0, 1.5, 2) * [1.0, 0.15] * moving
        walk = np.cumsum(rng.normal(0, 0.5, (n, 2)), axis=0) * moving
        x = rng.uniform(-w / 2, width - w / 2) + v[0] * (t - f0) + walk[:, 0]
        y = foot - h + v[1] * (t - f0) + walk[:, 1]
        hs = h * (1 + 0.03 * np.sin(t / 9.0 + oid))
        ws = w * (1 + 0.04 * np.cos(t / 6.0 + oid))
        occl = np.convolve(rng.uniform(-0.4, 2.0, n + 30), np.ones(31) / 31, mode="valid")[:n]
        vis = np.clip(occl, 0, 1)
        mark = np.full(n, int(pedestrian and rng.random() > 0.02))
        blocks.append(np.column_stack([t, np.full(n, oid), np.round(x), np.round(y), np.round(ws), np.round(hs),
                                       mark, np.full(n, cls), np.round(vis, 5)]))
        evaluated += n * int(mark[0] == 1)
    return np.concatenate(blocks)


def tracker_output(rng: np.random.Generator, gt: np.ndarray, n_frames: int, width: int, height: int) -> np.ndarray:
    """Result rows ``frame,id,x,y,w,h,score`` sorted by frame then id."""
    out, next_id = [], 1
    for oid in np.unique(gt[:, 1]):
        g = gt[gt[:, 1] == oid]
        cls = int(g[0, 7])
        if cls in (3, 4, 9):
            continue  # the person detector ignores vehicles and occluders
        skill = rng.uniform(0.05, 0.5) if rng.random() < 0.12 else rng.uniform(0.85, 0.99)  # some people mostly missed
        if cls != 1:
            skill *= 0.6
        # bursty misses: a two-state chain whose stationary detection rate is p (lower under occlusion)
        p = skill * np.clip(0.35 + 0.65 * g[:, 8], 0, 1)
        detected = np.empty(len(g), dtype=bool)
        state, u = True, rng.random(len(g))
        for i in range(len(g)):
            state = u[i] < (1 - (1 - p[i]) * 0.15 if state else p[i] * 0.15)
            detected[i] = state
        ids = np.zeros(len(g), dtype=np.int64)
        current, gap = next_id, 0
        next_id += 1
        for i in range(len(g)):
            if not detected[i]:
                gap += 1
                continue
            if (gap > 15 and rng.random() < 0.7) or rng.random() < 0.0015:  # lost and re-found, or a switch
                current, next_id = next_id, next_id + 1
            gap = 0
            ids[i] = current
        d = g[detected]
        box = d[:, 2:6] + rng.normal(0, 0.04, (len(d), 4)) * d[:, [4, 5, 4, 5]]
        box[:, 2:] = np.maximum(box[:, 2:], 4.0)
        out.append(np.column_stack([d[:, 0], ids[detected], box, rng.uniform(0.4, 1.0, len(d))]))
    for _ in range(int(n_frames * 0.15)):  # false-positive tracks of 1-20 frames
        t0 = int(rng.integers(1, n_frames + 1))
        t = np.arange(t0, min(n_frames, t0 + int(rng.integers(1, 21))))
        h = rng.uniform(0.05, 0.4) * height
        x, y = rng.uniform(0, width - 0.4 * h), rng.uniform(0, height - h)
        out.append(np.column_stack([t, np.full(t.size, next_id), x + rng.normal(0, 2, t.size), np.full(t.size, y),
                                    np.full(t.size, 0.4 * h), np.full(t.size, h), rng.uniform(0.4, 0.6, t.size)]))
        next_id += 1
    rows = np.concatenate(out)
    return rows[np.lexsort((rows[:, 1], rows[:, 0]))]


def write_dataset(root: Path, seed: int = 0) -> dict[str, int]:
    """``root/gt/<seq>/{gt/gt.txt,seqinfo.ini}`` and ``root/trackers/synthetic/data/<seq>.txt``; returns the
    counts (sequences, frames, evaluated gt boxes, gt rows, result boxes)."""
    rng = np.random.default_rng(seed)
    stats = dict(sequences=0, frames=0, gt_boxes=0, gt_rows=0, result_boxes=0)
    res_dir = root / "trackers" / "synthetic" / "data"
    res_dir.mkdir(parents=True, exist_ok=True)
    for scene, (n_frames, density, width, height) in MOT17_TRAIN.items():
        gt = ground_truth(rng, n_frames, density, width, height)
        gt_text = "".join(f"{int(r[0])},{int(r[1])},{int(r[2])},{int(r[3])},{int(r[4])},{int(r[5])},{int(r[6])},"
                          f"{int(r[7])},{r[8]:g}\n" for r in gt)
        for detector in DETECTORS:
            name = f"MOT17-{scene}-{detector}"
            seq = root / "gt" / name
            (seq / "gt").mkdir(parents=True, exist_ok=True)
            (seq / "gt" / "gt.txt").write_text(gt_text)
            (seq / "seqinfo.ini").write_text(f"[Sequence]\nname={name}\nimDir=img1\nframeRate=30\nseqLength={n_frames}"
                                             f"\nimWidth={width}\nimHeight={height}\nimExt=.jpg\n")
            res = tracker_output(rng, gt, n_frames, width, height)
            (res_dir / f"{name}.txt").write_text("".join(
                f"{int(r[0])},{int(r[1])},{r[2]:.2f},{r[3]:.2f},{r[4]:.2f},{r[5]:.2f},{r[6]:.2f},-1,-1,-1\n"
                for r in res))
            stats["sequences"] += 1
            stats["frames"] += n_frames
            stats["gt_boxes"] += int(((gt[:, 6] != 0) & (gt[:, 7] == 1)).sum())
            stats["gt_rows"] += len(gt)
            stats["result_boxes"] += len(res)
    return stats


def run_ours(root: Path):
    from fairmot.evaluation import motchallenge

    return motchallenge.evaluate(root / "gt", root / "trackers" / "synthetic" / "data", benchmark="MOT17")


def run_trackeval(root: Path):
    import trackeval

    evaluator = trackeval.Evaluator({
        "USE_PARALLEL": False, "PRINT_RESULTS": False, "PRINT_CONFIG": False, "TIME_PROGRESS": False,
        "OUTPUT_SUMMARY": False, "OUTPUT_DETAILED": False, "PLOT_CURVES": False, "LOG_ON_ERROR": None})
    sequences = sorted(os.listdir(root / "gt"))
    dataset = trackeval.datasets.MotChallenge2DBox({
        "GT_FOLDER": str(root / "gt"), "TRACKERS_FOLDER": str(root / "trackers"), "TRACKERS_TO_EVAL": ["synthetic"],
        "SKIP_SPLIT_FOL": True, "SEQ_INFO": {s: None for s in sequences}, "BENCHMARK": "MOT17", "PRINT_CONFIG": False})
    metrics = [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
               trackeval.metrics.Identity({"PRINT_CONFIG": False})]
    with contextlib.redirect_stdout(io.StringIO()):
        out, _ = evaluator.evaluate([dataset], metrics)
    return out["MotChallenge2DBox"]["synthetic"]


def max_difference(ours, theirs) -> float:
    """Largest difference over every COMBINED field; raises if a count differs."""
    worst = 0.0
    expected = theirs["COMBINED_SEQ"]["pedestrian"]
    for metric, fields in ours.combined.items():
        for name, value in fields.items():
            a, b = np.asarray(value, dtype=np.float64), np.asarray(expected[metric][name], dtype=np.float64)
            diff = float(np.max(np.abs(a - b)))
            if name in ("CLR_TP", "CLR_FN", "CLR_FP", "IDSW", "MT", "PT", "ML", "Frag", "IDTP", "IDFN", "IDFP",
                        "HOTA_TP", "HOTA_FN", "HOTA_FP", "Dets", "GT_Dets", "IDs", "GT_IDs") and diff != 0:
                raise AssertionError(f"{metric}.{name}: {value} != {expected[metric][name]}")
            worst = max(worst, diff)
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds per evaluator (default: 3)")
    parser.add_argument("--keep", default=None, metavar="DIR", help="write the data here and keep it")
    args = parser.parse_args(argv)

    import scipy.optimize  # noqa: F401  (imports are not timed)
    import pandas  # noqa: F401
    with contextlib.redirect_stdout(io.StringIO()):
        import trackeval  # noqa: F401

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep or tmp)
        t0 = time.perf_counter()
        stats = write_dataset(root)
        print(f"data: {stats['sequences']} sequences, {stats['frames']} frames, {stats['gt_boxes']} evaluated gt "
              f"boxes ({stats['gt_rows']} gt rows), {stats['result_boxes']} result boxes "
              f"(generated in {time.perf_counter() - t0:.1f} s)")
        times: dict[str, list[float]] = {"fairmot": [], "trackeval": []}
        ours = theirs = None
        for round_ in range(args.repeat):
            order = ("fairmot", "trackeval") if round_ % 2 == 0 else ("trackeval", "fairmot")
            for who in order:
                t0 = time.perf_counter()
                if who == "fairmot":
                    ours = run_ours(root)
                else:
                    theirs = run_trackeval(root)
                times[who].append(time.perf_counter() - t0)
        diff = max_difference(ours, theirs)
        c = ours.combined
        print(f"COMBINED: HOTA {100 * np.mean(c['HOTA']['HOTA']):.3f}  MOTA {100 * c['CLEAR']['MOTA']:.3f}  "
              f"IDF1 {100 * c['Identity']['IDF1']:.3f}  IDSW {c['CLEAR']['IDSW']}  Frag {c['CLEAR']['Frag']}  "
              f"MT/PT/ML {c['CLEAR']['MT']}/{c['CLEAR']['PT']}/{c['CLEAR']['ML']}; equal to TrackEval "
              f"(counts exact, max |difference| {diff:.1e})")
        print()
        print(f"{'evaluator':<34}{'best s':>9}{'median s':>10}{'ratio':>8}")
        base = min(times["trackeval"])
        for who, label in (("trackeval", "TrackEval 1.3.0 (1 process)"), ("fairmot", "fairmot eval (motchallenge)")):
            best, median = min(times[who]), statistics.median(times[who])
            print(f"{label:<34}{best:>9.2f}{median:>10.2f}{base / best:>7.1f}x")
        print(f"\npython {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs; "
              f"{args.repeat} rounds, alternating order")
    return 0


if __name__ == "__main__":
    sys.exit(main())
