"""Training: losses (docs/official_behaviour.md §5.4), the trainer (§5.5) and the ``fairmot train``
command.

``from fairmot.train import TrainConfig, train`` (needs torch).
"""
from __future__ import annotations

from typing import Any

__all__ = ["TrainConfig", "train", "MotLoss"]


def __getattr__(name: str) -> Any:  # lazy: `fairmot.train.cli` is imported by the CLI without torch work
    if name in ("TrainConfig", "train"):
        from . import trainer

        return getattr(trainer, name)
    if name == "MotLoss":
        from .losses import MotLoss

        return MotLoss
    raise AttributeError(f"module 'fairmot.train' has no attribute {name!r}")
