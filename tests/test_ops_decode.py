"""Tests for the decoding operators ``fairmot.ops.heatmap_topk``, ``fairmot.ops.mot_decode`` and
``fairmot.ops.gather_embeddings``.

References (written here, plain torch, independent of the implementation under test):

* ``ref_heatmap_topk``: peaks = cells equal to the max_pool2d (stride 1, padding (kernel-1)//2)
  of their neighbourhood, non-peaks score 0; per image the k1 = min(k, H*W) best cells of each
  class by a STABLE descending sort (ties -> lower flat index y*W+x), then the
  k2 = min(k, C*k1) best of the C*k1 candidates by a stable descending sort of the class-major
  concatenation (ties -> lower class, then lower flat index);
* ``ref_mot_decode``: a transcription of docs/official_behaviour.md §3 steps 3-7 (official ``mot_decode``);
* ``ref_gather_embeddings``: ``F.normalize`` (eps 1e-12) over D, then a gather.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import fairmot.ops as ops  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ERRORS = (ValueError, TypeError, RuntimeError)


# ------------------------------------------------------------------------------- references
def ref_heatmap_topk(heat, k=500, kernel=3):
    B, C, H, W = heat.shape
    pad = (kernel - 1) // 2
    hmax = F.max_pool2d(heat, kernel, stride=1, padding=pad)
    keep = hmax == heat
    h = torch.where(keep, heat, torch.zeros((), dtype=heat.dtype))
    k1 = min(k, H * W)
    s1, i1 = torch.sort(h.reshape(B, C, H * W), dim=-1, descending=True, stable=True)
    s1, i1 = s1[..., :k1], i1[..., :k1]
    k2 = min(k, C * k1)
    s2, j = torch.sort(s1.reshape(B, C * k1), dim=-1, descending=True, stable=True)
    s2, j = s2[:, :k2], j[:, :k2]
    inds = i1.reshape(B, C * k1).gather(1, j)
    classes = torch.div(j, k1, rounding_mode="floor")
    ys = torch.div(inds, W, rounding_mode="floor").to(torch.float32)
    xs = (inds % W).to(torch.float32)
    return s2, inds, classes, ys, xs


def _gather_feat(feat, inds):
    """feat (B, D, H, W), inds (B, K) flat -> (B, K, D)."""
    B, D = feat.shape[:2]
    flat = feat.reshape(B, D, -1).permute(0, 2, 1)
    return flat.gather(1, inds.unsqueeze(-1).expand(-1, -1, D))


def ref_mot_decode(heat, wh, reg=None, ltrb=True, K=500):
    """docs/official_behaviour.md §3, steps 3-7."""
    B = heat.shape[0]
    scores, inds, clses, ys, xs = ref_heatmap_topk(heat, K, 3)  # steps 3-4
    Kx = scores.shape[1]
    if reg is not None:  # step 5
        r = _gather_feat(reg, inds).view(B, Kx, 2)
        xs = xs.view(B, Kx, 1) + r[:, :, 0:1]
        ys = ys.view(B, Kx, 1) + r[:, :, 1:2]
    else:
        xs = xs.view(B, Kx, 1) + 0.5
        ys = ys.view(B, Kx, 1) + 0.5
    g = _gather_feat(wh, inds)  # step 6
    if ltrb:
        g = g.view(B, Kx, 4)
        boxes = torch.cat([xs - g[..., 0:1], ys - g[..., 1:2], xs + g[..., 2:3], ys + g[..., 3:4]], dim=2)
    else:
        g = g.view(B, Kx, 2)
        boxes = torch.cat([xs - g[..., 0:1] / 2, ys - g[..., 1:2] / 2, xs + g[..., 0:1] / 2, ys + g[..., 1:2] / 2],
                          dim=2)
    dets = torch.cat([boxes, scores.view(B, Kx, 1).to(boxes.dtype), clses.view(B, Kx, 1).to(boxes.dtype)], dim=2)
    return dets, inds  # step 7


def ref_gather_embeddings(id_map, inds, normalize=True):
    if normalize:
        id_map = F.normalize(id_map, p=2, dim=1, eps=1e-12)
    return _gather_feat(id_map, inds)


# ----------------------------------------------------------------------------------- helpers
def check_topk(heat, k, kernel, **call_kw):
    out = ops.heatmap_topk(heat, k, kernel) if not call_kw else ops.heatmap_topk(heat, **call_kw)
    ref = ref_heatmap_topk(heat, k, kernel)
    assert isinstance(out, tuple) and len(out) == 5
    names = ("scores", "inds", "classes", "ys", "xs")
    dtypes = (heat.dtype, torch.int64, torch.int64, torch.float32, torch.float32)
    for name, a, b, dt in zip(names, out, ref, dtypes):
        assert a.dtype == dt, (name, a.dtype, dt)
        assert a.shape == b.shape, (name, tuple(a.shape), tuple(b.shape))
        assert a.device == heat.device
        if not torch.equal(a, b):
            bad = (a != b).nonzero()[:5].tolist()
            raise AssertionError(f"{name} differs at {bad}: got {a[tuple(zip(*bad))] if bad else a}, "
                                 f"expected {b[tuple(zip(*bad))] if bad else b}")
    return out


def smooth_heat(B, C, H, W, seed, dtype=torch.float32):
    """Sigmoid of a blurred random field: realistic, mostly-distinct values with a few peaks."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(B * C, 1, H, W, generator=g, dtype=torch.float64) * 3
    kern = torch.ones(1, 1, 5, 5, dtype=torch.float64) / 25
    z = F.conv2d(z, kern, padding=2).view(B, C, H, W)
    return torch.sigmoid(z * 4 - 3).to(dtype)


def quantized_heat(B, C, H, W, seed, levels=4, dtype=torch.float32):
    """Values in {0, 1/levels, ...}: lots of exact ties and plateaus."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randint(0, levels + 1, (B, C, H, W), generator=g).to(torch.float64) / levels).to(dtype)


# ------------------------------------------------------------------- verify the reference itself
def test_reference_agrees_with_official_topk_on_distinct_values():
    """Sanity of the reference: with distinct peak values it equals the official _nms + _topk."""
    heat = torch.rand(2, 3, 20, 24, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    K = 40
    B, C, H, W = heat.shape
    hmax = F.max_pool2d(heat, 3, 1, 1)
    h = heat * (hmax == heat).to(heat.dtype)
    ts, ti = torch.topk(h.view(B, C, -1), K)
    ts2, tj = torch.topk(ts.view(B, -1), K)
    off_inds = ti.view(B, -1).gather(1, tj)
    s, i, c, y, x = ref_heatmap_topk(heat, K, 3)
    assert torch.equal(s, ts2) and torch.equal(i, off_inds) and torch.equal(c, tj // K)
    assert torch.equal(y, (off_inds // W).float()) and torch.equal(x, (off_inds % W).float())


# -------------------------------------------------------------------------------- heatmap_topk
@pytest.mark.parametrize("kernel", [1, 3, 5])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape,k", [((1, 1, 152, 272), 500), ((2, 3, 17, 23), 50), ((3, 2, 8, 9), 10)])
def test_topk_smooth(shape, k, dtype, kernel):
    check_topk(smooth_heat(*shape, seed=sum(shape) + k, dtype=dtype), k, kernel)


@pytest.mark.parametrize("kernel", [1, 3, 5])
@pytest.mark.parametrize("shape,k", [((1, 1, 152, 272), 500), ((2, 3, 17, 23), 100), ((2, 4, 5, 6), 7)])
def test_topk_uniform_random(shape, k, kernel):
    heat = torch.rand(shape, generator=torch.Generator().manual_seed(k))
    check_topk(heat, k, kernel)


def test_topk_default_arguments():
    heat = smooth_heat(1, 1, 152, 272, seed=3)
    out = ops.heatmap_topk(heat)
    ref = ref_heatmap_topk(heat, 500, 3)
    assert out[0].shape == (1, 500)
    for a, b in zip(out, ref):
        assert torch.equal(a, b)
    out = ops.heatmap_topk(heat, k=20, kernel=5)
    for a, b in zip(out, ref_heatmap_topk(heat, 20, 5)):
        assert torch.equal(a, b)


@pytest.mark.parametrize("kernel", [1, 3, 5])
@pytest.mark.parametrize("shape,k", [((1, 1, 6, 7), 10), ((2, 3, 9, 8), 30), ((1, 2, 4, 4), 100)])
@pytest.mark.parametrize("value", [0.0, 0.25, 1.0])
def test_topk_constant_heatmap(shape, k, kernel, value):
    """All cells are peaks with equal scores: order = class, then flat index."""
    heat = torch.full(shape, value)
    out = check_topk(heat, k, kernel)
    B, C, H, W = shape
    k1 = min(k, H * W)
    expected_cls = torch.arange(C).repeat_interleave(k1)[: min(k, C * k1)]
    assert torch.equal(out[2][0], expected_cls)


@pytest.mark.parametrize("kernel", [1, 3, 5])
@pytest.mark.parametrize("levels", [1, 2, 4])
@pytest.mark.parametrize("shape,k", [((1, 1, 30, 40), 100), ((2, 3, 12, 13), 60), ((3, 2, 5, 5), 500)])
def test_topk_quantized_ties_and_plateaus(shape, k, kernel, levels):
    check_topk(quantized_heat(*shape, seed=levels * 7 + k, levels=levels), k, kernel)


def test_topk_plateau_block():
    """A flat 3x3 plateau of the maximum: all of its cells are peaks and come out row-major."""
    heat = torch.zeros(1, 1, 8, 8)
    heat[0, 0, 2:5, 3:6] = 0.9
    heat[0, 0, 7, 7] = 0.5
    s, i, c, y, x = check_topk(heat, 12, 3)
    assert torch.equal(i[0, :9], torch.tensor([19, 20, 21, 27, 28, 29, 35, 36, 37]))
    assert s[0, 9].item() == 0.5 and i[0, 9].item() == 63
    assert torch.equal(s[0, 10:], torch.zeros(2))


def test_topk_neighbour_suppression():
    """A cell next to a larger one is not a peak (score 0) even if it is large."""
    heat = torch.zeros(1, 1, 5, 5)
    heat[0, 0, 2, 2] = 0.9
    heat[0, 0, 2, 3] = 0.8
    heat[0, 0, 0, 4] = 0.1
    s, i, *_ = check_topk(heat, 3, 3)
    assert s[0].tolist() == pytest.approx([0.9, 0.1, 0.0])
    assert i[0, :2].tolist() == [12, 4]
    s, i, *_ = check_topk(heat, 3, 1)
    assert i[0].tolist() == [12, 13, 4]


def test_topk_cross_class_ties():
    """Equal scores in different classes: lower class first, then lower flat index."""
    heat = torch.zeros(1, 3, 4, 4)
    heat[0, 2, 0, 0] = 0.7
    heat[0, 1, 3, 3] = 0.7
    heat[0, 0, 1, 2] = 0.7
    heat[0, 1, 0, 1] = 0.7  # neighbour of nothing larger in class 1
    s, i, c, y, x = check_topk(heat, 4, 3)
    assert c[0].tolist() == [0, 1, 1, 2]
    assert i[0].tolist() == [6, 1, 15, 0]
    assert y[0].tolist() == [1.0, 0.0, 3.0, 0.0] and x[0].tolist() == [2.0, 1.0, 3.0, 0.0]


@pytest.mark.parametrize("shape,k", [((1, 1, 3, 4), 500), ((2, 3, 5, 5), 30), ((2, 3, 5, 5), 26), ((1, 5, 2, 3), 7),
                                     ((1, 1, 1, 1), 5), ((2, 2, 1, 7), 9)])
def test_topk_k_larger_than_plane(shape, k):
    """k > H*W: k1 = H*W per class, k2 = min(k, C*H*W)."""
    B, C, H, W = shape
    s, *_ = check_topk(quantized_heat(*shape, seed=k, levels=3), k, 3)
    assert s.shape == (B, min(k, C * min(k, H * W)))


def test_topk_negative_values():
    """Non-peaks score exactly 0, so they rank above negative peaks."""
    heat = torch.randn(2, 2, 9, 11, generator=torch.Generator().manual_seed(5)) - 1.0
    check_topk(heat, 60, 3)


def test_topk_batch_independent():
    heat = quantized_heat(3, 2, 10, 12, seed=8, levels=3)
    full = ops.heatmap_topk(heat, 25, 3)
    for b in range(3):
        single = ops.heatmap_topk(heat[b:b + 1].clone(), 25, 3)
        for a, s in zip(full, single):
            assert torch.equal(a[b:b + 1], s)


@pytest.mark.parametrize("make", ["transposed", "channels_last", "sliced"])
def test_topk_non_contiguous(make):
    base = quantized_heat(2, 3, 14, 16, seed=4, levels=5)
    if make == "transposed":
        heat = base.transpose(2, 3).contiguous().transpose(2, 3)
    elif make == "channels_last":
        heat = base.contiguous(memory_format=torch.channels_last)
    else:
        big = torch.rand(2, 6, 14, 32)
        big[:, ::2, :, 1::2] = base
        heat = big[:, ::2, :, 1::2]
    assert not heat.is_contiguous() and torch.equal(heat, base)
    out = check_topk(heat, 40, 3)
    for a, b in zip(out, ops.heatmap_topk(base, 40, 3)):
        assert torch.equal(a, b)


def test_topk_does_not_modify_input():
    heat = smooth_heat(1, 2, 20, 30, seed=1)
    before = heat.clone()
    ops.heatmap_topk(heat, 50, 3)
    assert torch.equal(heat, before)


def test_topk_float16():
    heat = quantized_heat(2, 2, 16, 20, seed=6, levels=7).half()
    heat = heat + torch.rand(heat.shape, generator=torch.Generator().manual_seed(1)).half() * 0.01
    try:
        ops.heatmap_topk(heat, 30, 3)
    except ERRORS as exc:
        pytest.skip(f"float16 not supported: {exc}")
    check_topk(heat, 30, 3)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    B=st.integers(1, 3), C=st.integers(1, 4), H=st.integers(1, 12), W=st.integers(1, 12),
    k=st.integers(1, 200), kernel=st.sampled_from([1, 3, 5, 7]), levels=st.sampled_from([1, 2, 3, 1000]),
    seed=st.integers(0, 2**31 - 1), dtype=st.sampled_from([torch.float32, torch.float64]),
)
def test_topk_property(B, C, H, W, k, kernel, levels, seed, dtype):
    check_topk(quantized_heat(B, C, H, W, seed, levels=levels, dtype=dtype), k, kernel)


# --------------------------------------------------------------------------------- mot_decode
def make_decode_inputs(B, C, H, W, seed, ltrb=True, with_reg=True, dtype=torch.float32, quantized=False):
    g = torch.Generator().manual_seed(seed)
    heat = quantized_heat(B, C, H, W, seed, levels=3, dtype=dtype) if quantized else smooth_heat(B, C, H, W, seed,
                                                                                                  dtype)
    wh = (torch.rand(B, 4 if ltrb else 2, H, W, generator=g, dtype=torch.float64) * 20).to(dtype)
    reg = torch.rand(B, 2, H, W, generator=g, dtype=torch.float64).to(dtype) if with_reg else None
    return heat, wh, reg


def check_decode(heat, wh, reg, ltrb, K, exact_dtype=True):
    dets, inds = ops.mot_decode(heat, wh, reg=reg, ltrb=ltrb, K=K)
    rdets, rinds = ref_mot_decode(heat, wh, reg, ltrb, K)
    assert inds.dtype == torch.int64 and torch.equal(inds, rinds)
    assert dets.shape == rdets.shape, (tuple(dets.shape), tuple(rdets.shape))
    if exact_dtype:
        assert dets.dtype == rdets.dtype, (dets.dtype, rdets.dtype)
    torch.testing.assert_close(dets.to(rdets.dtype), rdets, rtol=1e-6, atol=1e-5)
    # score and class columns are exact copies
    assert torch.equal(dets[..., 4].to(rdets.dtype), rdets[..., 4])
    assert torch.equal(dets[..., 5].to(rdets.dtype), rdets[..., 5])
    return dets, inds


@pytest.mark.parametrize("with_reg", [True, False])
@pytest.mark.parametrize("ltrb", [True, False])
@pytest.mark.parametrize("shape,K", [((1, 1, 152, 272), 500), ((2, 1, 20, 30), 50), ((2, 3, 11, 13), 40)])
def test_mot_decode_matches_reference(shape, K, ltrb, with_reg):
    heat, wh, reg = make_decode_inputs(*shape, seed=K + len(shape), ltrb=ltrb, with_reg=with_reg)
    check_decode(heat, wh, reg, ltrb, K)


@pytest.mark.parametrize("ltrb", [True, False])
def test_mot_decode_ties(ltrb):
    heat, wh, reg = make_decode_inputs(2, 2, 10, 12, seed=3, ltrb=ltrb, quantized=True)
    check_decode(heat, wh, reg, ltrb, 60)


def test_mot_decode_default_arguments_are_ltrb_k500():
    heat, wh, reg = make_decode_inputs(1, 1, 40, 50, seed=9, ltrb=True)
    dets, inds = ops.mot_decode(heat, wh, reg)
    rdets, rinds = ref_mot_decode(heat, wh, reg, True, 500)
    assert dets.shape == (1, 500, 6) and torch.equal(inds, rinds)
    torch.testing.assert_close(dets, rdets, rtol=1e-6, atol=1e-5)


def test_mot_decode_hand_computed():
    heat = torch.zeros(1, 1, 4, 5)
    heat[0, 0, 1, 3] = 0.9  # ind 8
    heat[0, 0, 3, 0] = 0.6  # ind 15
    wh = torch.zeros(1, 4, 4, 5)
    wh[0, :, 1, 3] = torch.tensor([1.0, 2.0, 3.0, 4.0])
    wh[0, :, 3, 0] = torch.tensor([0.5, 0.5, 0.5, 0.5])
    reg = torch.zeros(1, 2, 4, 5)
    reg[0, :, 1, 3] = torch.tensor([0.25, 0.75])
    dets, inds = ops.mot_decode(heat, wh, reg, ltrb=True, K=2)
    assert inds.tolist() == [[8, 15]]
    expected = torch.tensor([[[3.25 - 1, 1.75 - 2, 3.25 + 3, 1.75 + 4, 0.9, 0.0],
                              [0.0 - 0.5, 3.0 - 0.5, 0.0 + 0.5, 3.0 + 0.5, 0.6, 0.0]]])
    torch.testing.assert_close(dets, expected)
    dets, _ = ops.mot_decode(heat, wh[:, :2], None, ltrb=False, K=2)
    expected = torch.tensor([[[3.5 - 0.5, 1.5 - 1.0, 3.5 + 0.5, 1.5 + 1.0, 0.9, 0.0],
                              [0.5 - 0.25, 3.5 - 0.25, 0.5 + 0.25, 3.5 + 0.25, 0.6, 0.0]]])
    torch.testing.assert_close(dets, expected)


def test_mot_decode_class_column():
    heat, wh, reg = make_decode_inputs(1, 3, 9, 10, seed=12)
    dets, _ = check_decode(heat, wh, reg, True, 20)
    _, _, classes, _, _ = ref_heatmap_topk(heat, 20, 3)
    assert torch.equal(dets[0, :, 5], classes[0].to(dets.dtype))


def test_mot_decode_k_larger_than_plane():
    heat, wh, reg = make_decode_inputs(2, 1, 6, 7, seed=2)
    dets, inds = check_decode(heat, wh, reg, True, 500)
    assert dets.shape == (2, 42, 6) and inds.shape == (2, 42)


def test_mot_decode_float64():
    heat, wh, reg = make_decode_inputs(2, 1, 15, 17, seed=4, dtype=torch.float64)
    dets, _ = check_decode(heat, wh, reg, True, 30, exact_dtype=False)
    assert dets.dtype in (torch.float32, torch.float64)


def test_mot_decode_non_contiguous():
    heat, wh, reg = make_decode_inputs(1, 1, 20, 24, seed=5)
    nc = lambda t: t.contiguous(memory_format=torch.channels_last)  # noqa: E731
    a = ops.mot_decode(nc(heat), nc(wh), nc(reg), ltrb=True, K=50)
    b = check_decode(heat, wh, reg, True, 50)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    whT = wh.transpose(2, 3).contiguous().transpose(2, 3)
    big = torch.zeros(1, 2, 20, 48)
    big[..., ::2] = reg
    reg_nc = big[..., ::2]
    assert not whT.is_contiguous() and not reg_nc.is_contiguous()
    c = ops.mot_decode(heat, whT, reg_nc, ltrb=True, K=50)
    assert torch.equal(c[0], b[0])


# -------------------------------------------------------------------------- gather_embeddings
def _emb_inputs(B, D, H, W, K, seed, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    id_map = torch.randn(B, D, H, W, generator=g, dtype=torch.float64).to(dtype)
    inds = torch.randint(0, H * W, (B, K), generator=g)
    return id_map, inds


@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("B,D,H,W,K", [(1, 128, 152, 272, 500), (2, 64, 10, 12, 30), (3, 1, 4, 5, 7), (1, 8, 3, 3, 0)])
def test_gather_embeddings(B, D, H, W, K, dtype, normalize):
    id_map, inds = _emb_inputs(B, D, H, W, K, seed=D + K, dtype=dtype)
    out = ops.gather_embeddings(id_map, inds, normalize=normalize)
    ref = ref_gather_embeddings(id_map, inds, normalize)
    assert out.shape == (B, K, D) and out.dtype == dtype
    if normalize:
        tol = 1e-6 if dtype == torch.float32 else 1e-12
        torch.testing.assert_close(out, ref, rtol=tol, atol=tol)
        if K:
            torch.testing.assert_close(out.norm(dim=-1), torch.ones(B, K, dtype=dtype), rtol=tol, atol=tol)
    else:
        assert torch.equal(out, ref)


def test_gather_embeddings_default_normalizes():
    id_map, inds = _emb_inputs(2, 16, 5, 6, 9, seed=1)
    torch.testing.assert_close(ops.gather_embeddings(id_map, inds), ref_gather_embeddings(id_map, inds, True))


def test_gather_embeddings_zero_and_tiny_vectors():
    """F.normalize semantics: x / max(||x||, 1e-12) -> zero stays zero, tiny vectors are scaled by 1e12."""
    id_map = torch.zeros(1, 4, 2, 3, dtype=torch.float64)
    id_map[0, :, 0, 1] = torch.tensor([3.0, 0.0, 4.0, 0.0])
    id_map[0, :, 1, 2] = 1e-14
    inds = torch.tensor([[0, 1, 5, 1]])
    out = ops.gather_embeddings(id_map, inds)
    assert torch.equal(out[0, 0], torch.zeros(4, dtype=torch.float64))
    torch.testing.assert_close(out[0, 1], torch.tensor([0.6, 0.0, 0.8, 0.0], dtype=torch.float64))
    torch.testing.assert_close(out[0, 2], torch.full((4,), 1e-2, dtype=torch.float64))
    torch.testing.assert_close(out, ref_gather_embeddings(id_map, inds, True))


def test_gather_embeddings_non_contiguous():
    id_map, inds = _emb_inputs(2, 32, 9, 11, 20, seed=3)
    ref = ref_gather_embeddings(id_map, inds, True)
    cl = id_map.contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(ops.gather_embeddings(cl, inds), ref, rtol=1e-6, atol=1e-6)
    big = torch.zeros(2, 40)
    big[:, ::2] = inds
    inds_nc = big.long()[:, ::2]
    assert not inds_nc.is_contiguous()
    torch.testing.assert_close(ops.gather_embeddings(id_map, inds_nc), ref, rtol=1e-6, atol=1e-6)


def test_gather_embeddings_with_decode_indices():
    """The FairMOT pipeline: decode, then gather the id features at the same indices."""
    heat, wh, reg = make_decode_inputs(1, 1, 38, 68, seed=17)
    id_map = torch.randn(1, 128, 38, 68, generator=torch.Generator().manual_seed(2))
    _, inds = ops.mot_decode(heat, wh, reg, ltrb=True, K=100)
    out = ops.gather_embeddings(id_map, inds)
    torch.testing.assert_close(out, ref_gather_embeddings(id_map, inds), rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------------------------- bad inputs
def _assert_raises(fn):
    with pytest.raises(ERRORS) as info:
        fn()
    assert str(info.value).strip(), "error without a message"


HEAT = torch.rand(2, 1, 8, 9)

TOPK_BAD = {
    "heat_3d": lambda: ops.heatmap_topk(HEAT[0], 10, 3),
    "heat_2d": lambda: ops.heatmap_topk(HEAT[0, 0], 10, 3),
    "heat_5d": lambda: ops.heatmap_topk(HEAT[None], 10, 3),
    "k_negative": lambda: ops.heatmap_topk(HEAT, -1, 3),
    "kernel_zero": lambda: ops.heatmap_topk(HEAT, 10, 0),
    "kernel_negative": lambda: ops.heatmap_topk(HEAT, 10, -3),
    "kernel_even": lambda: ops.heatmap_topk(HEAT, 10, 2),
    "not_a_tensor": lambda: ops.heatmap_topk(HEAT.numpy(), 10, 3),
}


@pytest.mark.parametrize("name", list(TOPK_BAD))
def test_topk_bad_input(name):
    _assert_raises(TOPK_BAD[name])


def _dec(**kw):
    heat, wh, reg = make_decode_inputs(2, 1, 8, 9, seed=0)
    args = dict(heat=heat, wh=wh, reg=reg, ltrb=True, K=10)
    args.update(kw)
    return lambda: ops.mot_decode(args["heat"], args["wh"], reg=args["reg"], ltrb=args["ltrb"], K=args["K"])


DECODE_BAD = {
    "heat_3d": _dec(heat=torch.rand(1, 8, 9)),
    "wh_3d": _dec(wh=torch.rand(4, 8, 9)),
    "reg_3d": _dec(reg=torch.rand(2, 8, 9)),
    "wh_2ch_with_ltrb": _dec(wh=torch.rand(2, 2, 8, 9)),
    "wh_4ch_without_ltrb": _dec(wh=torch.rand(2, 4, 8, 9), ltrb=False),
    "wh_3ch": _dec(wh=torch.rand(2, 3, 8, 9)),
    "reg_3ch": _dec(reg=torch.rand(2, 3, 8, 9)),
    "wh_spatial_mismatch": _dec(wh=torch.rand(2, 4, 8, 10)),
    "reg_spatial_mismatch": _dec(reg=torch.rand(2, 2, 7, 9)),
    "wh_batch_mismatch": _dec(wh=torch.rand(1, 4, 8, 9)),
    "reg_batch_mismatch": _dec(reg=torch.rand(3, 2, 8, 9)),
    "K_negative": _dec(K=-5),
}


@pytest.mark.parametrize("name", list(DECODE_BAD))
def test_mot_decode_bad_input(name):
    _assert_raises(DECODE_BAD[name])


ID_MAP = torch.randn(2, 8, 4, 5)
GATHER_BAD = {
    "id_map_3d": lambda: ops.gather_embeddings(ID_MAP[0], torch.zeros(2, 3, dtype=torch.long)),
    "inds_3d": lambda: ops.gather_embeddings(ID_MAP, torch.zeros(2, 3, 1, dtype=torch.long)),
    "inds_batch_mismatch": lambda: ops.gather_embeddings(ID_MAP, torch.zeros(3, 3, dtype=torch.long)),
    "inds_too_large": lambda: ops.gather_embeddings(ID_MAP, torch.tensor([[0, 20], [1, 2]])),
    "inds_negative": lambda: ops.gather_embeddings(ID_MAP, torch.tensor([[0, -1], [1, 2]])),
    "inds_float": lambda: ops.gather_embeddings(ID_MAP, torch.zeros(2, 3)),
}


@pytest.mark.parametrize("name", list(GATHER_BAD))
def test_gather_embeddings_bad_input(name):
    with pytest.raises(ERRORS + (IndexError,)) as info:
        GATHER_BAD[name]()
    assert str(info.value).strip()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_mixed_devices_raise():
    heat, wh, reg = make_decode_inputs(1, 1, 8, 9, seed=0)
    _assert_raises(lambda: ops.mot_decode(heat.cuda(), wh, reg))
    _assert_raises(lambda: ops.mot_decode(heat, wh, reg.cuda()))
    _assert_raises(lambda: ops.gather_embeddings(ID_MAP.cuda(), torch.zeros(2, 3, dtype=torch.long)))


# ------------------------------------------------ the CUDA key algorithm, emulated on the CPU
SIGN64 = -(2**63)  # 0x8000000000000000 as an int64


def emulate_cuda_key_topk(heat: torch.Tensor, k: int, kernel: int = 3):
    """The float32/float16/bfloat16 path of the CUDA heatmap_topk, transcribed step by step
    into int64 tensor arithmetic: each cell's (peak score, c * H * W + i) becomes one
    order-preserving 64-bit key, torch.topk picks the largest keys, the keys are decoded.
    (The CUDA kernels cannot run here; this checks the encoding and the claim that one
    global top-k over the keys equals per-class top-k followed by the merge across classes.)"""
    B, C, H, W = heat.shape
    r = (kernel - 1) // 2
    v = heat.float()
    padded = F.pad(v, (r, r, r, r), value=float("-inf"))
    neighbours = F.unfold(padded.reshape(B * C, 1, H + 2 * r, W + 2 * r), kernel).reshape(B, C, kernel * kernel, H, W)
    is_peak = (v.unsqueeze(2) >= neighbours).all(dim=2)  # NaN fails every comparison
    score = torch.where(is_peak, v, torch.zeros_like(v))
    score = torch.where(score == 0, torch.zeros_like(score), score)  # -0.0 -> +0.0
    u = score.reshape(B, -1).view(torch.int32).to(torch.int64) & 0xFFFFFFFF
    ordered = torch.where((u & 0x80000000) != 0, (~u) & 0xFFFFFFFF, u | 0x80000000)
    flat = torch.arange(C * H * W, dtype=torch.int64).expand(B, -1)
    keys = ((ordered << 32) | (0xFFFFFFFF - flat)) ^ SIGN64
    k2 = min(k, C * min(k, H * W))
    top = torch.topk(keys, k2, dim=1, largest=True, sorted=True).values
    assert all(row.unique().numel() == k2 for row in top)  # distinct keys: no tie for topk to break
    unsigned = top ^ SIGN64
    ordered = (unsigned >> 32) & 0xFFFFFFFF
    flat = 0xFFFFFFFF - (unsigned & 0xFFFFFFFF)
    u = torch.where((ordered & 0x80000000) != 0, ordered ^ 0x80000000, (~ordered) & 0xFFFFFFFF)
    scores = u.to(torch.int32).view(torch.float32).to(heat.dtype)
    inds = flat % (H * W)
    return scores, inds, flat // (H * W), (inds // W).float(), (inds % W).float()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("case", ["smooth", "ties", "negative", "zeros_and_negzero", "nan", "constant", "big_k"])
def test_cuda_key_algorithm_equals_the_cpu_operator(dtype, case):
    g = torch.Generator().manual_seed(len(case))
    shape, k, kernel = (2, 3, 9, 11), 40, 3
    if case == "smooth":
        heat = smooth_heat(2, 3, 9, 11, seed=1)
    elif case == "ties":
        heat = torch.randint(0, 4, shape, generator=g) / 3.0
    elif case == "negative":
        heat = torch.randn(shape, generator=g)
    elif case == "zeros_and_negzero":
        heat = torch.randn(shape, generator=g).clamp(max=0)  # peaks of 0 and -0.0 (clamp keeps -0.0)
        heat[heat == 0] = -0.0
    elif case == "nan":
        heat = torch.rand(shape, generator=g)
        heat.view(-1)[::13] = float("nan")
    elif case == "constant":
        heat = torch.full(shape, 0.25)
    else:  # k larger than every plane: all cells, zeros and negatives included
        heat, k, kernel = torch.randn((2, 2, 3, 4), generator=g), 100, 5
    heat = heat.to(dtype)
    expected = torch.ops.fairmot.heatmap_topk(heat, k, kernel)
    emulated = emulate_cuda_key_topk(heat, k, kernel)
    for name, e, x in zip(["scores", "inds", "classes", "ys", "xs"], emulated, expected):
        assert e.dtype == x.dtype and e.shape == x.shape, name
        assert torch.equal(e, x), name


@pytest.mark.parametrize("kernel", [1, 3, 5])
@pytest.mark.parametrize("shape", [(1, 1, 9, 11), (2, 3, 6, 7), (1, 2, 1, 9), (1, 1, 8, 1), (1, 1, 2, 2)])
def test_topk_nan_and_inf_cells_follow_the_max_pool_rule(kernel, shape):
    # max_pool2d spreads a NaN over its window, so neither the NaN cell nor its neighbours are
    # peaks (score 0); +inf is the peak of its window, -inf cells are peaks only among -inf.
    g = torch.Generator().manual_seed(sum(shape) + kernel)
    heat = torch.rand(shape, generator=g)
    flat = heat.view(-1)
    flat[torch.randperm(flat.numel(), generator=g)[: max(1, flat.numel() // 9)]] = float("nan")
    flat[torch.randperm(flat.numel(), generator=g)[:2]] = float("inf")
    flat[torch.randperm(flat.numel(), generator=g)[:2]] = float("-inf")
    for k in (3, 40):
        check_topk(heat, k, kernel)
