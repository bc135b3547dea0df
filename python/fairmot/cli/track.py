"""``fairmot track``: track a video, an image folder / MOT sequence or a camera (:class:`fairmot.Tracker`)."""
from __future__ import annotations

import argparse
import logging
from typing import Any

from ..config import TrackerConfig
from .classes import add_class_options, class_run_options, output_filter_kwargs
from .common import add_model_options
from .counting import add_counting_options, counting_from_args, print_counts
from .live import add_live_options, live_options_from_args
from .track_cache import add_association_options, add_detection_cache_options, association_kwargs
from .track_many import add_many_options

logger = logging.getLogger("fairmot")


def _cmd_track(args: argparse.Namespace) -> int:
    """Track a video / image folder / camera with a FairMOT network (several: cli/track_many.py)."""
    from .track_many import read_source_list, run_many

    if args.from_detections:
        from .track_cache import run_from_detections

        if len(args.source) > 1 or args.sources_file or args.output_dir or args.batch:
            raise ValueError("--from-detections replays one cache: give at most one SOURCE (for --output-video)")
        args.source = args.source[0] if args.source else None
        return run_from_detections(args)
    sources = list(args.source) + (read_source_list(args.sources_file) if args.sources_file else [])
    if not sources:
        raise ValueError("no source: give a video, image folder or camera index, or --sources FILE")
    if len(sources) > 1 or args.sources_file or args.output_dir or args.batch:
        return run_many(args, sources)
    args.source = sources[0]
    return _track_one(args)


def _track_one(args: argparse.Namespace) -> int:
    """Track one source (the single-source ``fairmot track``)."""
    from ..io import OFFICIAL_VIDEO_SIZE, TrackTrails, VideoWriter, open_source, prefetch, write_mot_results
    from ..tracker import Tracker, TrackingRun, lowest_score_used

    try:
        from tqdm import tqdm
    except ImportError:  # progress bars are optional
        tqdm = None

    source = open_source(args.source, video_size=None if args.native_size else OFFICIAL_VIDEO_SIZE,
                         **live_options_from_args(args, args.source))
    native = getattr(source, "native_size", None)
    if native is not None and native != source.size:
        logger.info("video frames %dx%d resized to %dx%d as the official demo does (--native-size to keep them)",
                    *native, *source.size)
    logger.info("source %s: %dx%d, %g fps (tracker frame rate %d), %s frames", source.name, source.size[0],
                source.size[1], source.fps, source.frame_rate,
                "?" if source.frame_count is None else source.frame_count)
    from .track_cache import DEFAULT_SAVE_SCORE_FLOOR, open_cache_writer

    assoc = {k: v for k, v in association_kwargs(args).items() if v is not None}
    floor = None
    if args.save_detections:  # save more than this run uses, so replays can try lower thresholds
        floor = DEFAULT_SAVE_SCORE_FLOOR if args.save_score_floor is None else args.save_score_floor
        floor = min(floor, lowest_score_used(assoc.get("conf_thres", TrackerConfig.conf_thres),
                                             assoc.get("association", TrackerConfig.association),
                                             assoc.get("low_thres", TrackerConfig.low_thres)))
    tracker = Tracker(args.weights, arch=args.arch, img_size=args.img_size, device=args.device, dtype=args.dtype,
                      frame_rate=source.frame_rate, score_floor=floor, **assoc, **output_filter_kwargs(args))
    class_run_options(args, tracker.num_classes, tracker.class_names)  # a bad --classes fails before the run
    cache = open_cache_writer(args, source, tracker)
    logger.info("network on %s (%s), input %dx%d", tracker.detector.device, args.dtype, *tracker.detector.img_size)

    writer = VideoWriter(args.output_video, fps=source.fps) if args.output_video else None
    live = getattr(source, "live", False)  # a live source reads on its own thread and keeps the newest frame
    frames = source if live else prefetch(source)  # the next frames are read while this one is tracked
    bar = None
    if tqdm is not None:
        bar = tqdm(frames, total=source.frame_count, desc="tracking", unit="frame", dynamic_ncols=True,
                   disable=args.quiet)
        frames = bar
    counting = counting_from_args(args)
    run = TrackingRun(tracker, writer=writer, trails=TrackTrails() if args.trails else None, bar=bar,
                      detections=cache, counting=counting, source=source if live else None,
                      **class_run_options(args, tracker.num_classes, tracker.class_names))
    interrupted = False
    try:
        run.run(frames)
    except KeyboardInterrupt:
        interrupted = True
        logger.warning("interrupted after %d frames; writing what was tracked", run.frames)
    finally:
        if bar is not None:
            bar.close()
        if live:
            source.close()
        if writer is not None:
            writer.close()
        if cache is not None:
            cache.close()
        if counting is not None:
            counting.close()
    lines = run.lines
    if args.output_txt:
        write_mot_results(args.output_txt, lines)
    rate = run.fps
    print(f"frames            {run.frames}")
    print(f"track ids         {len(run.ids_seen)}")
    print(f"boxes written     {len(lines)}")
    print(f"speed             {rate:.2f} frames/s (network + decoding + association)")
    if live:
        print(f"dropped           {source.dropped} frames (live source; {source.reconnects} reconnections)")
    if args.output_txt:
        print(f"results           {args.output_txt}")
    if counting is not None:
        print_counts(counting)
    if writer is not None:
        print(f"video             {args.output_video} ({writer.frames_written} frames)")
    if cache is not None:
        print(f"detections        {args.save_detections} ({cache.frames} frames, scores > {tracker.score_floor:g})")
    return 130 if interrupted else 0


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``fairmot track``; returns the sub-parser."""
    track = subparsers.add_parser(
        "track", help="track people in a video, an image folder / MOT sequence, or a camera",
        description="Track a video file, a folder of images (a MOT sequence folder with seqinfo.ini too) or a "
                    "camera index with FairMOT; writes MOT Challenge lines and, optionally, an annotated video. "
                    "Video frames are resized to 1920x1080 first, as the official demo does (boxes are then in "
                    "that space); --native-size keeps the video's own resolution.")
    track.add_argument("source", nargs="*", help="video file, image folder, MOT sequence folder, stream URL "
                       "(rtsp://, http(s)://, udp://, ...) or camera index; several go to --output-dir "
                       "(see --sources, --batch)")
    add_model_options(track)
    track.add_argument("--native-size", action="store_true",
                       help="keep video frames at their own resolution instead of resizing them to 1920x1080 as "
                            "the official demo does (image folders and cameras are never resized)")
    track.add_argument("--output-video", default=None, metavar="PATH",
                       help="write an annotated video (.mp4, mp4v codec)")
    track.add_argument("--output-txt", default="results.txt", metavar="PATH",
                       help="MOT Challenge result file (default: %(default)s)")
    track.add_argument("--trails", action="store_true", help="draw the past centres of each track in the video")
    add_class_options(track)
    add_live_options(track)
    add_counting_options(track)
    track.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_association_options(track)
    add_detection_cache_options(track)
    add_many_options(track)
    track.set_defaults(func=_cmd_track)
    return track
