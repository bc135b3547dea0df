"""``fairmot demo``: the whole system on a fresh machine, with no downloads.

It renders held-out synthetic crowd sequences (seeds never used to train the built-in model),
tracks them with the built-in model (network -> decoding -> association), and writes into the
output folder:

* ``sequences/<SEQ>/`` the rendered frames and their ground truth (MOT Challenge layout);
* ``results/<SEQ>.txt`` the MOT Challenge result lines;
* ``<SEQ>.mp4`` the annotated video (boxes and ids coloured by identity, trails);
* ``metrics.csv`` HOTA, MOTA, IDF1, ... per sequence and ``COMBINED`` (the ``fairmot eval`` layout of
  the default motchallenge protocol: TrackEval's numbers).

With ``classes=True`` (``fairmot demo --classes``) the sequences are multi-class scenes (people,
cyclists, cars: :mod:`fairmot.data.synthetic_classes`) tracked by the built-in multi-class model
(:data:`fairmot.weights.BUILTIN_CLASSES_WEIGHTS`); the result files carry the class in column 8, the
official output filter's aspect-ratio rule (a standing-person rule that drops cars) is off, and the
metrics are per class plus the class averages (:mod:`fairmot.evaluation.multiclass`).
"""
from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

__all__ = ["run_demo", "demo_sequence_config", "demo_multiclass_config", "DEMO_SEED_BASE"]

logger = logging.getLogger(__name__)

#: Demo sequence k renders with seed ``DEMO_SEED_BASE + k`` (the built-in model trained on
#: ``fairmot synth --seed 1`` sequences, whose seeds are drawn from ``SeedSequence([1, k])``).
DEMO_SEED_BASE = 900_000


def demo_sequence_config(index: int, n_frames: int) -> Any:
    """The scene of demo sequence ``index``: the training distribution (:func:`sequence_config`),
    held-out seed."""
    from .data.synthetic import SceneConfig, sequence_config

    return replace(sequence_config(DEMO_SEED_BASE + index, SceneConfig(), seed=DEMO_SEED_BASE),
                   n_frames=int(n_frames))


def demo_multiclass_config(index: int, n_frames: int) -> Any:
    """The multi-class scene of demo sequence ``index``: the multi-class training distribution, held-out seed."""
    from .data.synthetic import sequence_config
    from .data.synthetic_classes import MultiClassSceneConfig
    from .train.builtin_classes import CLASSES, DATA

    base = MultiClassSceneConfig(classes=CLASSES, n_people=DATA["n_objects"])
    return replace(sequence_config(DEMO_SEED_BASE + index, base, seed=DEMO_SEED_BASE), n_frames=int(n_frames))


def run_demo(output: str | Path = "fairmot-demo", frames: int = 300, sequences: int = 1, seed: int = 0,
             weights: str | None = None, device: str = "auto", video: bool = True, progress: bool = True,
             classes: bool = False) -> Any:
    """Render, track and evaluate ``sequences`` held-out synthetic sequences; returns the metrics
    DataFrame (one row per sequence + ``COMBINED``, :func:`fairmot.evaluation.evaluate`; with ``classes``
    one row per class and sequence plus the class averages) after writing everything into ``output``."""
    from .data.synthetic import write_sequence
    from .data.synthetic_classes import write_multiclass_sequence
    from .evaluation.evaluator import evaluate, write_metrics_csv
    from .io import TrackTrails, VideoWriter, open_source, prefetch, write_mot_results
    from .tracker import Tracker, TrackingRun
    from .weights import builtin_warning_suppressed

    if frames < 1 or sequences < 1:
        raise ValueError(f"frames and sequences must be >= 1, got {frames}, {sequences}")
    out = Path(output)
    seq_root, res_root = out / "sequences", out / "results"
    names = []
    for k in range(sequences):
        index = seed * 1000 + k
        name = f"SYN-DEMO-{index:02d}"
        t0 = time.perf_counter()
        if classes:
            cfg = demo_multiclass_config(index, frames)
            write_multiclass_sequence(seq_root / name, cfg, seed=DEMO_SEED_BASE + index, progress=progress)
        else:
            cfg = demo_sequence_config(index, frames)
            write_sequence(seq_root / name, cfg, seed=DEMO_SEED_BASE + index, progress=progress)
        logger.info("%s: rendered %d frames (%dx%d) in %.1f s", name, cfg.n_frames, cfg.width, cfg.height,
                    time.perf_counter() - t0)
        names.append(name)

    for name in names:
        source = open_source(seq_root / name)
        with builtin_warning_suppressed():  # the synthetic scenes the built-in model is made for
            if classes:
                from .weights import BUILTIN_CLASSES_WEIGHTS

                if weights is None and not BUILTIN_CLASSES_WEIGHTS.is_file():
                    raise FileNotFoundError(f"no built-in multi-class model at {BUILTIN_CLASSES_WEIGHTS}; make it "
                                            "with python -m fairmot.train.builtin_classes or pass --weights")
                tracker = Tracker(weights or str(BUILTIN_CLASSES_WEIGHTS), device=device,
                                  frame_rate=source.frame_rate, max_aspect_ratio=None)
            else:
                tracker = Tracker(weights, device=device, frame_rate=source.frame_rate)
        logger.info("tracking %s with %s (input %dx%d)", name, weights or "the built-in model",
                    *tracker.detector.img_size)
        writer = VideoWriter(out / f"{name}.mp4", fps=source.fps) if video else None
        frames_iter = prefetch(source)
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(frames_iter, total=source.frame_count, desc=f"tracking {name}", unit="frame",
                       dynamic_ncols=True)
            frames_iter = bar
        run = TrackingRun(tracker, writer=writer, trails=TrackTrails() if video else None, bar=bar,
                          class_column=classes, class_names=tracker.class_names if classes else None)
        try:
            run.run(frames_iter)
        finally:
            if bar is not None:
                bar.close()
            if writer is not None:
                writer.close()
        write_mot_results(res_root / f"{name}.txt", run.lines)
        logger.info("%s: %.1f frames/s (network + decoding + association)", name, run.fps)
    metrics = evaluate(seq_root, res_root, names, classes="auto" if classes else None)
    write_metrics_csv(metrics, out / "metrics.csv")
    return metrics
