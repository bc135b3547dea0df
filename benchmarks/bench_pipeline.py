"""One 1088x608 frame through the whole CPU pipeline, split by stage: fairmot vs the same network
with ``torchvision.ops.deform_conv2d`` and the official-style torch decoding / numpy tracker.

Stages (docs/official_behaviour.md §7): pre-processing (letterbox, blob), network, decoding
(sigmoid, peaks, top-500, gathers, mapping to the frame, threshold), association
(``JDETracker.update``). Both sides run the same DLA-34 weights on the same 1920x1080 frame:

* ``fairmot``: ``fairmot.ops`` DCN kernels, ``Detector.decode`` (fused ``heatmap_topk``), the C++
  tracker;
* ``reference``: every DCN computed by ``torchvision.ops.deform_conv2d``, decoding written as the
  official code does it (``tests/test_detector.py::reference_decode``: max-pool + compare + topk +
  gathers, mapping to the frame; vectorised here, where the official code loops in Python), and ``tests/reference_tracker.py`` (NumPy
  transcription of the official tracker).

The network gets the head biases of a trained FairMOT (``hm`` around a few dozen detections above
0.4) so that association has work to do. Run::

    python -m pytest benchmarks/bench_pipeline.py --benchmark-columns=min,median,rounds -s

and the printed table gives the per-stage split and the whole-frame ratio.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tv_ops = pytest.importorskip("torchvision.ops")

import fairmot  # noqa: E402
from fairmot.detection.detector import Detector  # noqa: E402
from fairmot.ops import DCN  # noqa: E402
from fairmot.detection.preprocess import letterbox, to_input_tensor  # noqa: E402
from fairmot.tracking import JDETracker  # noqa: E402

IMG_SIZE = (1088, 608)
FRAME_WH = (1920, 1080)
ROUNDS = 3
_RESULTS: dict[str, dict[str, float]] = {}


def _frame() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (FRAME_WH[1], FRAME_WH[0], 3), dtype=np.uint8)


def _network(frame: np.ndarray, detections: int = 40) -> torch.nn.Module:
    """DLA-34 with random weights whose heatmap bias is set so that ``detections`` peaks of
    ``frame`` score above 0.4 (a crowded MOT17 frame has a few dozen), boxes of plausible size."""
    import torch.nn.functional as F

    torch.manual_seed(0)
    net = fairmot.build_model("dla34").eval()
    blob = to_input_tensor(letterbox(frame, *IMG_SIZE)[0])
    with torch.no_grad():  # a fresh network's heatmap is nearly flat: give it a unit spread first
        z = net(blob)["hm"] - net.hm[-1].bias
        net.hm[-1].weight.mul_(1.0 / float(z.std()))
        logits = net(blob)["hm"]
        peaks = logits[F.max_pool2d(logits, 3, 1, 1) == logits].sort(descending=True).values
        shift = float(torch.logit(torch.tensor(0.4))) - float(peaks[detections - 1]) + 1e-3
        net.hm[-1].bias.add_(shift)
        net.wh[-1].bias.copy_(torch.tensor([8.0, 20.0, 8.0, 20.0]))
    return net


@contextmanager
def _torchvision_dcn(net: torch.nn.Module):
    """Temporarily compute every DCN of ``net`` with torchvision.ops.deform_conv2d."""
    saved = {}

    def tv_forward(self, x):
        out = self.conv_offset_mask(x)
        o1, o2, m = torch.chunk(out, 3, dim=1)
        return tv_ops.deform_conv2d(x, torch.cat((o1, o2), dim=1), self.weight, self.bias, stride=self.stride,
                                    padding=self.padding, dilation=self.dilation, mask=torch.sigmoid(m))

    for mod in net.modules():
        if isinstance(mod, DCN):
            saved[mod] = mod.forward
            mod.forward = tv_forward.__get__(mod, DCN)
    try:
        yield net
    finally:
        for mod, fwd in saved.items():
            mod.forward = fwd


def _run(impl: str, net: torch.nn.Module, frame: np.ndarray, trackers: dict) -> dict[str, float]:
    from reference_tracker import ReferenceJDETracker
    from test_detector import reference_decode

    det = Detector(net, img_size=IMG_SIZE, device="cpu", channels_last=False)
    times = {}
    t0 = time.perf_counter()
    canvas, _, _, _ = letterbox(frame, *IMG_SIZE)
    blob = to_input_tensor(canvas)
    t1 = time.perf_counter()
    with torch.inference_mode():
        out = net(blob)
    out = {k: v.float() for k, v in out.items()}
    t2 = time.perf_counter()
    if impl == "fairmot":
        boxes, scores, emb = det.decode(out, FRAME_WH)
    else:
        with torch.inference_mode():
            boxes, scores, emb = reference_decode(out, FRAME_WH, IMG_SIZE, 500, 0.4)
    t3 = time.perf_counter()
    tracker = trackers.setdefault(impl, JDETracker() if impl == "fairmot" else ReferenceJDETracker())
    tracker.update(boxes, scores, emb)
    t4 = time.perf_counter()
    times.update(pre=t1 - t0, network=t2 - t1, decode=t3 - t2, association=t4 - t3, frame=t4 - t0,
                 detections=float(len(boxes)))
    return times


@pytest.mark.parametrize("impl", ["fairmot", "reference"])
def test_frame_1088x608_by_stage(benchmark, impl):
    frame, trackers = _frame(), {}
    net = _network(frame)
    best: dict[str, float] = {}

    def once():
        res = _run(impl, net, frame, trackers)
        for k, v in res.items():
            best[k] = min(best.get(k, float("inf")), v)

    if impl == "reference":
        with _torchvision_dcn(net):
            benchmark.pedantic(once, rounds=ROUNDS, iterations=1, warmup_rounds=0)
    else:
        benchmark.pedantic(once, rounds=ROUNDS, iterations=1, warmup_rounds=0)
    benchmark.extra_info.update(best)
    _RESULTS[impl] = best
    if len(_RESULTS) == 2:
        ours, ref = _RESULTS["fairmot"], _RESULTS["reference"]
        print(f"\n\nOne {FRAME_WH[0]}x{FRAME_WH[1]} frame at {IMG_SIZE[0]}x{IMG_SIZE[1]}, CPU, "
              f"{torch.get_num_threads()} threads, min of {ROUNDS} rounds per stage")
        print(f"{'stage':<12} {'fairmot':>10} {'reference':>10} {'ratio':>7}")
        for k in ("pre", "network", "decode", "association", "frame"):
            print(f"{k:<12} {ours[k] * 1e3:>8.1f}ms {ref[k] * 1e3:>8.1f}ms {ref[k] / ours[k]:>6.2f}x")
        print(f"detections   {ours['detections']:.0f} / {ref['detections']:.0f}")
