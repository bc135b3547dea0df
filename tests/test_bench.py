"""``fairmot bench``: per-stage timings of the tracker, the table and the JSON report."""
from __future__ import annotations

import json

import numpy as np
import pytest

import cv2  # noqa: E402,F401
pytest.importorskip("torch")

from fairmot import cli  # noqa: E402
from fairmot.tracker import Tracker  # noqa: E402
from fairmot.bench import STAGES, benchmark, synthetic_frames  # noqa: E402


@pytest.fixture(scope="module")
def frames():
    return synthetic_frames(4, (640, 360), seed=3)


def test_benchmark_times_every_stage_and_tracks_like_update(frames):
    tracker = Tracker(None, device="cpu")
    result = benchmark(tracker, frames, n_frames=6, warmup=2)
    assert set(result.stages) == set(STAGES)
    assert all(len(v) == 6 and min(v) > 0 for v in result.stages.values())
    assert len(result.end_to_end) == 6 and result.fps() > 0
    assert len(result.detections) == 6 and sum(result.detections) > 0  # the built-in model finds people
    summary = result.summary()
    assert {"sum of stages", "end to end"} <= set(summary)
    assert summary["sum of stages"]["min_ms"] >= summary["network"]["min_ms"]
    table = result.table()
    assert "network" in table and "frames/s" in table
    # the staged pass and plain update() leave the tracker in the same state
    ref = Tracker(None, device="cpu")
    for f in frames[:2]:
        expected = ref.update(f)
    tracker.reset()
    for f in frames[:2]:
        got = tracker.update(f)
    np.testing.assert_array_equal(got.ids, expected.ids)


def test_benchmark_rejects_bad_counts(frames):
    tracker = Tracker(None, device="cpu")
    with pytest.raises(ValueError, match="n_frames"):
        benchmark(tracker, frames, n_frames=0)
    with pytest.raises(ValueError, match="no frames"):
        benchmark(tracker, [], n_frames=3)


def test_bench_command_prints_a_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    rc = cli.main(["bench", "--device", "cpu", "--frames", "3", "--warmup", "1", "--frame-size", "330x190",
                   "--json", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "preprocess" in text and "association" in text and "end-to-end rate" in text
    data = json.loads(out.read_text())
    assert data["setup"]["device"].startswith("cpu") and data["setup"]["frames"] == 3
    assert data["setup"]["frame_size"] == [330, 190]
    assert len(data["end_to_end"]) == 3 and data["fps"] > 0


def test_bench_command_reports_bad_input(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["bench", "--device", "cpu", "--frames", "0"])
    assert exc.value.code == 2 and "positive integer" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli.main(["bench", "--device", "cpu", "--frame-size", "1920x0"])
    assert exc.value.code == 2 and "positive" in capsys.readouterr().err
    assert cli.main(["bench", "--device", "cpu", "--frames", "1", "--warmup", "-1"]) == 1
    assert "warmup" in capsys.readouterr().err
    assert cli.main(["bench", "--device", "cpu", "--source", str(tmp_path / "missing.mp4")]) == 1
    assert "not found" in capsys.readouterr().err
