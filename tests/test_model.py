"""Tests for ``fairmot.models``: the DLA-34 FairMOT network and checkpoint reading/writing.

Oracles:

* the list of the 402 state-dict entries of the official default model (docs/official_behaviour.md §1.7;
  ``tests/data/fairmot_dla34_state_dict_keys.txt``: keys, shapes, order) and its parameter count;
* a functional re-statement of the network written directly from docs/official_behaviour.md §1.3-1.6 (plain
  ``F.conv2d`` / ``F.batch_norm`` / ``torchvision.ops.deform_conv2d`` on the state dict, with the
  root concatenation orders spelled out level by level), compared in float64 with random weights;
* the init rules of §1.5-1.6 (bilinear transposed convs, head biases, zero offset convs);
* checkpoints written in the official layout (``module.`` prefixes, ``base.fc.*``, epoch, Adam
  state) and damaged / unsafe files.
"""
from __future__ import annotations

import io
import logging
import os
import pickle
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import fairmot.models as models  # noqa: E402

#: the official default model's state-dict entries (docs/official_behaviour.md §1.7), shipped with the tests
SPEC_KEYS = Path(__file__).resolve().parent / "data" / "fairmot_dla34_state_dict_keys.txt"

N_PARAMS = 19_836_711
HEAD_ORDER = ["hm", "wh", "id", "reg"]


# ----------------------------------------------------------------------------------- helpers
def _spec_entries() -> list[tuple[str, tuple[int, ...]]]:
    out = []
    for line in SPEC_KEYS.read_text().splitlines():
        if not line.strip():
            continue
        key, shape = line.split()
        out.append((key, () if shape == "scalar" else tuple(int(d) for d in shape.split("x"))))
    return out


@torch.no_grad()
def _randomize(model: nn.Module, seed: int = 0, gain: float = 1.0) -> nn.Module:
    """Random weights (std gain/sqrt(fan_in)), biases and BatchNorm affine/statistics everywhere."""
    g = torch.Generator().manual_seed(seed)

    def rand(t, lo, hi):
        t.copy_(torch.rand(t.shape, generator=g, dtype=t.dtype) * (hi - lo) + lo)

    def randn(t, std):
        t.copy_(torch.randn(t.shape, generator=g, dtype=t.dtype) * std)

    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d):
            rand(mod.weight, 0.5, 1.5)
            randn(mod.bias, 0.1)
            randn(mod.running_mean, 0.1)
            rand(mod.running_var, 0.5, 1.5)
            mod.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=g)))
            continue
        for _name, p in mod.named_parameters(recurse=False):
            if p.dim() > 1:
                randn(p, gain / p[0].numel() ** 0.5)
            else:
                randn(p, 0.1)
    return model


def _outputs_equal(a: dict, b: dict) -> bool:
    return list(a) == list(b) and all(torch.equal(a[k], b[k]) for k in a)


def _official_checkpoint(model: nn.Module, epoch: int = 30, with_optimizer: bool = True) -> dict:
    """The layout of the official ``.pth`` files: 'module.' prefixes, base.fc after level5, Adam state."""
    sd = {}
    fc_done = False
    for k, v in model.state_dict().items():
        if not fc_done and not k.startswith("base."):
            sd["module.base.fc.weight"] = torch.randn(1000, 512, 1, 1)
            sd["module.base.fc.bias"] = torch.randn(1000)
            fc_done = True
        sd["module." + k] = v.clone()
    ckpt = {"epoch": epoch, "state_dict": sd}
    if with_optimizer:
        params = [p for p in model.parameters()][:3]
        opt = torch.optim.Adam(params, lr=1e-4)
        for p in params:
            p.grad = torch.zeros_like(p)
        opt.step()
        for p in params:
            p.grad = None
        ckpt["optimizer"] = opt.state_dict()
    return ckpt


@pytest.fixture(scope="module")
def default_model():
    torch.manual_seed(0)
    return models.build_model()


@pytest.fixture(scope="module")
def trained_model():
    """A default model with random weights (eval mode) and its outputs on a small input."""
    torch.manual_seed(1)
    m = _randomize(models.build_model(), seed=1).eval()
    x = torch.rand(1, 3, 32, 64, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        out = m(x)
    return m, x, out


# ----------------------------------------------------------------------------- architecture
def test_state_dict_matches_official_keys_shapes_and_order(default_model):
    expected = _spec_entries()
    assert len(expected) == 402
    sd = default_model.state_dict()
    got = [(k, tuple(v.shape)) for k, v in sd.items()]
    assert [k for k, _ in got] == [k for k, _ in expected]
    assert got == expected
    for k, v in sd.items():
        if k.endswith("num_batches_tracked"):
            assert v.dim() == 0 and v.dtype == torch.long


def test_parameter_count(default_model):
    assert sum(p.numel() for p in default_model.parameters()) == N_PARAMS
    assert not any(k.startswith("base.fc") for k in default_model.state_dict())


def test_structure_counts(default_model):
    dcns = [m for m in default_model.modules() if type(m).__name__ == "DCN"]
    ups = [m for m in default_model.modules() if isinstance(m, nn.ConvTranspose2d)]
    bns = [m for m in default_model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(dcns) == 16 and len(ups) == 8 and len(bns) == 55
    assert all(b.momentum == 0.1 and b.eps == 1e-5 for b in bns)
    assert all(u.groups == u.in_channels == u.out_channels for u in ups)
    # DeformConv: actf (BN, ReLU) registered before conv
    deform = default_model.dla_up.ida_0.proj_1
    assert [n for n, _ in deform.named_children()] == ["actf", "conv"]


def test_forward_shapes():
    torch.manual_seed(0)
    m = models.build_model().eval()
    with torch.no_grad():
        out = m(torch.rand(1, 3, 64, 96))
    assert isinstance(out, dict) and list(out) == HEAD_ORDER
    assert tuple(out["hm"].shape) == (1, 1, 16, 24)
    assert tuple(out["wh"].shape) == (1, 4, 16, 24)
    assert tuple(out["id"].shape) == (1, 128, 16, 24)
    assert tuple(out["reg"].shape) == (1, 2, 16, 24)
    assert all(v.dtype == torch.float32 and torch.isfinite(v).all() for v in out.values())


def test_head_init(default_model):
    m = default_model
    assert list(m.heads) == HEAD_ORDER and dict(m.heads) == {"hm": 1, "wh": 4, "id": 128, "reg": 2}
    assert torch.all(m.hm[2].bias == torch.tensor(-2.19))
    assert m.hm[0].bias.abs().sum() > 0  # only the last hm bias is set (first keeps default init)
    for name in ["wh", "id", "reg"]:
        head = getattr(m, name)
        assert isinstance(head, nn.Sequential) and isinstance(head[1], nn.ReLU)
        assert head[0].kernel_size == (3, 3) and head[0].padding == (1, 1)
        assert head[2].kernel_size == (1, 1)
        assert torch.count_nonzero(head[0].bias) == 0 and torch.count_nonzero(head[2].bias) == 0
        assert head[0].weight.abs().sum() > 0


def test_transposed_conv_bilinear_init(default_model):
    v4 = torch.tensor([0.25, 0.75, 0.75, 0.25])
    k4 = torch.outer(v4, v4)
    # k = 8: f = 4, c = 7/8, w = 1 - |i/4 - 7/8|
    v8 = torch.tensor([1 - abs(i / 4 - 7 / 8) for i in range(8)])
    k8 = torch.outer(v8, v8)
    ups = {n: m for n, m in default_model.named_modules() if isinstance(m, nn.ConvTranspose2d)}
    assert len(ups) == 8
    for name, up in ups.items():
        w = up.weight.detach()
        k = w.shape[-1]
        ref = k8 if name == "ida_up.up_2" else k4
        assert k == ref.shape[-1], name
        assert torch.allclose(w, ref.expand_as(w), atol=1e-7), name
        f = k // 2
        assert up.stride == (f, f) and up.padding == (f // 2, f // 2) and up.output_padding == (0, 0)
        assert up.weight.requires_grad  # trained, not frozen
    assert torch.allclose(models.dla_seg.bilinear_kernel(4), k4)


def test_dcn_init(default_model):
    for n, m in default_model.named_modules():
        if type(m).__name__ == "DCN":
            assert torch.count_nonzero(m.conv_offset_mask.weight) == 0, n
            assert torch.count_nonzero(m.conv_offset_mask.bias) == 0, n
            assert torch.count_nonzero(m.bias) == 0, n
            bound = 1 / (m.in_channels * 9) ** 0.5
            assert m.weight.abs().max() <= bound


def test_arch_names_and_custom_heads():
    m = models.build_model("dla_34", heads={"hm": 2, "wh": 2, "id": 64}, head_conv=128)
    sd = m.state_dict()
    head_keys = [k for k in sd if not k.startswith(("base.", "dla_up.", "ida_up."))]
    assert head_keys == [f"{h}.{i}.{p}" for h in ["hm", "wh", "id"] for i in (0, 2) for p in ("weight", "bias")]
    assert sd["hm.0.weight"].shape == (128, 64, 3, 3) and sd["id.2.weight"].shape == (64, 128, 1, 1)
    assert torch.all(sd["hm.2.bias"] == torch.tensor(-2.19))
    single = models.build_model("DLA34", heads={"hm": 1, "reg": 2}, head_conv=0)
    assert [k for k in single.state_dict() if k.startswith(("hm", "reg"))] == [
        "hm.weight", "hm.bias", "reg.weight", "reg.bias"]
    assert torch.all(single.hm.bias == torch.tensor(-2.19))
    with pytest.raises(ValueError, match="arch"):
        models.build_model("yolo")  # not implemented (resdcn_* and hrnet_* are)
    with pytest.raises(ValueError):
        models.build_model(heads={"hm": 0})


# ------------------------------------- functional reference (docs/official_behaviour.md §1)
def _reference_forward(sd: dict, x: torch.Tensor) -> dict:
    """The network restated from docs/official_behaviour.md §1 with plain functional ops
    (eval-mode BatchNorm)."""
    relu = F.relu

    def bn(t, p):
        return F.batch_norm(t, sd[p + ".running_mean"], sd[p + ".running_var"], sd[p + ".weight"],
                            sd[p + ".bias"], False, 0.0, 1e-5)

    def conv(t, p, stride=1):
        w = sd[p + ".weight"]
        return F.conv2d(t, w, sd.get(p + ".bias"), stride, w.shape[-1] // 2)

    def block(t, p, stride, residual):
        out = relu(bn(conv(t, p + ".conv1", stride), p + ".bn1"))
        return relu(bn(conv(out, p + ".conv2"), p + ".bn2") + residual)

    def root(p, *ts):
        return relu(bn(conv(torch.cat(ts, 1), p + ".conv"), p + ".bn"))

    def project(t, p):
        return bn(conv(t, p + ".0"), p + ".1")

    def pool(t):
        return F.max_pool2d(t, 2, 2)

    def tree_levels1(t, p, level_root):  # Tree(levels=1, stride 2, cin != cout)
        bottom = pool(t)
        x1 = block(t, p + ".tree1", 2, project(bottom, p + ".project"))  # un-downsampled input
        x2 = block(x1, p + ".tree2", 1, x1)
        return root(p + ".root", x2, x1, *([bottom] if level_root else []))

    def tree_levels2(t, p):  # Tree(levels=2, stride 2, level_root): outer project unused
        bottom = pool(t)
        y1 = tree_levels1(t, p + ".tree1", level_root=False)
        c1 = block(y1, p + ".tree2.tree1", 1, y1)
        c2 = block(c1, p + ".tree2.tree2", 1, c1)
        return root(p + ".tree2.root", c2, c1, bottom, y1)

    b = "base."
    t = relu(bn(conv(x, b + "base_layer.0"), b + "base_layer.1"))
    l0 = relu(bn(conv(t, b + "level0.0"), b + "level0.1"))
    l1 = relu(bn(conv(l0, b + "level1.0", 2), b + "level1.1"))
    l2 = tree_levels1(l1, b + "level2", level_root=False)
    l3 = tree_levels2(l2, b + "level3")
    l4 = tree_levels2(l3, b + "level4")
    l5 = tree_levels1(l4, b + "level5", level_root=True)

    def deform(t, p):
        o = F.conv2d(t, sd[p + ".conv.conv_offset_mask.weight"], sd[p + ".conv.conv_offset_mask.bias"], 1, 1)
        tv_ops = pytest.importorskip("torchvision.ops", reason="torchvision is the reference here")
        y = tv_ops.deform_conv2d(t, o[:, :18], sd[p + ".conv.weight"], sd[p + ".conv.bias"], (1, 1), (1, 1),
                                 (1, 1), mask=torch.sigmoid(o[:, 18:27]))
        return relu(bn(y, p + ".actf.0"))

    def up(t, p, f):
        return F.conv_transpose2d(t, sd[p + ".weight"], None, f, f // 2, 0, t.shape[1])

    def step(p, i, deep, shallow, f=2):
        return deform(up(deform(deep, f"{p}.proj_{i}"), f"{p}.up_{i}", f) + shallow, f"{p}.node_{i}")

    # DLAUp (docs/official_behaviour.md §1.5)
    s16 = step("dla_up.ida_0", 1, l5, l4)
    a8 = step("dla_up.ida_1", 1, l4, l3)
    s8 = step("dla_up.ida_1", 2, s16, a8)
    b4 = step("dla_up.ida_2", 1, l3, l2)
    c4 = step("dla_up.ida_2", 2, a8, b4)
    s4 = step("dla_up.ida_2", 3, s8, c4)
    # final IDAUp on [s4, s8, s16]
    y1 = step("ida_up", 1, s8, s4)
    y2 = step("ida_up", 2, s16, y1, f=4)
    out = {}
    for h in HEAD_ORDER:
        out[h] = conv(relu(conv(y2, h + ".0")), h + ".2")
    return out


def test_forward_matches_functional_reference():
    torch.manual_seed(3)
    m = _randomize(models.build_model(), seed=3).double().eval()
    # offsets of a pixel or so (fractional) and masks away from 0.5, so the deformable sampling matters
    with torch.no_grad():
        for mod in m.modules():
            if type(mod).__name__ == "DCN":
                mod.conv_offset_mask.bias.normal_(0.0, 1.0, generator=torch.Generator().manual_seed(4))
    x = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    sd = {k: v for k, v in m.state_dict().items()}
    with torch.no_grad():
        got = m(x)
        ref = _reference_forward(sd, x)
    assert list(got) == list(ref)
    for h in HEAD_ORDER:
        scale = ref[h].abs().max().item()
        assert scale > 0
        torch.testing.assert_close(got[h], ref[h], rtol=1e-9, atol=1e-9 * scale, msg=h)


def test_unused_outer_project_is_computed_in_training():
    """level3/level4 ``project`` outputs are unused, but (as officially) computed: BN stats move."""
    torch.manual_seed(0)
    m = models.build_model().train()
    x = torch.rand(2, 3, 32, 32)
    before = {n: m.base.get_submodule(n + ".project.1").running_mean.clone() for n in ["level3", "level4"]}
    with torch.no_grad():  # BatchNorm statistics still update in train mode
        m(x)
    for n, rm in before.items():
        bn = m.base.get_submodule(n + ".project.1")
        assert int(bn.num_batches_tracked) == 1, n
        assert not torch.equal(bn.running_mean, rm), n


# ------------------------------------------------------------------------------ checkpoints
def test_official_checkpoint_roundtrip(tmp_path, trained_model):
    m, x, out = trained_model
    ckpt = _official_checkpoint(m, epoch=30)
    path = tmp_path / "fairmot_dla34.pth"
    torch.save(ckpt, path)
    loaded = models.load_model(str(path))
    assert not loaded.training
    rep = loaded.load_report
    assert rep.ok and rep.epoch == 30 and rep.skipped == []
    assert rep.ignored == ["base.fc.weight", "base.fc.bias"]
    assert rep.heads == {"hm": 1, "wh": 4, "id": 128, "reg": 2} and rep.head_conv == 256
    assert len(rep.loaded) == 402
    assert [k for k in loaded.state_dict()] == [k for k in m.state_dict()]
    for k, v in m.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v), k
    with torch.no_grad():
        assert _outputs_equal(loaded(x), out)
    # pathlib path, open file object and in-memory dict / bare state dict work too
    assert models.load_model(path, arch="dla_34").load_report.ok
    with open(path, "rb") as f:
        assert models.load_model(f).load_report.ok
    assert models.load_model(ckpt).load_report.epoch == 30
    bare = models.load_model(ckpt["state_dict"])
    assert bare.load_report.ok and bare.load_report.epoch is None


def test_save_checkpoint_official_layout(tmp_path, trained_model):
    m, x, out = trained_model
    opt = torch.optim.Adam(m.parameters(), lr=1e-4)
    path = tmp_path / "model_last.pth"
    models.save_checkpoint(path, nn.DataParallel(m), epoch=7, optimizer=opt)
    raw = torch.load(path, weights_only=True)
    assert set(raw) == {"epoch", "state_dict", "optimizer"} and raw["epoch"] == 7
    assert list(raw["state_dict"]) == list(m.state_dict())  # unwrapped: no 'module.' prefix
    assert "param_groups" in raw["optimizer"]
    models.save_checkpoint(tmp_path / "plain.pth", m, epoch=3)
    assert set(torch.load(tmp_path / "plain.pth", weights_only=True)) == {"epoch", "state_dict"}
    loaded = models.load_model(path)
    assert loaded.load_report.epoch == 7
    with torch.no_grad():
        assert _outputs_equal(loaded(x), out)
    assert not [p for p in os.listdir(tmp_path) if ".tmp" in p]


def test_head_layout_inferred_from_checkpoint(tmp_path):
    torch.manual_seed(0)
    old = models.build_model(heads={"hm": 1, "wh": 2, "id": 64, "reg": 2}, head_conv=128)
    path = tmp_path / "old.pth"
    torch.save({"epoch": 1, "state_dict": old.state_dict()}, path)
    loaded = models.load_model(path)
    assert loaded.load_report.ok
    assert dict(loaded.heads) == {"hm": 1, "wh": 2, "id": 64, "reg": 2}
    assert loaded.state_dict()["wh.2.weight"].shape == (2, 128, 1, 1)
    assert loaded.state_dict()["id.2.weight"].shape == (64, 128, 1, 1)
    with torch.no_grad():
        out = loaded(torch.rand(1, 3, 32, 32))
    assert out["wh"].shape[1] == 2 and out["id"].shape[1] == 64
    # without the reg head (not_reg_offset) and with 2 classes
    sd = {k: v for k, v in old.state_dict().items() if not k.startswith("reg.")}
    sd["hm.2.weight"] = torch.zeros(2, 128, 1, 1)
    sd["hm.2.bias"] = torch.zeros(2)
    m2 = models.load_model(sd)
    assert list(m2.heads) == ["hm", "wh", "id"] and m2.heads["hm"] == 2


def test_strict_mismatch_lists_keys(tmp_path):
    torch.manual_seed(0)
    m = models.build_model(heads={"hm": 1, "wh": 2, "id": 64, "reg": 2})
    sd = dict(m.state_dict())
    del sd["dla_up.ida_1.up_2.weight"]
    sd["base.level9.weight"] = torch.zeros(3)
    sd["dla_up.ida_0.node_1.conv.bias"] = torch.zeros(7)
    path = tmp_path / "broken.pth"
    torch.save({"epoch": 2, "state_dict": sd}, path)
    with pytest.raises(ValueError) as ei:
        models.load_model(path)
    msg = str(ei.value)
    assert str(path) in msg
    assert "missing" in msg and "dla_up.ida_1.up_2.weight" in msg
    assert "unexpected" in msg and "base.level9.weight" in msg
    assert "dla_up.ida_0.node_1.conv.bias" in msg and "[7]" in msg and "[256]" in msg
    # explicit heads that disagree with the file: the head shapes are reported
    good = tmp_path / "good.pth"
    torch.save({"epoch": 2, "state_dict": m.state_dict()}, good)
    with pytest.raises(ValueError, match=r"id\.2\.weight"):
        models.load_model(good, heads={"hm": 1, "wh": 4, "id": 128, "reg": 2})


def test_non_strict_reports_skips(tmp_path, caplog):
    torch.manual_seed(0)
    src = _randomize(models.build_model(heads={"hm": 1, "wh": 2, "id": 64, "reg": 2}), seed=5)
    sd = dict(src.state_dict())
    del sd["ida_up.up_1.weight"]
    sd["extra.thing"] = torch.zeros(1)
    path = tmp_path / "partial.pth"
    torch.save({"epoch": 4, "state_dict": sd}, path)
    with caplog.at_level(logging.WARNING, logger="fairmot.models.checkpoint"):
        m = models.load_model(path, heads={"hm": 1, "wh": 4, "id": 128, "reg": 2}, strict=False)
    rep = m.load_report
    assert not rep.ok
    assert rep.missing == ["ida_up.up_1.weight"]
    assert rep.unexpected == ["extra.thing"]
    assert sorted(k for k, _, _ in rep.mismatched) == ["id.2.bias", "id.2.weight", "wh.2.bias", "wh.2.weight"]
    assert ("wh.2.weight", (2, 256, 1, 1), (4, 256, 1, 1)) in rep.mismatched
    assert set(rep.skipped) == {"ida_up.up_1.weight", "extra.thing", "id.2.bias", "id.2.weight", "wh.2.bias",
                                "wh.2.weight"}
    assert len(rep.loaded) == 402 - 5
    msd = m.state_dict()
    assert torch.equal(msd["base.level5.root.conv.weight"], sd["base.level5.root.conv.weight"])
    assert torch.equal(msd["id.0.weight"], sd["id.0.weight"])
    assert torch.allclose(msd["ida_up.up_1.weight"][0, 0], torch.outer(*[torch.tensor([.25, .75, .75, .25])] * 2))
    assert msd["wh.2.weight"].shape == (4, 256, 1, 1)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "ida_up.up_1.weight" in logged and "extra.thing" in logged and "wh.2.weight" in logged


def test_missing_batchnorm_counters_tolerated():
    torch.manual_seed(0)
    m = models.build_model()
    sd = {k: v for k, v in m.state_dict().items() if not k.endswith("num_batches_tracked")}
    loaded = models.load_model(sd)
    assert loaded.load_report.ok and len(loaded.load_report.defaulted) == 55


def test_module_list_prefix_not_stripped():
    torch.manual_seed(0)
    sd = dict(models.build_model().state_dict())
    sd["module_list.0.weight"] = torch.zeros(1)
    with pytest.raises(ValueError, match="module_list.0.weight"):
        models.load_model(sd)


@pytest.mark.parametrize("kind", ["random", "truncated", "empty", "text", "list", "tensor", "nested"])
def test_bad_files_raise_value_error_naming_file(tmp_path, kind):
    path = tmp_path / f"bad_{kind}.pth"
    if kind == "random":
        path.write_bytes(os.urandom(4096))
    elif kind == "truncated":
        buf = io.BytesIO()
        torch.save({"epoch": 1, "state_dict": {"hm.2.weight": torch.zeros(1, 256, 1, 1)} |
                    {f"base.x{i}": torch.randn(64, 64) for i in range(8)}}, buf)
        data = buf.getvalue()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("not a checkpoint\n")
    elif kind == "list":
        torch.save([torch.zeros(3)], path)
    elif kind == "tensor":
        torch.save(torch.zeros(3), path)
    elif kind == "nested":
        torch.save({"epoch": 1, "state_dict": {"hm.2.weight": "oops"}}, path)
    with pytest.raises(ValueError) as ei:
        models.load_model(path)
    assert str(path) in str(ei.value)


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        models.load_model("/nonexistent/dir/fairmot_dla34.pth")


class _Payload:
    """An arbitrary Python object: safe loading must refuse it without running anything."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_weights_only_refuses_arbitrary_objects(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    torch.save({"epoch": 1, "state_dict": {"hm.2.bias": torch.zeros(1)}, "extra": _Payload(str(marker))}, path)
    if marker.exists():  # torch.save does not unpickle, but be explicit
        marker.unlink()
    with pytest.raises(ValueError) as ei:
        models.load_model(path)
    assert str(path) in str(ei.value) and "weights_only" in str(ei.value)
    assert not marker.exists()
    # a plain pickle of a non-tensor object is refused the same way
    plain = tmp_path / "plain.pkl"
    with open(plain, "wb") as f:
        pickle.dump({"state_dict": _Payload(str(marker))}, f, protocol=2)
    with pytest.raises(ValueError, match="plain.pkl") as ei:
        models.load_model(plain)
    assert "weights_only" in str(ei.value)
    assert not marker.exists()


def test_load_model_reexported():
    from fairmot.models import checkpoint

    assert models.load_model is checkpoint.load_model
    assert models.save_checkpoint is checkpoint.save_checkpoint


# ----------------------------------------------------------------------------- files that are no checkpoints

def _legacy_bytes() -> bytes:
    buf = io.BytesIO()
    torch.save({"epoch": 1, "state_dict": {"hm.2.weight": torch.zeros(1, 256, 1, 1)}}, buf,
               _use_new_zipfile_serialization=False)
    return buf.getvalue()


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    torch.save({"epoch": 1, "state_dict": {f"base.x{i}": torch.randn(64, 64) for i in range(8)}}, buf)
    return buf.getvalue()


@pytest.mark.parametrize("kind,content,reason", [
    ("random", lambda: bytes(range(45, 256)) * 20, "unrecognised content"),
    ("truncated", lambda: _zip_bytes()[: len(_zip_bytes()) // 2], "truncated zip archive"),
    ("truncated_legacy", lambda: _legacy_bytes()[:-40], "pickle stream that is truncated or damaged"),
    ("empty", lambda: b"", "the file is empty"),
    ("text", lambda: b"model weights go here\n", "a text file starting 'model weights go here'"),
    ("html", lambda: b"<!DOCTYPE html>\n<html><body>quota exceeded</body></html>\n", "HTML page"),
    ("lfs", lambda: b"version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 1\n", "Git LFS pointer"),
])
def test_files_that_are_no_checkpoints_say_so_plainly(tmp_path, kind, content, reason):
    path = tmp_path / f"{kind}.pth"
    path.write_bytes(content())
    with pytest.raises(ValueError) as ei:
        models.load_model(path)
    message = str(ei.value)
    assert message.startswith(f"{path} is not a PyTorch checkpoint (") and message.endswith(")")
    assert reason in message
    assert "operand" not in message and "Unpickl" not in message and "\n" not in message
    with pytest.raises(ValueError, match=r"is not a PyTorch checkpoint \("):  # a file object too
        models.load_model(io.BytesIO(content()))


# ----------------------------------------------------------------------------- explicit arch vs the file

def test_explicit_arch_contradicting_the_recorded_arch_is_an_error_naming_both():
    from fairmot.weights import default_weights

    with pytest.raises(ValueError) as ei:
        models.load_model(default_weights(), arch="dla34")  # the built-in model is a dla34_tiny
    message = str(ei.value)
    assert "'dla34'" in message and "dla34_tiny" in message and "recorded" in message
    assert models.load_model(default_weights(), arch="dla34-tiny").load_report.ok  # an alias of the same


@pytest.mark.parametrize("file_arch,given", [("dla34_tiny", "dla34"), ("dla34", "dla34_tiny"),
                                             ("dla34_tiny", "resdcn_18"), ("resdcn_18", "dla34")])
def test_explicit_arch_contradicting_the_checkpoint_keys_is_an_error_naming_both(tmp_path, file_arch, given):
    torch.manual_seed(0)
    path = tmp_path / "bare.pth"
    torch.save(models.build_model(file_arch).state_dict(), path)  # no meta: recognised from the keys
    with pytest.raises(ValueError) as ei:
        models.load_model(path, arch=given)
    message = str(ei.value)
    assert str(path) in message and f"'{given}'" in message and file_arch in message
    assert "recognised from its keys" in message
    assert models.load_model(path, arch=file_arch).load_report.ok
    assert models.load_model(path).load_report.ok


def test_dla_checkpoint_of_other_widths_loads_under_any_dla_name():
    torch.manual_seed(0)
    sd = models.build_model("dla34", channels=(8, 16, 16, 32, 64, 96)).state_dict()
    for arch in ("dla34", "dla34_tiny", None):
        assert models.load_model(sd, arch=arch).load_report.ok
