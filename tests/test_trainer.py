"""The trainer (docs/official_behaviour.md §5.5) on a tiny synthetic dataset: checkpoints, log, lr
schedule, resume, fine-tuning loader, determinism, overfitting one batch, the ``fairmot train``
command and DDP."""
from __future__ import annotations

import json
import logging
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import fairmot  # noqa: E402
from fairmot.cli import main  # noqa: E402
from fairmot.data.jde import JDEDataset  # noqa: E402
from fairmot.data.synthetic import SceneConfig, write_dataset  # noqa: E402
from fairmot.models import build_model  # noqa: E402
from fairmot.train.losses import MotLoss  # noqa: E402
from fairmot.train.trainer import ModelWithLoss, TrainConfig, load_matching, lr_at_epoch, train  # noqa: E402

SCENE = SceneConfig(width=160, height=96, n_frames=8, n_people=4, min_height=30, max_height=80)
LOSS_KEYS = ("loss", "hm_loss", "wh_loss", "off_loss", "id_loss")


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("data"), n_sequences=2, config=SCENE, seed=0)


def _cfg(data: Path, out: Path, **kw) -> TrainConfig:
    base = dict(data=str(data), output_dir=str(out), arch="dla34_tiny", img_size=(64, 64), head_conv=16,
                reid_dim=16, epochs=2, batch_size=2, num_workers=0, max_iters=2, threads=1, lr_step=(1,),
                device="cpu")
    base.update(kw)
    return TrainConfig(**base)


def _ckpt(path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)


def _assert_same_tensors(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


@pytest.fixture(scope="module")
def base_run(data, tmp_path_factory):
    """2 epochs at 128x64, lr step after epoch 1; records the on_epoch_end calls."""
    out = tmp_path_factory.mktemp("base")
    calls = []
    last = train(_cfg(data, out, img_size=(128, 64)), progress=False,
                 on_epoch_end=lambda e, m: calls.append((e, dict(m))))
    return out, last, calls


@pytest.fixture(scope="module")
def straight_run(data, tmp_path_factory) -> Path:
    """An uninterrupted 2-epoch run at 64x64 (reference for determinism and resume)."""
    return train(_cfg(data, tmp_path_factory.mktemp("straight")), progress=False)


# ----------------------------------------------------------------------------------------- outputs

def test_train_writes_last_and_lr_step_checkpoints_and_log(base_run):
    out, last, _ = base_run
    assert last == out / "model_last.pth"
    assert sorted(p.name for p in out.iterdir()) == ["log.txt", "model_1.pth", "model_last.pth"]
    assert _ckpt(out / "model_1.pth")["epoch"] == 1
    assert _ckpt(last)["epoch"] == 2


def test_checkpoint_loads_with_load_model_and_no_arguments(base_run):
    _, last, _ = base_run
    model = fairmot.load_model(str(last))
    assert model.load_report.ok
    assert model.load_report.epoch == 2
    assert model.load_report.heads == {"hm": 1, "wh": 4, "id": 16, "reg": 2}
    assert model.load_report.head_conv == 16
    meta = model.checkpoint_meta
    assert meta["arch"] == "dla34_tiny"
    assert list(meta["img_size"]) == [128, 64]
    assert meta["nID"] == JDEDataset.from_config(meta["train"]["data"], img_size=(128, 64), augment=False).nID
    _assert_same_tensors(model.state_dict(), _ckpt(last)["state_dict"])
    with torch.no_grad():
        outputs = model(torch.zeros(1, 3, 64, 128))
    assert outputs["hm"].shape == (1, 1, 16, 32)
    assert outputs["id"].shape == (1, 16, 16, 32)


def test_checkpoint_holds_optimizer_with_loss_group_and_loss_state(base_run):
    _, last, _ = base_run
    obj = _ckpt(last)
    groups = obj["optimizer"]["param_groups"]
    assert len(groups) == 2  # network, then classifier + s_det + s_id
    assert len(groups[1]["params"]) == 4
    assert groups[0]["lr"] == groups[1]["lr"] == pytest.approx(1e-5)
    assert set(obj["loss_state"]) == {"s_det", "s_id", "classifier.weight", "classifier.bias"}
    # trained: the uncertainty scalars moved away from their initial values
    assert obj["loss_state"]["s_det"].item() != pytest.approx(-1.85, abs=1e-7)


def test_log_has_one_json_line_per_epoch_with_finite_losses_and_lr_schedule(base_run):
    out, _, calls = base_run
    lines = (out / "log.txt").read_text().splitlines()
    assert len(lines) == 2
    rows = [json.loads(line) for line in lines]
    assert [r["epoch"] for r in rows] == [1, 2]
    assert rows[0]["lr"] == pytest.approx(1e-4)
    assert rows[1]["lr"] == pytest.approx(0.1 * 1e-4)
    for r in rows:
        assert r["iterations"] == 2
        for k in LOSS_KEYS:
            assert math.isfinite(r[k]), k
        assert r["hm_loss"] > 0 and r["id_loss"] > 0
    # on_epoch_end saw the same numbers
    assert [e for e, _ in calls] == [1, 2]
    assert calls[1][1]["loss"] == pytest.approx(rows[1]["loss"])


def test_lr_at_epoch_drops_tenfold_after_each_listed_epoch():
    assert lr_at_epoch(1e-4, 1, (20,)) == pytest.approx(1e-4)
    assert lr_at_epoch(1e-4, 20, (20,)) == pytest.approx(1e-4)
    assert lr_at_epoch(1e-4, 21, (20,)) == pytest.approx(1e-5)
    assert lr_at_epoch(1e-4, 30, (20,)) == pytest.approx(1e-5)
    assert lr_at_epoch(5e-4, 16, (15, 25)) == pytest.approx(5e-5)
    assert lr_at_epoch(5e-4, 26, (15, 25)) == pytest.approx(5e-6)
    assert lr_at_epoch(1e-3, 7, ()) == pytest.approx(1e-3)


def test_train_config_validation_errors(data, tmp_path):
    with pytest.raises(ValueError, match="multiples of 32"):
        _cfg(data, tmp_path, img_size=(100, 64)).validate()
    with pytest.raises(ValueError):
        _cfg(data, tmp_path, epochs=0).validate()
    with pytest.raises(ValueError):
        _cfg(data, tmp_path, lr=0.0).validate()
    with pytest.raises(ValueError):
        _cfg(data, tmp_path, max_iters=0).validate()
    with pytest.raises(FileNotFoundError):
        _cfg(tmp_path / "nope.json", tmp_path).validate()
    with pytest.raises(ValueError, match="fewer than one batch"):
        train(_cfg(data, tmp_path, batch_size=64), progress=False)


# ----------------------------------------------------------------------------------------- determinism, resume

def test_same_seed_gives_identical_weights(data, straight_run, tmp_path):
    again = train(_cfg(data, tmp_path), progress=False)
    a, b = _ckpt(straight_run), _ckpt(again)
    _assert_same_tensors(a["state_dict"], b["state_dict"])
    _assert_same_tensors(a["loss_state"], b["loss_state"])


def test_resume_runs_only_remaining_epochs_and_matches_uninterrupted_run(data, straight_run, tmp_path):
    train(_cfg(data, tmp_path, epochs=1), progress=False)
    assert _ckpt(tmp_path / "model_last.pth")["epoch"] == 1
    seen = []
    last = train(_cfg(data, tmp_path, epochs=2, resume=True), progress=False,
                 on_epoch_end=lambda e, m: seen.append(e))
    assert seen == [2]
    rows = [json.loads(line) for line in (tmp_path / "log.txt").read_text().splitlines()]
    assert [r["epoch"] for r in rows] == [1, 2]
    resumed, straight = _ckpt(last), _ckpt(straight_run)
    assert resumed["epoch"] == 2
    # model, loss parameters and Adam state restored: identical to training both epochs at once
    _assert_same_tensors(resumed["state_dict"], straight["state_dict"])
    _assert_same_tensors(resumed["loss_state"], straight["loss_state"])
    for pid, state in straight["optimizer"]["state"].items():
        for k, v in state.items():
            assert torch.equal(resumed["optimizer"]["state"][pid][k], v), (pid, k)
    # nothing left to do: resuming a finished run trains no epoch
    seen.clear()
    train(_cfg(data, tmp_path, epochs=2, resume=True), progress=False, on_epoch_end=lambda e, m: seen.append(e))
    assert seen == []


def test_resume_without_checkpoint_raises(data, tmp_path):
    with pytest.raises(FileNotFoundError, match="model_last.pth"):
        train(_cfg(data, tmp_path / "empty", resume=True), progress=False)


# ----------------------------------------------------------------------------------------- load_matching

def test_load_matching_loads_fitting_tensors_and_reports_skipped(straight_run):
    sd = _ckpt(straight_run)["state_dict"]
    torch.manual_seed(123)
    model = build_model("dla34_tiny", heads={"hm": 1, "wh": 4, "id": 8, "reg": 2}, head_conv=16)
    init_id = model.state_dict()["id.2.weight"].clone()
    loaded, skipped = load_matching(model, straight_run)
    assert skipped == ["id.2.bias", "id.2.weight"]  # each shape mismatch listed once
    own = model.state_dict()
    assert loaded == len(own) - 2
    for k, v in own.items():
        if k in skipped:
            continue
        assert torch.equal(v, sd[k]), k
    assert torch.equal(own["id.2.weight"], init_id)  # left at its initial value


def test_load_matching_reports_heads_missing_from_file_and_extra_file_entries(straight_run, tmp_path):
    sd = dict(_ckpt(straight_run)["state_dict"])
    sd["extra.weight"] = torch.zeros(3)
    del sd["reg.2.bias"]
    path = tmp_path / "edited.pth"
    torch.save({"epoch": 1, "state_dict": sd}, path)
    model = build_model("dla34_tiny", heads={"hm": 1, "wh": 4, "id": 16, "reg": 2}, head_conv=16)
    loaded, skipped = load_matching(model, path)
    assert skipped == ["extra.weight", "reg.2.bias"]
    assert loaded == len(model.state_dict()) - 1


def test_load_matching_rejects_checkpoint_with_nothing_usable(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"epoch": 0, "state_dict": {"foo.weight": torch.zeros(2, 2)}}, path)
    model = build_model("dla34_tiny", heads={"hm": 1, "wh": 4, "id": 8, "reg": 2}, head_conv=16)
    with pytest.raises(ValueError, match="no tensor"):
        load_matching(model, path)


# ----------------------------------------------------------------------------------------- overfit

def test_loss_decreases_when_overfitting_one_batch(data):
    dataset = JDEDataset.from_config(data, img_size=(64, 64), augment=False)
    batch = torch.utils.data.default_collate([dataset[0], dataset[9]])
    assert int(batch["reg_mask"].sum()) > 0
    torch.manual_seed(0)
    loss_fn = MotLoss(dataset.nID, emb_dim=16)
    module = ModelWithLoss(build_model("dla34_tiny", heads={"hm": 1, "wh": 4, "id": 16, "reg": 2}, head_conv=16),
                           loss_fn)
    opt = torch.optim.Adam(module.model.parameters(), 2e-3)
    opt.add_param_group({"params": loss_fn.parameters()})
    module.train()

    def terms(stats):  # the weighted task losses, independent of s_det / s_id
        return (float(stats["hm_loss"]) + 0.1 * float(stats["wh_loss"]) + float(stats["off_loss"]),
                float(stats["id_loss"]))

    history = []
    for _ in range(20):
        loss, stats = module(batch)
        assert torch.isfinite(loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append((float(loss.detach()), *terms(stats)))
    first, last = history[0], np.mean(history[-2:], axis=0)
    assert last[0] < first[0] - 1.0  # the uncertainty-weighted loss
    assert last[1] < 0.6 * first[1]  # detection
    assert last[2] < 0.75 * first[2]  # identity


# ----------------------------------------------------------------------------------------- command line

def _train_args(data, out, *extra) -> list[str]:
    return ["train", "--data", str(data), "--arch", "dla34_tiny", "--output", str(out), "--img-size", "64x64",
            "--epochs", "1", "--batch-size", "2", "--num-workers", "0", "--max-iters", "1", "--head-conv", "16",
            "--threads", "1", "--device", "cpu", "-q", *extra]


def test_cli_train_fine_tunes_from_checkpoint_and_exits_0(data, straight_run, tmp_path, capsys, caplog):
    caplog.set_level(logging.INFO, logger="fairmot")
    out = tmp_path / "cli"
    rc = main(_train_args(data, out, "--reid-dim", "8", "--load-model", str(straight_run), "--lr-step", "1"))
    assert rc == 0
    assert "checkpoint" in capsys.readouterr().out
    assert (out / "model_last.pth").is_file() and (out / "model_1.pth").is_file()
    records = [r for r in caplog.records if "initialised from" in r.getMessage()]
    assert len(records) == 1 and records[0].levelno == logging.WARNING  # --reid-dim 8: the id head differs
    assert "2 skipped" in records[0].getMessage()
    assert "id.2.bias: checkpoint [16] vs model [8]" in records[0].getMessage()
    assert "id.2.weight: checkpoint [16, 16, 1, 1] vs model [8, 16, 1, 1]" in records[0].getMessage()
    model = fairmot.load_model(str(out / "model_last.pth"))
    assert model.load_report.heads["id"] == 8
    assert model.checkpoint_meta["train"]["load_model"] == str(straight_run)


def test_cli_train_missing_data_file_exits_1_with_one_line(tmp_path, capsys):
    rc = main(_train_args(tmp_path / "missing.json", tmp_path / "out", "--reid-dim", "16"))
    assert rc == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("fairmot: error:") and "missing.json" in err[0]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("bad", [["--img-size", "100x64"], ["--lr-step", "0"], ["--lr-step", "a,b"]])
def test_cli_train_rejects_bad_options(data, tmp_path, bad):
    with pytest.raises(SystemExit) as exc:
        main(_train_args(data, tmp_path / "out", *bad))
    assert exc.value.code == 2


# ----------------------------------------------------------------------------------------- DDP

def test_two_process_ddp_gloo_run_writes_loadable_checkpoint(data, tmp_path):
    out = tmp_path / "ddp"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "fairmot",
           *_train_args(data, out, "--reid-dim", "16")]
    cmd[cmd.index("--batch-size") + 1] = "4"  # global batch, 2 per process
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in (out / "log.txt").read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["epoch"] == 1  # only rank 0 logs
    assert all(math.isfinite(rows[0][k]) for k in LOSS_KEYS)
    model = fairmot.load_model(str(out / "model_last.pth"))
    assert model.load_report.ok and model.checkpoint_meta["arch"] == "dla34_tiny"
    assert list(model.checkpoint_meta["img_size"]) == [64, 64]


def _ddp_batch(n_images: int = 4, objects: int = 3, size: tuple[int, int] = (64, 64)) -> dict[str, torch.Tensor]:
    """Random images with the same number of objects each (so per-process loss normalisers are
    exactly half the global ones, and the mean of the local losses equals the global loss)."""
    from fairmot.data.targets import build_targets

    g = np.random.default_rng(0)
    w, h = size
    items = []
    for i in range(n_images):
        labels = []
        for j in range(objects):  # well separated centres: one positive pixel per object
            cx = (j + 0.5) / objects
            labels.append([0, (i * objects + j) % 8, cx, g.uniform(0.3, 0.7), g.uniform(0.1, 0.25), g.uniform(0.2, 0.4)])
        t = build_targets(np.array(labels, np.float32), w // 4, h // 4, max_objs=8)
        t = {k: torch.from_numpy(v) for k, v in t.items()}
        t["input"] = torch.from_numpy(g.random((3, h, w), dtype=np.float32))
        items.append(t)
    return {k: torch.stack([it[k] for it in items]) for k in items[0]}


def test_two_process_ddp_step_gradients_equal_single_process_step_on_the_global_batch(tmp_path):
    from fairmot.models import build_model
    from fairmot.train.losses import MotLoss
    from fairmot.train.trainer import ModelWithLoss

    batch = _ddp_batch()
    torch.save(batch, tmp_path / "batch.pt")
    script = Path(__file__).with_name("ddp_grad_step.py")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(script),
           str(tmp_path)]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ddp_grads = torch.load(tmp_path / "ddp_grads.pt", weights_only=True)

    torch.manual_seed(0)
    model = build_model("dla34_tiny", heads={"hm": 1, "wh": 4, "id": 16, "reg": 2}, head_conv=16)
    module = ModelWithLoss(model, MotLoss(nID=9, emb_dim=16))
    sys.path.insert(0, str(script.parent))
    try:
        from ddp_grad_step import freeze_batchnorm
    finally:
        sys.path.remove(str(script.parent))
    freeze_batchnorm(module)
    loss, _ = module(batch)
    loss.backward()
    ref = {name: p.grad for name, p in module.named_parameters() if p.grad is not None}
    assert set(ddp_grads) == set(ref)
    assert {"loss.classifier.weight", "loss.s_det", "loss.s_id"} <= set(ref)
    for name, g in ref.items():
        scale = float(g.abs().max()) + 1e-12
        diff = float((ddp_grads[name] - g).abs().max())
        assert diff <= 1e-4 * scale + 1e-7, f"{name}: max |ddp - single| {diff:.3g}, max |grad| {scale:.3g}"


# ----------------------------------------------------------------------------------------- layout from --load-model

def _skip_warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING and "skipped" in r.getMessage()]


def test_fine_tuning_takes_the_head_layout_from_the_checkpoint(data, straight_run, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="fairmot")
    cfg = _cfg(data, tmp_path / "ft", arch=None, head_conv=None, reid_dim=None, epochs=1, max_iters=1,
               load_model=str(straight_run))
    last = train(cfg, progress=False)
    assert not _skip_warnings(caplog)
    assert any(re.search(r"initialised from .*: all \d+ tensors loaded", r.getMessage()) for r in caplog.records)
    layout = [r.getMessage() for r in caplog.records if r.getMessage().startswith("network layout from")]
    assert layout == [f"network layout from {straight_run}: arch dla34_tiny, head_conv 16, reid_dim 16, "
                      f"box head ltrb (4 channels)"]
    model = fairmot.load_model(str(last))
    assert model.load_report.head_conv == 16 and model.load_report.heads == {"hm": 1, "wh": 4, "id": 16, "reg": 2}
    assert model.checkpoint_meta["arch"] == "dla34_tiny" and model.checkpoint_meta["train"]["reid_dim"] == 16


def test_cli_fine_tuning_from_the_builtin_model_loads_every_tensor(data, tmp_path, caplog, capsys):
    from fairmot.weights import default_weights

    saved = tmp_path / "builtin_copy.pth"  # weights only, no meta: the layout is recognised from the keys
    torch.save({"epoch": 2, "state_dict": _ckpt(default_weights())["state_dict"]}, saved)
    caplog.set_level(logging.INFO, logger="fairmot")
    out = tmp_path / "cli"
    rc = main(["train", "--data", str(data), "--output", str(out), "--img-size", "64x64", "--epochs", "1",
               "--batch-size", "2", "--num-workers", "0", "--max-iters", "1", "--threads", "1", "--device", "cpu",
               "-q", "--load-model", str(saved)])
    assert rc == 0, capsys.readouterr().err
    assert not _skip_warnings(caplog), [r.getMessage() for r in _skip_warnings(caplog)]
    model = fairmot.load_model(str(out / "model_last.pth"))
    assert model.checkpoint_meta["arch"] == "dla34_tiny"
    assert model.load_report.head_conv == 64 and model.load_report.heads["id"] == 64


def test_explicit_head_sizes_override_the_checkpoint_and_skipped_tensors_are_one_warning(data, straight_run,
                                                                                         tmp_path, caplog):
    sd = dict(_ckpt(straight_run)["state_dict"])
    sd["extra.weight"] = torch.zeros(3)
    del sd["reg.2.bias"]
    edited = tmp_path / "edited.pth"
    torch.save({"epoch": 1, "state_dict": sd}, edited)
    caplog.set_level(logging.INFO, logger="fairmot")
    cfg = _cfg(data, tmp_path / "ft", arch=None, head_conv=None, reid_dim=8, epochs=1, max_iters=1,
               load_model=str(edited))
    last = train(cfg, progress=False)
    warnings = _skip_warnings(caplog)
    assert len(warnings) == 1
    lines = warnings[0].getMessage().splitlines()
    assert f"initialised from {edited}: 399 tensors loaded, 4 skipped" in lines[0]
    assert [line.strip() for line in lines[1:]] == [
        "extra.weight: not in the model (checkpoint [3])",
        "id.2.bias: checkpoint [16] vs model [8]",
        "id.2.weight: checkpoint [16, 16, 1, 1] vs model [8, 16, 1, 1]",
        "reg.2.bias: not in the checkpoint (model [2])",
    ]
    assert fairmot.load_model(str(last)).load_report.heads["id"] == 8


def test_resume_takes_the_layout_from_model_last(data, straight_run, tmp_path):
    out = tmp_path / "resumed"
    out.mkdir()
    (out / "model_last.pth").write_bytes(Path(straight_run).read_bytes())
    cfg = _cfg(data, out, arch=None, head_conv=None, reid_dim=None, epochs=3, max_iters=1, resume=True)
    last = train(cfg, progress=False)
    assert _ckpt(last)["epoch"] == 3
    assert fairmot.load_model(str(last)).load_report.heads["id"] == 16
