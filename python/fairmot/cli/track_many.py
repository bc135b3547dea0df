"""``fairmot track`` with many sources: ``fairmot track SRC [SRC ...]`` or ``--sources list.txt``.

Each source's results go to ``--output-dir`` as ``<name>.txt`` (and ``<name>.mp4`` with
``--save-video``), ``<name>`` = the source's 0-based position in the full list, zero-padded, ``_``,
and its base name (see :func:`output_name`). Without ``--batch`` the sources are tracked one after
another, each by its own :class:`fairmot.Tracker` (the results of a single-source run); with
``--batch`` they go together through one :class:`fairmot.MultiStreamTracker` (one network call per
step for every source that still has frames).

Sharding: under ``torchrun`` (or any launcher setting ``RANK`` / ``WORLD_SIZE``), rank r of W tracks
the sources at positions r, r + W, r + 2W, ... of the list; names keep the position in the full
list, so the union of the ranks' output folders equals a single-process run. With CUDA, each rank
uses ``cuda:LOCAL_RANK`` when ``--device`` is ``auto`` or ``cuda``. No process group is needed.
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import time
from typing import Any, Sequence

logger = logging.getLogger("fairmot")

__all__ = ["add_many_options", "read_source_list", "output_name", "shard", "run_many"]


def add_many_options(parser: argparse.ArgumentParser) -> None:
    """The many-sources options of ``fairmot track``."""
    group = parser.add_argument_group("many sources")
    group.add_argument("--sources", default=None, metavar="FILE", dest="sources_file",
                       help="a text file with one source per line (blank lines and lines starting with # are "
                            "skipped), tracked as if given on the command line after the positional sources")
    group.add_argument("--output-dir", default=None, metavar="DIR",
                       help="with several sources (or --sources): write each source's results to "
                            "DIR/<NNN>_<name>.txt, NNN its 0-based position in the source list (zero-padded), "
                            "name its base name")
    group.add_argument("--batch", action="store_true",
                       help="track the sources together through one MultiStreamTracker (one batched network "
                            "call per step) instead of one after another")
    group.add_argument("--save-video", action="store_true",
                       help="with --output-dir: also write DIR/<NNN>_<name>.mp4 (annotated)")


def read_source_list(path: str) -> list[str]:
    """Sources listed in ``path``, one per line; blank lines and ``#`` comments skipped."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"--sources file not found: {path}")
    with open(path, encoding="utf-8") as f:
        items = [line.strip() for line in f]
    sources = [s for s in items if s and not s.startswith("#")]
    if not sources:
        raise ValueError(f"--sources file {path} lists no source")
    return sources


def output_name(index: int, source: str, count: int) -> str:
    """``<index zero-padded to the digits of count - 1, at least 3>_<base name>``: the base name
    is the file name without its extension, the folder name, or ``camera<N>``; characters other
    than letters, digits, ``.``, ``-`` and ``_`` become ``_``."""
    text = str(source).rstrip("/\\")
    if text.isdigit():
        base = f"camera{text}"
    else:
        base = os.path.basename(text)
        if not os.path.isdir(text):
            base = os.path.splitext(base)[0] or base
    base = re.sub(r"[^A-Za-z0-9._-]", "_", base) or "source"
    width = max(3, len(str(max(count - 1, 0))))
    return f"{index:0{width}d}_{base}"


def shard(count: int, env: dict[str, str] | None = None) -> tuple[list[int], int, int]:
    """The positions (of ``count`` sources) this process tracks: ``RANK::WORLD_SIZE``; returns
    (positions, rank, world size). Without the variables: every position, rank 0 of 1."""
    env = os.environ if env is None else env
    try:
        world = int(env.get("WORLD_SIZE", "1"))
        rank = int(env.get("RANK", "0"))
    except ValueError as exc:
        raise ValueError(f"RANK / WORLD_SIZE must be integers, got RANK={env.get('RANK')!r} "
                         f"WORLD_SIZE={env.get('WORLD_SIZE')!r}") from exc
    if world < 1 or not 0 <= rank < world:
        raise ValueError(f"need 0 <= RANK < WORLD_SIZE, got RANK={rank} WORLD_SIZE={world}")
    return list(range(rank, count, world)), rank, world


def _rank_device(device: str, world: int, env: dict[str, str] | None = None) -> str:
    """``cuda:LOCAL_RANK`` for ``auto`` / ``cuda`` when sharded over several processes with CUDA."""
    env = os.environ if env is None else env
    if world <= 1 or device not in ("auto", "cuda") or "LOCAL_RANK" not in env:
        return device
    import torch

    if not torch.cuda.is_available():
        return "cpu" if device == "auto" else device
    return f"cuda:{int(env['LOCAL_RANK']) % torch.cuda.device_count()}"


def _share_cores(args: argparse.Namespace, world: int) -> None:
    """Several ranks on one machine split its cores (unless --threads or FAIRMOT_THREADS decides)."""
    local = int(os.environ.get("LOCAL_WORLD_SIZE", "1") or 1)
    if world <= 1 or local <= 1 or getattr(args, "threads", None) is not None or os.environ.get("FAIRMOT_THREADS"):
        return
    import torch

    from ..threads import usable_cores

    torch.set_num_threads(max(1, usable_cores() // local))


class _Given:
    """A stand-in ``tracker`` for :class:`fairmot.tracker.TrackingRun`: returns tracks computed elsewhere."""

    def __init__(self) -> None:
        self.tracks: Any = None

    def update(self, frame_bgr: Any) -> Any:
        return self.tracks


def run_many(args: argparse.Namespace, sources: Sequence[str]) -> int:
    """Track ``sources`` into ``args.output_dir`` (this rank's share); returns the exit code."""
    from .classes import class_run_options
    from ..io import OFFICIAL_VIDEO_SIZE, TrackTrails, VideoWriter, open_source, prefetch, write_mot_results
    from ..tracker import TrackingRun

    try:
        from tqdm import tqdm
    except ImportError:  # progress bars are optional
        tqdm = None

    if not args.output_dir:
        raise ValueError("several sources (or --sources) need --output-dir DIR for their results")
    if args.output_video:
        raise ValueError("--output-video names one file: with several sources use --output-dir DIR --save-video")
    positions, rank, world = shard(len(sources))
    device = _rank_device(args.device, world)
    _share_cores(args, world)
    os.makedirs(args.output_dir, exist_ok=True)
    names = {i: output_name(i, sources[i], len(sources)) for i in positions}
    if world > 1:
        logger.info("rank %d of %d: %d of %d sources on %s", rank, world, len(positions), len(sources), device)
    if not positions:
        return 0
    video_size = None if args.native_size else OFFICIAL_VIDEO_SIZE
    opened = {i: open_source(sources[i], video_size=video_size) for i in positions}
    from .classes import output_filter_kwargs
    from .track_cache import association_kwargs

    if getattr(args, "save_detections", None) or getattr(args, "from_detections", None):
        raise ValueError("--save-detections / --from-detections take one source (run fairmot track once per source)")
    common = dict(arch=args.arch, img_size=args.img_size, device=device, dtype=args.dtype,
                  **{k: v for k, v in association_kwargs(args).items() if v is not None},
                  **output_filter_kwargs(args))
    runs: dict[int, TrackingRun] = {}
    writers: dict[int, Any] = {}
    bars: dict[int, Any] = {}
    for k, i in enumerate(positions):
        src = opened[i]
        writers[i] = (VideoWriter(os.path.join(args.output_dir, names[i] + ".mp4"), fps=src.fps)
                      if args.save_video else None)
        if tqdm is not None:
            bars[i] = tqdm(total=src.frame_count, desc=names[i], unit="frame", dynamic_ncols=True, position=k,
                           disable=args.quiet, leave=True)
    interrupted = False
    try:
        if args.batch:
            _run_batched(args, positions, opened, common, runs, writers, bars, prefetch, TrackTrails, TrackingRun)
        else:
            from ..tracker import Tracker

            network = args.weights
            for i in positions:
                tracker = Tracker(network, frame_rate=opened[i].frame_rate, **common)
                network = tracker.detector.model  # loaded once, shared by the next sources' trackers
                runs[i] = TrackingRun(tracker, writer=writers[i], trails=TrackTrails() if args.trails else None,
                                      bar=bars.get(i), **class_run_options(args, tracker.num_classes,
                                                                           tracker.class_names))
                for frame in prefetch(opened[i]):
                    runs[i].step(frame)
                    if i in bars:
                        bars[i].update(1)
    except KeyboardInterrupt:
        interrupted = True
        logger.warning("interrupted; writing what was tracked")
    finally:
        for bar in bars.values():
            bar.close()
        for writer in writers.values():
            if writer is not None:
                writer.close()
    for i in positions:
        run = runs.get(i)
        if run is None:
            continue
        path = os.path.join(args.output_dir, names[i] + ".txt")
        write_mot_results(path, run.lines)
        print(f"{names[i]}: {run.frames} frames, {len(run.ids_seen)} track ids, {len(run.lines)} boxes, "
              f"{run.fps:.2f} frames/s -> {path}")
    return 130 if interrupted else 0


def _run_batched(args, positions, opened, common, runs, writers, bars, prefetch, TrackTrails, TrackingRun) -> None:
    """Every source through one MultiStreamTracker; a source that ends leaves the batch."""
    from .classes import class_run_options
    from ..multistream import MultiStreamTracker

    mt = MultiStreamTracker(args.weights, streams=len(positions),
                            frame_rate=[opened[i].frame_rate for i in positions], **common)
    given = {i: _Given() for i in positions}
    for i in positions:
        runs[i] = TrackingRun(given[i], writer=writers[i], trails=TrackTrails() if args.trails else None,
                              bar=bars.get(i), **class_run_options(args, mt.detector.num_classes,
                                                                   mt.detector.class_names))
    iters = {s: iter(prefetch(opened[i])) for s, i in enumerate(positions)}
    while iters:
        frames = {}
        for s in list(iters):
            frame = next(iters[s], None)
            if frame is None:
                del iters[s]
            else:
                frames[s] = frame
        if not frames:
            break
        t0 = time.perf_counter()
        out = mt.update(frames)
        dt = time.perf_counter() - t0
        for s, tracks in out.items():
            i = positions[s]
            given[i].tracks = tracks
            runs[i].elapsed += dt  # a stream's rate: its frames over the time of the calls that served it
            runs[i].step(frames[s])
            if i in bars:
                bars[i].update(1)
