"""Seeded synthetic detection streams: what a detector with a re-ID head would
emit on a pedestrian scene, without any images.

Each frame is ``(boxes, scores, embeddings, identities)``: boxes (N, 4)
float32 ``x1, y1, x2, y2`` pixels; scores (N,) float32; embeddings (N, D)
float32, L2-normalised; identities (N,) int64 ground-truth person id, -1 for
false positives. Used by ``fairmot demo`` until the network is available and
by benchmarks that need realistic association workloads.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Frame = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class StreamConfig:
    """Scene parameters. Rates are per frame; sizes and speeds in pixels."""

    n_frames: int = 300
    n_people: int = 20
    width: int = 1920
    height: int = 1080
    dim: int = 128
    speed: float = 2.5  # mean walking speed (px / frame)
    occlusion_rate: float = 0.01  # chance per person and frame to become occluded
    max_occlusion: int = 40  # frames
    miss_rate: float = 0.03  # missed detections
    false_positives: float = 1.0  # mean false positives per frame
    embedding_noise: float = 0.5  # per-frame appearance noise (relative to the identity vector)
    birth_rate: float = 0.05  # new people entering per frame


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def make_detection_stream(seed: int = 0, config: StreamConfig | None = None) -> list[Frame]:
    """Generate a stream of frames (see the module docstring) reproducibly from ``seed``."""
    cfg = config or StreamConfig()
    rng = np.random.default_rng(seed)
    W, H, D = cfg.width, cfg.height, cfg.dim

    people: list[dict] = []
    next_id = 0

    def spawn(at_edge: bool) -> None:
        nonlocal next_id
        h = rng.uniform(0.12, 0.35) * H
        w = h * rng.uniform(0.35, 0.5)
        if at_edge:
            x = -w / 2 if rng.random() < 0.5 else W + w / 2
            heading = 0.0 if x < 0 else np.pi
        else:
            x = rng.uniform(0, W)
            heading = rng.uniform(0, 2 * np.pi)
        y = rng.uniform(0.3, 0.95) * H
        people.append(dict(id=next_id, x=x, y=y, w=w, h=h, heading=heading,
                           speed=rng.uniform(0.5, 1.5) * cfg.speed,
                           emb=_unit(rng.normal(size=D)), hidden=0))
        next_id += 1

    for _ in range(cfg.n_people):
        spawn(at_edge=False)

    frames: list[Frame] = []
    for _ in range(cfg.n_frames):
        if rng.random() < cfg.birth_rate:
            spawn(at_edge=True)
        boxes, scores, embs, ids = [], [], [], []
        alive = []
        for p in people:
            p["heading"] += rng.normal(0, 0.05)
            p["x"] += p["speed"] * np.cos(p["heading"])
            p["y"] += 0.3 * p["speed"] * np.sin(p["heading"])
            p["y"] = float(np.clip(p["y"], 0.25 * H, H))
            if p["x"] < -p["w"] or p["x"] > W + p["w"]:
                continue  # left the scene
            alive.append(p)
            if p["hidden"] > 0:
                p["hidden"] -= 1
                continue
            if rng.random() < cfg.occlusion_rate:
                p["hidden"] = int(rng.integers(1, cfg.max_occlusion + 1))
                continue
            if rng.random() < cfg.miss_rate:
                continue
            jitter = rng.normal(0, 0.02, size=4) * np.array([p["w"], p["h"], p["w"], p["h"]])
            x1, y1 = p["x"] - p["w"] / 2, p["y"] - p["h"]
            boxes.append(np.array([x1, y1, x1 + p["w"], y1 + p["h"]]) + jitter)
            scores.append(np.clip(rng.normal(0.7, 0.12), 0.05, 0.99))
            embs.append(_unit(p["emb"] + cfg.embedding_noise * rng.normal(size=D) / np.sqrt(D)))
            ids.append(p["id"])
        people = alive
        for _ in range(rng.poisson(cfg.false_positives)):
            h = rng.uniform(0.1, 0.3) * H
            x1, y1 = rng.uniform(0, W - h / 2), rng.uniform(0, H - h)
            boxes.append(np.array([x1, y1, x1 + h / 2, y1 + h]))
            scores.append(rng.uniform(0.2, 0.6))
            embs.append(_unit(rng.normal(size=D)))
            ids.append(-1)
        order = rng.permutation(len(boxes))
        frames.append((
            np.asarray(boxes, np.float32).reshape(-1, 4)[order],
            np.asarray(scores, np.float32)[order],
            np.asarray(embs, np.float32).reshape(-1, D)[order],
            np.asarray(ids, np.int64)[order],
        ))
    return frames
