"""The package layout: old module paths still work for one release and warn, naming the new home;
the CLI is built from one module per command; library modules hold no argparse."""
from __future__ import annotations

import ast
import importlib
import warnings
from pathlib import Path

import pytest

import fairmot

PACKAGE = Path(fairmot.__file__).resolve().parent

# old module, name taken from it, new module that must hold the very same object
MOVED = [
    ("fairmot.api", "Tracker", "fairmot.tracker"),
    ("fairmot.api", "FrameTracks", "fairmot.tracker"),
    ("fairmot.api", "filter_tracks", "fairmot.tracker"),
    ("fairmot.api", "track_video", "fairmot.tracker"),
    ("fairmot.tracking_run", "TrackingRun", "fairmot.tracker"),
    ("fairmot.pipeline", "letterbox", "fairmot.detection.preprocess"),
    ("fairmot.pipeline", "to_input_tensor", "fairmot.detection.preprocess"),
    ("fairmot.pipeline", "to_input_tensor_on", "fairmot.detection.preprocess"),
    ("fairmot.pipeline", "map_to_frame", "fairmot.detection.postprocess"),
    ("fairmot.pipeline", "affine_to_frame", "fairmot.detection.postprocess"),
    ("fairmot.detector", "Detector", "fairmot.detection.detector"),
    ("fairmot.detector", "resolve_device", "fairmot.detection.detector"),
    ("fairmot.onnx_backend", "OnnxModel", "fairmot.detection.onnx_runtime"),
    ("fairmot.onnx_backend", "MIN_ONNXRUNTIME_VERSION", "fairmot.detection.onnx_runtime"),
    ("fairmot.video", "open_source", "fairmot.io.sources"),
    ("fairmot.video", "prefetch", "fairmot.io.sources"),
    ("fairmot.video", "OFFICIAL_VIDEO_SIZE", "fairmot.io.sources"),
    ("fairmot.video", "DEFAULT_FPS", "fairmot.io.sources"),
    ("fairmot.video", "VideoWriter", "fairmot.io.writer"),
    ("fairmot.video", "TrackTrails", "fairmot.io.draw"),
    ("fairmot.video", "draw_tracks", "fairmot.io.draw"),
    ("fairmot.video", "id_color", "fairmot.io.draw"),
    ("fairmot.video", "format_mot_lines", "fairmot.io.mot"),
    ("fairmot.video", "write_mot_results", "fairmot.io.mot"),
    ("fairmot.eval", "evaluate", "fairmot.evaluation.evaluator"),
    ("fairmot.eval", "evaluate_sequence", "fairmot.evaluation.evaluator"),
    ("fairmot.eval", "write_metrics_csv", "fairmot.evaluation.evaluator"),
    ("fairmot.eval", "format_metrics_table", "fairmot.evaluation.evaluator"),
    ("fairmot.eval", "PROTOCOLS", "fairmot.evaluation.evaluator"),
    ("fairmot.evaluation.mot_files", "read_mot_file", "fairmot.io.mot"),
    ("fairmot.evaluation.mot_files", "MotFormatError", "fairmot.io.mot"),
    ("fairmot.evaluation.mot_files", "resolve_sequences", "fairmot.io.mot"),
]

# old CLI hooks: module, name, new function
MOVED_COMMANDS = [
    ("fairmot.eval", "add_command", "fairmot.cli.eval"),
    ("fairmot.train.cli", "add_command", "fairmot.cli.train"),
    ("fairmot.export", "add_command", "fairmot.cli.export"),
    ("fairmot.bench", "add_command", "fairmot.cli.bench"),
    ("fairmot.data.convert", "add_command", "fairmot.cli.convert"),
    ("fairmot.data.synthetic", "add_command", "fairmot.cli.synth"),
]


@pytest.mark.parametrize("old,name,new", MOVED)
def test_old_paths_still_work_and_warn_naming_the_new_home(old, name, new):
    module = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match=rf"{old}\.{name} moved to {new}\.{name}"):
        value = getattr(module, name)
    assert value is getattr(importlib.import_module(new), name)
    # every time, not only the first (the warning reaches each caller)
    with pytest.warns(DeprecationWarning):
        exec(f"from {old} import {name}", {})


@pytest.mark.parametrize("old,name,new", MOVED_COMMANDS)
def test_old_cli_hooks_forward_to_the_command_modules(old, name, new):
    module = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match=rf"{old}\.add_command moved to {new}\.register"):
        hook = getattr(module, name)
    assert hook is importlib.import_module(new).register


@pytest.mark.parametrize("old", sorted({m for m, _, _ in MOVED}))
def test_old_modules_list_their_names_and_reject_unknown_ones(old):
    module = importlib.import_module(old)
    names = [n for o, n, _ in MOVED if o == old]
    assert set(names) <= set(dir(module))
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = module.no_such_name


def test_new_paths_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("fairmot.tracker", "fairmot.io", "fairmot.io.sources", "fairmot.io.writer", "fairmot.io.draw",
                     "fairmot.io.mot", "fairmot.detection", "fairmot.detection.preprocess",
                     "fairmot.detection.postprocess", "fairmot.tracking", "fairmot.tracking.core",
                     "fairmot.evaluation", "fairmot.evaluation.evaluator", "fairmot.export", "fairmot.cli",
                     "fairmot.cli.main", "fairmot.config", "fairmot.bench", "fairmot.demo", "fairmot.data.convert",
                     "fairmot.data.synthetic"):
            importlib.import_module(name)
        from fairmot import Tracker, track_video  # noqa: F401
        from fairmot.export import export_onnx  # noqa: F401
        from fairmot.tracking import JDETracker, KalmanFilter, lapjv  # noqa: F401


def test_public_surface_lists_and_resolves_every_name():
    assert set(fairmot.__all__) <= set(dir(fairmot))
    for name in fairmot.__all__:
        assert getattr(fairmot, name) is not None
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = fairmot.no_such_name


def test_console_script_points_at_the_cli_package():
    import tomllib

    root = Path(__file__).resolve().parent.parent  # the repository (the package may be installed)
    scripts = tomllib.loads((root / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, attr = scripts["fairmot"].partition(":")
    from fairmot.cli.main import main

    assert getattr(importlib.import_module(module), attr) is main


def test_every_command_has_its_own_module():
    from fairmot.cli.main import COMMAND_MODULES, build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert list(sub.choices) == ["demo", "track", "eval", "tune", "convert-labels", "train", "export", "synth", "bench"]
    for module_name in COMMAND_MODULES:
        assert callable(importlib.import_module(module_name).register)


def _imports_argparse(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "argparse" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "argparse":
            return True
    return False


#: Modules outside cli/ allowed to import argparse: ``python -m`` entry points of their own, and the argparse
#: adapter of the shared argument rules (``Rule.arg_type`` raises ``argparse.ArgumentTypeError``).
ARGPARSE_ALLOWED = {"__main__.py", "info.py", "validation.py", "train/builtin.py"}


def test_library_modules_hold_no_argparse():
    offenders = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                 if p.parts[len(PACKAGE.parts)] != "cli" and _imports_argparse(p)]
    assert sorted(set(offenders) - ARGPARSE_ALLOWED) == []
