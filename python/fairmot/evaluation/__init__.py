"""Evaluation of tracking results against MOT Challenge ground truth.

* :mod:`.matching`: per-frame box pairs and IoU (TrackEval's arithmetic), the preprocessed sequence;
* :mod:`.hota`, :mod:`.clear`, :mod:`.identity`: the metrics, as TrackEval 1.3.0 computes them;
* :mod:`.motchallenge`: the MOTChallenge protocol (TrackEval's ``MotChallenge2DBox``);
* :mod:`.evaluator`: both protocols behind one ``evaluate(..., protocol=...)``, the official FairMOT
  protocol (motmetrics), the metrics table and CSV.

MOT Challenge files are read and validated by :mod:`fairmot.io.mot` (both protocols).

Only numpy is imported here; scipy, pandas and tqdm load when they are used.
"""
from __future__ import annotations

from ..io.mot import MotFile, MotFormatError, read_mot_file, read_seq_length
from .evaluator import (PROTOCOLS, describe_protocol, evaluate, evaluate_sequence, format_metrics_table,
                        read_ground_truth, read_results, write_metrics_csv)

__all__ = ["MotFile", "MotFormatError", "read_mot_file", "read_seq_length", "PROTOCOLS", "evaluate",
           "evaluate_sequence", "read_results", "read_ground_truth", "write_metrics_csv", "format_metrics_table",
           "describe_protocol"]
