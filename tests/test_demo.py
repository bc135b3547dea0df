"""The built-in model and ``fairmot demo``: outputs, layout, and tracking quality on held-out scenes."""
from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np
import pytest

import cv2  # noqa: E402
torch = pytest.importorskip("torch")
import motmetrics  # noqa: E402,F401

from fairmot import cli  # noqa: E402
from fairmot.demo import DEMO_SEED_BASE, run_demo  # noqa: E402
from fairmot.weights import BUILTIN_WEIGHTS, default_weights  # noqa: E402


def test_builtin_weights_ship_with_the_package_and_are_small():
    path = Path(default_weights())
    assert path == BUILTIN_WEIGHTS and path.is_file()
    assert path.stat().st_size < 5e6  # "a few MB at most"


def test_builtin_checkpoint_records_its_architecture_input_size_and_recipe():
    import fairmot

    model = fairmot.load_model(default_weights())  # no arch given: read from the file
    meta = model.checkpoint_meta
    assert meta["arch"] == "dla34_tiny"
    assert tuple(meta["img_size"]) == (320, 192)
    assert "python -m fairmot.train.builtin" in meta["recipe"]
    assert model.load_report.ok
    out = model(torch.zeros(1, 3, 192, 320))
    assert {k: tuple(v.shape[1:]) for k, v in out.items()} == {
        "hm": (1, 48, 80), "wh": (4, 48, 80), "id": (64, 48, 80), "reg": (2, 48, 80)}


def test_demo_held_out_seeds_differ_from_the_training_seeds():
    from fairmot.train.builtin import DATA

    train_seeds = {int(np.random.SeedSequence([DATA["seed"], k]).generate_state(1)[0])
                   for k in range(DATA["n_sequences"])}
    assert not {DEMO_SEED_BASE + k for k in range(100)} & train_seeds


def test_demo_command_writes_video_results_and_metrics(tmp_path, capsys):
    out = tmp_path / "demo"
    rc = cli.main(["demo", "--frames", "30", "--output", str(out), "-q"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "protocol: motchallenge" in printed
    assert "MOTA" in printed and "IDF1" in printed and "COMBINED" in printed
    name = "SYN-DEMO-00"
    assert (out / "sequences" / name / "gt" / "gt.txt").is_file()
    assert len(list((out / "sequences" / name / "img1").glob("*.jpg"))) == 30
    results = (out / "results" / f"{name}.txt").read_text().splitlines()
    assert results, "the built-in model tracked nothing"
    frames = {int(line.split(",")[0]) for line in results}
    assert min(frames) >= 1 and max(frames) <= 30
    cap = cv2.VideoCapture(str(out / f"{name}.mp4"))
    assert cap.isOpened() and int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 30
    ok, frame = cap.read()
    assert ok and frame.shape == (360, 640, 3)
    cap.release()
    with open(out / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r[next(iter(r))] for r in rows] == [name, "COMBINED"]
    for col in ("MOTA", "IDF1", "HOTA", "IDSW", "CLR_Pr", "CLR_Re"):
        assert col in rows[0]
    assert 0.0 <= float(rows[-1]["CLR_Re"]) <= 1.0


def test_builtin_model_tracks_held_out_sequences_with_mota_and_idf1_above_70_percent(tmp_path):
    metrics = run_demo(tmp_path / "quality", frames=200, sequences=2, seed=1, video=False, progress=False)
    overall = metrics.loc["COMBINED"]  # the motchallenge protocol: every frame counts
    assert overall["MOTA"] >= 0.70, metrics[["MOTA", "IDF1", "IDSW", "CLR_FN", "CLR_FP"]]
    assert overall["IDF1"] >= 0.70, metrics[["MOTA", "IDF1", "IDSW"]]


def test_track_without_weights_uses_the_builtin_model_and_says_so(tmp_path, caplog):
    from fairmot.data.synthetic import SceneConfig, write_sequence

    seq = tmp_path / "seq"
    write_sequence(seq, SceneConfig(n_frames=5), seed=DEMO_SEED_BASE + 77)
    caplog.set_level(logging.INFO, logger="fairmot")
    rc = cli.main(["track", str(seq), "--output-txt", str(tmp_path / "out.txt"), "-q"])
    assert rc == 0
    assert "built-in model" in caplog.text
    assert (tmp_path / "out.txt").is_file()


# ----------------------------------------------------------------------------- the synthetic-only warning

def _builtin_warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING and "built-in model" in r.getMessage()]


def _assert_one_builtin_warning(caplog) -> None:
    warnings = _builtin_warnings(caplog)
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    message = warnings[0].getMessage()
    assert warnings[0].levelno == logging.WARNING and warnings[0].name == "fairmot.weights"
    assert "synthetic scenes only" in message and "few people" in message
    assert "--weights fairmot_dla34.pth" in message and 'Tracker("fairmot_dla34.pth")' in message
    assert 'README "Models"' in message
    assert not [r for r in caplog.records if r.levelno == logging.INFO and "built-in model" in r.getMessage()]


def test_tracker_without_weights_logs_one_warning_that_the_builtin_model_is_synthetic_only(caplog):
    import fairmot

    caplog.set_level(logging.INFO, logger="fairmot")
    fairmot.Tracker(device="cpu")
    _assert_one_builtin_warning(caplog)


def test_loading_the_builtin_checkpoint_logs_the_warning_and_other_checkpoints_do_not(tmp_path, caplog):
    import fairmot

    caplog.set_level(logging.INFO, logger="fairmot")
    model = fairmot.load_model(default_weights())
    _assert_one_builtin_warning(caplog)
    caplog.clear()
    fairmot.save_checkpoint(tmp_path / "other.pth", model, meta={"arch": "dla34_tiny"})
    fairmot.Tracker(str(tmp_path / "other.pth"), device="cpu")
    assert not _builtin_warnings(caplog)


def test_track_command_without_weights_logs_one_warning(tmp_path, caplog):
    from fairmot.data.synthetic import SceneConfig, write_sequence

    seq = tmp_path / "seq"
    write_sequence(seq, SceneConfig(width=320, height=192, n_frames=2), seed=DEMO_SEED_BASE + 78)
    caplog.set_level(logging.INFO, logger="fairmot")
    rc = cli.main(["track", str(seq), "--device", "cpu", "--output-txt", str(tmp_path / "out.txt"), "-q"])
    assert rc == 0
    _assert_one_builtin_warning(caplog)


def test_bench_command_without_weights_logs_one_warning(caplog, capsys):
    caplog.set_level(logging.INFO, logger="fairmot")
    rc = cli.main(["bench", "--device", "cpu", "--frames", "1", "--warmup", "0", "--frame-size", "320x192"])
    assert rc == 0 and "end to end" in capsys.readouterr().out
    _assert_one_builtin_warning(caplog)


def test_demo_does_not_warn_about_the_builtin_model(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="fairmot")
    run_demo(tmp_path / "demo", frames=2, video=False, progress=False)
    assert not _builtin_warnings(caplog)
    fairmot_warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("fairmot")]
    assert not fairmot_warnings, [r.getMessage() for r in fairmot_warnings]
