"""Synthetic sequences for the tuning tests: ground truth plus the detections a network would give.

People walk on straight lines through a 1280x720 frame; each visible person is detected with a
jittered box, a score from a "true" band and an embedding near that person's own unit vector; false
alarms with scores from a lower band appear at random places. ``score_scale`` multiplies every
score: a detector whose scores are shifted down (scale 0.5) makes the official conf_thres 0.4 miss
nearly everyone, which a search over conf_thres must undo.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from fairmot.io.detections import DetectionCacheWriter

WIDTH, HEIGHT, DIM = 1280, 720, 32


def write_sequence(root: Path, det_root: Path, name: str, seed: int, frames: int = 120, people: int = 8,
                   score_scale: float = 1.0, false_alarms: float = 1.5, score_floor: float = 0.05) -> None:
    """Write ``root/name`` (gt/gt.txt, seqinfo.ini) and the detection cache ``det_root/name``."""
    rng = np.random.default_rng(seed)
    seq = root / name
    (seq / "gt").mkdir(parents=True, exist_ok=True)
    (seq / "seqinfo.ini").write_text(f"[Sequence]\nname={name}\nframeRate=30\nseqLength={frames}\n"
                                     f"imWidth={WIDTH}\nimHeight={HEIGHT}\nimExt=.jpg\n")
    start = rng.uniform([50, 100], [WIDTH - 150, HEIGHT - 300], size=(people, 2))
    velocity = rng.uniform(-3, 3, size=(people, 2))
    size = np.stack([rng.uniform(40, 70, people), rng.uniform(120, 200, people)], axis=1)
    first = rng.integers(1, frames // 3, people)
    last = np.minimum(frames, first + rng.integers(frames // 2, frames, people))
    identity = rng.normal(size=(people, DIM))
    identity /= np.linalg.norm(identity, axis=1, keepdims=True)
    gt_lines = []
    meta = {"sequence": name, "frame_rate": 30, "frame_size": [WIDTH, HEIGHT], "score_floor": score_floor,
            "tracker": {"min_box_area": 100.0, "max_aspect_ratio": 1.6}, "source": "synthetic"}
    with DetectionCacheWriter(det_root / name, meta=meta) as writer:
        for f in range(1, frames + 1):
            boxes, scores, embs = [], [], []
            for p in range(people):
                if not first[p] <= f <= last[p]:
                    continue
                x, y = start[p] + velocity[p] * (f - first[p])
                w, h = size[p]
                gt_lines.append(f"{f},{p + 1},{x:.2f},{y:.2f},{w:.2f},{h:.2f},1,1,1.0")
                if rng.random() < 0.1:  # missed this frame
                    continue
                jitter = rng.normal(scale=2.0, size=4)
                boxes.append([x + jitter[0], y + jitter[1], x + w + jitter[2], y + h + jitter[3]])
                scores.append(rng.uniform(0.55, 0.95))
                e = identity[p] + rng.normal(scale=0.15, size=DIM)
                embs.append(e / np.linalg.norm(e))
            for _ in range(rng.poisson(false_alarms)):
                x, y = rng.uniform([0, 0], [WIDTH - 60, HEIGHT - 160])
                boxes.append([x, y, x + rng.uniform(30, 60), y + rng.uniform(90, 160)])
                scores.append(rng.uniform(0.1, 0.4))
                e = rng.normal(size=DIM)
                embs.append(e / np.linalg.norm(e))
            b = np.asarray(boxes, np.float32).reshape(-1, 4)
            s = (np.asarray(scores, np.float64) * score_scale).astype(np.float32)
            e = np.asarray(embs, np.float32).reshape(-1, DIM)
            keep = s > np.float32(score_floor)
            writer.add(b[keep], s[keep], e[keep])
    (seq / "gt" / "gt.txt").write_text("\n".join(gt_lines) + "\n")
