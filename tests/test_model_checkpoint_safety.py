"""Crafted and damaged checkpoints (issue 13, item 4), each refused with a clear ``ValueError``
naming the file and what is wrong, before any network is built:

* tiny files whose shapes describe a huge network (zero strides, zero-size tensors, widths or
  heads beyond the architecture's bounds, more parameters than any FairMOT network);
* non-finite weights and integer / bool / complex weight tensors;
* pickles that would run code when loaded (refused saying so, never advising unsafe loading,
  and nothing runs).

Oracles: the files are written here by hand; "nothing was built" is observed by a spy on the
builder (every call must happen on the ``meta`` device) and "nothing ran" by a marker file.
"""
from __future__ import annotations

import io
import os
import pickle
import pickletools
import time
import traceback

import pytest
import torch

import fairmot.models as models
from fairmot.models import checkpoint

DLA_WIDTH_KEYS = ["base.level0.0.weight", "base.level1.0.weight", "base.level2.root.conv.weight",
                  "base.level3.tree2.root.conv.weight", "base.level4.tree2.root.conv.weight",
                  "base.level5.root.conv.weight"]


@pytest.fixture(scope="module")
def tiny_sd():
    torch.manual_seed(0)
    return {k: v.clone() for k, v in models.build_model("dla34_tiny").state_dict().items()}


@pytest.fixture
def build_spy(monkeypatch):
    """Records the device each build_model call of load_model allocates on."""
    devices: list[str] = []
    real = checkpoint.build_model

    def spy(*args, **kwargs):
        devices.append(torch.empty(0).device.type)
        return real(*args, **kwargs)

    monkeypatch.setattr(checkpoint, "build_model", spy)
    return devices


def _save(tmp_path, name, sd) -> str:
    path = tmp_path / name
    torch.save({"epoch": 1, "state_dict": sd}, path)
    return str(path)


# ------------------------------------------------------------------------- shapes before building

def _crafted(shape_of, head=lambda *shape: torch.zeros(shape)) -> dict:
    """A DLA-like state dict holding only the keys the widths are read from, plus a head."""
    sd = {k: shape_of(k) for k in DLA_WIDTH_KEYS}
    sd["hm.0.weight"] = head(256, 64, 3, 3)
    sd["hm.2.weight"] = head(1, 256, 1, 1)
    return sd


def test_2_7_kb_zero_stride_file_claiming_a_90_gb_network_is_refused_before_building(tmp_path, build_spy):
    # every width 60000 through stride-0 tensors: a few hundred bytes on disk, ~90 GB of network
    path = _save(tmp_path, "bomb.pth", _crafted(lambda k: torch.zeros(1).expand(60000, 60000, 1, 1),
                                                lambda *shape: torch.zeros(1).expand(*shape)))
    assert os.path.getsize(path) < 4096
    t0 = time.perf_counter()
    with pytest.raises(ValueError) as ei:
        models.load_model(path)
    assert time.perf_counter() - t0 < 5
    msg = str(ei.value)
    assert path in msg and "base.level0.0.weight" in msg and "[60000, 60000, 1, 1]" in msg and "stores only 1" in msg
    assert build_spy == []


def test_zero_size_tensors_cannot_set_widths(tmp_path, build_spy):
    path = _save(tmp_path, "empty.pth", _crafted(lambda k: torch.zeros(100000, 0, 1, 1)))
    with pytest.raises(ValueError, match=r"'base\.level0\.0\.weight' has no elements \(shape \[100000, 0, 1, 1\]\)"):
        models.load_model(path)
    assert build_spy == []


def test_widths_beyond_the_architecture_bounds_are_refused_before_building(tmp_path, build_spy):
    path = _save(tmp_path, "wide.pth", _crafted(lambda k: torch.zeros(5000, 1, 1, 1)))  # real tensors
    with pytest.raises(ValueError) as ei:
        models.load_model(path, strict=False)
    msg = str(ei.value)
    assert path in msg and "[5000, 5000, 5000, 5000, 5000, 5000]" in msg and "2048" in msg
    assert build_spy == []


@pytest.mark.parametrize("key,shape,match", [
    ("hm.2.weight", (9000, 256, 1, 1), r"head 'hm' has 9000 output channels"),
    ("hm.0.weight", (9000, 64, 3, 3), r"hidden width \(head_conv\) of 9000"),
])
def test_heads_beyond_bounds_are_refused_before_building(tmp_path, build_spy, key, shape, match):
    sd = _crafted(lambda k: torch.zeros(64, 1, 1, 1))
    sd[key] = torch.zeros(shape)
    with pytest.raises(ValueError, match=match):
        models.load_model(_save(tmp_path, "heads.pth", sd), strict=False)
    assert build_spy == []


def test_networks_beyond_the_parameter_limit_are_refused_before_building(tmp_path, build_spy):
    # widths and head_conv within their own bounds, but together ~2 G parameters
    sd = _crafted(lambda k: torch.zeros(2048, 1, 1, 1))
    sd["hm.0.weight"] = torch.zeros(4096, 1, 1, 1)
    sd["hm.2.weight"] = torch.zeros(1, 4096, 1, 1)
    with pytest.raises(ValueError, match=r"parameters \(more than the 1,000,000,000 supported"):
        models.load_model(_save(tmp_path, "big.pth", sd), strict=False)
    assert build_spy == ["meta"]


def test_strict_mismatch_is_found_on_the_meta_network(tmp_path, build_spy):
    path = _save(tmp_path, "partial.pth", _crafted(lambda k: torch.zeros(64, 1, 1, 1)))
    with pytest.raises(ValueError, match="does not match"):
        models.load_model(path)
    assert build_spy == ["meta"]


def test_a_good_checkpoint_builds_once_for_real_and_loads_bit_identically(tmp_path, build_spy, tiny_sd):
    loaded = models.load_model(_save(tmp_path, "good.pth", tiny_sd))
    assert build_spy == ["meta", "cpu"] and loaded.load_report.ok
    for k, v in tiny_sd.items():
        assert torch.equal(loaded.state_dict()[k], v), k


# ------------------------------------------------------------------------- weights' values and dtypes

@pytest.mark.parametrize("position", [0, 3, -1])
@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_non_finite_weights_are_refused_naming_the_tensor(tmp_path, tiny_sd, bad, position):
    sd = dict(tiny_sd)
    w = sd["id.2.weight"].clone()
    w.view(-1)[position] = float(bad)
    sd["id.2.weight"] = w
    path = _save(tmp_path, f"{bad}.pth", sd)
    with pytest.raises(ValueError) as ei:
        models.load_model(path)
    msg = str(ei.value)
    assert path in msg and "'id.2.weight'" in msg and "1 non-finite" in msg
    assert ("NaN" if bad == "nan" else "inf") in msg
    # a running statistic (a buffer) too, and in-memory state dicts
    sd = dict(tiny_sd)
    sd["base.level1.1.running_var"] = torch.full_like(sd["base.level1.1.running_var"], float("nan"))
    with pytest.raises(ValueError, match=r"'base\.level1\.1\.running_var' has \d+ non-finite"):
        models.load_model(sd)
    # half precision and a large tensor (vectorised reductions)
    sd = {k: (v.half() if v.is_floating_point() else v) for k, v in tiny_sd.items()}
    w = sd["base.level5.tree2.conv2.weight"].clone()
    assert w.numel() > 100_000
    w.view(-1)[position] = float(bad)
    sd["base.level5.tree2.conv2.weight"] = w
    with pytest.raises(ValueError, match=r"'base\.level5\.tree2\.conv2\.weight' has 1 non-finite"):
        models.load_model(sd)


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.uint8, torch.bool, torch.complex64])
def test_non_float_weight_tensors_are_refused_naming_the_tensor(tmp_path, tiny_sd, dtype):
    sd = dict(tiny_sd)
    sd["hm.2.weight"] = torch.ones(sd["hm.2.weight"].shape, dtype=dtype)
    path = _save(tmp_path, "int.pth", sd)
    with pytest.raises(ValueError) as ei:
        models.load_model(path)
    msg = str(ei.value)
    assert path in msg and "'hm.2.weight'" in msg and str(dtype) in msg and "floating point" in msg


def test_batchnorm_counters_must_be_int64_scalars_as_in_official_files(tmp_path, tiny_sd):
    key = next(k for k in tiny_sd if k.endswith("num_batches_tracked"))
    assert tiny_sd[key].dtype == torch.int64 and tiny_sd[key].dim() == 0
    for bad in (torch.tensor(3.0), torch.tensor(3, dtype=torch.int32), torch.tensor([3]), torch.tensor(-1)):
        sd = dict(tiny_sd)
        sd[key] = bad
        with pytest.raises(ValueError, match=key.replace(".", r"\.")):
            models.load_model(sd)


def test_float16_and_float64_weights_still_load(tiny_sd):
    for dtype in (torch.float16, torch.float64):
        sd = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in tiny_sd.items()}
        m = models.load_model(sd)
        assert m.load_report.ok and m.state_dict()["hm.2.bias"].dtype == torch.float32


# ------------------------------------------------------------------------- pickles that run code

class _RunsCode:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _stack_global_pickle(marker: str) -> bytes:
    """Protocol 4 pickle calling os.system through STACK_GLOBAL with memoized strings."""
    data = pickle.dumps({"state_dict": {"hm.2.bias": 0}, "x": _RunsCode(marker)}, protocol=4)
    ops = [op.name for op, _, _ in pickletools.genops(data)]
    assert "STACK_GLOBAL" in ops
    return data


@pytest.mark.parametrize("fmt", ["zip", "legacy", "pickle2", "pickle4", "pickle5", "top_level", "file_object"])
def test_pickles_that_would_run_code_are_refused_saying_so(tmp_path, fmt):
    marker = tmp_path / "ran"
    path = tmp_path / f"evil_{fmt}.pth"
    evil = _RunsCode(str(marker))
    if fmt == "zip":
        torch.save({"epoch": 1, "state_dict": {"hm.2.bias": torch.zeros(1)}, "extra": evil}, path)
    elif fmt == "legacy":
        torch.save({"epoch": 1, "state_dict": {"hm.2.bias": torch.zeros(1)}, "extra": evil}, path,
                   _use_new_zipfile_serialization=False)
    elif fmt in ("pickle2", "pickle5"):
        path.write_bytes(pickle.dumps({"state_dict": {"a": evil}}, protocol=int(fmt[-1])))
    elif fmt == "pickle4":
        path.write_bytes(_stack_global_pickle(str(marker)))
    elif fmt in ("top_level", "file_object"):
        path.write_bytes(pickle.dumps(evil, protocol=2))
    assert not marker.exists()
    with pytest.raises(ValueError) as ei:
        if fmt == "file_object":
            with open(path, "rb") as f:
                models.load_model(f)
        else:
            models.load_model(path)
    msg = str(ei.value)
    assert str(path) in msg and "contains code that would run if it were loaded" in msg
    assert "system" in msg
    full = "".join(traceback.format_exception(ei.value))
    for advice in ("will likely succeed", "weights_only` set to `False`", "corrupt", "truncated"):
        assert advice not in full, advice
    assert ei.value.__cause__ is None and ei.value.__suppress_context__
    assert not marker.exists()


def test_code_scan_reports_nothing_for_real_checkpoints(tmp_path, tiny_sd):
    from fairmot.models.checkpoint_checks import code_in_pickle

    path = _save(tmp_path, "ok.pth", tiny_sd)
    assert code_in_pickle(path) == []
    buf = io.BytesIO()
    torch.save({"epoch": 1, "state_dict": tiny_sd}, buf, _use_new_zipfile_serialization=False)
    buf.seek(0)
    assert code_in_pickle(buf) == []
