"""Batch-norm folding (fairmot.models.fold) for CPU inference: against the unfolded network run in
float64 and against the folding formula written out in numpy; the network passed in is never
modified; a conv output used elsewhere is never folded silently; the Detector folds on the CPU by
default and its detections equal the unfolded network's."""
from __future__ import annotations

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from fairmot.models.fold import fold_batchnorm  # noqa: E402


def _randomise_bn(net: nn.Module, seed: int = 0) -> nn.Module:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=g))
                m.running_var.copy_(torch.rand(n, generator=g) + 0.1)
                m.weight.copy_(torch.randn(n, generator=g))
                m.bias.copy_(torch.randn(n, generator=g))
    return net


class _Small(nn.Module):
    def __init__(self, reuse: bool = False, share: bool = False) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, groups=2, bias=True)
        self.bn2 = nn.BatchNorm2d(8)
        self.side = nn.Conv2d(8, 8, 1)
        self.reuse, self.share = reuse, share

    def forward(self, x):
        c1 = self.conv1(x)
        y = torch.relu(self.bn1(c1))
        c2 = self.conv2(y)
        out = self.bn2(c2)
        if self.reuse:  # the raw conv output is also used outside any module
            out = out + c2
        if self.share:  # ... or read by a second module
            out = out + self.side(c2)
        return {"out": out}


def test_fold_matches_float64_and_the_formula():
    net = _randomise_bn(_Small()).eval()
    x = torch.rand(2, 3, 20, 24, generator=torch.Generator().manual_seed(1))
    before = copy.deepcopy(net.state_dict())
    folded, n = fold_batchnorm(net, torch.rand(1, 3, 16, 16))
    assert n == 2
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    with torch.inference_mode():
        ref = copy.deepcopy(net).double()(x.double())["out"]
        got = folded(x)["out"].double()
    assert float((got - ref).abs().max()) <= 1e-5 * float(ref.abs().max())
    # the formula, in numpy float64, for conv1 + bn1
    bn = net.bn1
    s = bn.weight.detach().numpy().astype(np.float64) / np.sqrt(bn.running_var.numpy().astype(np.float64) + bn.eps)
    w = net.conv1.weight.detach().numpy().astype(np.float64) * s[:, None, None, None]
    b = -bn.running_mean.numpy().astype(np.float64) * s + bn.bias.detach().numpy().astype(np.float64)
    np.testing.assert_allclose(folded.conv1.weight.detach().numpy(), w, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(folded.conv1.bias.detach().numpy(), b, rtol=1e-6, atol=1e-7)
    # the network passed in is untouched and still trainable
    after = net.state_dict()
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)
    assert isinstance(net.bn1, nn.BatchNorm2d) and net.conv1.bias is None
    assert all(p.requires_grad for p in net.parameters())


def test_conv_output_used_elsewhere_is_not_folded_silently():
    reused = _randomise_bn(_Small(reuse=True)).eval()
    x = torch.rand(1, 3, 16, 16)
    out, n = fold_batchnorm(reused, x)  # folding conv2 would change ``+ c2``: the check refuses it
    assert out is reused and n == 0
    shared = _randomise_bn(_Small(share=True)).eval()
    out, n = fold_batchnorm(shared, x)  # conv2's output is read by two modules: only conv1/bn1 fold
    assert n == 1 and isinstance(out.bn2, nn.BatchNorm2d)
    with torch.inference_mode():
        np.testing.assert_allclose(out(x)["out"].numpy(), shared(x)["out"].numpy(), rtol=1e-5, atol=1e-5)


def test_training_mode_is_refused_and_a_network_that_cannot_run_is_left_alone():
    with pytest.raises(ValueError, match="eval mode"):
        fold_batchnorm(_Small().train(), torch.rand(1, 3, 8, 8))
    net = _Small().eval()
    out, n = fold_batchnorm(net, torch.rand(1, 5, 8, 8))  # wrong channels: runs nowhere
    assert out is net and n == 0


def test_detector_folds_on_cpu_by_default_with_the_same_detections():
    from fairmot.detection.detector import Detector
    from fairmot.models import build_model

    net = _randomise_bn(build_model("dla34_tiny"), seed=3).eval() if _has_arch("dla34_tiny") else None
    if net is None:
        pytest.skip("no dla34_tiny architecture")
    with torch.no_grad():  # a heatmap bias that gives detections above the threshold
        net.hm[-1].bias.fill_(-1.0)
    frame = (np.random.default_rng(0).random((200, 300, 3)) * 255).astype(np.uint8)
    default = Detector(net, img_size=(160, 96), conf_thres=0.1, device="cpu")
    plain = Detector(net, img_size=(160, 96), conf_thres=0.1, device="cpu", fold_bn=False)
    assert default.folded_bn > 0 and plain.folded_bn == 0
    assert any(isinstance(m, nn.BatchNorm2d) for m in net.modules())  # the caller's network keeps its BNs
    a, b = default.detect(frame), plain.detect(frame)
    assert len(a) == len(b) > 0
    np.testing.assert_allclose(a.boxes, b.boxes, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(a.scores, b.scores, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(a.embeddings, b.embeddings, rtol=1e-4, atol=1e-5)


def _has_arch(name: str) -> bool:
    from fairmot.models import build_model

    try:
        build_model(name)
    except Exception:
        return False
    return True
