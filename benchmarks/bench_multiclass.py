"""What several classes cost per frame (issue 17): decoding C heatmap channels and associating with
class ids, against the single-class path, on the same machine in interleaved rounds.

* decode: ``Detector.decode_batch`` (sigmoid, fused top-K over every class's peaks, gathers, mapping
  to frame pixels) of one frame's maps at the official 1088x608 input (272x152 maps, K = 500), for
  C = 1, 3 and 10 heatmap channels (the other heads are the same);
* associate: ``JDETracker.update`` over a 200-frame stream of 60 moving objects, without class ids
  and with 3 classes (ids fixed per object).

Usage: ``python benchmarks/bench_multiclass.py [--rounds R]``. Prints median milliseconds per frame
and the ratio to the single-class path; record results in ``benchmarks/RESULTS.md`` by hand.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from fairmot.detection.detector import Detector
from fairmot.models import build_model
from fairmot.tracking import JDETracker


def _maps(c: int, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    h, w = 152, 272
    return {"hm": torch.nn.functional.avg_pool2d(torch.randn(1, c, h + 4, w + 4, generator=g) * 4 - 4, 5, 1),
            "wh": torch.rand(1, 4, h, w, generator=g) * 20, "reg": torch.rand(1, 2, h, w, generator=g),
            "id": torch.randn(1, 128, h, w, generator=g)}


def _stream(frames: int, n: int, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1800, (n, 2))
    v = rng.normal(0, 3, (n, 2))
    emb = rng.normal(size=(n, 128)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    out = []
    for t in range(frames):
        p = xy + t * v + rng.normal(0, 1, (n, 2))
        boxes = np.concatenate([p, p + [40, 100]], 1).astype(np.float32)
        e = emb + rng.normal(0, 0.05, emb.shape).astype(np.float32)
        e /= np.linalg.norm(e, axis=1, keepdims=True)
        out.append((boxes, rng.uniform(0.45, 0.95, n).astype(np.float32), e))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    torch.set_num_threads(1)
    dets = {c: Detector(build_model("dla34_tiny", num_classes=c, head_conv=8), device="cpu", fold_bn=False,
                        conf_thres=0.4) for c in (1, 3, 10)}
    maps = {c: _maps(c) for c in dets}
    times: dict[str, list[float]] = {f"decode C={c}": [] for c in dets}
    stream = _stream(200, 60)
    classes = np.arange(60) % 3
    times.update({"associate, no class ids": [], "associate, 3 classes": []})
    for _ in range(args.rounds):  # interleaved: machine load affects every variant alike
        for c, d in dets.items():
            t = time.perf_counter()
            d.decode_batch(maps[c], [(1920, 1080)])
            times[f"decode C={c}"].append(time.perf_counter() - t)
        for key, cls in (("associate, no class ids", None), ("associate, 3 classes", classes)):
            trk = JDETracker()
            t = time.perf_counter()
            for b, s, e in stream:
                trk.update(b, s, e, class_ids=cls)
            times[key].append((time.perf_counter() - t) / len(stream))
    med = {k: float(np.median(v)) * 1e3 for k, v in times.items()}
    print(f"{'variant':28s} {'ms/frame':>9s} {'ratio':>7s}")
    for k, v in med.items():
        base = med["decode C=1"] if k.startswith("decode") else med["associate, no class ids"]
        print(f"{k:28s} {v:9.3f} {v / base:7.2f}")


if __name__ == "__main__":
    main()
