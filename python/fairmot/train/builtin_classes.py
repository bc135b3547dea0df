"""The recipe of the built-in multi-class model (person, cyclist, car), and the command that reproduces it.

``python -m fairmot.train.builtin_classes --workdir WORK [--output PATH]``:

1. renders the training set: ``fairmot synth WORK/data --classes person,cyclist,car`` with
   :data:`DATA` (synthetic multi-class scenes, seed 1; the demo's held-out sequences use other seeds);
2. trains ``dla34_tiny`` with 3 heatmap channels at 320x192 with :data:`RECIPE` (the single-class
   built-in model's recipe, :mod:`fairmot.train.builtin`, for 4 epochs; CPU, about 20 minutes on 2 cores);
3. packs ``model_last.pth`` into a float16 file of about 3 MB at ``--output`` (default: the package's
   ``assets/fairmot_builtin_classes.pth``).
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from .builtin import RECIPE as SINGLE_CLASS_RECIPE
from .builtin import train_and_pack

__all__ = ["CLASSES", "DATA", "RECIPE", "build_builtin_classes"]

logger = logging.getLogger(__name__)

#: Classes of the built-in multi-class model, in heatmap-channel order.
CLASSES: tuple[str, ...] = ("person", "cyclist", "car")

#: ``fairmot.data.synthetic_classes.write_multiclass_dataset`` arguments of the training set.
DATA: dict[str, Any] = {"n_sequences": 8, "n_frames": 120, "n_objects": 12, "seed": 1}

#: ``TrainConfig`` fields (everything else: the official defaults): the single-class built-in recipe
#: with 4 epochs instead of 2 (lr 1e-3, x0.1 for the last epoch): three classes share the data.
RECIPE: dict[str, Any] = dict(SINGLE_CLASS_RECIPE, epochs=4, lr_step=(3,))


def build_builtin_classes(workdir: str | os.PathLike[str], output: str | os.PathLike[str] | None = None,
                          progress: bool = True) -> Path:
    """Run the whole recipe (data, training, packing); returns the packed weights' path."""
    from ..data.synthetic_classes import MultiClassSceneConfig, write_multiclass_dataset
    from ..weights import BUILTIN_CLASSES_RECIPE, BUILTIN_CLASSES_WEIGHTS

    work = Path(workdir)
    t0 = time.perf_counter()
    scene = MultiClassSceneConfig(classes=CLASSES, n_frames=DATA["n_frames"], n_people=DATA["n_objects"])
    config = write_multiclass_dataset(work / "data", DATA["n_sequences"], scene, seed=DATA["seed"], progress=progress)
    logger.info("training data written in %.0f s: %s", time.perf_counter() - t0, config)
    return train_and_pack(config, work, {"recipe": BUILTIN_CLASSES_RECIPE, "data": dict(DATA)}, RECIPE,
                          output or BUILTIN_CLASSES_WEIGHTS, progress)


if __name__ == "__main__":  # the command line lives in fairmot.train.builtin (its --classes option)
    import sys

    from .builtin import main

    raise SystemExit(main(["--classes", *sys.argv[1:]]))
