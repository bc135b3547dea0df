"""``fairmot tune``: the search over the association on cached detections (fairmot.tuning, cli/tune.py).

The sequences come from tests/tuning_data.py: people on straight lines, detected with scores from a
true band, false alarms from a lower band; ``score_scale`` shifts every score as a detector with a
different calibration would."""
from __future__ import annotations

import csv

import numpy as np
import pytest

pytest.importorskip("optuna")
pytest.importorskip("matplotlib")

from fairmot import cli  # noqa: E402
from fairmot.evaluation.motchallenge import evaluate  # noqa: E402
from fairmot.io.detections import DetectionCache  # noqa: E402
from fairmot.io.mot import format_mot_lines, write_mot_results  # noqa: E402
from fairmot.tracking.replay import replay  # noqa: E402
from fairmot.tuning import default_parameters, tune  # noqa: E402

from tuning_data import write_sequence  # noqa: E402

NAMES = ("SYN-01", "SYN-02", "SYN-03")


def _make(root, scale: float, names=NAMES, **kw):
    gt, det = root / "gt", root / "det"
    for k, name in enumerate(names):
        write_sequence(gt, det, name, seed=40 + k, score_scale=scale, **kw)
    return gt, det


@pytest.fixture(scope="module")
def shifted(tmp_path_factory):
    """Scores halved: true detections 0.275-0.475, false alarms 0.05-0.2; the official 0.4 misses most people."""
    return _make(tmp_path_factory.mktemp("shifted"), 0.5)


def test_tuning_recovers_a_threshold_for_shifted_scores(shifted, tmp_path):
    gt, det = shifted
    res = tune(det, gt, trials=40, metric="HOTA", seed=1, output=tmp_path)
    assert res.trials.index[0] == 0 and res.trials.iloc[0]["conf_thres"] == pytest.approx(0.4)
    assert res.default_params == default_parameters()
    # the official threshold keeps only the top of the true band (0.275-0.475); the tuned score a new track
    # needs (conf_thres, + 0.1 in byte mode) lets the whole true band start tracks
    start = res.best_params["conf_thres"] + (0.1 if res.best_params["association"] == "byte" else 0.0)
    assert start < 0.275
    assert res.best["HOTA"] > res.default["HOTA"] + 0.4
    assert not res.within_noise and "more than twice the standard error" in res.noise
    # the reported best is what a replay with those settings scores under fairmot eval's protocol
    results = tmp_path / "results"
    for name in NAMES:
        lines = [line for f, tr in enumerate(replay(DetectionCache(det / name), **res.best_params), start=1)
                 for line in format_mot_lines(f, tr)]
        write_mot_results(results / f"{name}.txt", lines)
    assert evaluate(gt, results).row()["HOTA"] == pytest.approx(res.best["HOTA"], abs=1e-12)
    # trials.csv: one row per trial with the parameters and metrics; the plot is a PNG
    with open(tmp_path / "trials.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 40 and {"conf_thres", "track_buffer", "association", "HOTA", "IDF1"} <= set(rows[0])
    assert max(float(r["HOTA"]) for r in rows) == pytest.approx(res.best["HOTA"])
    assert (tmp_path / "trials.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_same_seed_same_trials_and_parallel_equals_serial(shifted):
    gt, det = shifted
    a = tune(det, gt, trials=6, seed=3)
    b = tune(det, gt, trials=6, seed=3, jobs=2)
    cols = ["conf_thres", "track_buffer", "match_thres", "HOTA", "MOTA", "IDF1"]
    assert np.array_equal(a.trials[cols].to_numpy(dtype=float), b.trials[cols].to_numpy(dtype=float))


def test_noise_statement(tmp_path):
    from fairmot.tuning import _noise_statement

    gt, det = _make(tmp_path, 1.0, names=("SYN-05",))
    res = tune(det, gt, trials=3, seed=0)
    assert res.best["HOTA"] >= res.default["HOTA"]  # trial 0 is the defaults: never worse
    assert res.within_noise and "one sequence" in res.noise  # one sequence: no spread to compare with
    # per-sequence gains of +1, -1, +2 points: mean 0.67 < 2 SE (0.88) -> within the noise
    text, within = _noise_statement("HOTA", {"a": 0.51, "b": 0.49, "c": 0.52}, {"a": 0.5, "b": 0.5, "c": 0.5}, 0.0067)
    assert within and "within the noise" in text
    text, within = _noise_statement("HOTA", {"a": 0.55, "b": 0.56, "c": 0.55}, {"a": 0.5, "b": 0.5, "c": 0.5}, 0.053)
    assert not within


def test_cli_end_to_end(shifted, tmp_path, capsys):
    gt, det = shifted
    rc = cli.main(["tune", "--detections", str(det), "--gt", str(gt), "--trials", "8", "--metric", "IDF1",
                   "--output", str(tmp_path), "-q"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "official defaults" in out and "best (IDF1)" in out and "--conf-thres" in out and "noise" in out
    assert (tmp_path / "trials.csv").is_file() and (tmp_path / "trials.png").is_file()


def test_bad_requests_say_what_is_wrong(shifted, tmp_path):
    gt, det = shifted
    with pytest.raises(ValueError, match="metric"):
        tune(det, gt, metric="XYZ")
    with pytest.raises(ValueError, match="trials"):
        tune(det, gt, trials=0)
    with pytest.raises(FileNotFoundError, match="no detection cache"):
        tune(det, gt, sequences=["SYN-99"])
    with pytest.raises(FileNotFoundError, match="no detection caches"):
        tune(tmp_path, gt)
    with pytest.raises(FileNotFoundError, match="ground truth"):
        tune(det, tmp_path)
    # a cache whose floor is above the official threshold cannot show the defaults
    g2, d2 = _make(tmp_path / "high", 1.0, names=("SYN-09",), score_floor=0.5)
    with pytest.raises(ValueError, match="score floor|keep only scores above"):
        tune(d2, g2, trials=2)
    assert cli.main(["tune", "--detections", str(tmp_path / "none"), "--gt", str(gt)]) == 1
