"""Deterministic mode (torch.use_deterministic_algorithms) and the deformable convolution.

The CUDA backward accumulates grad_input with atomics, so under deterministic mode it must raise
as torch's own non-deterministic CUDA kernels do; the CPU kernels are deterministic (grad_input is
scattered per channel by one thread) and must be unaffected.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from fairmot.ops import deform_conv2d

ROOT = Path(__file__).resolve().parents[1]
CUDA_SOURCE = ROOT / "csrc" / "ops" / "deform_conv2d" / "cuda" / "deform_conv2d_kernel.cu"


def _problem(device="cpu", dtype=torch.float64):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 4, 7, 6, generator=g, dtype=dtype)
    w = torch.randn(3, 4, 3, 3, generator=g, dtype=dtype)
    off = torch.randn(2, 18, 5, 4, generator=g, dtype=dtype) * 2
    mask = torch.rand(2, 9, 5, 4, generator=g, dtype=dtype)
    b = torch.randn(3, generator=g, dtype=dtype)
    return [t.to(device).requires_grad_() for t in (x, off, w, b, mask)]


def _grads(device="cpu"):
    x, off, w, b, mask = _problem(device)
    out = deform_conv2d(x, off, w, b, mask=mask)
    out.backward(torch.ones_like(out))
    return [out.detach()] + [t.grad for t in (x, off, w, b, mask)]


@pytest.fixture
def deterministic():
    before, warn_only = torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before, warn_only=warn_only)


def test_cpu_forward_and_backward_run_and_are_unchanged_in_deterministic_mode(deterministic):
    got = _grads()
    torch.use_deterministic_algorithms(False)
    want = _grads()
    for g, w in zip(got, want):
        assert torch.equal(g, w)  # bit for bit: the CPU kernels are deterministic either way


def test_cuda_backward_source_raises_the_non_deterministic_alert():
    text = CUDA_SOURCE.read_text()
    body = text[text.index("deform_conv2d_backward_cuda(\n"):]
    body = body[: body.index("\n}\n")]
    assert re.search(r'at::globalContext\(\)\.alertNotDeterministic\("deform_conv2d_backward_cuda"\);', body)
    assert "gpuAtomicAdd" in text  # the reason; drop the alert only with the atomics
    forward = text[text.index("at::Tensor deform_conv2d_forward_cuda("):]
    forward = forward[: forward.index("\n}\n")]
    assert "alertNotDeterministic" not in forward  # the forward pass has no atomics


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_backward_raises_in_deterministic_mode(deterministic):  # pragma: no cover - GPU only
    x, off, w, b, mask = _problem("cuda", torch.float32)
    out = deform_conv2d(x, off, w, b, mask=mask)  # the forward pass is deterministic
    with pytest.raises(RuntimeError, match="deform_conv2d_backward_cuda"):
        out.backward(torch.ones_like(out))
