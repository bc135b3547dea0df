"""Identity benchmark (issue 15): the built-in model on held-out synthetic sequences, association variants.

Sets: ``demo`` (the ``fairmot demo`` scenes: the training distribution), and the ``fairmot synth``
presets ``occlusion``, ``reentry`` and ``moving-camera`` (docs/synthetic.md), rendered with seeds that
were never used to train the built-in model (checked against its recipe, ``fairmot.train.builtin.DATA``).
Variants (``--variants``): ``official`` (the defaults), ``reid`` (long-gap re-identification:
``reid_buffer`` / ``reid_thres``), ``gmc`` (camera-motion compensation) and ``both``.

The work is done once per sequence and shared by the variants:

1. render the sequence (MOT layout: JPEG frames, ``gt/gt.txt``);
2. one network pass (``fairmot.Tracker()`` defaults: the built-in model) saved as a detection cache
   (:mod:`fairmot.io.detections`, score floor = ``conf_thres``);
3. for variants with camera-motion compensation, the frame-to-frame warps estimated once per method with
   :class:`fairmot.tracking.GMC` and stored next to the cache (``warps-<method>.npy``);
4. per variant, the association alone (:class:`fairmot.tracking.JDETracker` with the variant's keyword
   arguments, ``update(..., warp=A)`` with the stored warps) and the official output filter, written as
   MOT result files and scored with :func:`fairmot.evaluation.evaluate` (MOTChallenge protocol:
   TrackEval's MOTA, IDF1, HOTA, AssA, IDSW).

The ``reentry`` set also gets an embedding diagnostic: for detections matched to ground truth (IoU >= 0.5,
one-to-one), the cosine distance between embeddings of one identity across a gap of >= 2 s versus between
different identities at the same moments (percentiles), and how often a returning person's first detection
is nearest to its own pre-gap appearance among everybody absent at that moment (rank-1): whether the
model's embeddings can support re-identification at all.

    python benchmarks/bench_identity.py                                   # official variant, 2 sequences per set
    python benchmarks/bench_identity.py --variants official,reid,gmc,both --reid-buffer 300
    python benchmarks/bench_identity.py --sets reentry --sequences 4 --frames 600 --workdir /tmp/ident

A ``--workdir`` keeps the rendered sequences, caches and warps: a second run with the same sets, sizes
and seeds only replays the association.
"""
from __future__ import annotations

import argparse
import inspect
import json
import logging
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np

logger = logging.getLogger("bench_identity")

#: Sequence k of preset set s renders with seed ``SEED_BASE + 1000 * (s + 1) + k`` (the demo set uses the
#: demo's own seeds, ``fairmot.demo.DEMO_SEED_BASE + k``).
SEED_BASE = 950_000
SETS = ("demo", "occlusion", "reentry", "moving-camera")
VARIANT_NAMES = ("official", "reid", "gmc", "both")
#: Default sequence length per set (frames at 30 fps); ``--frames`` overrides all.
DEFAULT_FRAMES = {"demo": 200, "occlusion": 240, "reentry": 450, "moving-camera": 240}
METRICS = ("MOTA", "IDF1", "HOTA", "AssA", "IDSW")


# ----------------------------------------------------------------------------------------------- sequences

def training_seeds() -> set[int]:
    """The render seeds of the built-in model's training sequences (``write_dataset`` with its recipe)."""
    from fairmot.train.builtin import DATA

    return {int(np.random.SeedSequence([int(DATA["seed"]), k]).generate_state(1)[0])
            for k in range(int(DATA["n_sequences"]))}


def sequence_plan(set_name: str, k: int, frames: int | None) -> tuple[str, Any, int]:
    """(name, SceneConfig, seed) of sequence ``k`` of ``set_name``."""
    from fairmot.data.synthetic import SceneConfig, preset_config, sequence_config
    from fairmot.demo import DEMO_SEED_BASE, demo_sequence_config

    n = int(frames or DEFAULT_FRAMES[set_name])
    if set_name == "demo":
        return f"SYN-DEMO-{k:02d}", demo_sequence_config(k, n), DEMO_SEED_BASE + k
    base_seed = SEED_BASE + 1000 * (SETS.index(set_name))
    cfg = replace(sequence_config(k, preset_config(set_name, SceneConfig()), seed=base_seed), n_frames=n)
    return f"ID-{set_name.upper()}-{k:02d}", cfg, base_seed + k


def _code_stamp() -> str:
    """What the cached sequences and detections depend on besides their settings: the renderer's source and the
    built-in weights file."""
    import hashlib

    import fairmot.data.synthetic as synthetic
    from fairmot.weights import default_weights

    h = hashlib.sha256(Path(synthetic.__file__).read_bytes())
    h.update(Path(default_weights()).read_bytes())
    return h.hexdigest()[:16]


def _stamp(path: Path, value: dict) -> bool:
    """True when ``path`` holds ``value`` (JSON); the caller rebuilds otherwise."""
    try:
        return json.loads(path.read_text()) == value
    except (OSError, ValueError):
        return False


def prepare_sequence(work: Path, set_name: str, name: str, cfg: Any, seed: int, device: str) -> tuple[Path, Path]:
    """Render the sequence and cache its detections (skipped when ``work`` already holds them).

    Returns (sequence folder, detection cache folder)."""
    from fairmot.data.synthetic import write_sequence
    from fairmot.io import open_source
    from fairmot.io.detections import DetectionCacheWriter
    from fairmot.tracker import Tracker
    from fairmot.weights import builtin_warning_suppressed

    seq_dir = work / "sets" / set_name / name
    det_dir = work / "detections" / name
    stamp = {"config": json.loads(json.dumps(asdict(cfg))), "seed": seed, "code": _code_stamp()}
    if not _stamp(seq_dir / "bench.json", stamp):
        shutil.rmtree(seq_dir, ignore_errors=True)
        shutil.rmtree(det_dir, ignore_errors=True)
        t0 = time.perf_counter()
        write_sequence(seq_dir, cfg, seed=seed)
        (seq_dir / "bench.json").write_text(json.dumps(stamp))
        logger.info("%s: rendered %d frames in %.1f s", name, cfg.n_frames, time.perf_counter() - t0)
    if not _stamp(det_dir / "bench.json", stamp):
        source = open_source(seq_dir)
        with builtin_warning_suppressed():
            tracker = Tracker(None, device=device, frame_rate=source.frame_rate)
        meta = {"frame_rate": source.frame_rate, "score_floor": tracker.score_floor, "tracker": tracker.settings(),
                "sequence": name}
        t0 = time.perf_counter()
        with DetectionCacheWriter(det_dir, meta=meta) as writer:
            for frame in source:
                writer.add(tracker.detect(frame))
        (det_dir / "bench.json").write_text(json.dumps(stamp))
        logger.info("%s: network pass over %d frames in %.1f s", name, cfg.n_frames, time.perf_counter() - t0)
    return seq_dir, det_dir


def gmc_warps(seq_dir: Path, det_dir: Path, method: str) -> np.ndarray:
    """(F, 2, 3) float64 warps (frame t-1 -> t; identity for the first frame), computed once and stored."""
    from fairmot.io import open_source
    from fairmot.tracking import GMC

    path = det_dir / f"warps-{method}.npy"
    if path.is_file():
        return np.load(path)
    gmc = GMC(method)
    t0 = time.perf_counter()
    warps = np.stack([gmc.apply(frame) for frame in open_source(seq_dir)])
    np.save(path, warps)
    logger.info("%s: %s warps in %.1f s", seq_dir.name, method, time.perf_counter() - t0)
    return warps


# ----------------------------------------------------------------------------------------------- variants

def variant_options(name: str, reid_buffer: int, reid_thres: float | None, gmc: str) -> dict[str, Any]:
    """The ``fairmot.Tracker`` keyword arguments of a variant (``gmc`` is applied as warps in the replay)."""
    reid: dict[str, Any] = {"reid_buffer": int(reid_buffer)}
    if reid_thres is not None:
        reid["reid_thres"] = float(reid_thres)
    options = {"official": {}, "reid": reid, "gmc": {"gmc": gmc}, "both": {**reid, "gmc": gmc}}
    if name not in options:
        raise ValueError(f"unknown variant {name!r}: choose from {', '.join(VARIANT_NAMES)}")
    return options[name]


def check_supported(options: dict[str, Any]) -> None:
    """Refuse, with a clear message, a variant whose tracker options this build lacks."""
    from fairmot.tracking import JDETracker

    params = inspect.signature(JDETracker.__init__).parameters
    missing = [k for k in options if k != "gmc" and k not in params]
    if "gmc" in options and options["gmc"] != "none" and "warp" not in inspect.signature(JDETracker.update).parameters:
        missing.append("update(..., warp=)")
    if missing:
        raise SystemExit(f"this fairmot's JDETracker lacks {', '.join(missing)} (issue 15 items 1-2): "
                         "run --variants official, or install a build that has them")


def replay_variant(det_dir: Path, options: dict[str, Any], warps: np.ndarray | None) -> list[str]:
    """MOT result lines of the association with ``options`` over a detection cache."""
    from fairmot.io.detections import DetectionCache
    from fairmot.io.mot import format_mot_lines
    from fairmot.tracking import JDETracker
    from fairmot.tracking.output import output_tracks

    cache = DetectionCache(det_dir)
    settings = cache.tracker_settings()
    core = {k: settings[k] for k in ("conf_thres", "track_buffer", "association", "match_thres", "low_thres",
                                      "iou_thres", "unconfirmed_thres") if k in settings}
    core.update({k: v for k, v in options.items() if k != "gmc"})
    tracker = JDETracker(frame_rate=cache.frame_rate or 30.0, **core)
    lines: list[str] = []
    for index, (boxes, scores, embeddings) in enumerate(cache, start=1):
        if warps is not None:
            res = tracker.update(boxes, scores, embeddings, warp=warps[index - 1])
        else:
            res = tracker.update(boxes, scores, embeddings)
        tracks = output_tracks(res, settings.get("min_box_area"), settings.get("max_aspect_ratio"))
        lines.extend(format_mot_lines(index, tracks))
    return lines


# ----------------------------------------------------------------------------------------------- embeddings

def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of x1 y1 x2 y2 boxes (n, 4) x (m, 4), continuous convention, float64."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    iw = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = iw * ih
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    return inter / np.maximum(area(a)[:, None] + area(b)[None, :] - inter, 1e-12)


def matched_embeddings(seq_dir: Path, det_dir: Path
                       ) -> tuple[dict[int, list[tuple[int, np.ndarray, float]]], dict[int, set[int]]]:
    """Per ground-truth id: [(frame, unit embedding, box centre x px)] of the detections matched to it (IoU >= 0.5,
    Hungarian); and per frame the set of ids in the ground truth."""
    from scipy.optimize import linear_sum_assignment

    from fairmot.io.detections import DetectionCache

    gt = np.loadtxt(seq_dir / "gt" / "gt.txt", delimiter=",", ndmin=2)
    by_id: dict[int, list[tuple[int, np.ndarray, float]]] = {}
    present: dict[int, set[int]] = {}
    for frame, (boxes, _, emb) in enumerate(DetectionCache(det_dir), start=1):
        rows = gt[gt[:, 0] == frame] if gt.size else np.zeros((0, 9))
        present[frame] = set(rows[:, 1].astype(int).tolist())
        if not len(rows) or not len(boxes):
            continue
        g = np.column_stack([rows[:, 2], rows[:, 3], rows[:, 2] + rows[:, 4], rows[:, 3] + rows[:, 5]])
        iou = _iou(g, boxes)
        gi, di = linear_sum_assignment(-iou)
        for a, b in zip(gi, di):
            if iou[a, b] >= 0.5:
                e = emb[b].astype(np.float64)
                cx = 0.5 * float(boxes[b, 0] + boxes[b, 2])
                by_id.setdefault(int(rows[a, 1]), []).append((frame, e / max(np.linalg.norm(e), 1e-12), cx))
    return by_id, present


def _frame_width(seq_dir: Path) -> float:
    import configparser

    ini = configparser.ConfigParser()
    ini.read(seq_dir / "seqinfo.ini")
    return float(ini["Sequence"]["imWidth"]) if ini.has_section("Sequence") else float("inf")


def embedding_diagnostic(pairs: Sequence[tuple[Path, Path]], fps: float, window: int = 10,
                         min_gap_s: float = 2.0, gate_s: float = 12.0, gate_width: float = 0.25) -> dict[str, Any]:
    """Cosine distances of GT-matched detection embeddings around gaps of >= ``min_gap_s`` seconds.

    For each identity and gap: ``same_gap`` pairs the last ``window`` matched detections before the gap with the
    first ``window`` after; ``different`` pairs the same pre-gap detections with the other identities' matched
    detections in the ``window`` frames after the return; ``adjacent`` are consecutive frames of one identity.
    ``rank1`` counts returns whose first detection is nearest (cosine, to the EMA-smoothed pre-gap embedding, as
    the tracker smooths, alpha 0.9) to its own identity among every identity seen before and absent from the
    ground truth at that frame. ``gated``: the same among the absent identities last seen at most ``gate_s``
    seconds earlier and at most ``gate_width`` frame widths away horizontally (people come back where they
    left); ``gated_covered`` counts the returns whose own identity passes that gate.
    """
    same, diff, adjacent = [], [], []
    rank1 = returns = 0
    gated = gated_covered = gated_returns = 0
    gallery_sizes, gated_sizes = [], []
    for seq_dir, det_dir in pairs:
        by_id, present = matched_embeddings(seq_dir, det_dir)
        width = _frame_width(seq_dir)
        frames_of = {pid: np.array([f for f, _, _ in v]) for pid, v in by_id.items()}
        emb_of = {pid: np.stack([e for _, e, _ in v]) for pid, v in by_id.items()}
        cx_of = {pid: np.array([c for _, _, c in v]) for pid, v in by_id.items()}
        for pid, f in frames_of.items():
            e = emb_of[pid]
            steps = np.flatnonzero(np.diff(f) == 1)
            adjacent.extend(1.0 - np.einsum("ij,ij->i", e[steps], e[steps + 1]))
            for i in np.flatnonzero(np.diff(f) >= min_gap_s * fps):
                pre, post = e[max(0, i + 1 - window):i + 1], e[i + 1:i + 1 + window]
                same.extend((1.0 - pre @ post.T).ravel())
                t_ret = int(f[i + 1])
                for other, fo in frames_of.items():
                    if other == pid:
                        continue
                    sel = (fo >= t_ret) & (fo < t_ret + window)
                    if sel.any():
                        diff.extend((1.0 - pre @ emb_of[other][sel].T).ravel())
                # re-identification among the absent: smoothed appearance of everybody seen before t_ret
                gallery, near = {}, set()
                for other, fo in frames_of.items():
                    seen = fo < t_ret
                    if not seen.any() or (other != pid and other in present.get(t_ret, set())):
                        continue
                    smooth = None
                    for x in emb_of[other][seen]:
                        smooth = x if smooth is None else 0.9 * smooth + 0.1 * x
                        smooth = smooth / np.linalg.norm(smooth)
                    gallery[other] = smooth
                    last = int(np.flatnonzero(seen)[-1])
                    if (t_ret - fo[last] <= gate_s * fps
                            and abs(cx_of[other][last] - cx_of[pid][i + 1]) <= gate_width * width):
                        near.add(other)
                q = e[i + 1]
                if len(gallery) >= 2:
                    best = min(gallery, key=lambda o: 1.0 - float(gallery[o] @ q))
                    rank1 += int(best == pid)
                    returns += 1
                    gallery_sizes.append(len(gallery))
                gated_returns += 1
                if pid in near:
                    gated_covered += 1
                    gated += int(min(near, key=lambda o: 1.0 - float(gallery[o] @ q)) == pid)
                    gated_sizes.append(len(near))
    pct = (5, 25, 50, 75, 95)

    def summary(values: list[float]) -> dict[str, Any]:
        v = np.asarray(values, np.float64)
        return {"n": int(v.size), **({f"p{p}": float(np.percentile(v, p)) for p in pct} if v.size else {})}

    s, d = np.asarray(same), np.asarray(diff)
    auc = float("nan")
    if s.size and d.size:  # P(distance of a same-identity pair < distance of a different-identity pair)
        ranks = np.argsort(np.argsort(np.concatenate([s, d]), kind="stable"), kind="stable") + 1
        auc = 1.0 - (ranks[:s.size].sum() - s.size * (s.size + 1) / 2) / (s.size * d.size)
    return {"same_gap": summary(same), "different": summary(diff), "adjacent": summary(adjacent), "auc": auc,
            "returns": returns, "rank1": rank1, "gallery_mean": float(np.mean(gallery_sizes)) if gallery_sizes else 0.0,
            "gated_returns": gated_returns, "gated_covered": gated_covered, "gated": gated,
            "gated_gallery_mean": float(np.mean(gated_sizes)) if gated_sizes else 0.0}


def camera_diagnostic(pairs: Sequence[tuple[Path, Path]], method: str) -> dict[str, Any]:
    """How well ``method`` recovers the true camera motion of moving-camera sequences: per frame, the true motion
    ``-(c_t - c_{t-1})`` (``gt/camera.txt``) and the error of the estimated warp's translation, px."""
    motion, error = [], []
    for seq_dir, det_dir in pairs:
        cam = np.loadtxt(seq_dir / "gt" / "camera.txt", delimiter=",", ndmin=2)[:, 1:]
        true = -(cam[1:] - cam[:-1])
        est = gmc_warps(seq_dir, det_dir, method)[1:, :, 2]
        motion.extend(np.linalg.norm(true, axis=1))
        error.extend(np.linalg.norm(est - true, axis=1))
    m, e = np.asarray(motion), np.asarray(error)
    return {"method": method, "frames": int(m.size), "motion_p50": float(np.median(m)), "motion_p95": float(np.percentile(m, 95)),
            "error_p50": float(np.median(e)), "error_p95": float(np.percentile(e, 95))}


# ----------------------------------------------------------------------------------------------- main

def run(work: Path, sets: Sequence[str], variants: Sequence[str], sequences: int, frames: int | None, device: str,
        reid_buffer: int, reid_thres: float | None, gmc: str, diagnostic: bool) -> dict[str, Any]:
    """Everything; returns {"metrics": {(set, variant): {metric: value}}, "embeddings": dict or None, ...}."""
    from fairmot.evaluation import evaluate
    from fairmot.io.mot import write_mot_results

    options = {v: variant_options(v, reid_buffer, reid_thres, gmc) for v in variants}
    for opt in options.values():
        check_supported(opt)
    forbidden = training_seeds()
    plans = {s: [sequence_plan(s, k, frames) for k in range(sequences)] for s in sets}
    for s, plan in plans.items():
        clash = [seed for _, _, seed in plan if seed in forbidden]
        if clash:
            raise SystemExit(f"set {s}: seeds {clash} were used to train the built-in model")
    t_prep = time.perf_counter()
    prepared = {s: [(name, *prepare_sequence(work, s, name, cfg, seed, device)) for name, cfg, seed in plan]
                for s, plan in plans.items()}
    t_prep = time.perf_counter() - t_prep
    metrics: dict[tuple[str, str], dict[str, float]] = {}
    t_replay = time.perf_counter()
    for s in sets:
        names = [name for name, _, _ in prepared[s]]
        for v in variants:
            res_dir = work / "results" / v / s
            res_dir.mkdir(parents=True, exist_ok=True)
            for name, seq_dir, det_dir in prepared[s]:
                method = options[v].get("gmc", "none")
                warps = gmc_warps(seq_dir, det_dir, method) if method != "none" else None
                write_mot_results(res_dir / f"{name}.txt", replay_variant(det_dir, options[v], warps))
            df = evaluate(work / "sets" / s, res_dir, names)
            row = df.loc["COMBINED"]
            metrics[(s, v)] = {m: float(row[m]) for m in METRICS}
    t_replay = time.perf_counter() - t_replay
    emb = cam = None
    if diagnostic and "reentry" in prepared:
        fps = plans["reentry"][0][1].fps
        emb = embedding_diagnostic([(seq, det) for _, seq, det in prepared["reentry"]], fps)
    if diagnostic and "moving-camera" in prepared:
        cam = camera_diagnostic([(seq, det) for _, seq, det in prepared["moving-camera"]], gmc)
    return {"metrics": metrics, "embeddings": emb, "camera": cam, "prepare_s": t_prep, "replay_s": t_replay,
            "frames": {s: sum(cfg.n_frames for _, cfg, _ in plans[s]) for s in sets}}


def format_table(result: dict[str, Any], sets: Sequence[str], variants: Sequence[str]) -> str:
    """Markdown table: one row per set and variant; ratios in %, ID switches as counts, deltas vs official."""
    lines = ["| set | variant | MOTA | IDF1 | HOTA | AssA | IDSW | dIDF1 | dMOTA |", "|---|---|---|---|---|---|---|---|---|"]
    label = {"official": "official", "reid": "+reid", "gmc": "+gmc", "both": "+reid +gmc"}
    for s in sets:
        base = result["metrics"].get((s, "official"))
        for v in variants:
            m = result["metrics"][(s, v)]
            d_idf1 = f"{(m['IDF1'] - base['IDF1']) * 100:+.2f}" if base and v != "official" else ""
            d_mota = f"{(m['MOTA'] - base['MOTA']) * 100:+.2f}" if base and v != "official" else ""
            lines.append(f"| {s} | {label[v]} | {m['MOTA'] * 100:.2f} | {m['IDF1'] * 100:.2f} | {m['HOTA'] * 100:.2f} | "
                         f"{m['AssA'] * 100:.2f} | {int(m['IDSW'])} | {d_idf1} | {d_mota} |")
    return "\n".join(lines)


def format_embeddings(emb: dict[str, Any]) -> str:
    """Markdown table of the embedding diagnostic."""
    lines = ["| cosine distance | pairs | p5 | p25 | p50 | p75 | p95 |", "|---|---|---|---|---|---|---|"]
    for key, label in (("adjacent", "same identity, consecutive frames"),
                       ("same_gap", "same identity, across a >= 2 s gap"),
                       ("different", "different identities, same moments")):
        sm = emb[key]
        cells = " | ".join(f"{sm[f'p{p}']:.3f}" if f"p{p}" in sm else "-" for p in (5, 25, 50, 75, 95))
        lines.append(f"| {label} | {sm['n']} | {cells} |")
    rate = emb["rank1"] / emb["returns"] if emb["returns"] else float("nan")
    lines.append("")
    lines.append(f"AUC P(same-across-gap < different) = {emb['auc']:.3f}; rank-1 re-identification of returns among "
                 f"the absent identities = {emb['rank1']}/{emb['returns']} ({rate * 100:.0f} %), mean gallery "
                 f"{emb['gallery_mean']:.1f} identities")
    lines.append(f"gated (last seen <= 12 s before, <= 0.25 frame widths away): the returning identity passes the gate "
                 f"in {emb['gated_covered']}/{emb['gated_returns']} returns; nearest among the gated = itself in "
                 f"{emb['gated']}/{emb['gated_covered']}, mean gated gallery {emb['gated_gallery_mean']:.1f} identities")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default=",".join(SETS), help="comma-separated, from %(default)s")
    ap.add_argument("--variants", default="official",
                    help="comma-separated, from official,reid,gmc,both (default: %(default)s)")
    ap.add_argument("--sequences", type=int, default=2, help="sequences per set (default: %(default)s)")
    ap.add_argument("--frames", type=int, default=None,
                    help=f"frames per sequence (default per set: {DEFAULT_FRAMES})")
    ap.add_argument("--reid-buffer", type=int, default=300, help="reid variants: frames (default: %(default)s)")
    ap.add_argument("--reid-thres", type=float, default=None, help="reid variants: threshold (default: the tracker's)")
    ap.add_argument("--gmc", default="sparse", choices=("sparse", "ecc"), help="gmc variants' method (default: %(default)s)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--workdir", default=None, help="keep sequences, caches and warps here (default: a temporary folder)")
    ap.add_argument("--no-diagnostic", action="store_true", help="skip the embedding diagnostic")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    bad = [s for s in sets if s not in SETS] + [v for v in variants if v not in VARIANT_NAMES]
    if bad or not sets or not variants:
        ap.error(f"unknown or missing sets/variants {bad}: sets from {SETS}, variants from {VARIANT_NAMES}")
    if args.sequences < 1 or (args.frames is not None and args.frames < 2):
        ap.error("--sequences must be >= 1 and --frames >= 2")
    temp = args.workdir is None
    work = Path(tempfile.mkdtemp(prefix="bench-identity-")) if temp else Path(args.workdir)
    try:
        t0 = time.perf_counter()
        result = run(work, sets, variants, args.sequences, args.frames, args.device, args.reid_buffer,
                     args.reid_thres, args.gmc, not args.no_diagnostic)
        result["total_s"] = time.perf_counter() - t0
    finally:
        if temp:
            shutil.rmtree(work, ignore_errors=True)
    frames = ", ".join(f"{s} {n}" for s, n in result["frames"].items())
    print(f"\nbuilt-in model, {args.sequences} held-out sequence(s) per set (frames: {frames}); "
          f"MOTChallenge metrics (COMBINED), % except IDSW\n")
    print(format_table(result, sets, variants))
    if result["embeddings"] is not None:
        print("\nembeddings of the built-in model on the reentry set (GT-matched detections)\n")
        print(format_embeddings(result["embeddings"]))
    if result["camera"] is not None:
        c = result["camera"]
        print(f"\ncamera motion on the moving-camera set ({c['frames']} frame pairs): true motion median "
              f"{c['motion_p50']:.2f} px (p95 {c['motion_p95']:.2f}); {c['method']} GMC translation error median "
              f"{c['error_p50']:.2f} px (p95 {c['error_p95']:.2f})")
    print(f"\nrender + network pass {result['prepare_s']:.0f} s, association replays + evaluation "
          f"{result['replay_s']:.1f} s, total {result['total_s']:.0f} s")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
