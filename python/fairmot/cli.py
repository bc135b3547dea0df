"""Command-line interface: ``fairmot <command> ...``."""
from __future__ import annotations

import argparse
import logging
import sys

from .validation import (ARCH, DEVICE, DTYPES, FRAME_SIZE, IMG_SIZE, POSITIVE_INT, SCORE_THRESHOLD, TRACK_BUFFER,
                         parse_wxh)

logger = logging.getLogger("fairmot")


# argparse types: the rules of fairmot.validation, shared with the Python constructors.
#: ``"WxH"`` -> (W, H); both positive multiples of 32 (network input sizes).
parse_img_size = IMG_SIZE.arg_type(parse_wxh)
#: ``"WxH"`` -> (W, H); any positive size (frame sizes).
parse_frame_size = FRAME_SIZE.arg_type(parse_wxh)
_positive_int = POSITIVE_INT.arg_type(int)
_unit_float = SCORE_THRESHOLD.arg_type(float)
_track_buffer = TRACK_BUFFER.arg_type(int)
_device = DEVICE.arg_type()
_arch = ARCH.arg_type()


def _cmd_track(args: argparse.Namespace) -> int:
    """Track a video / image folder / camera with a FairMOT network."""
    from . import Tracker
    from .tracking_run import TrackingRun
    from .video import OFFICIAL_VIDEO_SIZE, TrackTrails, VideoWriter, open_source, prefetch, write_mot_results

    try:
        from tqdm import tqdm
    except ImportError:  # progress bars are optional
        tqdm = None

    source = open_source(args.source, video_size=None if args.native_size else OFFICIAL_VIDEO_SIZE)
    native = getattr(source, "native_size", None)
    if native is not None and native != source.size:
        logger.info("video frames %dx%d resized to %dx%d as the official demo does (--native-size to keep them)",
                    *native, *source.size)
    logger.info("source %s: %dx%d, %g fps (tracker frame rate %d), %s frames", source.name, source.size[0],
                source.size[1], source.fps, source.frame_rate,
                "?" if source.frame_count is None else source.frame_count)
    tracker = Tracker(args.weights, arch=args.arch, img_size=args.img_size, conf_thres=args.conf_thres,
                      device=args.device, dtype=args.dtype, track_buffer=args.track_buffer,
                      frame_rate=source.frame_rate)
    logger.info("network on %s (%s), input %dx%d", tracker.detector.device, args.dtype, *tracker.detector.img_size)

    writer = VideoWriter(args.output_video, fps=source.fps) if args.output_video else None
    frames = prefetch(source)  # the next frames are read while this one is tracked
    bar = None
    if tqdm is not None:
        bar = tqdm(frames, total=source.frame_count, desc="tracking", unit="frame", dynamic_ncols=True,
                   disable=args.quiet)
        frames = bar
    run = TrackingRun(tracker, writer=writer, trails=TrackTrails() if args.trails else None, bar=bar)
    interrupted = False
    try:
        run.run(frames)
    except KeyboardInterrupt:
        interrupted = True
        logger.warning("interrupted after %d frames; writing what was tracked", run.frames)
    finally:
        if bar is not None:
            bar.close()
        if writer is not None:
            writer.close()
    lines = run.lines
    if args.output_txt:
        write_mot_results(args.output_txt, lines)
    rate = run.fps
    print(f"frames            {run.frames}")
    print(f"track ids         {len(run.ids_seen)}")
    print(f"boxes written     {len(lines)}")
    print(f"speed             {rate:.2f} frames/s (network + decoding + association)")
    if args.output_txt:
        print(f"results           {args.output_txt}")
    if writer is not None:
        print(f"video             {args.output_video} ({writer.frames_written} frames)")
    return 130 if interrupted else 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="fairmot", description="FairMOT multi-object tracking")
    parser.add_argument("--version", action="version", version=f"fairmot {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("--threads", type=_positive_int, default=None, metavar="N",
                        help="CPU threads for the network (default: usable physical cores; FAIRMOT_THREADS=N|off)")
    sub = parser.add_subparsers(dest="command")
    from .demo import add_demo_arguments

    demo = sub.add_parser(
        "demo", help="render held-out synthetic crowds, track them with the built-in model, report MOT metrics",
        description="The whole system with no downloads: renders held-out synthetic sequences, tracks them with the "
                    "built-in model, writes an annotated video, MOT result files and metrics.csv, prints the metrics.")
    add_demo_arguments(demo)

    track = sub.add_parser(
        "track", help="track people in a video, an image folder / MOT sequence, or a camera",
        description="Track a video file, a folder of images (a MOT sequence folder with seqinfo.ini too) or a "
                    "camera index with FairMOT; writes MOT Challenge lines and, optionally, an annotated video. "
                    "Video frames are resized to 1920x1080 first, as the official demo does (boxes are then in "
                    "that space); --native-size keeps the video's own resolution.")
    track.add_argument("source", help="video file, image folder, MOT sequence folder or camera index")
    track.add_argument("--weights", default=None,
                       help="FairMOT checkpoint (.pth); default: the built-in model, when the package ships one "
                            "(synthetic scenes only: it finds few people on real footage; see README \"Models\")")
    track.add_argument("--arch", type=_arch, default=None,
                       help="network architecture: dla34, dla34_tiny, resdcn_<18|34|50|101|152>, resfpndcn_<depth>, "
                            "hrnet_18/32 (default: as recorded in the checkpoint or recognised from its keys, "
                            "else dla34)")
    track.add_argument("--native-size", action="store_true",
                       help="keep video frames at their own resolution instead of resizing them to 1920x1080 as "
                            "the official demo does (image folders and cameras are never resized)")
    track.add_argument("--output-video", default=None, metavar="PATH",
                       help="write an annotated video (.mp4, mp4v codec)")
    track.add_argument("--output-txt", default="results.txt", metavar="PATH",
                       help="MOT Challenge result file (default: %(default)s)")
    track.add_argument("--img-size", type=parse_img_size, default=None, metavar="WxH",
                       help="network input size, multiples of 32 (default: the checkpoint's training size if "
                            "recorded, else 1088x608; also 864x480, 576x320)")
    track.add_argument("--conf-thres", type=_unit_float, default=0.4,
                       help="detection confidence threshold (default: %(default)s)")
    track.add_argument("--device", type=_device, default="auto",
                       help="auto, cpu, cuda or cuda:N (default: %(default)s)")
    track.add_argument("--dtype", default="float32", choices=DTYPES,
                       help="network precision; float16 / bfloat16 need CUDA (default: %(default)s)")
    track.add_argument("--track-buffer", type=_track_buffer, default=30,
                       help="frames (at 30 fps) a lost track is kept (default: %(default)s)")
    track.add_argument("--trails", action="store_true", help="draw the past centres of each track in the video")
    track.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    track.set_defaults(func=_cmd_track)

    # Commands that live beside the code they drive: each module has ``add_command(subparsers)``.
    import importlib

    for module_name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # a command whose module is not part of this build
            if not (exc.name == module_name or module_name.startswith(f"{exc.name}.")):
                raise
            continue
        module.add_command(sub)
    return parser


#: Modules contributing a sub-command (imported when the parser is built: keep their top level light).
_COMMAND_MODULES = (
    "fairmot.eval",            # fairmot eval
    "fairmot.data.convert",    # fairmot convert-labels
    "fairmot.train.cli",       # fairmot train
    "fairmot.export",          # fairmot export
    "fairmot.data.synthetic",  # fairmot synth
    "fairmot.bench",           # fairmot bench
)


#: Commands that run the network on torch: the thread policy (fairmot.threads) applies to them.
_TORCH_COMMANDS = {"track", "bench", "demo", "train", "export"}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        if args.command in _TORCH_COMMANDS:
            from .threads import apply_thread_policy

            policy = apply_thread_policy(args.threads)
            logger.debug("CPU threads: %d (%s), OpenMP wait policy %s", policy.threads, policy.source,
                         policy.wait_policy)
        return int(args.func(args))
    except (ValueError, TypeError, OSError, RuntimeError) as exc:
        message = str(exc).strip() or type(exc).__name__
        first, _, rest = message.partition("\n")
        if rest and not args.verbose:
            first = f"{first.rstrip(':')} (run with -v for details)"
        print(f"fairmot: error: {first}", file=sys.stderr)
        if rest and args.verbose:
            print(rest, file=sys.stderr)
        logger.debug("traceback:", exc_info=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
