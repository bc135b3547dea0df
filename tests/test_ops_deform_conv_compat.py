"""``fairmot.ops.deform_conv2d`` as a drop-in for ``torchvision.ops.deform_conv2d``.

torchvision's own deformable-convolution tests use the operator in ways that the numerical tests
of tests/test_ops_deform_conv.py do not: ``torch.jit.script`` of the function itself, of functions
that call it (with ``# type:`` comments and ``Tuple[int, int]`` arguments, mask given or None) and
of a module that calls it; gradcheck through the scripted function; batch size 0 and
non-contiguous (permuted) arguments; ``pytest.raises(RuntimeError)`` for wrong offset / mask
shapes. This file exercises the same usage patterns against our operator (its own cases, not a
copy), and the error contract: every bad shape or argument raises
``fairmot.ops.OpArgumentError``, which ``except RuntimeError`` (torchvision's type) and
``except ValueError`` (fairmot's earlier type) both catch; bad dtypes raise ``OpDtypeError``
(``TypeError`` and ``RuntimeError``); a non-tensor stays a plain ``TypeError``; the C++ checks
behind the raw operator and the scripted function raise ``RuntimeError``.

torchvision is needed only where it is the oracle (``pytest.importorskip`` in those tests).
"""

import __future__
import io
from typing import Optional, Tuple  # noqa: F401  (Tuple: in the ``# type:`` comments below)

import pytest
import torch
from torch import Tensor
from torch.autograd import gradcheck

ops = pytest.importorskip("fairmot.ops")

F64 = torch.float64

# torch.jit.script / save / load are deprecated in recent torch versions, but still what
# torchvision's tests (and TorchScript users) call.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.[a-z]+` is deprecated:FutureWarning")


def _tv_ops():
    return pytest.importorskip("torchvision.ops")


# ------------------------------------------------------------------------------ arguments
# One geometry with every knob off its default: weight groups 2, offset groups 3, a 3x2 kernel,
# stride (2, 1), padding (1, 0), dilation (2, 1) on a 5x4 image.
C_IN, C_OUT, GROUPS, OFFSET_GROUPS = 6, 2, 2, 3
KH, KW = 3, 2
STRIDE, PADDING, DILATION = (2, 1), (1, 0), (2, 1)
H_IN, W_IN = 5, 4
H_OUT = (H_IN + 2 * PADDING[0] - (DILATION[0] * (KH - 1) + 1)) // STRIDE[0] + 1
W_OUT = (W_IN + 2 * PADDING[1] - (DILATION[1] * (KW - 1) + 1)) // STRIDE[1] + 1


def _permuted(t: Tensor, order) -> Tensor:
    """The same values as ``t`` in a non-contiguous layout (a permuted copy viewed back)."""
    inverse = [order.index(i) for i in range(t.dim())]
    return t.permute(*order).contiguous().permute(*inverse)


def make_args(batch=3, dtype=F64, contiguous=True, seed=0, requires_grad=False):
    """x, offset, mask, weight, bias for the geometry above (masks not limited to [0, 1])."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(batch, C_IN, H_IN, W_IN, generator=g, dtype=dtype)
    offset = torch.randn(batch, 2 * OFFSET_GROUPS * KH * KW, H_OUT, W_OUT, generator=g, dtype=dtype) * 1.7
    mask = torch.randn(batch, OFFSET_GROUPS * KH * KW, H_OUT, W_OUT, generator=g, dtype=dtype)
    weight = torch.randn(C_OUT, C_IN // GROUPS, KH, KW, generator=g, dtype=dtype)
    bias = torch.randn(C_OUT, generator=g, dtype=dtype)
    if not contiguous:
        x = _permuted(x, (0, 1, 3, 2))
        offset = _permuted(offset, (1, 3, 0, 2))
        mask = _permuted(mask, (2, 0, 3, 1))
        weight = _permuted(weight, (3, 2, 0, 1))
        if batch > 0:  # (an empty tensor counts as contiguous whatever its strides)
            assert not (x.is_contiguous() or offset.is_contiguous() or mask.is_contiguous())
        assert not weight.is_contiguous()
    args = (x, offset, mask, weight, bias)
    if requires_grad:
        args = tuple(t.detach().requires_grad_(True) for t in args)
    return args


class DeformConvLayer(torch.nn.Module):
    """A module shaped like ``torchvision.ops.DeformConv2d`` (offset and mask are inputs of
    ``forward``) that calls ``fairmot.ops.deform_conv2d``: the "module calling the op" that
    torchvision scripts."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True):
        super().__init__()
        self.stride = (stride, stride) if isinstance(stride, int) else tuple(stride)
        self.padding = (padding, padding) if isinstance(padding, int) else tuple(padding)
        self.dilation = (dilation, dilation) if isinstance(dilation, int) else tuple(dilation)
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        self.weight = torch.nn.Parameter(torch.randn(out_channels, in_channels // groups, kh, kw) * 0.3)
        self.bias = torch.nn.Parameter(torch.randn(out_channels) * 0.1) if bias else None

    def forward(self, input: Tensor, offset: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        return ops.deform_conv2d(input, offset, self.weight, self.bias, stride=self.stride, padding=self.padding,
                                 dilation=self.dilation, mask=mask)


def make_layer(dtype=F64, bias=True, seed=0):
    torch.manual_seed(seed)
    return DeformConvLayer(C_IN, C_OUT, (KH, KW), STRIDE, PADDING, DILATION, GROUPS, bias=bias).to(dtype)


# ------------------------------------------------------------------------- torch.jit.script
def test_script_the_function_itself():
    scripted = torch.jit.script(ops.deform_conv2d)
    x, offset, mask, weight, bias = make_args()
    eager = ops.deform_conv2d(x, offset, weight, bias, STRIDE, PADDING, DILATION, mask)
    # tuples, lists and keyword arguments; the same operator call, so bit-identical
    assert torch.equal(scripted(x, offset, weight, bias, STRIDE, PADDING, DILATION, mask), eager)
    assert torch.equal(scripted(x, offset, weight, bias, list(STRIDE), list(PADDING), list(DILATION), mask), eager)
    assert torch.equal(
        scripted(x, offset, weight, bias=bias, stride=STRIDE, padding=PADDING, dilation=DILATION, mask=mask), eager
    )
    # defaults and ints, no mask, no bias
    x1, w1 = torch.rand(2, 3, 6, 7, dtype=F64), torch.randn(4, 3, 3, 3, dtype=F64)
    off1 = torch.randn(2, 18, 4, 5, dtype=F64)
    assert torch.equal(scripted(x1, off1, w1), ops.deform_conv2d(x1, off1, w1))
    off2 = torch.randn(2, 18, 2, 3, dtype=F64)  # (6 + 2 - 5) // 2 + 1, (7 + 2 - 5) // 2 + 1
    assert torch.equal(scripted(x1, off2, w1, None, 2, 1, 2, None), ops.deform_conv2d(x1, off2, w1, None, 2, 1, 2))


def test_scripted_function_matches_torchvision():
    tv = _tv_ops()
    scripted = torch.jit.script(ops.deform_conv2d)
    x, offset, mask, weight, bias = make_args(seed=1)
    for m in (mask, None):
        ours = scripted(x, offset, weight, bias, STRIDE, PADDING, DILATION, m)
        theirs = tv.deform_conv2d(x, offset, weight, bias, stride=STRIDE, padding=PADDING, dilation=DILATION, mask=m)
        torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


def _scripted_callers():
    # The pattern of torchvision's test_backward: functions with a ``# type:`` comment, stride /
    # padding / dilation typed Tuple[int, int], keyword arguments, mask a tensor or None.
    @torch.jit.script
    def with_mask(x_, offset_, mask_, weight_, bias_, stride_, pad_, dilation_):
        # type: (Tensor, Tensor, Tensor, Tensor, Tensor, Tuple[int, int], Tuple[int, int], Tuple[int, int]) -> Tensor
        return ops.deform_conv2d(x_, offset_, weight_, bias_, stride=stride_, padding=pad_, dilation=dilation_,
                                 mask=mask_)

    @torch.jit.script
    def without_mask(x_, offset_, weight_, bias_, stride_, pad_, dilation_):
        # type: (Tensor, Tensor, Tensor, Tensor, Tuple[int, int], Tuple[int, int], Tuple[int, int]) -> Tensor
        return ops.deform_conv2d(x_, offset_, weight_, bias_, stride=stride_, padding=pad_, dilation=dilation_,
                                 mask=None)

    return with_mask, without_mask


@pytest.mark.parametrize("batch", [0, 3])
@pytest.mark.parametrize("contiguous", [True, False])
def test_gradcheck_through_scripted_callers(batch, contiguous):
    with_mask, without_mask = _scripted_callers()
    x, offset, mask, weight, bias = make_args(batch=batch, contiguous=contiguous, seed=2, requires_grad=True)
    gradcheck(lambda a, o, m, w, b: with_mask(a, o, m, w, b, STRIDE, PADDING, DILATION),
              (x, offset, mask, weight, bias), nondet_tol=1e-5, fast_mode=True)
    gradcheck(lambda a, o, w, b: without_mask(a, o, w, b, STRIDE, PADDING, DILATION),
              (x, offset, weight, bias), nondet_tol=1e-5, fast_mode=True)


def test_scripted_callers_equal_eager_results_and_gradients():
    with_mask, without_mask = _scripted_callers()
    leaves = make_args(seed=3, requires_grad=True)
    leaves_e = tuple(t.detach().clone().requires_grad_(True) for t in leaves)
    x, offset, mask, weight, bias = leaves
    xe, offe, me, we, be = leaves_e
    out = with_mask(x, offset, mask, weight, bias, STRIDE, PADDING, DILATION)
    ref = ops.deform_conv2d(xe, offe, we, be, stride=STRIDE, padding=PADDING, dilation=DILATION, mask=me)
    assert torch.equal(out, ref)
    grad = torch.randn_like(out)
    out.backward(grad)
    ref.backward(grad)
    for a, b in zip(leaves, leaves_e):
        assert torch.equal(a.grad, b.grad)
    assert torch.equal(without_mask(x, offset, weight, bias, STRIDE, PADDING, DILATION),
                       ops.deform_conv2d(x, offset, weight, bias, STRIDE, PADDING, DILATION))


@pytest.mark.parametrize("batch", [0, 3])
@pytest.mark.parametrize("contiguous", [True, False])
def test_scripted_module_calling_the_op(batch, contiguous):
    layer = make_layer()
    scripted = torch.jit.script(layer)
    x, offset, mask, _, _ = make_args(batch=batch, contiguous=contiguous, seed=4)
    for m in (mask, None):
        out = scripted(x, offset, m)
        assert out.shape == (batch, C_OUT, H_OUT, W_OUT)
        assert torch.equal(out, layer(x, offset, m))
    # without a bias parameter (Optional[Tensor] attribute)
    layer_nb = make_layer(bias=False)
    assert torch.equal(torch.jit.script(layer_nb)(x, offset, mask), layer_nb(x, offset, mask))


@pytest.mark.parametrize("batch", [0, 3])
@pytest.mark.parametrize("contiguous", [True, False])
def test_module_calling_the_op_matches_torchvision(batch, contiguous):
    tv = _tv_ops()
    layer = make_layer(seed=5)
    x, offset, mask, _, _ = make_args(batch=batch, contiguous=contiguous, seed=5)
    for m in (mask, None):
        ours = layer(x, offset, m)
        theirs = tv.deform_conv2d(x, offset, layer.weight, layer.bias, stride=STRIDE, padding=PADDING,
                                  dilation=DILATION, mask=m)
        torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-10)


def test_scripted_module_matches_a_scripted_torchvision_module():
    tv = _tv_ops()
    layer = make_layer(seed=6)
    theirs = tv.DeformConv2d(C_IN, C_OUT, (KH, KW), stride=STRIDE, padding=PADDING, dilation=DILATION,
                             groups=GROUPS).to(F64)
    theirs.load_state_dict(layer.state_dict())
    x, offset, mask, _, _ = make_args(seed=6)
    ours_s, theirs_s = torch.jit.script(layer), torch.jit.script(theirs)
    torch.testing.assert_close(ours_s(x, offset, mask), theirs_s(x, offset, mask), rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(ours_s(x, offset), theirs_s(x, offset), rtol=1e-10, atol=1e-10)


def test_script_dcn_module():
    torch.manual_seed(7)
    dcn = ops.DCN(8, 8, 3, padding=1)  # as torchvision's test_forward_scriptability: in = out = 8, kernel 3
    with torch.no_grad():
        dcn.conv_offset_mask.weight.normal_(0, 0.2)
        dcn.conv_offset_mask.bias.normal_(0, 0.2)
    scripted = torch.jit.script(dcn)
    x = torch.randn(2, 8, 9, 10)
    assert torch.equal(scripted(x), dcn(x))
    # save / load round trip of the scripted module
    buf = io.BytesIO()
    torch.jit.save(scripted, buf)
    buf.seek(0)
    loaded = torch.jit.load(buf)
    assert torch.equal(loaded(x), dcn(x))
    # a strided, rectangular DCN with two deformable groups; gradients as eager
    dcn2 = ops.DCN(4, 6, (3, 2), stride=(2, 1), padding=(1, 1), deformable_groups=2)
    scripted2 = torch.jit.script(dcn2)
    x2 = torch.randn(2, 4, 11, 9, requires_grad=True)
    out_s, out_e = scripted2(x2), dcn2(x2)
    assert torch.equal(out_s, out_e)
    (g_s,) = torch.autograd.grad(out_s.square().sum(), x2)
    (g_e,) = torch.autograd.grad(out_e.square().sum(), x2)
    assert torch.equal(g_s, g_e)


def test_no_postponed_annotations_in_the_scripted_module():
    # TorchScript compiles deform_conv2d / DCN.forward from their annotations: no
    # ``from __future__ import annotations`` (string annotations) in that module.
    import fairmot.ops.deform_conv as mod

    assert vars(mod).get("annotations") is not __future__.annotations


# ------------------------------------------------------------------------------- errors
def _base_case():
    """Valid arguments (B=2, C_in 4, C_out 6, 3x3, padding 1, one offset group) as a dict."""
    g = torch.Generator().manual_seed(11)
    return dict(
        input=torch.rand(2, 4, 6, 7, generator=g),
        offset=torch.randn(2, 18, 6, 7, generator=g),
        weight=torch.randn(6, 4, 3, 3, generator=g),
        bias=torch.randn(6, generator=g),
        mask=torch.rand(2, 9, 6, 7, generator=g),
        stride=(1, 1),
        padding=(1, 1),
        dilation=(1, 1),
    )


def _with(**changes):
    def make():
        case = _base_case()
        for key, value in changes.items():
            case[key] = value(case) if callable(value) else value
        return case

    return make


# name -> (arguments, a phrase of our message, does torchvision raise RuntimeError for it on the CPU)
BAD_SHAPES = {
    "offset_channels_wrong": (_with(offset=lambda c: c["offset"][:, :2]), "the shape of the offset", True),
    "offset_channels_not_multiple": (_with(offset=lambda c: c["offset"][:, :17]), "the shape of the offset", True),
    "mask_channels_wrong": (_with(mask=lambda c: c["mask"][:, :2]), r"mask.shape\[1\] is not valid", True),
    "mask_channels_vs_offset_groups": (_with(offset=torch.randn(2, 36, 6, 7)), r"mask.shape\[1\] is not valid",
                                       True),
    "weight_in_channels_wrong": (_with(weight=torch.randn(6, 3, 3, 3)), "input channels", True),
    "weight_out_channels_vs_groups": (_with(weight=torch.randn(5, 2, 3, 3), bias=torch.randn(5)), "output channels",
                                      True),
    "weight_3d": (_with(weight=lambda c: c["weight"][:, :, 0]), "weight must be 4-D", True),
    "offset_batch_mismatch": (_with(offset=lambda c: c["offset"][:1]), "offset batch size", True),
    "mask_batch_mismatch": (_with(mask=lambda c: c["mask"][:1]), "mask batch size", True),
    "offset_spatial_mismatch": (_with(offset=lambda c: c["offset"][:, :, :5]), "offset spatial size", True),
    "mask_spatial_mismatch": (_with(mask=lambda c: c["mask"][:, :, :, :3]), "mask spatial size", True),
    "offset_3d": (_with(offset=lambda c: c["offset"][0]), "offset must be 4-D", True),
    "mask_3d": (_with(mask=lambda c: c["mask"][0]), "mask must be 4-D", True),
    "bias_size_mismatch": (_with(bias=torch.randn(5)), "bias must have shape", True),
    "offset_groups_not_dividing_channels": (_with(offset=torch.randn(2, 54, 6, 7), mask=torch.rand(2, 27, 6, 7)),
                                            "offset groups", True),
    "kernel_larger_than_input": (_with(input=torch.rand(2, 4, 1, 1), padding=(0, 0)), "larger than the padded",
                                 True),
    "negative_padding": (_with(padding=(-1, 1)), "padding must be non-negative", True),
    "zero_dilation": (_with(dilation=(1, 0)), "dilation must be positive", True),
    # torchvision: ValueError from unpacking (input) and a crash (SIGFPE, stride 0): not compared
    "input_3d": (_with(input=lambda c: c["input"][0]), "input must be 4-D", False),
    "zero_stride": (_with(stride=(0, 1)), "stride must be positive", False),
}


def _call(fn, case):
    return fn(case["input"], case["offset"], case["weight"], case["bias"], stride=case["stride"],
              padding=case["padding"], dilation=case["dilation"], mask=case["mask"])


@pytest.mark.parametrize("name", list(BAD_SHAPES))
def test_bad_shape_is_runtime_error_and_value_error(name):
    make, phrase, _ = BAD_SHAPES[name]
    with pytest.raises(RuntimeError, match=phrase) as info:
        _call(ops.deform_conv2d, make())
    assert isinstance(info.value, ops.OpArgumentError)
    with pytest.raises(ValueError, match=phrase):
        _call(ops.deform_conv2d, make())


@pytest.mark.parametrize("name", [n for n, (_, _, tv_runtime) in BAD_SHAPES.items() if tv_runtime])
def test_torchvision_raises_runtime_error_for_the_same_case(name):
    # The parity the error contract rests on: where torchvision raises RuntimeError, so do we.
    tv = _tv_ops()
    make, _, _ = BAD_SHAPES[name]
    with pytest.raises(RuntimeError):
        _call(tv.deform_conv2d, make())


def test_wrong_offset_and_mask_through_a_module():
    # torchvision's test_wrong_sizes pattern: a layer called with a too-narrow offset or mask.
    layer = make_layer()
    x, offset, mask, _, _ = make_args(batch=4)
    for exc in (RuntimeError, ValueError):
        with pytest.raises(exc, match="the shape of the offset"):
            layer(x, torch.rand_like(offset[:, :2]))
        with pytest.raises(exc, match=r"mask.shape\[1\] is not valid"):
            layer(x, offset, torch.rand_like(mask[:, :2]))


@pytest.mark.parametrize("name", ["offset_channels_wrong", "mask_channels_wrong", "weight_in_channels_wrong",
                                  "offset_batch_mismatch", "mask_spatial_mismatch", "bias_size_mismatch",
                                  "input_3d", "weight_3d", "zero_stride", "negative_padding"])
def test_scripted_function_raises_runtime_error(name):
    # Scripted, the C++ checks (TORCH_CHECK) report the error: a RuntimeError.
    scripted = torch.jit.script(ops.deform_conv2d)
    make, _, _ = BAD_SHAPES[name]
    with pytest.raises(RuntimeError):
        _call(scripted, make())


def test_scripted_module_raises_runtime_error_for_wrong_offset_and_mask():
    scripted = torch.jit.script(make_layer())
    x, offset, mask, _, _ = make_args(batch=4)
    with pytest.raises(RuntimeError, match="the shape of the offset"):
        scripted(x, torch.rand_like(offset[:, :2]))
    with pytest.raises(RuntimeError, match=r"mask.shape\[1\] is not valid"):
        scripted(x, offset, torch.rand_like(mask[:, :2]))


def test_scripted_list_argument_of_wrong_length_raises_runtime_error():
    scripted = torch.jit.script(ops.deform_conv2d)
    case = _base_case()
    case["stride"] = [1, 1, 1]
    with pytest.raises(RuntimeError):
        _call(scripted, case)
    case["stride"] = (1, 1, 1)
    with pytest.raises(ops.OpArgumentError, match="stride"):
        _call(ops.deform_conv2d, case)


@pytest.mark.parametrize("name", ["mask_channels_wrong", "offset_spatial_mismatch", "weight_in_channels_wrong",
                                  "kernel_larger_than_input"])
def test_raw_op_raises_runtime_error(name):
    make, _, _ = BAD_SHAPES[name]
    c = make()
    kh, kw = c["weight"].shape[-2:]
    groups = max(c["input"].shape[1] // c["weight"].shape[1], 1)
    offset_groups = max(c["offset"].shape[1] // (2 * kh * kw), 1)
    with pytest.raises(RuntimeError):
        torch.ops.fairmot.deform_conv2d(c["input"], c["weight"], c["offset"], c["mask"], c["bias"], *c["stride"],
                                        *c["padding"], *c["dilation"], groups, offset_groups, True)


def _cast_all(fn):
    return _with(**{key: (lambda k: (lambda c: fn(c[k])))(key) for key in ("input", "offset", "weight", "bias",
                                                                           "mask")})


DTYPE_CASES = {
    "weight_float64": _with(weight=lambda c: c["weight"].double()),
    "offset_float64": _with(offset=lambda c: c["offset"].double()),
    "mask_float64": _with(mask=lambda c: c["mask"].double()),
    "bias_float64": _with(bias=lambda c: c["bias"].double()),
    "integer_tensors": _cast_all(Tensor.long),
}


@pytest.mark.parametrize("name", list(DTYPE_CASES))
def test_bad_dtype_is_runtime_error_and_type_error(name):
    with pytest.raises(RuntimeError) as info:
        _call(ops.deform_conv2d, DTYPE_CASES[name]())
    assert isinstance(info.value, ops.OpDtypeError)
    with pytest.raises(TypeError):
        _call(ops.deform_conv2d, DTYPE_CASES[name]())


def test_float16_on_cpu_is_a_runtime_error():
    # A difference: torchvision computes float16 on the CPU; our CPU kernel takes float32 and
    # float64 only (float16 / bfloat16 run on CUDA, or under CPU autocast in float32) and says so
    # with a RuntimeError. (The wrapper leaves this to the kernel: under torch.export only the fake
    # kernel runs, and a float16 graph exports.)
    with pytest.raises(RuntimeError, match="supports float32 and float64"):
        _call(ops.deform_conv2d, _cast_all(Tensor.half)())


def test_dtype_mismatch_raw_op_and_scripted_raise_runtime_error():
    c = DTYPE_CASES["weight_float64"]()
    with pytest.raises(RuntimeError):
        _call(torch.jit.script(ops.deform_conv2d), c)
    with pytest.raises(RuntimeError):
        torch.ops.fairmot.deform_conv2d(c["input"], c["weight"], c["offset"], c["mask"], c["bias"], 1, 1, 1, 1, 1, 1,
                                        1, 1, True)


def test_mixed_dtypes_are_fine_under_autocast():
    # Under autocast the operator casts to float32 itself: the dtype checks stand aside.
    c = _base_case()
    c["offset"], c["mask"] = c["offset"].bfloat16(), c["mask"].bfloat16()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = _call(ops.deform_conv2d, c)
    assert out.dtype == torch.float32
    ref = _call(ops.deform_conv2d, dict(c, offset=c["offset"].float(), mask=c["mask"].float()))
    assert torch.equal(out, ref)


@pytest.mark.parametrize("arg", ["input", "offset", "weight", "mask", "bias"])
def test_non_tensor_is_a_plain_type_error(arg):
    case = _base_case()
    case[arg] = case[arg].tolist()
    with pytest.raises(TypeError, match=arg) as info:
        _call(ops.deform_conv2d, case)
    assert not isinstance(info.value, RuntimeError)


def test_float64_on_cpu_and_result_dtype():
    # torchvision's CPU tests run in float64; float32 works as well, results keep the input dtype.
    for dtype in (torch.float32, F64):
        x, offset, mask, weight, bias = make_args(dtype=dtype, seed=8)
        out = ops.deform_conv2d(x, offset, weight, bias, STRIDE, PADDING, DILATION, mask)
        assert out.dtype == dtype and out.device.type == "cpu"
        assert out.shape == (3, C_OUT, H_OUT, W_OUT)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_mixed_devices_are_argument_errors():
    c = _base_case()
    for key in ("offset", "weight", "mask", "bias"):
        case = dict(c, **{key: c[key].cuda()})
        with pytest.raises(RuntimeError, match="is on") as info:
            _call(ops.deform_conv2d, case)
        assert isinstance(info.value, ValueError)


def test_error_classes():
    assert issubclass(ops.OpArgumentError, ValueError) and issubclass(ops.OpArgumentError, RuntimeError)
    assert issubclass(ops.OpDtypeError, TypeError) and issubclass(ops.OpDtypeError, RuntimeError)
    assert "OpArgumentError" in ops.__all__ and "OpDtypeError" in ops.__all__
    from fairmot.ops.errors import OpArgumentError

    assert OpArgumentError is ops.OpArgumentError


# ------------------------------------------------------------------- heatmap decoding errors
@pytest.mark.parametrize("call", [
    lambda: ops.heatmap_topk(torch.rand(1, 8, 9), 10, 3),
    lambda: ops.heatmap_topk(torch.rand(1, 1, 8, 9), 0, 3),
    lambda: ops.heatmap_topk(torch.rand(1, 1, 8, 9), 10, 2),
    lambda: ops.heatmap_topk(torch.rand(1, 0, 8, 9), 10, 3),
    lambda: ops.heatmap_topk(torch.rand(1, 1, 0, 9), 10, 3),
    lambda: ops.mot_decode(torch.rand(1, 8, 9), torch.rand(1, 4, 8, 9)),
    lambda: ops.mot_decode(torch.rand(1, 1, 8, 9), torch.rand(1, 2, 8, 9)),
    lambda: ops.mot_decode(torch.rand(1, 1, 8, 9), torch.rand(1, 4, 8, 9), torch.rand(1, 2, 7, 9)),
    lambda: ops.mot_decode(torch.rand(1, 1, 8, 9), torch.rand(1, 4, 8, 9), K=-1),
], ids=["topk_3d", "topk_k0", "topk_even_kernel", "topk_no_class", "topk_empty_map", "decode_heat_3d",
        "decode_wh_channels", "decode_reg_spatial", "decode_negative_K"])
def test_decode_shape_errors_are_runtime_and_value_errors(call):
    with pytest.raises(RuntimeError) as info:
        call()
    assert isinstance(info.value, ops.OpArgumentError) and isinstance(info.value, ValueError)


def test_heatmap_topk_non_tensor_is_a_plain_type_error():
    with pytest.raises(TypeError) as info:
        ops.heatmap_topk(torch.rand(1, 1, 8, 9).numpy(), 10, 3)
    assert not isinstance(info.value, RuntimeError)
