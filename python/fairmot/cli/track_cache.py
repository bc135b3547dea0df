"""The detection-cache side of ``fairmot track``: ``--save-detections`` (record what the network gives
the association) and ``--from-detections`` (replay the association alone, no network)."""
from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any

from ..config import TrackerConfig
from ..validation import NON_NEGATIVE_NUMBER, SCORE_THRESHOLD
from .common import _track_buffer, _unit_float

logger = logging.getLogger("fairmot")

__all__ = ["add_association_options", "add_detection_cache_options", "association_kwargs", "sequence_name",
           "open_cache_writer", "run_from_detections"]

_non_negative = NON_NEGATIVE_NUMBER.arg_type(float)
_score = SCORE_THRESHOLD.arg_type(float)

#: option dest -> tracker keyword (the association settings a cache records and a replay can change)
_ASSOCIATION_OPTIONS = ("conf_thres", "track_buffer", "association", "match_thres", "low_thres", "iou_thres",
                        "unconfirmed_thres")


def add_association_options(parser: argparse.ArgumentParser) -> None:
    """``--conf-thres --track-buffer --association --match-thres --low-thres --iou-thres
    --unconfirmed-thres``; each defaults to the official value (or, with ``--from-detections``, to
    the value the cached run used)."""
    c = TrackerConfig
    g = parser.add_argument_group("association (default: the official value, or the cached run's with "
                                  "--from-detections)")
    g.add_argument("--conf-thres", type=_unit_float, default=None,
                   help=f"detection confidence threshold (official {c.conf_thres})")
    g.add_argument("--track-buffer", type=_track_buffer, default=None,
                   help=f"frames (at 30 fps) a lost track is kept (official {c.track_buffer})")
    g.add_argument("--association", choices=("default", "byte"), default=None,
                   help="'default' (official) or 'byte' (adds an IoU pass over low-score detections)")
    g.add_argument("--match-thres", type=_non_negative, default=None,
                   help=f"embedding + motion stage threshold (official {c.match_thres})")
    g.add_argument("--low-thres", type=_unit_float, default=None,
                   help=f"byte mode: low-score band lower bound (default {c.low_thres})")
    g.add_argument("--iou-thres", type=_non_negative, default=None,
                   help=f"IoU stage threshold, a cost 1 - IoU (official {c.iou_thres})")
    g.add_argument("--unconfirmed-thres", type=_non_negative, default=None,
                   help=f"IoU threshold of unconfirmed tracks (official {c.unconfirmed_thres})")


def add_detection_cache_options(parser: argparse.ArgumentParser) -> None:
    """``--save-detections DIR``, ``--save-score-floor S``, ``--from-detections DIR``."""
    g = parser.add_argument_group("cached detections (for fairmot tune and fast re-runs of the association)")
    g.add_argument("--save-detections", metavar="DIR", default=None,
                   help="also write every frame's detections (boxes, scores, embeddings; lossless, compressed) "
                        "to DIR; fairmot track --from-detections DIR and fairmot tune replay them")
    g.add_argument("--save-score-floor", type=_score, default=None, metavar="S",
                   help="with --save-detections: keep detections scoring above S (default 0.05), so replays can "
                        "try any threshold down to S; the tracks of this run do not change")
    g.add_argument("--from-detections", metavar="DIR", default=None,
                   help="no network: replay the association on detections saved by --save-detections; SOURCE is "
                        "then only needed for --output-video")


#: Detections at or below this score are not saved by default (thresholds tried later sit above it).
DEFAULT_SAVE_SCORE_FLOOR = 0.05


def association_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The association options given on the command line (None: not given)."""
    return {k: getattr(args, k, None) for k in _ASSOCIATION_OPTIONS}


def sequence_name(source: str) -> str:
    """The sequence name a cache records: ``[Sequence] name`` of a MOT sequence's ``seqinfo.ini``,
    the sequence folder for its ``img1/``, else the file or folder name without extension."""
    from ..io.sources import _read_seqinfo

    path = Path(source)
    for folder in (path, path.parent):
        ini = folder / "seqinfo.ini"
        if path.is_dir() and ini.is_file():
            return _read_seqinfo(ini).get("name", "").strip() or folder.name
    return path.stem if path.suffix else path.name


def open_cache_writer(args: argparse.Namespace, source: Any, tracker: Any) -> Any:
    """The :class:`DetectionCacheWriter` of ``--save-detections`` (None when not asked for)."""
    if not args.save_detections:
        if args.save_score_floor is not None:
            raise SystemExit("fairmot track: --save-score-floor needs --save-detections")
        return None
    from ..io.detections import DetectionCacheWriter

    meta = {"sequence": sequence_name(str(args.source)), "source": os.fspath(args.source),
            "frame_rate": source.frame_rate, "frame_size": list(source.size), "score_floor": tracker.score_floor,
            "detector": {"weights": None if args.weights is None else os.fspath(args.weights), "arch": args.arch,
                         "img_size": list(tracker.detector.img_size), "dtype": args.dtype, "K": tracker.detector.K,
                         "num_classes": tracker.num_classes, "class_names": tracker.class_names},
            "tracker": tracker.settings()}
    return DetectionCacheWriter(Path(args.save_detections), meta=meta)


def run_from_detections(args: argparse.Namespace) -> int:
    """``fairmot track --from-detections DIR``: the association alone over a saved cache."""
    from ..io import TrackTrails, VideoWriter, draw_tracks, open_source, OFFICIAL_VIDEO_SIZE, write_mot_results
    from ..io.detections import DetectionCache
    from ..io.mot import format_mot_lines
    from ..tracking.replay import replay

    if args.save_detections:
        raise SystemExit("fairmot track: --save-detections and --from-detections exclude each other")
    cache = DetectionCache(args.from_detections)
    from .classes import output_filter_kwargs

    overrides = {k: v for k, v in association_kwargs(args).items() if v is not None}
    overrides.update(output_filter_kwargs(args))
    recorded = cache.meta.get("detector") or {}
    num_classes = recorded.get("num_classes", 1) if isinstance(recorded, dict) else 1
    names = recorded.get("class_names") if isinstance(recorded, dict) else None
    from .classes import class_run_options
    from ..tracking.output import select_classes

    classes = class_run_options(args, int(num_classes), names)
    tracks_per_frame = replay(cache, **overrides)
    writer = None
    frames: Any = [None] * len(cache)
    if args.output_video:
        if args.source is None:
            raise SystemExit("fairmot track: --output-video with --from-detections needs the SOURCE to draw on")
        source = open_source(args.source, video_size=None if args.native_size else OFFICIAL_VIDEO_SIZE)
        writer = VideoWriter(args.output_video, fps=source.fps)
        frames = source
    trails = TrackTrails() if args.trails else None
    lines: list[str] = []
    ids: set[int] = set()
    n = 0
    try:
        for n, (frame, tracks) in enumerate(zip(frames, tracks_per_frame), start=1):
            if classes["classes"] is not None:
                tracks = select_classes(tracks, classes["classes"])
            lines.extend(format_mot_lines(n, tracks, class_column=classes["class_column"]))
            ids.update(int(i) for i in tracks.ids)
            if writer is not None:
                if trails is not None:
                    trails.update(tracks)
                writer.write(draw_tracks(frame, tracks, trails=trails, frame_index=n, copy=False,
                                         class_names=classes["class_names"]))
    finally:
        if writer is not None:
            writer.close()
    if n != len(cache):
        logger.warning("the source had %d frames, the detection cache %d: stopped at the shorter", n, len(cache))
    if args.output_txt:
        write_mot_results(args.output_txt, lines)
    print(f"frames            {n} (replayed from {args.from_detections}, no network)")
    print(f"track ids         {len(ids)}")
    print(f"boxes written     {len(lines)}")
    if args.output_txt:
        print(f"results           {args.output_txt}")
    if writer is not None:
        print(f"video             {args.output_video} ({writer.frames_written} frames)")
    return 0
