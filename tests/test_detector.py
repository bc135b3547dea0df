"""Detector.decode against an official-style transcription of docs/official_behaviour.md §3 (steps 1-10)."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cv2  # noqa: E402,F401
F = torch.nn.functional

from fairmot.detection.detector import Detector  # noqa: E402
from fairmot.detection.postprocess import affine_to_frame  # noqa: E402


class _Heads(torch.nn.Module):
    """Stands in for the network: returns fixed head maps."""

    def __init__(self, out):
        super().__init__()
        self.out = out
        self.wh = torch.nn.Sequential(torch.nn.Conv2d(1, out["wh"].shape[1], 1))

    def forward(self, x):
        return self.out


def reference_decode(out, frame_wh, input_wh, K, conf):
    """Official steps: sigmoid, normalise id map, 3x3 peak NMS, topk, gathers, ctdet_post_process, filter."""
    hm = out["hm"].sigmoid()
    id_map = F.normalize(out["id"], dim=1)
    hmax = F.max_pool2d(hm, 3, stride=1, padding=1)
    hm = hm * (hmax == hm).float()
    b, c, h, w = hm.shape
    scores, inds = torch.topk(hm.view(b, -1), K)
    ys, xs = (inds // w).float(), (inds % w).float()
    reg = out["reg"].view(b, 2, -1)[0][:, inds[0]].t()
    wh = out["wh"].view(b, 4, -1)[0][:, inds[0]].t()
    cx, cy = xs[0] + reg[:, 0], ys[0] + reg[:, 1]
    boxes = torch.stack([cx - wh[:, 0], cy - wh[:, 1], cx + wh[:, 2], cy + wh[:, 3]], 1).numpy().astype(np.float32)
    t = affine_to_frame(frame_wh, input_wh)
    pts = boxes.reshape(-1, 2).astype(np.float32)
    mapped = (np.concatenate([pts, np.ones((len(pts), 1), np.float32)], 1).astype(np.float64) @ t.T)
    boxes = mapped.reshape(-1, 4).astype(np.float32)
    emb = id_map.view(b, id_map.shape[1], -1)[0][:, inds[0]].t().numpy()
    sc = scores[0].numpy()
    keep = sc > np.float32(conf)
    return boxes[keep], sc[keep], emb[keep]


@pytest.mark.parametrize("frame_wh", [(1920, 1080), (640, 480), (300, 400)])
def test_decode_matches_the_official_steps(frame_wh):
    g = torch.Generator().manual_seed(sum(frame_wh))
    H, W = 40, 64  # output map of a 256x160 input
    out = {
        "hm": torch.randn(1, 1, H, W, generator=g) * 2 - 1,
        "wh": torch.rand(1, 4, H, W, generator=g) * 10,
        "reg": torch.rand(1, 2, H, W, generator=g),
        "id": torch.randn(1, 128, H, W, generator=g),
    }
    det = Detector(_Heads(out), img_size=(256, 160), conf_thres=0.4, K=100, device="cpu", channels_last=False)
    boxes, scores, emb = det.decode(out, frame_wh)
    rb, rs, re = reference_decode(out, frame_wh, (256, 160), 100, 0.4)
    assert len(scores) == len(rs) > 0
    np.testing.assert_array_equal(scores, rs)
    np.testing.assert_allclose(boxes, rb, rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(emb, re, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, rtol=1e-5)


def test_detector_rejects_bad_frames_and_sizes():
    out = {"hm": torch.zeros(1, 1, 5, 8), "wh": torch.zeros(1, 4, 5, 8), "reg": torch.zeros(1, 2, 5, 8),
           "id": torch.ones(1, 8, 5, 8)}
    det = Detector(_Heads(out), img_size=(32, 32), device="cpu", channels_last=False)
    with pytest.raises(ValueError):
        det.detect(np.zeros((10, 10), np.uint8))
    with pytest.raises(TypeError):
        det.detect(np.zeros((10, 10, 3), np.float32))
    with pytest.raises(ValueError):
        Detector(_Heads(out), img_size=(100, 60), device="cpu")
    with pytest.raises(ValueError):
        Detector(_Heads(out), img_size=(64, 64), device="cpu", dtype=torch.float16)
