"""How far apart are the embeddings of one person seconds apart, and of two different people? (the evidence
behind the default ``reid_thres``).

On held-out synthetic sequences (``fairmot.data.synthetic.render_sequence``, seeds never used in training),
the built-in model's detections are matched to the ground truth (IoU > 0.5). For every identity, a
"track embedding" is smoothed over its first ``--track-frames`` matched frames exactly as the tracker smooths
(0.9 * old + 0.1 * new, normalised); it is then compared (cosine distance) with

* positives: the same identity's detection embeddings 2 to 10 s after the last frame used;
* negatives: other identities' detection embeddings in the same frames.

Prints distance quantiles and, per threshold, the share of positives accepted and of negatives accepted.
Usage: ``python benchmarks/bench_reid_threshold.py [--sequences N] [--frames N]``.
"""
from __future__ import annotations

import argparse
import itertools

import numpy as np


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of (N, 4) and (M, 4) x1, y1, x2, y2 boxes."""
    iw = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = iw * ih
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    return inter / (area(a)[:, None] + area(b)[None, :] - inter)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sequences", type=int, default=2)
    ap.add_argument("--frames", type=int, default=360)
    ap.add_argument("--track-frames", type=int, default=30)
    args = ap.parse_args()
    import fairmot
    from fairmot.data.synthetic import SceneConfig, render_sequence

    tracker = fairmot.Tracker(device="cpu")
    fps = 30
    pos, neg = [], []
    for seq in range(args.sequences):
        cfg = SceneConfig(width=640, height=360, n_frames=args.frames, fps=fps)
        per_frame: list[dict[int, np.ndarray]] = []  # frame -> {gt id: unit embedding}
        for frame, truth in itertools.islice(render_sequence(cfg, seed=97_000 + seq), args.frames):
            det = tracker.detect(frame)
            found: dict[int, np.ndarray] = {}
            if len(det) and len(truth):
                gt = truth.tlwh.copy()
                gt[:, 2:] += gt[:, :2]
                iou = _iou(det.boxes.astype(np.float64), gt)
                for j in range(iou.shape[1]):
                    i = int(np.argmax(iou[:, j]))
                    if iou[i, j] > 0.5 and np.argmax(iou[i]) == j:
                        e = det.embeddings[i].astype(np.float32)
                        found[int(truth.ids[j])] = e / np.linalg.norm(e)
            per_frame.append(found)
        ids = sorted({k for f in per_frame for k in f})
        for pid in ids:
            frames = [t for t, f in enumerate(per_frame) if pid in f]
            if len(frames) < args.track_frames:
                continue
            used = frames[:args.track_frames]
            smooth = per_frame[used[0]][pid].copy()
            for t in used[1:]:
                smooth = np.float32(0.9) * smooth + np.float32(0.1) * per_frame[t][pid]
                smooth /= np.float32(np.linalg.norm(smooth))
            last = used[-1]
            for t in range(last + 2 * fps, min(len(per_frame), last + 10 * fps + 1), 15):
                for other, e in per_frame[t].items():
                    d = float(1.0 - smooth.astype(np.float64) @ e.astype(np.float64))
                    (pos if other == pid else neg).append(d)
    pos_a, neg_a = np.array(pos), np.array(neg)
    print(f"built-in model, {args.sequences} held-out sequences of {args.frames} frames (640x360, 30 fps), "
          f"{len(pos_a)} positive and {len(neg_a)} negative pairs 2-10 s apart")
    q = [0.05, 0.25, 0.5, 0.75, 0.95]
    print("| pairs | " + " | ".join(f"q{int(100 * x)}" for x in q) + " |")
    print("|---" * (len(q) + 1) + "|")
    for name, a in (("same person", pos_a), ("different people", neg_a)):
        print(f"| {name} | " + " | ".join(f"{np.quantile(a, x):.3f}" for x in q) + " |")
    print()
    print("| reid_thres | same person accepted | different people accepted |")
    print("|---|---|---|")
    for thr in (0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        print(f"| {thr} | {np.mean(pos_a <= thr):.3f} | {np.mean(neg_a <= thr):.3f} |")


if __name__ == "__main__":
    main()
