"""The recipe of the built-in model, and the command that reproduces it.

``python -m fairmot.train.builtin --workdir WORK [--output PATH]``:

1. renders the training set: ``fairmot synth WORK/data`` with :data:`DATA` (synthetic crowds,
   seed 1; the demo's held-out sequences use other seeds);
2. trains ``dla34_tiny`` at 320x192 with :data:`RECIPE` (CPU, a few minutes per epoch on 2 cores);
3. packs ``model_last.pth`` into a float16 file of a few MB (model weights + ``meta``, no
   optimizer) at ``--output`` (default: the package's ``assets/fairmot_builtin.pth``).
"""
from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path
from typing import Any

__all__ = ["DATA", "RECIPE", "pack_weights", "train_and_pack", "build_builtin"]

logger = logging.getLogger(__name__)

#: ``fairmot.data.synthetic.write_dataset`` arguments of the training set.
DATA: dict[str, Any] = {"n_sequences": 8, "n_frames": 120, "seed": 1}

#: ``TrainConfig`` fields of the built-in model (everything else: the official defaults).
RECIPE: dict[str, Any] = {
    "arch": "dla34_tiny",
    "img_size": (320, 192),
    "head_conv": 64,
    "reid_dim": 64,
    "epochs": 2,
    "lr": 1e-3,
    "lr_step": (2,),
    "batch_size": 8,
    "num_workers": 1,
    "threads": 2,
    "seed": 317,
}


def pack_weights(src: str | os.PathLike[str], dst: str | os.PathLike[str], half: bool = True) -> Path:
    """Write the model weights (and ``meta``) of checkpoint ``src`` to ``dst``, dropping the
    optimizer and loss state; floating tensors in float16 when ``half`` (the loader casts them
    back to the network's float32)."""
    import torch

    from .._io import atomic_open

    obj = torch.load(src, map_location="cpu", weights_only=True)
    sd = obj["state_dict"]
    if half:
        sd = {k: v.half() if v.is_floating_point() else v for k, v in sd.items()}
    data = {"epoch": int(obj.get("epoch", 0)), "state_dict": sd, "meta": dict(obj.get("meta", {}))}
    data["meta"]["packed_from"] = Path(src).name
    data["meta"]["weights_dtype"] = "float16" if half else "float32"
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(dst, "wb") as f:
        torch.save(data, f)
    return dst


def build_builtin(workdir: str | os.PathLike[str], output: str | os.PathLike[str] | None = None,
                  progress: bool = True) -> Path:
    """Run the whole recipe (data, training, packing); returns the packed weights' path."""
    from ..data.synthetic import SceneConfig, write_dataset
    from ..weights import BUILTIN_RECIPE, BUILTIN_WEIGHTS

    work = Path(workdir)
    t0 = time.perf_counter()
    config = write_dataset(work / "data", DATA["n_sequences"], SceneConfig(n_frames=DATA["n_frames"]),
                           seed=DATA["seed"], progress=progress)
    logger.info("training data written in %.0f s: %s", time.perf_counter() - t0, config)
    return train_and_pack(config, work, {"recipe": BUILTIN_RECIPE, "data": dict(DATA)}, RECIPE,
                          output or BUILTIN_WEIGHTS, progress)


def train_and_pack(data_config: str | os.PathLike[str], work: Path, meta: dict[str, Any], recipe: dict[str, Any],
                   output: str | os.PathLike[str], progress: bool) -> Path:
    """Train on ``data_config`` with ``recipe`` (TrainConfig fields) into ``work/exp``, then pack the last
    checkpoint to ``output``; returns the packed weights' path. Shared by the built-in recipes."""
    from .trainer import TrainConfig, train

    t1 = time.perf_counter()
    cfg = TrainConfig(data=str(data_config), output_dir=str(work / "exp"), meta=meta, **recipe)
    last = train(cfg, progress=progress)
    logger.info("trained in %.0f s", time.perf_counter() - t1)
    return pack_weights(last, output)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m fairmot.train.builtin", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workdir", required=True, help="folder for the training data and checkpoints")
    p.add_argument("--output", default=None, help="packed weights (default: the package's built-in model path)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("--classes", action="store_true",
                   help="make the built-in multi-class model instead (fairmot.train.builtin_classes; also "
                        "python -m fairmot.train.builtin_classes)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    t0 = time.perf_counter()
    if args.classes:
        from .builtin_classes import build_builtin_classes

        path = build_builtin_classes(args.workdir, args.output, progress=not args.quiet)
    else:
        path = build_builtin(args.workdir, args.output, progress=not args.quiet)
    print(f"built-in weights {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
