"""``fairmot train``: the official training options (docs/official_behaviour.md §5.5) on the command line.

Runs under ``torchrun`` unchanged for multi-process data parallel training:
``torchrun --nproc_per_node 4 -m fairmot train --data data.json ...``.
"""
from __future__ import annotations

import argparse
import logging
from typing import Any

from ..config import DEFAULT_IMG_SIZE
from .common import MODEL_OPTION_HELP, add_model_options

__all__ = ["register"]

logger = logging.getLogger(__name__)


def _lr_steps(text: str) -> tuple[int, ...]:
    try:
        steps = tuple(int(v) for v in str(text).replace(" ", "").split(",") if v)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated epochs such as 20 or 15,25, got {text!r}") from None
    if any(s < 1 for s in steps):
        raise argparse.ArgumentTypeError(f"lr steps must be positive epochs, got {text!r}")
    return steps


def register(subparsers: Any) -> None:
    """Register ``fairmot train`` on an argparse sub-parsers object."""
    p = subparsers.add_parser(
        "train", help="train a FairMOT network on JDE-format data",
        description="Train FairMOT (official defaults: Adam lr 1e-4, batch 12, 30 epochs, lr x0.1 after epoch 20, "
                    "1088x608). Checkpoints (model_last.pth, model_<epoch>.pth) use the official layout and load "
                    "with fairmot track --weights. Multi-process: torchrun --nproc_per_node N -m fairmot train ...")
    p.add_argument("--data", required=True, metavar="CONFIG.json",
                   help='dataset config JSON: {"root": ROOT, "train": {name: list file}} (see fairmot synth, '
                        'fairmot convert-labels); with "classes": [name, ...] a multi-class network is trained '
                        '(docs/multiclass.md)')
    add_model_options(p, ("arch", "img_size", "device"), img_size_default=DEFAULT_IMG_SIZE, help_overrides={
        "arch": MODEL_OPTION_HELP["arch"].replace("the checkpoint", "the --load-model checkpoint"),
        "img_size": "training input size WxH, multiples of 32 (default: 1088x608)"})
    p.add_argument("--output", "--exp-dir", dest="output", default="exp/mot", help="output folder (default: %(default)s)")
    p.add_argument("--epochs", "--num-epochs", dest="epochs", type=int, default=30)
    p.add_argument("--lr", type=float, default=1e-4, help="learning rate for the whole batch (default: %(default)s)")
    p.add_argument("--lr-step", type=_lr_steps, default=(20,), help="epochs after which lr drops x0.1 (default: 20)")
    p.add_argument("--batch-size", type=int, default=12, help="global batch size (default: %(default)s)")
    p.add_argument("--num-workers", type=int, default=8, help="data loader workers per process (default: %(default)s)")
    p.add_argument("--head-conv", type=int, default=None,
                   help="head hidden width, -1 = 256 (default: the --load-model checkpoint's, else 256)")
    p.add_argument("--reid-dim", type=int, default=None,
                   help="identity embedding size (default: the --load-model checkpoint's, else 128)")
    p.add_argument("--no-ltrb", dest="ltrb", action="store_const", const=False, default=None,
                   help="2-channel (w, h) box head instead of ltrb (default: the --load-model checkpoint's box head, "
                        "else ltrb)")
    p.add_argument("--ltrb", dest="ltrb", action="store_const", const=True,
                   help="4-channel ltrb box head even if the --load-model checkpoint has a (w, h) one")
    p.add_argument("--load-model", default=None, metavar="PATH",
                   help="initial weights; network layout as in this file unless given (--arch, --head-conv, "
                        "--reid-dim, --no-ltrb); tensors that do not fit are skipped with a warning listing them")
    p.add_argument("--resume", action="store_true", help="continue from OUTPUT/model_last.pth")
    p.add_argument("--no-amp", dest="amp", action="store_false", help="no mixed precision on CUDA")
    p.add_argument("--no-augment", dest="augment", action="store_false", help="letterbox only, no augmentation")
    p.add_argument("--max-iters", type=int, default=None, help="iterations per epoch cap (quick runs)")
    p.add_argument("--multi-loss", choices=["uncertainty", "fix"], default="uncertainty")
    p.add_argument("--hm-weight", type=float, default=1.0)
    p.add_argument("--wh-weight", type=float, default=0.1)
    p.add_argument("--off-weight", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=317)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads per process")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_train)


def _cmd_train(args: argparse.Namespace) -> int:
    from ..train.trainer import TrainConfig, train

    cfg = TrainConfig(
        data=args.data, output_dir=args.output, arch=args.arch, head_conv=args.head_conv, reid_dim=args.reid_dim,
        ltrb=args.ltrb, img_size=args.img_size, epochs=args.epochs, lr=args.lr, lr_step=args.lr_step,
        batch_size=args.batch_size, num_workers=args.num_workers, load_model=args.load_model, resume=args.resume,
        device=args.device, amp=args.amp, max_iters=args.max_iters, augment=args.augment,
        hm_weight=args.hm_weight, wh_weight=args.wh_weight, off_weight=args.off_weight, multi_loss=args.multi_loss,
        seed=args.seed, threads=args.threads)
    last = train(cfg, progress=not args.quiet)
    print(f"checkpoint   {last}")
    return 0
