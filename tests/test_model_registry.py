"""The architecture registry: a toy architecture registered here, in this test file only, is built
and recognised by ``load_model`` without touching any other file; the built-in families are
registered from their own files; the built-in weights live in ``fairmot/assets/``."""
from __future__ import annotations

import warnings
from typing import Mapping

import pytest
import torch
from torch import Tensor, nn

import fairmot.models as models
from fairmot.models.heads import add_heads, check_heads


class ToyNet(nn.Module):
    """A 2-conv stride-4 body with the FairMOT heads; ``width`` is configurable."""

    def __init__(self, width: int, heads: Mapping[str, int] | None, head_conv: int) -> None:
        super().__init__()
        self.heads = check_heads(heads, head_conv)
        self.toy_body = nn.Sequential(nn.Conv2d(3, width, 3, 2, 1), nn.ReLU(), nn.Conv2d(width, width, 3, 2, 1))
        add_heads(self, self.heads, width, head_conv)

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        f = self.toy_body(x)
        return {n: getattr(self, n)(f) for n in self.heads}


def _toy_widths(sd: Mapping[str, Tensor]) -> tuple[int, ...] | None:
    t = sd.get("toy_body.0.weight")
    return (int(t.shape[0]),) if isinstance(t, Tensor) and t.dim() == 4 else None


def _toy_check(widths, source) -> None:
    if widths[0] > 64:
        raise ValueError(f"{source}: toy width {widths[0]} above 64")


TOY = models.Architecture(
    family="toy",
    names=("toynet", "toynet_wide"),
    build=lambda name, heads, head_conv, widths: ToyNet(
        widths[0] if widths else (8 if name == "toynet" else 32), heads, head_conv),
    body_prefixes=("toy_body.",),
    recognise=lambda sd: "toynet" if "toy_body.0.weight" in sd else None,
    identify=lambda sd: ({8: "toynet", 32: "toynet_wide"}.get(_toy_widths(sd)[0]), "recognised from its keys"),
    aliases={"toy": "toynet"},
    read_widths=_toy_widths,
    check_widths=_toy_check,
)


@pytest.fixture
def toy():
    models.register_architecture(TOY)
    try:
        yield TOY
    finally:
        models.unregister_architecture("toy")


def test_toy_architecture_registered_in_a_test_file_loads(toy, tmp_path):
    assert {"toynet", "toynet_wide"} <= set(models.available_archs())
    torch.manual_seed(0)
    src = models.build_model("toy", heads={"hm": 1, "wh": 4, "id": 16, "reg": 2}, head_conv=8).eval()
    assert isinstance(src, ToyNet)
    path = tmp_path / "toy.pth"
    torch.save({"epoch": 3, "state_dict": src.state_dict()}, path)
    assert models.infer_arch(src.state_dict()) == "toynet"
    loaded = models.load_model(path)  # recognised from its keys, heads and widths read from the file
    assert isinstance(loaded, ToyNet) and loaded.load_report.ok and loaded.load_report.epoch == 3
    assert loaded.load_report.heads == {"hm": 1, "wh": 4, "id": 16, "reg": 2} and loaded.load_report.head_conv == 8
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        a, b = src(x), loaded(x)
    assert all(torch.equal(a[k], b[k]) for k in a)
    # the exact name is checked against an explicit arch
    with pytest.raises(ValueError, match="toynet_wide.*toynet|toynet.*toynet_wide"):
        models.load_model(path, arch="toynet_wide")
    # widths come from the file and respect the family's bounds, checked before building
    wide = models.build_model("toynet", channels=(20,))
    assert models.load_model(wide.state_dict()).toy_body[0].out_channels == 20
    big = {k: v for k, v in models.build_model("toynet", channels=(65,)).state_dict().items()}
    with pytest.raises(ValueError, match="toy width 65 above 64"):
        models.load_model(big)


def test_unregistered_toy_is_unknown(tmp_path):
    with pytest.raises(ValueError, match="unknown arch"):
        models.build_model("toynet")
    assert models.infer_arch({"toy_body.0.weight": torch.zeros(8, 3, 3, 3)}) is None


def test_registry_rejects_clashing_names(toy):
    with pytest.raises(ValueError, match="already registered"):
        models.register_architecture(TOY)
    clash = models.Architecture(family="other", names=("dla34",), build=TOY.build, body_prefixes=("x.",))
    with pytest.raises(ValueError, match="'dla34'.*'dla'"):
        models.register_architecture(clash)
    with pytest.raises(TypeError):
        models.register_architecture("toy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="alias"):
        models.Architecture(family="bad", names=("a",), build=TOY.build, body_prefixes=(), aliases={"b": "c"})


def test_builtin_families_register_from_their_own_files():
    from fairmot.models import dla_seg, hrnet, resnet_dcn

    fams = {a.family: a for a in models.registered_architectures()}
    assert fams["dla"] is dla_seg.DLA_ARCHITECTURE and fams["hrnet"] is hrnet.HRNET_ARCHITECTURE
    assert fams["resnet_dcn"] is resnet_dcn.RESNET_DCN_ARCHITECTURE
    assert set(models.available_archs()) >= {"dla34", "dla34_tiny", "resdcn_18", "resdcn_152", "resfpndcn_34",
                                            "hrnet_18", "hrnet_32"}
    # checkpoint.py names no architecture's keys any more
    import inspect

    from fairmot.models import checkpoint

    code = inspect.getsource(checkpoint)
    for key in ("base.level", "deconv_layers", "transition1", "stage4", "layer1."):
        assert key not in code, key


def test_builtin_weights_live_in_assets_and_the_old_path_still_loads():
    import fairmot.weights as w

    assert w.BUILTIN_WEIGHTS.parent.name == "assets" and w.BUILTIN_WEIGHTS.is_file()
    assert w.default_weights() == str(w.BUILTIN_WEIGHTS)
    assert not w.LEGACY_BUILTIN_WEIGHTS.exists()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        m = models.load_model(str(w.LEGACY_BUILTIN_WEIGHTS))
    assert m.load_report.ok
    assert any(issubclass(r.category, DeprecationWarning) and "moved" in str(r.message) for r in rec)
    assert w.is_builtin(w.LEGACY_BUILTIN_WEIGHTS) and w.is_builtin(w.BUILTIN_WEIGHTS)
