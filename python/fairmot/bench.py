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

import argparse
import itertools
import json
import logging
import platform
import time
from dataclasses import asdict, dataclass, field
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
    from .pipeline import letterbox

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
        boxes, scores, emb = det.decode(out, (w0, h0))
        t3 = clock()
        tracker.output(assoc.update(boxes, scores, emb))
        t4 = clock()
        if k >= warmup:
            for name, dt in zip(STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                result.stages[name].append(1e3 * dt)
            result.detections.append(int(len(scores)))

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
    from .api import Tracker

    _check_counts(n_frames, warmup)
    tracker = Tracker(weights, arch=arch, img_size=img_size, device=device, dtype=dtype)
    n_unique = max(1, min(unique_frames, n_frames + warmup))
    if source is not None:
        from .video import open_source

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


def add_command(subparsers: Any) -> None:
    """Register ``fairmot bench`` on the CLI's sub-parsers."""
    from .cli import _arch, _device, _positive_int, parse_frame_size, parse_img_size
    from .validation import DTYPES

    p = subparsers.add_parser(
        "bench", help="per-frame latency of the tracker on this machine, split by stage",
        description="Time the tracker frame by frame (pre-processing, network, decoding, association; then plain "
                    "Tracker.update calls end to end) on synthetic 1920x1080 street scenes or the first frames of a "
                    "video, and print a table.")
    p.add_argument("--weights", default=None, help="FairMOT checkpoint (.pth) or exported .onnx; default: built-in")
    p.add_argument("--arch", type=_arch, default=None, help="network architecture (default: from the checkpoint)")
    p.add_argument("--img-size", type=parse_img_size, default=None, metavar="WxH",
                   help="network input size (default: the checkpoint's, else 1088x608)")
    p.add_argument("--device", type=_device, default="auto", help="auto, cpu, cuda or cuda:N (default: %(default)s)")
    p.add_argument("--dtype", default="float32", choices=DTYPES,
                   help="network precision; float16/bfloat16 need CUDA (default: %(default)s)")
    p.add_argument("--frames", type=_positive_int, default=100, help="timed frames (default: %(default)s)")
    p.add_argument("--warmup", type=int, default=10, help="untimed frames first (default: %(default)s)")
    p.add_argument("--source", default=None, help="take frames from this video / image folder instead")
    p.add_argument("--frame-size", type=parse_frame_size, default=(1920, 1080), metavar="WxH",
                   help="size of the synthetic frames (default: 1920x1080)")
    p.add_argument("--json", default=None, metavar="PATH", help="also write the setup and all times as JSON")
    p.set_defaults(func=_cmd_bench)


def _cmd_bench(args: argparse.Namespace) -> int:
    result = run_bench(weights=args.weights, arch=args.arch, img_size=args.img_size, device=args.device,
                       dtype=args.dtype, n_frames=args.frames, warmup=args.warmup, source=args.source,
                       frame_size=args.frame_size)
    s = result.setup
    print(f"fairmot {s['fairmot']}, torch {s['torch']}, {s['device']}, {s['dtype']}, weights {s['weights']}")
    print(f"network input {s['img_size'][0]}x{s['img_size'][1]}, frames {s['frame_size'][0]}x{s['frame_size'][1]} "
          f"({s['source']}), {s['frames']} timed after {s['warmup']} warm-up")
    print(result.table())
    if args.json:
        from ._io import atomic_open

        with atomic_open(args.json) as fh:
            json.dump({**asdict(result), "summary": result.summary(), "fps": result.fps()}, fh, indent=1)
        print(f"written to {args.json}")
    return 0
