"""``fairmot bench``: per-frame latency of the tracker on this machine, split by stage.

The stages are those of :meth:`fairmot.Tracker.update`, called one by one:

* ``preprocess``: letterbox to the network size and the input blob (on a CUDA device the uint8
  canvas is uploaded and converted there);
* ``network``: the forward pass (raw head maps);
* ``decode``: sigmoid, peaks + top-K, box and embedding gathers, mapping to frame pixels, the
  score threshold (results on the host);
* ``association``: ``JDETracker.update`` and the official output filter.

On CUDA every stage ends with a device synchronisation so that its time is its own; a second
pass times plain ``Tracker.update`` calls without those extra synchronisations (``end_to_end``),
which is the rate a user sees. Frames are synthetic street scenes (or the first frames of a video
with ``--source``), prepared before timing and reused cyclically.
"""
from __future__ import annotations

import itertools
import logging
import platform
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

logger = logging.getLogger(__name__)

STAGES = ("preprocess", "network", "decode", "association")


@dataclass
class BenchResult:
    """Per-frame times in milliseconds (one list per stage, one entry per timed frame)."""

    stages: dict[str, list[float]] = field(default_factory=dict)
    end_to_end: list[float] = field(default_factory=list)
    detections: list[int] = field(default_factory=list)
    setup: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, dict[str, float]]:
        """mean / median / min / p90 milliseconds per stage, plus the stage sum and end to end."""
        rows = dict(self.stages)
        rows["sum of stages"] = [float(v) for v in np.sum([self.stages[s] for s in STAGES], axis=0)]
        rows["end to end"] = self.end_to_end
        out = {}
        for name, values in rows.items():
            a = np.asarray(values, dtype=np.float64)
            out[name] = {"mean_ms": float(a.mean()), "median_ms": float(np.median(a)), "min_ms": float(a.min()),
                         "p90_ms": float(np.percentile(a, 90))}
        return out

    def fps(self) -> float:
        """Frames per second of plain ``Tracker.update`` calls (median frame time)."""
        return 1000.0 / float(np.median(self.end_to_end))

    def table(self) -> str:
        """A plain-text table of :meth:`summary`."""
        s = self.summary()
        total = s["sum of stages"]["median_ms"]
        lines = [f"{'stage':<16}{'median ms':>11}{'mean ms':>10}{'p90 ms':>10}{'share':>8}"]
        for name, row in s.items():
            share = f"{100 * row['median_ms'] / total:.0f} %" if name in STAGES and total > 0 else ""
            lines.append(f"{name:<16}{row['median_ms']:>11.2f}{row['mean_ms']:>10.2f}{row['p90_ms']:>10.2f}{share:>8}")
        lines.append(f"end-to-end rate: {self.fps():.1f} frames/s; "
                     f"{np.mean(self.detections):.1f} detections per frame")
        return "\n".join(lines)


def _synchronizer(tracker) -> Callable[[], None]:
    device = getattr(tracker.detector, "device", None)
    if device is not None and getattr(device, "type", "cpu") == "cuda":
        import torch

        return lambda: torch.cuda.synchronize(device)
    return lambda: None


def _check_counts(n_frames: int, warmup: int) -> None:
    if n_frames < 1 or warmup < 0:
        raise ValueError(f"n_frames must be >= 1 and warmup >= 0, got {n_frames}, {warmup}")


def benchmark(tracker, frames: Sequence[np.ndarray], n_frames: int = 100, warmup: int = 10) -> BenchResult:
    """Time ``n_frames`` frames (after ``warmup`` untimed ones) through ``tracker`` stage by stage,
    then again through plain ``tracker.update``. ``frames`` are reused cyclically; the tracker is
    reset before each pass. Returns the per-frame times in milliseconds."""
    from .detection.preprocess import letterbox

    _check_counts(n_frames, warmup)
    if not frames:
        raise ValueError("no frames to benchmark")
    det, assoc = tracker.detector, tracker.association
    sync = _synchronizer(tracker)
    clock = time.perf_counter
    result = BenchResult(stages={s: [] for s in STAGES})

    tracker.reset()
    for k, frame in enumerate(itertools.islice(itertools.cycle(frames), warmup + n_frames)):
        h0, w0 = frame.shape[:2]
        t0 = clock()
        blob = det.blob(letterbox(frame, *det.img_size)[0])
        sync()
        t1 = clock()
        out = det.forward(blob)
        sync()
        t2 = clock()
        dets = det.decode(out, (w0, h0))
        t3 = clock()
        tracker.output(assoc.update(dets))
        t4 = clock()
        if k >= warmup:
            for name, dt in zip(STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                result.stages[name].append(1e3 * dt)
            result.detections.append(len(dets))

    tracker.reset()
    for k, frame in enumerate(itertools.islice(itertools.cycle(frames), warmup + n_frames)):
        t0 = clock()
        tracker.update(frame)
        dt = clock() - t0
        if k >= warmup:
            result.end_to_end.append(1e3 * dt)
    return result


def synthetic_frames(count: int, size: tuple[int, int] = (1920, 1080), seed: int = 0) -> list[np.ndarray]:
    """``count`` frames of a synthetic street scene of ``size`` (width, height)."""
    from .data.synthetic import SceneConfig, render_sequence

    w, h = size
    cfg = SceneConfig(width=w, height=h, n_frames=count, n_people=20, min_height=h // 8, max_height=h // 3)
    return [frame for frame, _ in render_sequence(cfg, seed=seed)]


def _device_name(tracker) -> str:
    device = getattr(tracker.detector, "device", None)
    if device is not None and getattr(device, "type", "cpu") == "cuda":
        import torch

        return f"{device} ({torch.cuda.get_device_name(device)})"
    return f"cpu ({platform.processor() or platform.machine()})"


def run_bench(weights=None, arch=None, img_size=None, device="auto", dtype="float32", n_frames=100, warmup=10,
              source=None, frame_size=(1920, 1080), unique_frames=30) -> BenchResult:
    """Build a :class:`fairmot.Tracker`, prepare frames and :func:`benchmark` it."""
    import torch

    from . import __version__
    from .tracker import Tracker

    _check_counts(n_frames, warmup)
    tracker = Tracker(weights, arch=arch, img_size=img_size, device=device, dtype=dtype)
    n_unique = max(1, min(unique_frames, n_frames + warmup))
    if source is not None:
        from .io.sources import open_source

        frames = list(itertools.islice(open_source(source), n_unique))
        if not frames:
            raise ValueError(f"no frames could be read from {source}")
    else:
        frames = synthetic_frames(n_unique, frame_size)
    logger.info("benchmarking %d frames (+%d warm-up) of %dx%d on %s", n_frames, warmup, frames[0].shape[1],
                frames[0].shape[0], _device_name(tracker))
    result = benchmark(tracker, frames, n_frames=n_frames, warmup=warmup)
    result.setup = {
        "fairmot": __version__, "torch": torch.__version__, "device": _device_name(tracker), "dtype": dtype,
        "weights": str(weights) if weights is not None else "built-in",
        "img_size": list(tracker.detector.img_size), "frame_size": [int(frames[0].shape[1]), int(frames[0].shape[0])],
        "frames": n_frames, "warmup": warmup, "source": str(source) if source is not None else "synthetic",
    }
    return result


# The old CLI hook fairmot.bench.add_command -> fairmot.cli.bench.register, for one release.
from ._deprecated import forward as _forward  # noqa: E402

__getattr__, _ = _forward("fairmot.bench", (), {"add_command": "fairmot.cli.bench:register"})
