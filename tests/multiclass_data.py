"""Tiny hand-made multi-class JDE datasets for the multi-class training tests: a few frames of
coloured boxes, one colour and shape per class (class 0 tall, class 1 square, class 2 wide), each
object keeping its identity (numbered within its class) across frames."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

#: per class: (colour BGR, (w, h) in pixels)
CLASS_LOOK = {0: ((40, 40, 220), (10, 26)), 1: ((40, 200, 40), (16, 16)), 2: ((220, 60, 40), (28, 12))}


def write_multiclass_jde(root: Path, n_frames: int = 6, size: tuple[int, int] = (128, 64), classes: int = 3,
                         names: list[str] | None = None, seed: int = 0) -> Path:
    """Write ``root/images/seq/img1/%06d.jpg`` + ``labels_with_ids`` files and ``root/data.json``
    (with ``"classes"`` when ``names`` is given); two objects of each class, moving slowly.
    Returns the data config path."""
    import cv2

    rng = np.random.default_rng(seed)
    w, h = size
    objects = []  # (class, id within class, x, y, vx, vy)
    for c in range(classes):
        for i in range(2):
            objects.append([c, i, rng.uniform(15, w - 15), rng.uniform(15, h - 15), rng.uniform(-2, 2),
                            rng.uniform(-1, 1)])
    img_dir = root / "images" / "seq" / "img1"
    lab_dir = root / "labels_with_ids" / "seq" / "img1"
    img_dir.mkdir(parents=True, exist_ok=True)
    lab_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for f in range(1, n_frames + 1):
        img = np.full((h, w, 3), 128, np.uint8)
        rows = []
        for o in objects:
            c, tid, x, y = o[0], o[1], o[2], o[3]
            colour, (bw, bh) = CLASS_LOOK[c]
            x1, y1 = int(round(x - bw / 2)), int(round(y - bh / 2))
            cv2.rectangle(img, (x1, y1), (x1 + bw, y1 + bh), colour, -1)
            rows.append(f"{c} {tid} {(x1 + bw / 2) / w:.6f} {(y1 + bh / 2) / h:.6f} {bw / w:.6f} {bh / h:.6f}")
            o[2] = float(np.clip(x + o[4], 15, w - 15))
            o[3] = float(np.clip(y + o[5], 15, h - 15))
        name = f"{f:06d}.jpg"
        cv2.imwrite(str(img_dir / name), img)
        (lab_dir / f"{f:06d}.txt").write_text("\n".join(rows) + "\n")
        lines.append(f"images/seq/img1/{name}")
    (root / "train.txt").write_text("\n".join(lines) + "\n")
    cfg = {"root": str(root), "train": {"seq": str(root / "train.txt")}}
    if names is not None:
        cfg["classes"] = list(names)
    path = root / "data.json"
    path.write_text(json.dumps(cfg))
    return path


def signal_network(net, img_size: tuple[int, int], seed: int = 0):
    """Give a freshly built network unit-scale activations (a fresh one outputs ~1e-6, so that float
    rounding would decide its detections): BatchNorm statistics measured in one pass over random
    images, variances floored at 0.05 (as a trained network's). Returns ``net`` in eval mode."""
    import torch

    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        bns = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        for m in bns:
            m.reset_running_stats()
            m.momentum = None  # cumulative average: one pass sets the statistics
        net.train()
        net(torch.rand(2, 3, img_size[1], img_size[0], generator=g))
        net.eval()
        for m in bns:
            m.running_var.clamp_(min=0.05)
            m.momentum = 0.1
    return net


def three_class_network(img_size: tuple[int, int], frame, seed: int = 1, shift: float = -2.5):
    """A random 3-class dla34_tiny (head_conv 16) with signal (:func:`signal_network`), whose
    heatmap logits on ``frame`` (BGR) spread 1.5 around ``shift`` per class and whose boxes are
    nearly constant, upright and big enough for the official output filter."""
    import torch

    from fairmot.detection.preprocess import letterbox, to_input_tensor
    from fairmot.models import build_model

    torch.manual_seed(seed)
    net = signal_network(build_model("dla34_tiny", num_classes=3, head_conv=16), img_size, seed)
    x = to_input_tensor(letterbox(frame, *img_size)[0])
    with torch.no_grad():
        z = net(x)["hm"] - net.hm[-1].bias.view(1, -1, 1, 1)
        for c in range(3):
            k = 1.5 / float(z[:, c].std())
            net.hm[-1].weight[c].mul_(k)
            net.hm[-1].bias[c] = -k * float(z[:, c].mean()) + shift
        net.wh[-1].weight.mul_(0.01)
        net.wh[-1].bias.copy_(torch.tensor([3.0, 6.0, 3.0, 6.0]))
    return net
