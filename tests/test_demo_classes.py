"""The built-in multi-class model and ``fairmot demo --classes``: the shipped file, held-out seeds,
outputs (class column, per-class metrics) and per-class tracking quality on held-out scenes."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from fairmot import cli  # noqa: E402
from fairmot.demo import DEMO_SEED_BASE, demo_multiclass_config, run_demo  # noqa: E402
from fairmot.evaluation.multiclass import CLASS_AVERAGED, DETECTION_AVERAGED  # noqa: E402
from fairmot.train.builtin_classes import CLASSES, DATA  # noqa: E402
from fairmot.weights import BUILTIN_CLASSES_RECIPE, BUILTIN_CLASSES_WEIGHTS, is_builtin  # noqa: E402


def test_builtin_multiclass_weights_ship_small_and_name_their_classes():
    import fairmot

    assert BUILTIN_CLASSES_WEIGHTS.is_file() and BUILTIN_CLASSES_WEIGHTS.stat().st_size < 5e6
    model = fairmot.load_model(str(BUILTIN_CLASSES_WEIGHTS))
    meta = model.checkpoint_meta
    assert meta["recipe"] == BUILTIN_CLASSES_RECIPE and meta["arch"] == "dla34_tiny"
    assert model.class_names == list(CLASSES) and model.num_classes == 3
    assert is_builtin(meta=meta)
    out = model(torch.zeros(1, 3, 192, 320))
    assert tuple(out["hm"].shape[1:]) == (3, 48, 80)


def test_multiclass_demo_seeds_are_held_out():
    train_seeds = {int(np.random.SeedSequence([DATA["seed"], k]).generate_state(1)[0])
                   for k in range(DATA["n_sequences"])}
    assert not {DEMO_SEED_BASE + k for k in range(100)} & train_seeds
    cfg = demo_multiclass_config(0, 10)
    assert cfg.classes == CLASSES and cfg.n_frames == 10


def test_demo_classes_command_writes_class_column_and_per_class_metrics(tmp_path, capsys):
    out = tmp_path / "demo"
    assert cli.main(["demo", "--classes", "--frames", "20", "--output", str(out), "-q", "--no-video"]) == 0
    printed = capsys.readouterr().out
    assert "per class" in printed and "cls_comb_cls_av/COMBINED" in printed
    name = "SYN-DEMO-00"
    assert "classes=person,cyclist,car" in (out / "sequences" / name / "seqinfo.ini").read_text()
    lines = (out / "results" / f"{name}.txt").read_text().splitlines()
    assert lines, "the built-in multi-class model tracked nothing"
    cls = {int(line.split(",")[7]) for line in lines}
    assert cls <= {1, 2, 3} and len(cls) >= 2
    with open(out / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    keys = [(r["class"], r["sequence"]) for r in rows]
    assert keys[-2:] == [(CLASS_AVERAGED, "COMBINED"), (DETECTION_AVERAGED, "COMBINED")]
    assert {(c, name) for c in CLASSES} <= set(keys)


def test_demo_classes_without_shipped_weights_or_with_explicit_weights(tmp_path, monkeypatch):
    import fairmot.weights as w

    monkeypatch.setattr(w, "BUILTIN_CLASSES_WEIGHTS", Path(tmp_path / "missing.pth"))
    with pytest.raises(FileNotFoundError, match="builtin_classes"):
        run_demo(tmp_path / "d", frames=2, video=False, progress=False, classes=True)


def test_builtin_multiclass_model_on_held_out_sequences_per_class():
    """The RESULTS.md setting (2 x 200 frames, seed 1). Goal: every class >= 60 MOTA and 60 IDF1; met by
    cyclists and cars, not by people's MOTA (44 %: many missed people in one sequence; see RESULTS.md).
    The assertions pin what the shipped model reaches, with a small margin."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        m = run_demo(Path(tmp) / "q", frames=200, sequences=2, seed=1, video=False, progress=False, classes=True)
    for cls in ("cyclist", "car"):
        row = m.loc[(cls, "COMBINED")]
        assert row["MOTA"] >= 0.60 and row["IDF1"] >= 0.60, (cls, row[["MOTA", "IDF1", "HOTA"]])
    person = m.loc[("person", "COMBINED")]
    assert person["IDF1"] >= 0.60 and person["MOTA"] >= 0.40, person[["MOTA", "IDF1", "HOTA"]]
    assert m.loc[(CLASS_AVERAGED, "COMBINED"), "IDF1"] >= 0.65
