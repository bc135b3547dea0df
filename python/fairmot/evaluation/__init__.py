"""Evaluation of tracking results against MOT Challenge ground truth.

* :mod:`.mot_files`: reading and validating MOT Challenge text files (both protocols);
* :mod:`.matching`: per-frame box pairs and IoU (TrackEval's arithmetic), the preprocessed sequence;
* :mod:`.hota`, :mod:`.clear`, :mod:`.identity`: the metrics, as TrackEval 1.3.0 computes them;
* :mod:`.motchallenge`: the MOTChallenge protocol (TrackEval's ``MotChallenge2DBox``).

``fairmot.eval`` is the public entry point (``evaluate(..., protocol=...)`` and ``fairmot eval``).
Only numpy is imported here; scipy, pandas and tqdm load when they are used.
"""
from __future__ import annotations

from .mot_files import MotFile, MotFormatError, read_mot_file, read_seq_length

__all__ = ["MotFile", "MotFormatError", "read_mot_file", "read_seq_length"]
