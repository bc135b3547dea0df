"""``fairmot synth``: seeded synthetic crowd sequences (:mod:`fairmot.data.synthetic`)."""
from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..data.synthetic import PRESETS, SceneConfig, preset_config, write_dataset


def register(subparsers: Any) -> None:
    """Register ``fairmot synth``: write synthetic sequences (MOT layout + JDE labels)."""
    p = subparsers.add_parser("synth", help="generate synthetic crowd sequences (MOT gt + JDE labels)",
                              description="Render seeded synthetic pedestrian sequences: MOT Challenge folders "
                                          "under ROOT/images, JDE labels, a list file and a data config JSON.")
    p.add_argument("root", help="output folder")
    p.add_argument("--sequences", type=int, default=6, help="number of sequences (default: %(default)s)")
    p.add_argument("--preset", choices=sorted(PRESETS), default=None,
                   help="scenes that exercise identity: occlusion (large static occluders), reentry (people come "
                        "back 2-10 s after leaving, same id), moving-camera (camera shake and pans); values in "
                        "docs/synthetic.md (default: none, the plain crowd)")
    p.add_argument("--frames", type=int, default=None,
                   help=f"frames per sequence (default: the preset's length, else {SceneConfig.n_frames})")
    p.add_argument("--people", type=int, default=SceneConfig.n_people, help="crowd size (default: %(default)s)")
    p.add_argument("--size", default=f"{SceneConfig.width}x{SceneConfig.height}", help="frame WxH (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--name", default="synthetic", help="list file / config name (default: %(default)s)")
    p.add_argument("--prefix", default="SYN", help="sequence name prefix (default: %(default)s)")
    p.add_argument("--classes", default=None, metavar="NAMES",
                   help="several object classes, e.g. person,cyclist,car (known: person, cyclist, car): gt.txt "
                        "column 8 = 1-based position in this list, JDE label class = 0-based position, names in "
                        "seqinfo.ini and the data config; --people is then the total number of objects "
                        "(default: people only, the single-class output)")
    p.set_defaults(func=_cmd_synth)


def _cmd_synth(args: argparse.Namespace) -> int:
    try:
        w, h = (int(v) for v in str(args.size).lower().split("x"))
    except ValueError:
        raise ValueError(f"--size must be WIDTHxHEIGHT, got {args.size!r}") from None
    if args.classes is not None and args.preset is not None:
        raise ValueError("--classes and --preset are separate scene kinds: give one of them")
    if args.classes is not None:
        from ..data.synthetic_classes import scaled_config, write_multiclass_dataset

        mc = scaled_config(args.classes, w, h, args.frames, args.people)
        path = write_multiclass_dataset(args.root, args.sequences, mc, args.seed, name=args.name, prefix=args.prefix,
                                        progress=True)
        print(f"classes      {','.join(f'{i + 1}={c}' for i, c in enumerate(mc.classes))}  (gt.txt column 8)")
        print(f"data config  {path}")
        print(f"ground truth {Path(args.root).resolve() / 'images'}")
        return 0
    base = SceneConfig() if args.preset is None else preset_config(args.preset)
    scale = h / base.height
    cfg = replace(base, width=w, height=h, n_frames=base.n_frames if args.frames is None else args.frames,
                  n_people=args.people, min_height=base.min_height * scale, max_height=base.max_height * scale)
    if args.preset is not None:  # shake is in px of the 640x360 preset frame: scale it with the frame
        cfg = replace(cfg, camera_shake=base.camera_shake * scale, camera_pan=base.camera_pan * scale)
    cfg.validate()
    path = write_dataset(args.root, args.sequences, cfg, args.seed, name=args.name, prefix=args.prefix, progress=True)
    print(f"data config  {path}")
    print(f"ground truth {Path(args.root).resolve() / 'images'}")
    return 0
