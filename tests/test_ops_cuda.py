"""CUDA kernels of ``torch.ops.fairmot.deform_conv2d`` / ``heatmap_topk``.

deform_conv2d is checked against torchvision.ops.deform_conv2d on CUDA
(forward and the five gradients), plus gradcheck in float64; heatmap_topk on
CUDA must equal the CPU operator exactly. Skipped without a CUDA device or a
CUDA build of fairmot.
"""

import pytest

torch = pytest.importorskip("torch")
if not torch.cuda.is_available():
    pytest.skip("no CUDA device", allow_module_level=True)
import fairmot.ops as fairmot_ops  # noqa: E402
torchvision = pytest.importorskip("torchvision")

if not fairmot_ops.build_info()["with_cuda"]:
    pytest.skip("fairmot was built without CUDA kernels", allow_module_level=True)

DEV = torch.device("cuda")

# (B, C_in, C_out, H, W, KH, KW, stride, pad, dilation, groups, offset_groups)
CONFIGS = [
    (2, 4, 6, 7, 8, 3, 3, (1, 2), (1, 0), (1, 2), 2, 2),
    (1, 3, 2, 5, 5, 1, 1, (1, 1), (0, 0), (1, 1), 1, 1),
    (3, 6, 4, 9, 6, 3, 2, (2, 1), (2, 1), (1, 1), 1, 3),
    (2, 4, 4, 6, 6, 3, 3, (1, 1), (1, 1), (1, 1), 4, 1),
]


def _out_size(size, pad, dil, k, stride):
    return (size + 2 * pad - (dil * (k - 1) + 1)) // stride + 1


def make_inputs(cfg, dtype, offset_scale=2.0, seed=0):
    b, cin, cout, h, w, kh, kw, stride, pad, dil, groups, og = cfg
    g = torch.Generator().manual_seed(seed)
    ho = _out_size(h, pad[0], dil[0], kh, stride[0])
    wo = _out_size(w, pad[1], dil[1], kw, stride[1])
    x = torch.randn(b, cin, h, w, generator=g, dtype=torch.float64)
    weight = torch.randn(cout, cin // groups, kh, kw, generator=g, dtype=torch.float64)
    offset = torch.randn(b, 2 * og * kh * kw, ho, wo, generator=g, dtype=torch.float64) * offset_scale
    mask = torch.rand(b, og * kh * kw, ho, wo, generator=g, dtype=torch.float64)
    bias = torch.randn(cout, generator=g, dtype=torch.float64)
    return [t.to(DEV, dtype) for t in (x, weight, offset, mask, bias)]


def fairmot_dcn(x, weight, offset, mask, bias, cfg, use_mask):
    _, _, _, _, _, _, _, stride, pad, dil, groups, og = cfg
    if not use_mask:
        mask = x.new_empty(0)
    return torch.ops.fairmot.deform_conv2d(
        x, weight, offset, mask, bias, stride[0], stride[1], pad[0], pad[1], dil[0], dil[1], groups, og, use_mask
    )


def torchvision_dcn(x, weight, offset, mask, bias, cfg, use_mask):
    stride, pad, dil = cfg[7], cfg[8], cfg[9]
    return torchvision.ops.deform_conv2d(x, offset, weight, bias, stride, pad, dil, mask if use_mask else None)


@pytest.mark.parametrize("use_mask", [True, False])
@pytest.mark.parametrize("cfg", CONFIGS)
@pytest.mark.parametrize("offset_scale", [0.0, 0.7, 4.0])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_deform_conv2d_matches_torchvision(cfg, use_mask, offset_scale, dtype):
    tensors = make_inputs(cfg, dtype, offset_scale)
    ours = [t.clone().requires_grad_() for t in tensors]
    ref = [t.clone().requires_grad_() for t in tensors]
    out = fairmot_dcn(*ours, cfg, use_mask)
    out_ref = torchvision_dcn(*ref, cfg, use_mask)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == torch.float32 else dict(rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(out, out_ref, **tol)

    grad = torch.randn_like(out_ref)
    out.backward(grad)
    out_ref.backward(grad)
    for name, a, r in zip(["input", "weight", "offset", "mask", "bias"], ours, ref):
        if name == "mask" and not use_mask:
            assert a.grad is None or a.grad.abs().max() == 0
            continue
        torch.testing.assert_close(a.grad, r.grad, **tol, msg=lambda m, n=name: f"grad_{n}: {m}")


@pytest.mark.parametrize("use_mask", [True, False])
@pytest.mark.parametrize("cfg", CONFIGS)
def test_deform_conv2d_backward_op_matches_torchvision(cfg, use_mask):
    """The raw backward operator, independent of the autograd registration."""
    tensors = make_inputs(cfg, torch.float64, 2.0, seed=3)
    ref = [t.clone().requires_grad_() for t in tensors]
    out_ref = torchvision_dcn(*ref, cfg, use_mask)
    grad = torch.randn_like(out_ref)
    out_ref.backward(grad)
    x, weight, offset, mask, bias = tensors
    _, _, _, _, _, _, _, stride, pad, dil, groups, og = cfg
    grads = torch.ops.fairmot._deform_conv2d_backward(
        grad, x, weight, offset, mask, bias, stride[0], stride[1], pad[0], pad[1], dil[0], dil[1], groups, og,
        use_mask,
    )
    for name, g, r in zip(["input", "weight", "offset", "mask", "bias"], grads, ref):
        if name == "mask" and not use_mask:
            assert g.shape == mask.shape and g.abs().max() == 0
            continue
        torch.testing.assert_close(g, r.grad, rtol=1e-10, atol=1e-10, msg=lambda m, n=name: f"grad_{n}: {m}")


@pytest.mark.parametrize("use_mask", [True, False])
def test_deform_conv2d_gradcheck(use_mask):
    cfg = (2, 4, 2, 5, 6, 3, 3, (1, 2), (1, 1), (1, 1), 2, 2)
    tensors = [t.requires_grad_() for t in make_inputs(cfg, torch.float64, 1.5, seed=7)]
    if not use_mask:
        tensors[3] = tensors[3].detach()

    def fn(x, weight, offset, mask, bias):
        return fairmot_dcn(x, weight, offset, mask, bias, cfg, use_mask)

    # grad_input is accumulated with atomics, so two backward passes may differ in the last bits.
    assert torch.autograd.gradcheck(fn, tensors, eps=1e-6, atol=1e-5, rtol=1e-4, nondet_tol=1e-10)


def test_deform_conv2d_non_contiguous_and_chunked():
    # 64 * 9 * 256 * 256 * 4 bytes of columns per image: more than one chunk.
    cfg = (3, 64, 8, 256, 256, 3, 3, (1, 1), (1, 1), (1, 1), 1, 1)
    x, weight, offset, mask, bias = make_inputs(cfg, torch.float32, 1.0, seed=11)
    x = x.transpose(2, 3).contiguous().transpose(2, 3)  # non-contiguous input
    ours = [t.clone().requires_grad_() for t in (x, weight, offset, mask, bias)]
    ref = [t.clone().requires_grad_() for t in (x, weight, offset, mask, bias)]
    out = fairmot_dcn(*ours, cfg, True)
    out_ref = torchvision_dcn(*ref, cfg, True)
    torch.testing.assert_close(out, out_ref, rtol=1e-4, atol=1e-3)
    grad = torch.randn_like(out_ref)
    out.backward(grad)
    out_ref.backward(grad)
    for name, a, r in zip(["input", "weight", "offset", "mask", "bias"], ours, ref):
        scale = r.grad.abs().max().item()
        torch.testing.assert_close(a.grad, r.grad, rtol=1e-3, atol=1e-4 * scale, msg=lambda m, n=name: f"{n}: {m}")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("use_mask", [True, False])
def test_deform_conv2d_reduced_precision(dtype, use_mask):
    cfg = CONFIGS[0]
    tensors = make_inputs(cfg, dtype, 2.0, seed=5)
    out = fairmot_dcn(*tensors, cfg, use_mask)
    assert out.dtype == dtype
    ref = torchvision_dcn(*[t.double() for t in tensors], cfg, use_mask)
    err = (out.double() - ref).abs().max().item() / ref.abs().max().item()
    assert err < (2e-3 if dtype == torch.float16 else 2e-2), err

    ours = [t.clone().requires_grad_() for t in tensors]
    refs = [t.double().requires_grad_() for t in tensors]
    grad = torch.randn(out.shape, device=DEV, dtype=torch.float64)
    fairmot_dcn(*ours, cfg, use_mask).backward(grad.to(dtype))
    torchvision_dcn(*refs, cfg, use_mask).backward(grad)
    for name, a, r in zip(["input", "weight", "offset", "mask", "bias"], ours, refs):
        if name == "mask" and not use_mask:
            continue
        assert a.grad.dtype == dtype
        rel = (a.grad.double() - r.grad).abs().max().item() / max(r.grad.abs().max().item(), 1e-12)
        assert rel < (5e-3 if dtype == torch.float16 else 5e-2), (name, rel)


# ----------------------------------------------------------------------------- heatmap_topk


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("kernel", [1, 3, 5])
@pytest.mark.parametrize(
    "shape,k", [((2, 3, 8, 9), 10), ((1, 2, 3, 3), 50), ((2, 1, 152, 272), 500), ((2, 4, 5, 7), 1)]
)
@pytest.mark.parametrize("ties", [True, False])
def test_heatmap_topk_cuda_matches_cpu(dtype, kernel, shape, k, ties):
    g = torch.Generator().manual_seed(sum(shape) + k)
    if ties:
        heat = torch.randint(0, 6, shape, generator=g) / 5.0  # many equal scores
    else:
        heat = torch.rand(shape, generator=g)
    heat = heat.to(dtype)
    cpu = torch.ops.fairmot.heatmap_topk(heat, k, kernel)
    cuda = torch.ops.fairmot.heatmap_topk(heat.to(DEV), k, kernel)
    for name, a, c in zip(["scores", "inds", "classes", "ys", "xs"], cuda, cpu):
        assert a.device.type == "cuda"
        assert a.dtype == c.dtype and a.shape == c.shape, name
        assert torch.equal(a.cpu(), c), name


def test_heatmap_topk_cuda_validation():
    heat = torch.rand(1, 2, 4, 4, device=DEV)
    with pytest.raises(ValueError, match="kernel"):
        torch.ops.fairmot.heatmap_topk(heat, 5, 2)
    with pytest.raises(ValueError, match="k must be"):
        torch.ops.fairmot.heatmap_topk(heat, 0, 3)
    with pytest.raises(ValueError, match="4-D"):
        torch.ops.fairmot.heatmap_topk(heat[0], 5, 3)
    with pytest.raises(TypeError, match="floating"):
        torch.ops.fairmot.heatmap_topk(heat.to(torch.int32), 5, 3)


def test_heatmap_topk_cuda_nan_cells_are_no_peaks_as_on_cpu():
    heat = torch.full((1, 1, 4, 4), 0.1)
    heat.view(-1)[5] = 0.5
    heat.view(-1)[10] = float("nan")
    cpu = torch.ops.fairmot.heatmap_topk(heat, 3, 3)
    cuda = torch.ops.fairmot.heatmap_topk(heat.to(DEV), 3, 3)
    for name, a, c in zip(["scores", "inds", "classes", "ys", "xs"], cuda, cpu):
        assert torch.equal(a.cpu(), c), name


def test_deform_conv2d_nan_offsets_match_cpu():
    cfg = CONFIGS[0]
    tensors = make_inputs(cfg, torch.float64, 2.0, seed=3)
    tensors[2].view(-1)[::7] = float("nan")
    cpu = [t.cpu().requires_grad_() for t in tensors]
    gpu = [t.clone().requires_grad_() for t in tensors]
    out_c = fairmot_dcn(*cpu, cfg, True)
    out_g = fairmot_dcn(*gpu, cfg, True)
    torch.testing.assert_close(out_g.cpu(), out_c, rtol=1e-10, atol=1e-10, equal_nan=True)
    grad = torch.randn_like(out_c)
    out_c.backward(grad)
    out_g.backward(grad.to(DEV))
    for name, a, c in zip(["input", "weight", "offset", "mask", "bias"], gpu, cpu):
        torch.testing.assert_close(a.grad.cpu(), c.grad, rtol=1e-8, atol=1e-8, equal_nan=True,
                                   msg=lambda m, n=name: f"grad_{n}: {m}")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_dcn_module_under_cuda_autocast(dtype):
    torch.manual_seed(0)
    m = fairmot_ops.DCN(8, 8, 3, 1, 1).to(DEV)
    x = torch.randn(2, 8, 16, 20, device=DEV, requires_grad=True)
    with torch.autocast("cuda", dtype=dtype):
        out = m(x)
    assert out.dtype == torch.float32
    out.float().sum().backward()
    assert torch.isfinite(x.grad).all() and torch.isfinite(m.weight.grad).all()
