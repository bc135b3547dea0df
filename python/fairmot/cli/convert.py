"""``fairmot convert-labels``: MOT Challenge ground truth -> FairMOT training labels (:mod:`fairmot.data.convert`)."""
from __future__ import annotations

import argparse
from typing import Any

from ..data.convert import convert_mot_sequences


def _cmd_convert(args: argparse.Namespace) -> int:
    """``fairmot convert-labels``."""
    res = convert_mot_sequences(args.mot_root, args.out_root, split_name=args.split, list_name=args.list_name,
                                images=args.images, pattern=args.only, progress=not args.quiet,
                                classes=args.classes, source_classes=args.source_classes)
    print(f"sequences         {len(res.sequences)}")
    print(f"images            {res.images}")
    print(f"boxes             {res.boxes}")
    if res.classes is None:
        print(f"identities        {res.identities}  (ids 1..{res.identities})")
    else:
        for k, (name, n) in enumerate(zip(res.classes, res.identities_per_class)):
            print(f"class {k} {name:<11} {n} identities (ids 1..{n})")
    print(f"list file         {res.list_file}")
    print(f"data config       {res.config_file}")
    return 0


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``fairmot convert-labels MOT_ROOT OUT_ROOT [--split S] [--list-name N] ...``."""
    p = subparsers.add_parser(
        "convert-labels", help="convert MOT Challenge gt.txt files into FairMOT training labels",
        description="Convert a MOT15/16/17/20 split folder (sequences with seqinfo.ini, gt/gt.txt, img1/) into "
                    "the JDE/FairMOT training layout: labels_with_ids/<split>/<seq>/img1/*.txt, "
                    "images/<split>/<seq>/img1 (symlink by default), a list file <name>.train and a data "
                    "config <name>.json under OUT_ROOT. Official filters: mark 0 and non-pedestrian rows "
                    "dropped; identities renumbered from 1 over all sequences.")
    p.add_argument("mot_root", metavar="MOT_ROOT", help="MOT split folder, e.g. MOT17/train")
    p.add_argument("out_root", metavar="OUT_ROOT", help="output dataset root")
    p.add_argument("--split", default="train", help="split folder name (default: %(default)s)")
    p.add_argument("--list-name", default=None, metavar="NAME",
                   help="list file stem: OUT_ROOT/NAME.train (default: OUT_ROOT's folder name, lower case)")
    p.add_argument("--images", default="symlink", choices=["symlink", "copy", "none"],
                   help="how the images get into OUT_ROOT/images (default: %(default)s)")
    p.add_argument("--only", default=None, metavar="PATTERN",
                   help="only sequences matching this glob, e.g. '*-SDP' for MOT17")
    p.add_argument("--classes", default=None, metavar="SPEC",
                   help="keep several classes: comma-separated NAME or NAME=SRC[+SRC...] (SRC: a class id of "
                        "column 8 or a source class name), in label order; other classes are dropped, labels get "
                        "the 0-based class, identities are numbered per class, the data config lists the names. "
                        "E.g. pedestrian,car (MOT17) or person=pedestrian+people,car=car+van (VisDrone) "
                        "(default: pedestrians only, the official conversion)")
    p.add_argument("--source-classes", default="auto", choices=["auto", "seqinfo", "mot17", "visdrone", "bdd100k"],
                   help="how source class names in --classes resolve: seqinfo (the classes= line of seqinfo.ini, "
                        "as fairmot synth --classes writes), mot17, visdrone or bdd100k ids; auto: seqinfo when "
                        "present, else mot17 (default: %(default)s)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_convert)
    return p
