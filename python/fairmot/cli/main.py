"""Command-line interface: ``fairmot <command> ...``."""
from __future__ import annotations

import argparse
import logging
import sys

from .common import _positive_int

logger = logging.getLogger("fairmot")


def build_parser() -> argparse.ArgumentParser:
    """The ``fairmot`` parser with every command's sub-parser (each from its own small module)."""
    from .. import __version__

    parser = argparse.ArgumentParser(prog="fairmot", description="FairMOT multi-object tracking")
    parser.add_argument("--version", action="version", version=f"fairmot {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("--threads", type=_positive_int, default=None, metavar="N",
                        help="CPU threads for the network (default: usable physical cores; FAIRMOT_THREADS=N|off)")
    sub = parser.add_subparsers(dest="command")
    import importlib

    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # a command whose module is not part of this build
            if not (exc.name == module_name or module_name.startswith(f"{exc.name}.")):
                raise
            continue
        module.register(sub)
    return parser


#: One module per command, in ``fairmot --help`` order; each has ``register(subparsers)`` (imported when the
#: parser is built: their top level stays light, torch loads inside the command).
COMMAND_MODULES = (
    "fairmot.cli.demo",     # fairmot demo
    "fairmot.cli.track",    # fairmot track
    "fairmot.cli.eval",     # fairmot eval
    "fairmot.cli.tune",     # fairmot tune
    "fairmot.cli.convert",  # fairmot convert-labels
    "fairmot.cli.train",    # fairmot train
    "fairmot.cli.export",   # fairmot export
    "fairmot.cli.synth",    # fairmot synth
    "fairmot.cli.bench",    # fairmot bench
)


#: Commands that run the network on torch: the thread policy (fairmot.threads) applies to them.
_TORCH_COMMANDS = {"track", "bench", "demo", "train", "export"}


def main(argv: list[str] | None = None) -> int:
    """Run ``fairmot <command>``; returns the exit status (errors: a one-line message and 1)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        if args.command in _TORCH_COMMANDS:
            from ..threads import apply_thread_policy

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
