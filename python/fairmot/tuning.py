"""Tune the association from cached detections: ``fairmot tune``.

The network costs ~99 % of a tracked frame; the association costs microseconds. A detection cache
(``fairmot track --save-detections``, :mod:`fairmot.io.detections`) holds one network pass, so a
search can replay the association under hundreds of settings in about the time of that pass.

Each trial replays every sequence (in parallel over sequences with ``jobs > 1``) with one setting of
the association parameters, evaluates the replayed tracks against the ground truth with the
MOTChallenge protocol (TrackEval's numbers, :mod:`fairmot.evaluation.motchallenge`) and scores the
setting by one combined metric. The search is Optuna's TPE sampler (seeded: the same call gives the
same trials); trial 0 is always the official defaults, so "best" is never worse than them.
"""
from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .config import TrackerConfig
from .evaluation.motchallenge import (GT_MIN_COLUMNS, MotChallengeResult, Rules, _gt_class_check, combine, evaluate_data,
                                      infer_benchmark, prepare, rules_for)
from .io.detections import DetectionCache, find_detection_caches
from .io.mot import MotFile, read_mot_file, read_seq_length
from .tracking.replay import replay_results

__all__ = ["METRICS", "TUNED_PARAMETERS", "TuneResult", "default_parameters", "tune", "suggest_parameters"]

logger = logging.getLogger(__name__)

#: Metrics a search can maximise (TrackEval names; all are "higher is better").
METRICS = ("HOTA", "DetA", "AssA", "MOTA", "IDF1")
#: The association parameters searched (``low_thres`` only with ``association="byte"``).
TUNED_PARAMETERS = ("conf_thres", "track_buffer", "match_thres", "iou_thres", "unconfirmed_thres", "association",
                    "low_thres")
#: Columns written for each trial besides the parameters.
REPORTED = ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDSW")


def default_parameters() -> dict[str, Any]:
    """The official association settings (what trial 0 evaluates)."""
    c = TrackerConfig()
    return {"conf_thres": c.conf_thres, "track_buffer": c.track_buffer, "match_thres": c.match_thres,
            "iou_thres": c.iou_thres, "unconfirmed_thres": c.unconfirmed_thres, "association": "default"}


def suggest_parameters(trial: Any, score_floor: float) -> dict[str, Any]:
    """One setting drawn by an Optuna ``trial``.

    ``conf_thres`` is searched from the caches' score floor (detections at or below it were not
    saved, so lower thresholds would give the same result) to 0.9.
    """
    conf = trial.suggest_float("conf_thres", score_floor, 0.9)
    params = {
        "conf_thres": conf,
        "track_buffer": trial.suggest_int("track_buffer", 5, 240, log=True),
        "match_thres": trial.suggest_float("match_thres", 0.05, 0.95),
        "iou_thres": trial.suggest_float("iou_thres", 0.1, 0.95),
        "unconfirmed_thres": trial.suggest_float("unconfirmed_thres", 0.1, 0.95),
        "association": trial.suggest_categorical("association", ["default", "byte"]),
    }
    if params["association"] == "byte":
        # low band (low_thres, conf_thres): a fraction of the way from the floor to conf_thres
        frac = trial.suggest_float("low_fraction", 0.0, 0.95)
        params["low_thres"] = score_floor + frac * (conf - score_floor)
    return params


# ----------------------------------------------------------------------------------- one sequence


@dataclass
class _Sequence:
    """One sequence loaded for replay: its cached frames, ground truth and length."""

    name: str
    cache: DetectionCache
    frames: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    gt: MotFile
    seq_length: int | None  # None: no seqinfo.ini (the last frame of gt and results, as fairmot eval)


def _load_sequences(detections: str | os.PathLike[str], gt_root: str | os.PathLike[str], rules: Rules,
                    names: Sequence[str] | None = None) -> list[_Sequence]:
    caches = find_detection_caches(detections)
    by_name = {c.name: c for c in caches}
    if len(by_name) != len(caches):
        raise ValueError(f"two detection caches in {detections} have the same sequence name")
    if names is not None:
        missing = [n for n in names if n not in by_name]
        if missing:
            raise FileNotFoundError(f"no detection cache for {', '.join(missing)} in {detections}")
        by_name = {n: by_name[n] for n in names}
    gt_root = Path(gt_root)
    out = []
    for name in sorted(by_name):
        cache = by_name[name]
        gt_file = gt_root / name / "gt" / "gt.txt"
        if not gt_file.is_file():
            raise FileNotFoundError(f"no ground truth for sequence {name!r}: {gt_file} is missing")
        seq_length = read_seq_length(gt_root / name)
        if seq_length is not None and len(cache) != seq_length:
            raise ValueError(f"{name}: the detection cache has {len(cache)} frames, seqinfo.ini says {seq_length}")
        gt = read_mot_file(gt_file, min_columns=GT_MIN_COLUMNS, seq_length=seq_length,
                           checks=(_gt_class_check,) if rules.preprocess else ())
        out.append(_Sequence(name, cache, cache.frames(), gt, seq_length))
    return out


def _evaluate_one(seq: _Sequence, params: Mapping[str, Any], rules: Any) -> dict[str, dict[str, Any]]:
    values = replay_results(seq.frames, frame_rate=seq.cache.frame_rate, **seq.cache.tracker_settings(params))
    result = MotFile(Path(f"<replay of {seq.name}>"), values)
    length = seq.seq_length
    if length is None:  # as fairmot eval: the last frame of ground truth and results
        length = int(max(seq.gt.frames.max(initial=0), result.frames.max(initial=0)))
    return evaluate_data(prepare(seq.name, seq.gt, result, length, rules))


# Worker processes hold the loaded sequences (set once by the pool initializer).
_WORKER: dict[str, Any] = {}


def _worker_init(detections: str, gt_root: str, names: list[str], benchmark: str) -> None:
    _WORKER["rules"] = rules_for(benchmark)
    _WORKER["sequences"] = {s.name: s for s in _load_sequences(detections, gt_root, _WORKER["rules"], names)}


def _worker_run(name: str, params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return _evaluate_one(_WORKER["sequences"][name], params, _WORKER["rules"])


# ----------------------------------------------------------------------------------- the search


@dataclass
class TuneResult:
    """What :func:`tune` found.

    Attributes:
        metric: the metric maximised.
        best_params, default_params: the best setting found and the official one.
        best, default: their COMBINED metrics (``{column: value}``, as ``fairmot eval`` reports them).
        best_per_sequence, default_per_sequence: ``{sequence: metric value}``.
        trials: one row per trial (parameters, metrics, seconds).
        noise: a sentence on whether the gain exceeds the spread between sequences.
        within_noise: True when the best beats the defaults by less than twice the standard error of the
            per-sequence differences (or when there is only one sequence to estimate it from).
        seconds: wall time of the search; trials_per_minute: its throughput.
        csv_path, plot_path: files written (None when not asked for).
    """

    metric: str
    best_params: dict[str, Any]
    default_params: dict[str, Any]
    best: dict[str, Any]
    default: dict[str, Any]
    best_per_sequence: dict[str, float]
    default_per_sequence: dict[str, float]
    trials: Any
    noise: str
    within_noise: bool
    seconds: float
    trials_per_minute: float
    csv_path: Path | None = None
    plot_path: Path | None = None
    sequences: list[str] = field(default_factory=list)


def _noise_statement(metric: str, best: Mapping[str, float], default: Mapping[str, float], gain: float
                     ) -> tuple[str, bool]:
    diffs = np.array([best[s] - default[s] for s in sorted(best)], dtype=np.float64)
    if diffs.size < 2:
        return (f"{metric} {gain * 100:+.2f} points over the defaults; with one sequence the noise between "
                "sequences cannot be estimated: check on more sequences before trusting the gain", True)
    se = float(diffs.std(ddof=1) / math.sqrt(diffs.size))
    within = abs(gain) < 2 * se
    if within:
        return (f"{metric} {gain * 100:+.2f} points over the defaults, less than twice the standard error of the "
                f"per-sequence differences ({se * 100:.2f} points, {diffs.size} sequences): within the noise between "
                "sequences, so the official defaults are as good on this data", True)
    return (f"{metric} {gain * 100:+.2f} points over the defaults, more than twice the standard error of the "
            f"per-sequence differences ({se * 100:.2f} points, {diffs.size} sequences)", False)


def _plot(path: Path, metric: str, values: Sequence[float], default: float) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    x = np.arange(len(values))
    y = np.asarray(values, dtype=np.float64) * 100
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    try:
        ax.scatter(x, y, s=12, color="tab:blue", alpha=0.6, label="trial")
        ax.step(x, np.fmax.accumulate(y), where="post", color="tab:orange", label="best so far")
        ax.axhline(default * 100, color="tab:gray", linestyle="--", label="official defaults")
        ax.set_xlabel("trial")
        ax.set_ylabel(f"{metric} (COMBINED, %)")
        ax.set_title(f"fairmot tune: {metric} over {len(values)} trials")
        ax.legend(loc="lower right")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)


def tune(detections: str | os.PathLike[str], gt_root: str | os.PathLike[str], *, trials: int = 100,
         metric: str = "HOTA", jobs: int = 1, seed: int = 0, sequences: Sequence[str] | None = None,
         benchmark: str = "auto", output: str | os.PathLike[str] | None = None, progress: bool = False,
         callback: Callable[[int, float], None] | None = None) -> TuneResult:
    """Search the association parameters on cached detections.

    Args:
        detections: a detection cache folder, or a folder of them (one sub-folder per sequence, each
            written by ``fairmot track --save-detections``).
        gt_root: folder with ``<sequence>/gt/gt.txt`` (and ``seqinfo.ini``) for every cached sequence.
        trials: number of settings to evaluate (>= 1; trial 0 is the official defaults).
        metric: the COMBINED metric to maximise, one of :data:`METRICS`.
        jobs: worker processes replaying sequences in parallel (1: in this process).
        seed: the sampler's seed.
        sequences: the sequences to use (default: every cache).
        benchmark: evaluation rules (``MOT15/16/17/20`` or ``auto``, as ``fairmot eval``).
        output: folder for ``trials.csv`` and ``trials.png`` (None: write nothing).
        progress: a tqdm bar over the trials.
        callback: called after each trial with (trial number, metric value).

    Raises:
        ImportError: Optuna missing (``pip install 'fairmot[tune]'``). FileNotFoundError / ValueError:
            missing or inconsistent caches or ground truth, bad arguments.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"trials must be an int >= 1, got {trials!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an int >= 1, got {jobs!r}")
    try:
        import optuna
    except ImportError:
        raise ImportError("fairmot tune needs Optuna: pip install 'fairmot[tune]' (optuna, matplotlib)") from None

    if str(benchmark).lower() == "auto":
        cache_names = [c.name for c in find_detection_caches(detections)] if sequences is None else list(sequences)
        bench = infer_benchmark(gt_root, cache_names)
    else:
        bench = str(benchmark)
    rules = rules_for(bench)
    seqs = _load_sequences(detections, gt_root, rules, sequences)
    names = [s.name for s in seqs]
    floors = [s.cache.score_floor for s in seqs]
    score_floor = max(f if f is not None else TrackerConfig.conf_thres for f in floors)
    defaults = default_parameters()
    if score_floor > defaults["conf_thres"]:
        raise ValueError(f"the detection caches keep only scores above {score_floor:g}, above the official conf_thres "
                         f"{defaults['conf_thres']:g}, so the defaults cannot be replayed for comparison: save them "
                         "again with fairmot track --save-detections (its default score floor is 0.05)")
    logger.info("tuning on %d sequence(s) (%s), %d trials, metric %s, score floor %g", len(seqs), ", ".join(names),
                trials, metric, score_floor)

    pool: Executor | None = None
    if jobs > 1 and len(seqs) > 1:
        import multiprocessing

        pool = ProcessPoolExecutor(max_workers=min(jobs, len(seqs)), mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_worker_init,
                                   initargs=(os.fspath(detections), os.fspath(gt_root), names, bench))

    def run_all(params: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
        if pool is None:
            return {s.name: _evaluate_one(s, params, rules) for s in seqs}
        futures = {n: pool.submit(_worker_run, n, params) for n in names}
        return {n: f.result() for n, f in futures.items()}

    def result_of(per_seq: dict[str, dict[str, dict[str, Any]]]) -> MotChallengeResult:
        return MotChallengeResult(rules, names, per_seq, combine([per_seq[n] for n in names]))

    records: dict[int, dict[str, Any]] = {}

    def objective(trial: Any) -> float:
        t0 = time.perf_counter()
        params = suggest_parameters(trial, score_floor)
        res = result_of(run_all(params))
        row = res.row()
        per_seq = {n: float(res.row(n)[metric]) for n in names}
        records[trial.number] = {"params": params, "row": row, "per_sequence": per_seq,
                                 "seconds": time.perf_counter() - t0}
        return float(row[metric])

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.enqueue_trial({k: v for k, v in defaults.items()})
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=trials, desc=f"tuning ({metric})", unit="trial", dynamic_ncols=True)

    def after(study_: Any, trial: Any) -> None:
        if bar is not None:
            bar.update(1)
            bar.set_postfix({f"best {metric}": f"{study_.best_value * 100:.2f}"}, refresh=False)
        if callback is not None:
            callback(trial.number, float(trial.value))

    t_start = time.perf_counter()
    try:
        study.optimize(objective, n_trials=trials, callbacks=[after], catch=())
    finally:
        if bar is not None:
            bar.close()
        if pool is not None:
            pool.shutdown()
    seconds = time.perf_counter() - t_start

    best_number = study.best_trial.number
    best, default = records[best_number], records[0]
    gain = float(best["row"][metric]) - float(default["row"][metric])
    noise, within = _noise_statement(metric, best["per_sequence"], default["per_sequence"], gain)

    import pandas as pd

    rows = []
    for number in sorted(records):
        rec = records[number]
        rows.append({"trial": number, **{p: rec["params"].get(p) for p in TUNED_PARAMETERS},
                     **{m: rec["row"][m] for m in REPORTED}, "seconds": rec["seconds"]})
    table = pd.DataFrame(rows).set_index("trial")
    csv_path = plot_path = None
    if output is not None:
        out = Path(output)
        out.mkdir(parents=True, exist_ok=True)
        csv_path = out / "trials.csv"
        table.to_csv(csv_path)
        plot_path = out / "trials.png"
        _plot(plot_path, metric, table[metric].tolist(), float(default["row"][metric]))
    return TuneResult(metric=metric, best_params=dict(best["params"]), default_params=defaults, best=best["row"],
                      default=default["row"], best_per_sequence=best["per_sequence"],
                      default_per_sequence=default["per_sequence"], trials=table, noise=noise, within_noise=within,
                      seconds=seconds, trials_per_minute=trials / seconds * 60 if seconds > 0 else float("inf"),
                      csv_path=csv_path, plot_path=plot_path, sequences=names)
