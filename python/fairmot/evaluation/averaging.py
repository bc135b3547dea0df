"""Class-averaged metrics (TrackEval's ``cls_comb_cls_av``), shared by the CLEAR, identity and HOTA modules."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["average_over_classes"]


def average_over_classes(all_res: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]],
                         summed: Iterable[str], averaged: Iterable[str], *, scalars: bool = True) -> dict[str, Any]:
    """One result for several classes: the ``summed`` fields (counts) added up, the ``averaged`` fields (ratios)
    the plain mean of the classes' values, empty classes included.

    Args:
        all_res: each class's result (combined over its sequences), by class name or in a list.
        summed, averaged: field names of the result dicts.
        scalars: True for per-class scalars (sums as ``int``, means as ``float``); False for per-class arrays
            (element-wise, arrays kept).

    Raises:
        ValueError: no class given.
    """
    values = list(all_res.values()) if isinstance(all_res, Mapping) else list(all_res)
    if not values:
        raise ValueError("combine_classes_class_averaged needs at least one class")
    res: dict[str, Any] = {}
    for f in summed:
        total = sum(r[f] for r in values)
        res[f] = int(total) if scalars else total
    for f in averaged:
        mean = np.mean([r[f] for r in values], axis=0)
        res[f] = float(mean) if scalars else mean
    return res
