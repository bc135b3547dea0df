"""Tests for ``fairmot.ops.deform_conv2d`` and ``fairmot.ops.DCN``.

The oracle is ``torchvision.ops.deform_conv2d`` (modulated deformable convolution, DCNv2
semantics; offset channel 2k = dy, 2k+1 = dx of kernel tap k = i*KW + j, interleaved), plus a
few references that do not use torchvision at all:

* zero offsets and no mask            == ``F.conv2d``;
* zero offsets with a mask            == unfold (im2col) * mask, then a grouped matmul;
* a constant integer offset (dy, dx)  == ``F.conv2d`` of the image shifted by (dy, dx);
* offsets far outside the image       == bias only.

Covered: float64 ``gradcheck`` of our op on tiny shapes (mask / no mask / no bias, groups,
offset groups, stride, dilation, padding 0/1/2, batch 2, 3x1 and 1x3 kernels, non-square
images, far and negative offsets) and all gradients vs torchvision; float32 at a realistic
FairMOT shape; 256-channel inputs (several pixel bands per image in the CPU forward); non-finite
pixels that no sample reads; non-contiguous views; ``torch.library.opcheck`` of
``torch.ops.fairmot.deform_conv2d.default``; ``torch.compile(fullgraph=True)`` of a module
using ``DCN``; the ``DCN`` module (state-dict keys/order, zero init, the split of the
offset/mask prediction); clear errors for bad input.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

import fairmot.ops as ops  # noqa: E402
torchvision_ops = pytest.importorskip("torchvision.ops")
tv_deform_conv2d = torchvision_ops.deform_conv2d

ERRORS = (ValueError, TypeError, RuntimeError)

F64 = torch.float64
F32 = torch.float32


# ----------------------------------------------------------------------------------- helpers
def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


DEFAULTS = dict(
    B=1, Cin=2, Cout=3, H=5, W=6, kh=3, kw=3, stride=(1, 1), pad=(1, 1), dil=(1, 1),
    groups=1, og=1, mask=True, bias=True, scale=1.5, sign=0, dtype=F64, seed=0,
)


def out_size(cfg):
    H, W = cfg["H"], cfg["W"]
    (sh, sw), (ph, pw), (dh, dw) = cfg["stride"], cfg["pad"], cfg["dil"]
    Ho = (H + 2 * ph - dh * (cfg["kh"] - 1) - 1) // sh + 1
    Wo = (W + 2 * pw - dw * (cfg["kw"] - 1) - 1) // sw + 1
    return Ho, Wo


def make_case(**overrides):
    """Random inputs for one configuration: dict with x, offset, weight, bias, mask, cfg."""
    cfg = dict(DEFAULTS)
    cfg.update(overrides)
    for key in ("stride", "pad", "dil"):
        cfg[key] = _pair(cfg[key])
    g = torch.Generator().manual_seed(cfg["seed"])
    dt = cfg["dtype"]
    B, Cin, Cout, kh, kw = cfg["B"], cfg["Cin"], cfg["Cout"], cfg["kh"], cfg["kw"]
    Ho, Wo = out_size(cfg)
    x = torch.randn(B, Cin, cfg["H"], cfg["W"], generator=g, dtype=F64)
    fan_in = Cin // cfg["groups"] * kh * kw
    w = torch.randn(Cout, Cin // cfg["groups"], kh, kw, generator=g, dtype=F64) / math.sqrt(fan_in)
    b = torch.randn(Cout, generator=g, dtype=F64) if cfg["bias"] else None
    off = torch.randn(B, 2 * cfg["og"] * kh * kw, Ho, Wo, generator=g, dtype=F64) * cfg["scale"]
    if cfg["sign"] < 0:
        off = -off.abs()
    elif cfg["sign"] > 0:
        off = off.abs()
    m = torch.rand(B, cfg["og"] * kh * kw, Ho, Wo, generator=g, dtype=F64) if cfg["mask"] else None
    cast = lambda t: None if t is None else t.to(dt)  # noqa: E731
    return dict(x=cast(x), offset=cast(off), weight=cast(w), bias=cast(b), mask=cast(m), cfg=cfg)


def call(fn, x, offset, weight, bias, mask, cfg):
    return fn(x, offset, weight, bias, stride=cfg["stride"], padding=cfg["pad"],
              dilation=cfg["dil"], mask=mask)


def ours(case, **replace):
    c = dict(case)
    c.update(replace)
    return call(ops.deform_conv2d, c["x"], c["offset"], c["weight"], c["bias"], c["mask"], c["cfg"])


def theirs(case, **replace):
    c = dict(case)
    c.update(replace)
    return call(tv_deform_conv2d, c["x"], c["offset"], c["weight"], c["bias"], c["mask"], c["cfg"])


def grad_names(case):
    return [n for n in ("x", "offset", "weight", "bias", "mask") if case[n] is not None]


def forward_and_grads(fn, case, grad_out):
    """Output and the gradients of <out, grad_out> w.r.t. every tensor input (fresh leaves)."""
    names = grad_names(case)
    leaves = {n: case[n].detach().clone().requires_grad_(True) for n in names}
    c = dict(case)
    c.update(leaves)
    out = call(fn, c["x"], c["offset"], c["weight"], c["bias"], c["mask"], c["cfg"])
    grads = torch.autograd.grad(out, [leaves[n] for n in names], grad_out)
    return out.detach(), dict(zip(names, grads))


def integer_sample_mask(offset, cfg, tol):
    """True for offset entries whose sampling position is within ``tol`` of an integer row or
    column (there the bilinear kernel is not differentiable, so float32 offset gradients of two
    correct implementations may legitimately differ)."""
    B, Coff, Ho, Wo = offset.shape
    kh, kw = cfg["kh"], cfg["kw"]
    (sh, sw), (ph, pw), (dh, dw) = cfg["stride"], cfg["pad"], cfg["dil"]
    o = offset.detach().double().view(B, Coff // (2 * kh * kw), kh * kw, 2, Ho, Wo)
    taps_i = torch.arange(kh, dtype=F64).repeat_interleave(kw).view(1, 1, -1, 1, 1)
    taps_j = torch.arange(kw, dtype=F64).repeat(kh).view(1, 1, -1, 1, 1)
    hh = torch.arange(Ho, dtype=F64).view(1, 1, 1, Ho, 1)
    ww = torch.arange(Wo, dtype=F64).view(1, 1, 1, 1, Wo)
    y = hh * sh - ph + taps_i * dh + o[:, :, :, 0]
    x = ww * sw - pw + taps_j * dw + o[:, :, :, 1]
    near = lambda t: (t - t.round()).abs() < tol  # noqa: E731
    bad = near(y) | near(x)
    return bad.unsqueeze(3).expand(-1, -1, -1, 2, -1, -1).reshape(B, Coff, Ho, Wo)


def assert_close_rel(actual, expected, rel, what=""):
    """max |a - e| <= rel * max(1, max |e|)."""
    assert actual.shape == expected.shape, (what, actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (what, actual.dtype, expected.dtype)
    err = (actual - expected).abs().max().item() if actual.numel() else 0.0
    scale = max(1.0, expected.abs().max().item() if expected.numel() else 0.0)
    assert err <= rel * scale, f"{what}: max abs err {err:.3g} > {rel:g} * {scale:.3g}"


# ------------------------------------------------------------------ tiny float64 configurations
GRAD_CASES = {
    "base_mask": dict(),
    "no_mask": dict(mask=False),
    "no_bias": dict(bias=False),
    "no_mask_no_bias": dict(mask=False, bias=False),
    "groups2": dict(Cin=4, Cout=4, groups=2),
    "offset_groups2": dict(Cin=4, og=2),
    "groups2_offset_groups2": dict(Cin=4, Cout=6, groups=2, og=2),
    "offset_groups3_across_groups2": dict(Cin=6, Cout=4, groups=2, og=3),  # channels 2-3 share offsets
    "offset_groups4_no_mask": dict(Cin=4, Cout=2, og=4, mask=False, H=4, W=4),
    "stride2": dict(H=7, W=7, stride=2),
    "dilation2_pad2": dict(H=6, W=6, dil=2, pad=2),
    "pad0": dict(pad=0),
    "pad2": dict(pad=2),
    "batch2": dict(B=2, H=4, W=5),
    "kernel3x1": dict(kh=3, kw=1, pad=(1, 0)),
    "kernel1x3": dict(kh=1, kw=3, pad=(0, 1)),
    "kernel1x1": dict(kh=1, kw=1, pad=0),
    "nonsquare_mixed": dict(H=4, W=7, stride=(2, 1), pad=(1, 2), dil=(1, 2)),
    "rect_kernel_strided": dict(H=6, W=5, kh=2, kw=3, stride=(1, 2), pad=(0, 1)),
    "far_offsets": dict(scale=8.0, seed=3),
    "negative_offsets": dict(sign=-1, scale=2.0, seed=4),
    "positive_offsets": dict(sign=1, scale=2.0, seed=5),
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_forward_matches_torchvision_float64(name):
    case = make_case(**GRAD_CASES[name])
    out = ours(case)
    ref = theirs(case)
    assert out.shape == ref.shape
    assert out.dtype == F64
    torch.testing.assert_close(out, ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_gradients_match_torchvision_float64(name):
    case = make_case(**GRAD_CASES[name])
    g = torch.Generator().manual_seed(99)
    ref_out = theirs(case)
    grad_out = torch.randn(ref_out.shape, generator=g, dtype=F64)
    out, grads = forward_and_grads(ops.deform_conv2d, case, grad_out)
    ref_out, ref_grads = forward_and_grads(tv_deform_conv2d, case, grad_out)
    torch.testing.assert_close(out, ref_out, rtol=1e-10, atol=1e-10)
    for n in ref_grads:
        assert grads[n].shape == case[n].shape, n
        torch.testing.assert_close(grads[n], ref_grads[n], rtol=1e-9, atol=1e-9, msg=lambda m: f"grad {n}: {m}")


@pytest.fixture
def single_thread():
    """Tiny problems: intra-op threads only add overhead (and noise) to the many small calls of
    gradcheck; restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_gradcheck_float64(name, single_thread):
    case = make_case(**GRAD_CASES[name])
    names = grad_names(case)
    inputs = tuple(case[n].detach().clone().requires_grad_(True) for n in names)
    cfg = case["cfg"]

    def fn(*tensors):
        c = dict(case)
        c.update(zip(names, tensors))
        return call(ops.deform_conv2d, c["x"], c["offset"], c["weight"], c["bias"], c["mask"], cfg)

    assert torch.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-4)


def test_gradcheck_torchvision_sanity(single_thread):
    """The oracle itself passes gradcheck on one configuration (guards the test set-up)."""
    case = make_case(**GRAD_CASES["groups2_offset_groups2"])
    names = grad_names(case)
    inputs = tuple(case[n].detach().clone().requires_grad_(True) for n in names)

    def fn(*tensors):
        c = dict(case)
        c.update(zip(names, tensors))
        return call(tv_deform_conv2d, c["x"], c["offset"], c["weight"], c["bias"], c["mask"], c["cfg"])

    assert torch.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-4, fast_mode=True)


def test_partial_requires_grad():
    """Only some inputs require grad: the others get no gradient and nothing breaks."""
    case = make_case(Cin=4, groups=2, og=2, Cout=4)
    off = case["offset"].clone().requires_grad_(True)
    out = ours(case, offset=off)
    assert out.requires_grad
    (g_off,) = torch.autograd.grad(out.sum(), [off])
    ref_off = case["offset"].clone().requires_grad_(True)
    (r_off,) = torch.autograd.grad(theirs(case, offset=ref_off).sum(), [ref_off])
    torch.testing.assert_close(g_off, r_off, rtol=1e-9, atol=1e-9)

    w = case["weight"].clone().requires_grad_(True)
    out = ours(case, weight=w)
    out.sum().backward()
    assert w.grad is not None and w.grad.shape == w.shape


def test_no_grad_forward_has_no_graph():
    case = make_case()
    with torch.no_grad():
        out = ours(case, x=case["x"].clone().requires_grad_(True))
    assert not out.requires_grad


@pytest.mark.parametrize("stride,padding,dilation", [(1, 1, 1), ((2, 1), (1, 0), (1, 2)), ([2, 2], [2, 2], [2, 2])])
def test_int_tuple_and_list_arguments(stride, padding, dilation):
    case = make_case(H=8, W=9, stride=stride, pad=padding, dil=dilation)
    out = ops.deform_conv2d(case["x"], case["offset"], case["weight"], case["bias"], stride, padding, dilation,
                            case["mask"])
    ref = tv_deform_conv2d(case["x"], case["offset"], case["weight"], case["bias"], stride, padding, dilation,
                           case["mask"])
    torch.testing.assert_close(out, ref, rtol=1e-10, atol=1e-10)


def test_defaults_match_torchvision():
    """Keyword defaults: bias=None, stride=1, padding=0, dilation=1, mask=None."""
    case = make_case(pad=0)
    out = ops.deform_conv2d(case["x"], case["offset"], case["weight"])
    ref = tv_deform_conv2d(case["x"], case["offset"], case["weight"])
    torch.testing.assert_close(out, ref, rtol=1e-10, atol=1e-10)
    out = ops.deform_conv2d(input=case["x"], offset=case["offset"], weight=case["weight"], mask=case["mask"])
    ref = tv_deform_conv2d(case["x"], case["offset"], case["weight"], mask=case["mask"])
    torch.testing.assert_close(out, ref, rtol=1e-10, atol=1e-10)


# ---------------------------------------------------------------- references without torchvision
ZERO_OFFSET_CASES = {
    "3x3_pad1": dict(),
    "groups2": dict(Cin=4, Cout=6, groups=2),
    "offset_groups2": dict(Cin=4, og=2),
    "stride2_dil2": dict(H=9, W=8, stride=2, dil=2, pad=2),
    "kernel3x1": dict(kh=3, kw=1, pad=(1, 0)),
    "kernel1x3_nonsquare": dict(kh=1, kw=3, pad=(0, 1), H=3, W=8),
    "batch2_pad0": dict(B=2, pad=0),
}


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("name", list(ZERO_OFFSET_CASES))
def test_zero_offsets_no_mask_is_conv2d(name, dtype):
    case = make_case(mask=False, dtype=dtype, **ZERO_OFFSET_CASES[name])
    cfg = case["cfg"]
    zero = torch.zeros_like(case["offset"])
    out = ours(case, offset=zero)
    ref = F.conv2d(case["x"], case["weight"], case["bias"], cfg["stride"], cfg["pad"], cfg["dil"], cfg["groups"])
    tol = 1e-12 if dtype == F64 else 1e-5
    torch.testing.assert_close(out, ref, rtol=tol, atol=tol)


def unfold_masked_conv(x, weight, bias, mask, cfg):
    """Zero-offset modulated convolution via im2col: independent of any deformable kernel."""
    B, Cin = x.shape[:2]
    Cout, cpg, kh, kw = weight.shape
    G, og = cfg["groups"], cfg["og"]
    Ho, Wo = out_size(cfg)
    cols = F.unfold(x, (kh, kw), dilation=cfg["dil"], padding=cfg["pad"], stride=cfg["stride"])
    cols = cols.view(B, og, Cin // og, kh * kw, Ho * Wo)
    cols = cols * mask.reshape(B, og, 1, kh * kw, Ho * Wo)
    cols = cols.reshape(B, G, cpg * kh * kw, Ho * Wo)
    w = weight.reshape(G, Cout // G, cpg * kh * kw)
    out = torch.einsum("gok,bgkl->bgol", w, cols).reshape(B, Cout, Ho, Wo)
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1)
    return out


@pytest.mark.parametrize("name", list(ZERO_OFFSET_CASES))
def test_zero_offsets_with_mask_is_masked_im2col(name):
    case = make_case(mask=True, **ZERO_OFFSET_CASES[name])
    zero = torch.zeros_like(case["offset"])
    out = ours(case, offset=zero)
    ref = unfold_masked_conv(case["x"], case["weight"], case["bias"], case["mask"], case["cfg"])
    torch.testing.assert_close(out, ref, rtol=1e-12, atol=1e-12)


def test_zero_offsets_unit_mask_is_conv2d():
    case = make_case(Cin=4, Cout=4, groups=2, og=2, H=7, W=6)
    cfg = case["cfg"]
    out = ours(case, offset=torch.zeros_like(case["offset"]), mask=torch.ones_like(case["mask"]))
    ref = F.conv2d(case["x"], case["weight"], case["bias"], cfg["stride"], cfg["pad"], cfg["dil"], cfg["groups"])
    torch.testing.assert_close(out, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dy,dx", [(1, -2), (-1, 0), (0, 3), (-2, -1)])
@pytest.mark.parametrize("stride,pad,dil", [(1, 1, 1), (2, 0, 1), (1, 2, 2)])
def test_constant_integer_offset_is_shifted_conv2d(dy, dx, stride, pad, dil):
    """offset channel 2k is dy, 2k+1 is dx: a constant integer offset moves every sample of the
    zero-padded image by (dy, dx)."""
    case = make_case(mask=False, H=7, W=8, Cin=3, Cout=2, stride=stride, pad=pad, dil=dil)
    cfg = case["cfg"]
    off = torch.zeros_like(case["offset"])
    off[:, 0::2] = dy
    off[:, 1::2] = dx
    x = case["x"]
    H, W = x.shape[-2:]
    (ph, pw), M = cfg["pad"], 4
    big = F.pad(x, (pw + M, pw + M, ph + M, ph + M))
    shifted = big[:, :, M + dy: M + dy + H + 2 * ph, M + dx: M + dx + W + 2 * pw]
    ref = F.conv2d(shifted, case["weight"], case["bias"], cfg["stride"], 0, cfg["dil"])
    out = ours(case, offset=off)
    torch.testing.assert_close(out, ref, rtol=1e-12, atol=1e-12)


def test_half_pixel_offset_is_bilinear_average():
    """dy = 0.5 everywhere: each sample is the mean of two vertically adjacent pixels (a pixel
    below the image counts as 0)."""
    case = make_case(mask=False, bias=False, Cin=1, Cout=1, kh=1, kw=1, pad=0, H=4, W=5)
    off = torch.zeros_like(case["offset"])
    off[:, 0] = 0.5
    w = torch.ones_like(case["weight"])
    x = case["x"]
    below = torch.cat([x[:, :, 1:], torch.zeros_like(x[:, :, :1])], dim=2)
    out = ours(case, offset=off, weight=w)
    torch.testing.assert_close(out, 0.5 * (x + below), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("value", [1000.0, -1000.0, 4.0, -4.0, 4.5, -4.5])
def test_offsets_entirely_outside_give_bias(value):
    """Every sample at y, x <= -1 or >= H/W contributes 0, so the output is the bias (4x4 image,
    1x1 kernel: +-4 puts the nearest samples exactly on y = 4 = H and y = -1)."""
    case = make_case(H=4, W=4, pad=0, kh=1, kw=1)
    off = torch.full_like(case["offset"], value)
    out = ours(case, offset=off)
    ref = case["bias"].view(1, -1, 1, 1).expand_as(out)
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-12)
    torch.testing.assert_close(out, theirs(case, offset=off), rtol=0, atol=1e-12)


def test_far_random_offsets_match_torchvision():
    """N(0, 8) offsets: most samples land outside the 9x11 image or on its border."""
    case = make_case(B=2, Cin=4, Cout=5, H=9, W=11, og=2, scale=8.0, seed=11)
    torch.testing.assert_close(ours(case), theirs(case), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("overrides", [
    dict(B=3, Cin=256, Cout=8, H=20, W=20),
    dict(B=2, Cin=256, Cout=16, H=17, W=23, groups=4, og=8, stride=2, pad=2, dil=2),
], ids=["batch3", "groups4_offset_groups8_strided"])
def test_wide_input_several_bands_match_torchvision(overrides):
    """256 input channels: the CPU forward splits each image into several bands of pixels (the
    last one shorter) that threads take in turn."""
    case = make_case(scale=2.0, seed=12, **overrides)
    torch.testing.assert_close(ours(case), theirs(case), rtol=1e-10, atol=1e-10)


def test_non_finite_pixels_that_no_sample_reads():
    """inf / NaN in image pixels that no sample reads leave the output finite, as in
    torchvision (samples outside the image must not multiply some pixel by a zero weight)."""
    case = make_case(B=1, Cin=3, Cout=2, H=6, W=7, seed=13)
    x = case["x"].clone()
    x[..., 0, 0] = float("inf")
    x[..., -1, -1] = float("nan")
    off = torch.full_like(case["offset"], 100.0)
    out = ours(case, x=x, offset=off)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out, theirs(case, x=x, offset=off), rtol=0, atol=1e-12)


# -------------------------------------------------------------------- float32, realistic shape
@pytest.fixture(scope="module")
def realistic_case():
    """B=1, 64 -> 64 channels, 76x136 (FairMOT's stride-8 level), 3x3, pad 1, mask, N(0, 2) offsets."""
    return make_case(B=1, Cin=64, Cout=64, H=76, W=136, scale=2.0, dtype=F32, seed=7)


def test_float32_realistic_forward(realistic_case):
    case = realistic_case
    out = ours(case)
    assert out.dtype == F32 and out.shape == (1, 64, 76, 136)
    ref = theirs(case)
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-4)
    assert out.is_contiguous()


def test_float32_realistic_gradients(realistic_case):
    case = realistic_case
    g = torch.Generator().manual_seed(5)
    grad_out = torch.randn(1, 64, 76, 136, generator=g, dtype=F32)
    out, grads = forward_and_grads(ops.deform_conv2d, case, grad_out)
    ref_out, ref_grads = forward_and_grads(tv_deform_conv2d, case, grad_out)
    torch.testing.assert_close(out, ref_out, rtol=0, atol=1e-4)
    for n in ("x", "weight", "bias", "mask"):
        assert_close_rel(grads[n], ref_grads[n], 1e-4, what=f"grad {n}")
    # the offset gradient jumps where a sampling position crosses an integer row/column; those
    # (a few dozen of 186k entries) are compared separately with a loose bound
    bad = integer_sample_mask(case["offset"], case["cfg"], tol=1e-4)
    assert bad.float().mean().item() < 1e-3
    go, ro = grads["offset"], ref_grads["offset"]
    assert go.shape == ro.shape and go.dtype == F32
    assert_close_rel(go[~bad], ro[~bad], 1e-4, what="grad offset (away from integer positions)")
    assert torch.isfinite(go).all()


# ----------------------------------------------------------------------------- non-contiguous
def _strided_copy(t, dim):
    """A non-contiguous view with the same values (every other element of a 2x larger buffer)."""
    shape = list(t.shape)
    shape[dim] *= 2
    buf = torch.full(shape, float("nan"), dtype=t.dtype)
    idx = [slice(None)] * t.dim()
    idx[dim] = slice(0, None, 2)
    buf[tuple(idx)] = t
    view = buf[tuple(idx)]
    assert not view.is_contiguous() and torch.equal(view, t)
    return view


def _transposed_copy(t, d0, d1):
    view = t.transpose(d0, d1).contiguous().transpose(d0, d1)
    assert not view.is_contiguous() and torch.equal(view, t)
    return view


@pytest.mark.parametrize("dtype", [F64, F32])
def test_non_contiguous_inputs(dtype):
    case = make_case(B=2, Cin=4, Cout=6, H=7, W=9, groups=2, og=2, dtype=dtype, seed=21)
    nc = dict(case)
    nc["x"] = case["x"].contiguous(memory_format=torch.channels_last)
    assert not nc["x"].is_contiguous()
    nc["offset"] = _strided_copy(case["offset"], 3)
    nc["weight"] = _transposed_copy(case["weight"], 0, 1)
    nc["bias"] = _strided_copy(case["bias"], 0)
    nc["mask"] = _transposed_copy(case["mask"], 2, 3)
    tol = 1e-12 if dtype == F64 else 1e-5
    ref = ours(case)
    out = ours(nc)
    torch.testing.assert_close(out, ref, rtol=tol, atol=tol)
    torch.testing.assert_close(out, theirs(case), rtol=tol, atol=tol)

    g = torch.Generator().manual_seed(1)
    grad_out = torch.randn(ref.shape, generator=g, dtype=dtype)
    # a non-contiguous upstream gradient as well
    grad_out_nc = _transposed_copy(grad_out, 2, 3)
    names = grad_names(case)
    leaves = [nc[n].detach().requires_grad_(True) for n in names]  # same (non-contiguous) strides
    assert all(not t.is_contiguous() for t in leaves)
    c = dict(nc)
    c.update(zip(names, leaves))
    out = call(ops.deform_conv2d, c["x"], c["offset"], c["weight"], c["bias"], c["mask"], c["cfg"])
    grads = torch.autograd.grad(out, leaves, grad_out_nc)
    _, ref_grads = forward_and_grads(tv_deform_conv2d, case, grad_out)
    for n, gr in zip(names, grads):
        assert gr.shape == case[n].shape, n
        torch.testing.assert_close(gr, ref_grads[n], rtol=100 * tol, atol=100 * tol, msg=lambda m: f"grad {n}: {m}")


def test_sliced_input_views():
    """Inputs that are slices of larger tensors (offset storage, batch slices)."""
    big = make_case(B=3, Cin=6, Cout=3, H=8, W=10, seed=31)
    x = big["x"][1:, 1:4, 1:6, 2:8]  # (2, 3, 5, 6)
    case = make_case(B=2, Cin=3, Cout=3, H=5, W=6, seed=32)
    case["x"] = x
    off_big = torch.randn(2, 40, 5, 6, dtype=F64, generator=torch.Generator().manual_seed(2))
    case["offset"] = off_big[:, 3:21]
    mask_big = torch.rand(2, 9, 5, 12, dtype=F64, generator=torch.Generator().manual_seed(3))
    case["mask"] = mask_big[..., 1::2]
    case["weight"] = torch.randn(3, 3, 3, 5, dtype=F64)[..., 1:4]
    for n in ("x", "offset", "mask", "weight"):
        assert not case[n].is_contiguous(), n
    out = ours(case)
    ref = theirs({k: (v.contiguous() if isinstance(v, torch.Tensor) else v) for k, v in case.items()})
    torch.testing.assert_close(out, ref, rtol=1e-10, atol=1e-10)


def test_expanded_inputs():
    """Stride-0 (expanded) offset/mask broadcast over the batch."""
    case = make_case(B=1, H=5, W=6, seed=41)
    x2 = torch.randn(3, 2, 5, 6, dtype=F64)
    off = case["offset"].expand(3, -1, -1, -1)
    m = case["mask"].expand(3, -1, -1, -1)
    out = ours(case, x=x2, offset=off, mask=m)
    ref = theirs(case, x=x2, offset=off.contiguous(), mask=m.contiguous())
    torch.testing.assert_close(out, ref, rtol=1e-10, atol=1e-10)


def test_does_not_modify_inputs():
    case = make_case(Cin=4, og=2, groups=2, Cout=4)
    before = {n: case[n].clone() for n in grad_names(case)}
    out, _ = forward_and_grads(ops.deform_conv2d, case, torch.ones(1, 4, 5, 6, dtype=F64))
    for n, t in before.items():
        assert torch.equal(case[n], t), n


# ------------------------------------------------------------------------------ the raw op
def raw_args(case, use_mask=True):
    cfg = case["cfg"]
    mask = case["mask"]
    if mask is None:
        mask = torch.zeros(case["x"].shape[0], cfg["og"] * cfg["kh"] * cfg["kw"], *out_size(cfg),
                           dtype=case["x"].dtype)
    bias = case["bias"] if case["bias"] is not None else torch.zeros(case["weight"].shape[0], dtype=case["x"].dtype)
    (sh, sw), (ph, pw), (dh, dw) = cfg["stride"], cfg["pad"], cfg["dil"]
    return (case["x"], case["weight"], case["offset"], mask, bias, sh, sw, ph, pw, dh, dw,
            cfg["groups"], cfg["og"], use_mask)


def test_raw_op_matches_torchvision_op():
    case = make_case(Cin=4, Cout=6, groups=2, og=2, stride=(2, 1), H=7, W=6)
    args = raw_args(case)
    out = torch.ops.fairmot.deform_conv2d(*args)
    ref = torch.ops.torchvision.deform_conv2d(*args)
    torch.testing.assert_close(out, ref, rtol=1e-10, atol=1e-10)
    args = raw_args(case, use_mask=False)
    torch.testing.assert_close(torch.ops.fairmot.deform_conv2d(*args), torch.ops.torchvision.deform_conv2d(*args),
                               rtol=1e-10, atol=1e-10)


OPCHECK_CASES = {
    "mask_f32": (dict(dtype=F32), True),
    "mask_f64_groups_og": (dict(Cin=4, Cout=6, groups=2, og=2), True),
    "no_mask_strided": (dict(mask=False, stride=2, H=7, W=7, dtype=F32), False),
    "batch2_dilation_rect": (dict(B=2, dil=(2, 1), pad=(2, 1), kh=3, kw=2, H=6, W=5, dtype=F32), True),
}


@pytest.mark.parametrize("name", list(OPCHECK_CASES))
def test_opcheck(name):
    overrides, use_mask = OPCHECK_CASES[name]
    case = make_case(**overrides)
    args = list(raw_args(case, use_mask=use_mask))
    for i in range(5):
        if i == 3 and not use_mask:
            continue  # an ignored mask gets no gradient
        args[i] = args[i].detach().clone().requires_grad_(True)
    torch.library.opcheck(torch.ops.fairmot.deform_conv2d.default, tuple(args))


def test_fake_tensor_shapes():
    """The meta / fake kernel gives the right output shape and dtype without computing."""
    from torch._subclasses.fake_tensor import FakeTensorMode

    case = make_case(B=2, Cin=4, Cout=6, H=9, W=7, groups=2, og=2, stride=(2, 1), pad=(1, 2), dil=(1, 2),
                     dtype=F32)
    with FakeTensorMode() as mode:
        args = [mode.from_tensor(a) if isinstance(a, torch.Tensor) else a for a in raw_args(case)]
        out = torch.ops.fairmot.deform_conv2d(*args)
    assert tuple(out.shape) == (2, 6, *out_size(case["cfg"]))
    assert out.dtype == F32
    meta = [a.to("meta") if isinstance(a, torch.Tensor) else a for a in raw_args(case)]
    out = torch.ops.fairmot.deform_conv2d(*meta)
    assert out.device.type == "meta" and tuple(out.shape) == (2, 6, *out_size(case["cfg"]))


# ----------------------------------------------------------------------------------- DCN
def randomize_dcn(m, seed=0, offset_scale=1.0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in (m.weight, m.bias, m.conv_offset_mask.weight, m.conv_offset_mask.bias):
            p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype) * 0.3)
        m.conv_offset_mask.weight.mul_(offset_scale)
    return m


def test_dcn_state_dict_keys_and_shapes():
    m = ops.DCN(16, 32, 3, 1, 1)
    sd = m.state_dict()
    assert list(sd.keys()) == ["weight", "bias", "conv_offset_mask.weight", "conv_offset_mask.bias"]
    assert tuple(sd["weight"].shape) == (32, 16, 3, 3)
    assert tuple(sd["bias"].shape) == (32,)
    assert tuple(sd["conv_offset_mask.weight"].shape) == (27, 16, 3, 3)
    assert tuple(sd["conv_offset_mask.bias"].shape) == (27,)
    assert [n for n, _ in m.named_parameters()] == list(sd.keys())
    assert isinstance(m.conv_offset_mask, torch.nn.Conv2d)
    assert isinstance(m.weight, torch.nn.Parameter) and isinstance(m.bias, torch.nn.Parameter)
    # FairMOT's DLA-34 checkpoint: DeformConv = actf (BN) then conv (DCN)
    parent = torch.nn.Module()
    parent.actf = torch.nn.Sequential(torch.nn.BatchNorm2d(32), torch.nn.ReLU(inplace=True))
    parent.conv = m
    keys = list(parent.state_dict().keys())
    assert keys[-4:] == ["conv.weight", "conv.bias", "conv.conv_offset_mask.weight", "conv.conv_offset_mask.bias"]


def test_dcn_keys_match_official_checkpoint():
    """Every DCN of the official DLA-34 checkpoint (the key list of docs/official_behaviour.md §1.7):
    a DCN built with the listed channel counts has exactly the listed keys, in the listed order, with
    the listed shapes."""
    from pathlib import Path

    # the official model's state-dict entries (docs/official_behaviour.md §1.7), shipped with the tests
    path = Path(__file__).resolve().parent / "data" / "fairmot_dla34_state_dict_keys.txt"
    rows = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    keys = [r[0] for r in rows]
    shapes = {r[0]: (() if r[1] == "scalar" else tuple(int(v) for v in r[1].split("x"))) for r in rows}
    prefixes = [k[: -len("conv_offset_mask.weight")] for k in keys if k.endswith("conv_offset_mask.weight")]
    assert prefixes, "no DCN in the key list"
    for prefix in prefixes:
        start = keys.index(prefix + "weight")
        listed = keys[start:start + 4]
        cout, cin, kh, kw = shapes[prefix + "weight"]
        m = ops.DCN(cin, cout, kh, 1, kh // 2)
        sd = m.state_dict()
        assert [prefix + k for k in sd] == listed, prefix
        for k, v in sd.items():
            assert tuple(v.shape) == shapes[prefix + k], (prefix + k, tuple(v.shape))


@pytest.mark.parametrize(
    "cin,cout,k,stride,pad,dil,dg",
    [(4, 6, 3, 1, 1, 1, 1), (4, 5, 3, 2, 1, 1, 1), (6, 4, 3, 1, 2, 2, 1), (4, 4, 3, 1, 1, 1, 2), (3, 2, 1, 1, 0, 1, 1)],
)
def test_dcn_constructor_shapes_and_zero_init(cin, cout, k, stride, pad, dil, dg):
    m = ops.DCN(cin, cout, k, stride, pad, dilation=dil, deformable_groups=dg)
    assert tuple(m.weight.shape) == (cout, cin, k, k)
    assert tuple(m.bias.shape) == (cout,)
    c = m.conv_offset_mask
    assert c.in_channels == cin and c.out_channels == dg * 3 * k * k
    assert _pair(c.kernel_size) == (k, k) and _pair(c.stride) == (stride, stride)
    assert _pair(c.padding) == (pad, pad)
    assert c.bias is not None
    assert torch.count_nonzero(c.weight) == 0 and torch.count_nonzero(c.bias) == 0


def test_dcn_zero_init_forward_is_half_masked_conv():
    """With conv_offset_mask zero: offsets 0 and mask sigmoid(0) = 0.5 -> 0.5 * conv(x) + bias."""
    m = ops.DCN(4, 6, 3, 1, 1).double()
    with torch.no_grad():
        m.weight.copy_(torch.randn(m.weight.shape, dtype=F64))
        m.bias.copy_(torch.randn(m.bias.shape, dtype=F64))
    x = torch.randn(2, 4, 7, 5, dtype=F64)
    ref = 0.5 * F.conv2d(x, m.weight, None, 1, 1) + m.bias.view(1, -1, 1, 1)
    torch.testing.assert_close(m(x), ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "cin,cout,k,stride,pad,dil,dg",
    [(4, 6, 3, 1, 1, 1, 1), (4, 5, 3, 2, 1, 1, 1), (6, 4, 3, 1, 0, 1, 1), (4, 4, 3, 1, 1, 1, 2), (4, 4, 3, 2, 1, 1, 4),
     (3, 2, 1, 1, 0, 1, 1)],
)
def test_dcn_forward_split_matches_torchvision(cin, cout, k, stride, pad, dil, dg):
    """offset = o[:, :2*dg*k*k] (channels in their original order), mask = sigmoid(o[:, 2*dg*k*k:])."""
    m = randomize_dcn(ops.DCN(cin, cout, k, stride, pad, dilation=dil, deformable_groups=dg).double(), seed=cin + k,
                      offset_scale=3.0)
    x = torch.randn(2, cin, 9, 8, dtype=F64, generator=torch.Generator().manual_seed(3))
    o = F.conv2d(x, m.conv_offset_mask.weight, m.conv_offset_mask.bias, stride, pad)
    n = dg * k * k
    assert o.shape[1] == 3 * n
    offset = o[:, : 2 * n]
    mask = torch.sigmoid(o[:, 2 * n:])
    ref = tv_deform_conv2d(x, offset, m.weight, m.bias, stride, pad, dil, mask)
    out = m(x)
    torch.testing.assert_close(out, ref, rtol=1e-10, atol=1e-10)
    # the planar reading (all dy, then all dx) must NOT be what DCN computes
    if k > 1:
        planar = torch.cat([o[:, 0:2 * n:2], o[:, 1:2 * n:2]], dim=1)
        wrong = tv_deform_conv2d(x, planar, m.weight, m.bias, stride, pad, dil, mask)
        assert not torch.allclose(out, wrong, atol=1e-6)


def test_dcn_fairmot_block_shape_float32():
    """The DLA-34 DeformConv setting: 3x3, stride 1, pad 1, 27 offset/mask channels."""
    m = randomize_dcn(ops.DCN(64, 64, 3, 1, 1), seed=2)
    x = torch.randn(1, 64, 38, 68, generator=torch.Generator().manual_seed(4))
    o = m.conv_offset_mask(x)
    ref = tv_deform_conv2d(x, o[:, :18], m.weight, m.bias, 1, 1, 1, torch.sigmoid(o[:, 18:27]))
    torch.testing.assert_close(m(x), ref, rtol=0, atol=1e-4)


def test_dcn_backward_reaches_all_parameters():
    m = randomize_dcn(ops.DCN(4, 6, 3, 1, 1).double(), seed=9)
    ref_m = randomize_dcn(ops.DCN(4, 6, 3, 1, 1).double(), seed=9)
    x = torch.randn(1, 4, 6, 7, dtype=F64, requires_grad=True)
    x_ref = x.detach().clone().requires_grad_(True)
    m(x).square().sum().backward()

    o = ref_m.conv_offset_mask(x_ref)
    out = tv_deform_conv2d(x_ref, o[:, :18], ref_m.weight, ref_m.bias, 1, 1, 1, torch.sigmoid(o[:, 18:]))
    out.square().sum().backward()
    for (n, p), (_, q) in zip(m.named_parameters(), ref_m.named_parameters()):
        assert p.grad is not None, n
        torch.testing.assert_close(p.grad, q.grad, rtol=1e-9, atol=1e-9, msg=lambda s: f"{n}: {s}")
    torch.testing.assert_close(x.grad, x_ref.grad, rtol=1e-9, atol=1e-9)


def test_dcn_load_state_dict_roundtrip():
    a = randomize_dcn(ops.DCN(4, 6, 3, 1, 1), seed=1)
    b = ops.DCN(4, 6, 3, 1, 1)
    b.load_state_dict(a.state_dict())
    x = torch.randn(1, 4, 6, 6)
    torch.testing.assert_close(a(x), b(x), rtol=0, atol=0)


# ----------------------------------------------------------------------------- torch.compile
class TinyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 8, 3, 1, 1)
        self.dcn = ops.DCN(8, 8, 3, 1, 1)
        self.bn = torch.nn.BatchNorm2d(8)

    def forward(self, x):
        y = torch.relu(self.stem(x))
        return torch.relu(self.bn(self.dcn(y))) + y


def _tiny_net(seed=0):
    torch.manual_seed(seed)
    net = TinyNet().eval()
    randomize_dcn(net.dcn, seed=seed, offset_scale=2.0)
    return net


def test_compile_fullgraph_inductor_forward():
    torch._dynamo.reset()
    net = _tiny_net()
    x = torch.randn(1, 3, 12, 10)
    with torch.no_grad():
        eager = net(x)
        compiled = torch.compile(net, fullgraph=True)
        out = compiled(x)
        out2 = compiled(x * 2)
        eager2 = net(x * 2)
    torch.testing.assert_close(out, eager, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(out2, eager2, rtol=1e-4, atol=1e-5)


def test_compile_fullgraph_aot_eager_backward():
    torch._dynamo.reset()
    net = _tiny_net(seed=1).train()
    net_c = _tiny_net(seed=1).train()
    x = torch.randn(2, 3, 9, 11)
    net(x).square().mean().backward()
    compiled = torch.compile(net_c, fullgraph=True, backend="aot_eager")
    compiled(x).square().mean().backward()
    for (n, p), (_, q) in zip(net.named_parameters(), net_c.named_parameters()):
        torch.testing.assert_close(q.grad, p.grad, rtol=1e-4, atol=1e-5, msg=lambda s: f"{n}: {s}")


def test_compile_functional_dynamic_shapes():
    torch._dynamo.reset()

    def f(x, off, w, b, m):
        return ops.deform_conv2d(x, off, w, b, stride=1, padding=1, mask=m).sum(dim=1)

    compiled = torch.compile(f, fullgraph=True, backend="aot_eager", dynamic=True)
    for H, W in [(5, 6), (7, 4)]:
        case = make_case(H=H, W=W, dtype=F32, seed=H * W)
        args = (case["x"], case["offset"], case["weight"], case["bias"], case["mask"])
        torch.testing.assert_close(compiled(*args), f(*args), rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------------- errors
def _bad(case, **replace):
    c = dict(case)
    c.update(replace)
    return c


def _base():
    return make_case(B=2, Cin=4, Cout=6, H=6, W=7, dtype=F32, seed=50)


BAD_INPUTS = {
    "input_3d": lambda c: _bad(c, x=c["x"][0]),
    "input_5d": lambda c: _bad(c, x=c["x"].unsqueeze(0)),
    "weight_3d": lambda c: _bad(c, weight=c["weight"][:, :, 0]),
    "offset_3d": lambda c: _bad(c, offset=c["offset"][0]),
    "mask_3d": lambda c: _bad(c, mask=c["mask"][0]),
    "bias_2d": lambda c: _bad(c, bias=c["bias"].view(2, 3)),
    "weight_channels_mismatch": lambda c: _bad(c, weight=torch.randn(6, 5, 3, 3)),
    "groups_not_dividing_cin": lambda c: _bad(c, weight=torch.randn(6, 3, 3, 3)),
    "groups_not_dividing_cout": lambda c: _bad(c, weight=torch.randn(5, 2, 3, 3), bias=torch.randn(5)),
    "offset_channels_not_multiple": lambda c: _bad(c, offset=c["offset"][:, :17]),
    "offset_channels_odd_groups": lambda c: _bad(c, offset=torch.randn(2, 54, 6, 7), mask=torch.rand(2, 27, 6, 7)),
    "offset_height_mismatch": lambda c: _bad(c, offset=c["offset"][:, :, :5]),
    "offset_width_mismatch": lambda c: _bad(c, offset=torch.randn(2, 18, 6, 8)),
    "offset_batch_mismatch": lambda c: _bad(c, offset=c["offset"][:1]),
    "mask_channels_mismatch": lambda c: _bad(c, mask=c["mask"][:, :8]),
    "mask_channels_vs_offset_groups": lambda c: _bad(c, offset=torch.randn(2, 36, 6, 7)),
    "mask_spatial_mismatch": lambda c: _bad(c, mask=c["mask"][:, :, :, :6]),
    "mask_batch_mismatch": lambda c: _bad(c, mask=c["mask"][:1]),
    "bias_size_mismatch": lambda c: _bad(c, bias=torch.randn(5)),
    "weight_float64": lambda c: _bad(c, weight=c["weight"].double()),
    "offset_float64": lambda c: _bad(c, offset=c["offset"].double()),
    "mask_float64": lambda c: _bad(c, mask=c["mask"].double()),
    "bias_float64": lambda c: _bad(c, bias=c["bias"].double()),
    "integer_input": lambda c: _bad(c, x=c["x"].long(), weight=c["weight"].long(), offset=c["offset"].long(),
                                    mask=c["mask"].long(), bias=c["bias"].long()),
    "stride_zero": lambda c: _bad(c, cfg=dict(c["cfg"], stride=(0, 1))),
    "dilation_zero": lambda c: _bad(c, cfg=dict(c["cfg"], dil=(1, 0))),
    "negative_padding": lambda c: _bad(c, cfg=dict(c["cfg"], pad=(-1, 1))),
    "kernel_larger_than_input": lambda c: _bad(c, x=torch.randn(2, 4, 1, 1), weight=torch.randn(6, 4, 5, 5),
                                               cfg=dict(c["cfg"], pad=(0, 0), kh=5, kw=5)),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_raises_clear_error(name):
    c = BAD_INPUTS[name](_base())
    with pytest.raises(ERRORS) as info:
        call(ops.deform_conv2d, c["x"], c["offset"], c["weight"], c["bias"], c["mask"], c["cfg"])
    assert str(info.value).strip(), "error without a message"


@pytest.mark.parametrize("name", ["weight_channels_mismatch", "offset_height_mismatch", "mask_channels_mismatch"])
def test_bad_input_raw_op_raises(name):
    c = BAD_INPUTS[name](_base())
    c["cfg"] = dict(c["cfg"])
    with pytest.raises(ERRORS):
        torch.ops.fairmot.deform_conv2d(*raw_args(c))


def test_dcn_bad_input_raises():
    m = ops.DCN(4, 6, 3, 1, 1)
    with pytest.raises(ERRORS):
        m(torch.randn(1, 5, 8, 8))
    with pytest.raises(ERRORS):
        m(torch.randn(4, 8, 8))  # 3-D


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_mixed_devices_raise():
    c = _base()
    with pytest.raises(ERRORS):
        call(ops.deform_conv2d, c["x"].cuda(), c["offset"], c["weight"], c["bias"], c["mask"], c["cfg"])
    with pytest.raises(ERRORS):
        call(ops.deform_conv2d, c["x"], c["offset"].cuda(), c["weight"], c["bias"], c["mask"], c["cfg"])


def test_raw_op_rejects_a_kernel_larger_than_the_padded_input():
    # (2 - 3) // 2 + 1 == 0 but C++ truncation would give 1: the check must not rely on it.
    # The C++ checks raise RuntimeError (TORCH_CHECK), as torchvision's kernels.
    x, w = torch.randn(1, 2, 2, 5), torch.randn(3, 2, 3, 3)
    off, m = torch.zeros(1, 18, 1, 2), torch.ones(1, 9, 1, 2)
    with pytest.raises(RuntimeError, match="larger than the padded input"):
        torch.ops.fairmot.deform_conv2d(x, w, off, m, torch.zeros(3), 2, 2, 0, 0, 1, 1, 1, 1, True)


def test_dcn_runs_in_float32_under_cpu_autocast():
    # Mixed precision: the offset/mask conv runs in bfloat16, the DCN weight is float32; the
    # deformable convolution itself is cast to float32 (as torchvision's) instead of failing.
    torch.manual_seed(0)
    m = ops.DCN(4, 6, 3, 1, 1)
    with torch.no_grad():
        m.conv_offset_mask.weight.normal_(0, 0.1)
    x = torch.randn(2, 4, 9, 11, requires_grad=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = m(x)
        om = m.conv_offset_mask(x)
    assert out.dtype == torch.float32
    assert om.dtype == torch.bfloat16
    o1, o2, mk = torch.chunk(om.detach(), 3, dim=1)
    offset, mask = torch.cat((o1, o2), 1).float(), torch.sigmoid(mk).float()  # sigmoid runs in bfloat16
    ref = torchvision_ops.deform_conv2d(x.detach(), offset, m.weight.detach(), m.bias.detach(), padding=1, mask=mask)
    torch.testing.assert_close(out.detach(), ref, rtol=1e-5, atol=1e-5)
    out.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    assert m.weight.grad is not None and m.weight.grad.dtype == torch.float32
