"""Pieces shared by the commands: argparse types built from :mod:`fairmot.validation` (the same rules as
the Python constructors)."""
from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..config import TrackerConfig
from ..validation import (ARCH, DEVICE, DTYPES, FRAME_SIZE, GMC_METHODS, IMG_SIZE, NON_NEGATIVE_NUMBER, POSITIVE_INT,
                          REID_BUFFER, SCORE_THRESHOLD, TRACK_BUFFER, parse_wxh)

__all__ = ["parse_img_size", "parse_frame_size", "add_model_options", "MODEL_OPTION_HELP", "add_identity_options",
           "gmc_kwargs"]

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


#: The one help text of each model option (``fairmot track``, ``bench``, ``export``, ``demo``, ``train``).
MODEL_OPTION_HELP = {
    "weights": "FairMOT checkpoint (.pth) or, where the network runs (track, bench), an exported .onnx; "
               "default: the built-in model, when the package ships one (synthetic scenes only: it finds few "
               "people on real footage; see README \"Models\")",
    "arch": "network architecture: dla34, dla34_tiny, resdcn_<18|34|50|101|152>, resfpndcn_<depth>, hrnet_18/32 "
            "(default: as recorded in the checkpoint or recognised from its keys, else dla34)",
    "img_size": "network input size WxH, multiples of 32 (default: the checkpoint's training size if recorded, "
                "else 1088x608; also 864x480, 576x320)",
    "device": "auto, cpu, cuda or cuda:N (default: %(default)s)",
    "dtype": "network precision; float16 / bfloat16 need CUDA (default: %(default)s)",
}

_MODEL_OPTIONS = ("weights", "arch", "img_size", "device", "dtype")


def add_model_options(parser: argparse.ArgumentParser, options: Sequence[str] = _MODEL_OPTIONS, *,
                      img_size_default: tuple[int, int] | None = None,
                      help_overrides: dict[str, str] | None = None) -> argparse._ArgumentGroup:
    """Add the shared model options (``--weights --arch --img-size --device --dtype``, or the subset
    ``options``) as one argument group, with one type and one help text each.

    Args:
        parser: the command's parser.
        options: which of ``weights``, ``arch``, ``img_size``, ``device``, ``dtype`` the command takes.
        img_size_default: ``--img-size`` default (None: the checkpoint's, else 1088x608).
        help_overrides: a different help text for an option whose meaning differs in this command
            (``train``: the weights to start from are ``--load-model``).

    Returns the argument group (``title="model"``).
    """
    unknown = set(options) - set(_MODEL_OPTIONS)
    if unknown:
        raise ValueError(f"unknown model options {sorted(unknown)}; choose from {list(_MODEL_OPTIONS)}")
    helps = {**MODEL_OPTION_HELP, **(help_overrides or {})}
    group = parser.add_argument_group("model")
    if "weights" in options:
        group.add_argument("--weights", default=None, help=helps["weights"])
    if "arch" in options:
        group.add_argument("--arch", type=_arch, default=None, help=helps["arch"])
    if "img_size" in options:
        group.add_argument("--img-size", type=parse_img_size, default=img_size_default, metavar="WxH",
                           help=helps["img_size"])
    if "device" in options:
        group.add_argument("--device", type=_device, default="auto", help=helps["device"])
    if "dtype" in options:
        group.add_argument("--dtype", default="float32", choices=DTYPES, help=helps["dtype"])
    return group


def add_identity_options(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """The opt-in identity options (docs/identity.md) as one argument group: ``--reid-buffer FRAMES
    --reid-thres X`` (long-gap re-identification; association settings, so detection caches record
    them and ``--from-detections`` can change them) and ``--gmc {none,sparse,ecc} --gmc-downscale N``
    (camera-motion compensation; needs the frames). Each defaults to None: the Tracker's default
    (off, the official tracker)."""
    c = TrackerConfig
    g = parser.add_argument_group("identity over gaps and camera motion (opt-in; results then differ from the "
                                  "official tracker; docs/identity.md)")
    g.add_argument("--reid-buffer", type=REID_BUFFER.arg_type(int), default=None, metavar="FRAMES",
                   help=f"keep forgotten tracks FRAMES more frames (at 30 fps) in a gallery and give a returning "
                        f"person the old id (default {c.reid_buffer}: off; e.g. 300 = 10 s)")
    g.add_argument("--reid-thres", type=NON_NEGATIVE_NUMBER.arg_type(float), default=None, metavar="X",
                   help=f"embedding cosine distance a gallery match must not exceed (default {c.reid_thres})")
    g.add_argument("--gmc", choices=GMC_METHODS, default=None,
                   help=f"camera-motion compensation: none, sparse (fast optical flow) or ecc (slower) "
                        f"(default {c.gmc})")
    g.add_argument("--gmc-downscale", type=_positive_int, default=None, metavar="N",
                   help=f"shrink frames N times before estimating the camera motion (default {c.gmc_downscale})")
    return g


def gmc_kwargs(args: argparse.Namespace) -> dict:
    """``gmc`` / ``gmc_downscale`` given on the command line (keys left out when not given)."""
    out = {"gmc": getattr(args, "gmc", None), "gmc_downscale": getattr(args, "gmc_downscale", None)}
    return {k: v for k, v in out.items() if v is not None}
