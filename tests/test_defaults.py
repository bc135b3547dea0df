"""Every default has one home: the C++ header defaults.hpp, exposed by the bindings, read by Python."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pytest

import fairmot._tracker as native
from fairmot import config
from fairmot.config import TrackerConfig

ROOT = Path(__file__).resolve().parent.parent
HEADER = ROOT / "csrc" / "tracker" / "include" / "fairmot" / "tracker" / "defaults.hpp"


def _header_values() -> dict[str, object]:
    """Parse ``constexpr <type> kName = <value>;`` lines of defaults.hpp independently of the bindings."""
    values: dict[str, object] = {}
    for m in re.finditer(r"constexpr\s+([\w\s\*]+?)\s+k(\w+)\s*=\s*([^;]+);", HEADER.read_text()):
        ctype, name, raw = m.group(1), m.group(2), m.group(3).strip()
        snake = re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()
        values[snake] = raw.strip('"') if "char" in ctype else (int(raw) if ctype.strip() == "int" else float(raw))
    return values


def test_bindings_expose_exactly_the_header():
    assert _header_values() == dict(native.DEFAULTS)


def test_python_config_equals_the_header():
    header = _header_values()
    cfg = TrackerConfig()
    for name, value in header.items():
        assert getattr(cfg, name) == value, name
        assert type(getattr(cfg, name)) is type(value), name
    assert config.TRACKER_DEFAULTS == header


def test_official_values():  # docs/official_behaviour.md §8
    cfg = TrackerConfig()
    assert (cfg.conf_thres, cfg.track_buffer, cfg.frame_rate, cfg.match_thres, cfg.low_thres) == (0.4, 30, 30.0, 0.4,
                                                                                                  0.2)
    assert (cfg.min_box_area, cfg.max_aspect_ratio, cfg.association, cfg.fuse_lambda) == (100.0, 1.6, "default", 0.98)


def test_binding_default_arguments_come_from_the_header():
    doc = native.JDETracker.__init__.__doc__
    header = _header_values()
    for name in ("conf_thres", "track_buffer", "frame_rate", "match_thres", "low_thres"):
        assert f"{name}: " in doc and re.search(rf"{name}: [^=]+= {header[name]!r}\b", doc), name
    assert f"association: str = '{header['association']}'" in doc


def test_python_signatures_use_the_config():
    from fairmot.tracker import Tracker, filter_tracks
    from fairmot.tracking import JDETracker, fuse_motion

    cfg = TrackerConfig()
    for fn in (JDETracker.__init__, Tracker.__init__):
        params = inspect.signature(fn).parameters
        for name in ("conf_thres", "track_buffer", "frame_rate", "association"):
            assert params[name].default == getattr(cfg, name), (fn, name)
    assert inspect.signature(fuse_motion).parameters["lambda_"].default == cfg.fuse_lambda
    params = inspect.signature(filter_tracks).parameters
    assert params["min_box_area"].default == cfg.min_box_area
    assert params["max_aspect_ratio"].default == cfg.max_aspect_ratio


def test_cli_defaults_come_from_the_config():
    from fairmot.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["track", "video.mp4"])
    # not given: None, so the Tracker's defaults (the config's) apply, or a cache's recorded settings
    assert args.conf_thres is None and args.track_buffer is None
    from fairmot.cli.track_cache import association_kwargs

    assert {k: v for k, v in association_kwargs(args).items() if v is not None} == {}
    sub = next(a for a in parser._actions if a.dest == "command").choices["track"]
    text = sub.format_help()
    assert f"official {TrackerConfig.conf_thres}" in text and f"official {TrackerConfig.track_buffer}" in text


def test_chi2_table_is_the_native_one_and_right():
    from scipy.stats import chi2

    from fairmot.tracking import CHI2INV95

    assert CHI2INV95 == dict(native.CHI2INV95)
    assert sorted(CHI2INV95) == list(range(1, 10))
    for dof, value in CHI2INV95.items():  # the official table: 5 significant digits of the 0.95 quantile
        assert value == pytest.approx(chi2.ppf(0.95, dof), rel=2e-4)


@pytest.mark.parametrize("w,h,ok", [(1088, 608, True), (864, 480, True), (32, 32, True), (0, 608, False),
                                    (1080, 608, False), (1088, 600, False), (-32, 64, False)])
def test_input_size_rule_is_one_function(w, h, ok):
    from fairmot.validation import IMG_SIZE

    assert config.is_valid_img_size(w, h) is ok
    assert (w % 32 == 0 and h % 32 == 0 and w > 0 and h > 0) is ok  # independent statement of the rule
    if ok:
        assert IMG_SIZE((w, h), "img_size") == (w, h)
    else:
        with pytest.raises(ValueError, match="multiples of 32"):
            IMG_SIZE((w, h), "img_size")


def test_min_onnxruntime_version_has_one_home():
    from fairmot.detection import onnx_runtime

    assert onnx_runtime.MIN_ONNXRUNTIME_VERSION is config.MIN_ONNXRUNTIME_VERSION
    sources = [p for p in (ROOT / "python" / "fairmot").rglob("*.py") if "(1, 25, 0)" in p.read_text()]
    assert [p.name for p in sources] == ["config.py"]


def test_one_gather_feat_same_values_as_a_numpy_reference():
    torch = pytest.importorskip("torch")
    from fairmot.ops.decode import gather_feat
    from fairmot.train import losses

    rng = np.random.default_rng(0)
    fmap = rng.standard_normal((2, 5, 3, 4)).astype(np.float32)
    ind = rng.integers(0, 12, size=(2, 7))
    ref = np.stack([fmap[b].reshape(5, -1)[:, ind[b]].T for b in range(2)])  # (B, K, C)
    for fn, idx in ((gather_feat, torch.from_numpy(ind)), (losses.gather_feat, torch.from_numpy(ind.astype(np.int32)))):
        out = fn(torch.from_numpy(fmap), idx)
        assert out.shape == (2, 7, 5)
        np.testing.assert_array_equal(out.numpy(), ref)
