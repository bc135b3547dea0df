"""Cached detections: ``fairmot track --save-detections`` / ``--from-detections`` and
``fairmot.tracking.replay`` reproduce the full run's result file byte for byte; the cache format
round-trips exactly and rejects damaged files with clear errors."""
from __future__ import annotations

import json

import numpy as np
import pytest

from fairmot.io.detections import DetectionCache, DetectionCacheWriter, find_detection_caches
from fairmot.tracking import Detections, JDETracker
from fairmot.tracking.output import output_tracks
from fairmot.tracking.replay import replay, replay_results


def _random_frames(n_frames=7, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    frames = []
    for f in range(n_frames):
        n = 0 if f == 2 else int(rng.integers(1, 6))  # an empty frame in the middle
        xy = rng.uniform(0, 500, (n, 2))
        boxes = np.concatenate([xy, xy + rng.uniform(20, 80, (n, 2))], axis=1).astype(np.float32)
        scores = rng.uniform(0.05, 1, n).astype(np.float32)
        emb = rng.normal(size=(n, dim)).astype(np.float32)
        emb /= np.linalg.norm(emb, axis=1, keepdims=True)
        frames.append((boxes, scores, emb))
    return frames


def test_cache_round_trips_exactly_across_chunks(tmp_path):
    frames = _random_frames()
    meta = {"sequence": "S1", "frame_rate": 25, "score_floor": 0.05, "tracker": {"conf_thres": 0.4}}
    with DetectionCacheWriter(tmp_path / "c", meta=meta, chunk_frames=3) as w:
        for f in frames:
            w.add(*f)
    cache = DetectionCache(tmp_path / "c")
    assert len(cache) == 7 and cache.name == "S1" and cache.frame_rate == 25 and cache.score_floor == 0.05
    assert sorted(p.name for p in (tmp_path / "c").glob("chunk-*.npz")) == [f"chunk-00000{i}.npz" for i in range(3)]
    got = cache.frames()
    assert len(got) == 7
    for (b, s, e), (b2, s2, e2) in zip(frames, got):
        for x, y in ((b, b2), (s, s2), (e, e2)):
            assert x.dtype == y.dtype == np.float32 and np.array_equal(x, y)
    assert find_detection_caches(tmp_path)[0].path == cache.path
    assert find_detection_caches(tmp_path / "c")[0].name == "S1"
    # a Detections is accepted as one frame
    with DetectionCacheWriter(tmp_path / "d") as w:
        w.add(Detections(*frames[0]))
    assert np.array_equal(DetectionCache(tmp_path / "d").frames()[0][0], frames[0][0])


def test_writer_rejects_bad_frames(tmp_path):
    w = DetectionCacheWriter(tmp_path / "c")
    b, s, e = _random_frames(1)[0]
    with pytest.raises(TypeError, match="boxes must be float32"):
        w.add(b.astype(np.float64), s, e)
    with pytest.raises(ValueError, match="scores must be"):
        w.add(b, s[:-1], e)
    w.add(b, s, e)
    with pytest.raises(ValueError, match="embedding size changed"):
        w.add(b, s, np.ones((len(b), 3), np.float32))
    assert w.frames == 1
    with pytest.raises(TypeError):
        DetectionCacheWriter(tmp_path / "x", meta={"bad": object()})


def test_damaged_caches_are_refused_naming_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no detection cache"):
        DetectionCache(tmp_path)
    with DetectionCacheWriter(tmp_path / "c", chunk_frames=2) as w:
        for f in _random_frames(4):
            w.add(*f)
    manifest = tmp_path / "c" / "detections.json"
    good = manifest.read_text()
    (tmp_path / "c" / "chunk-000001.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="chunk-000001.npz: corrupt"):
        DetectionCache(tmp_path / "c").frames()
    (tmp_path / "c" / "chunk-000001.npz").unlink()
    with pytest.raises(FileNotFoundError, match="chunk missing"):
        list(DetectionCache(tmp_path / "c"))
    meta = json.loads(good)
    for change, match in (({"format": "other"}, "not a fairmot detection cache"), ({"version": 99}, "version 99"),
                          ({"frames": 5}, "do not add up")):
        manifest.write_text(json.dumps({**meta, **change}))
        with pytest.raises(ValueError, match=match):
            DetectionCache(tmp_path / "c")
    manifest.write_text("{")
    with pytest.raises(ValueError, match="not a detection cache manifest"):
        DetectionCache(tmp_path / "c")


def test_replay_equals_the_tracker_on_the_same_detections():
    frames = _random_frames(30, seed=3)
    ours = JDETracker(conf_thres=0.3, track_buffer=10)
    expected = [output_tracks(ours.update(*f)) for f in frames]
    got = list(replay(frames, conf_thres=0.3, track_buffer=10))
    assert len(got) == 30
    for a, b in zip(expected, got):
        assert np.array_equal(a.ids, b.ids) and np.array_equal(a.tlwh, b.tlwh)
    rows = replay_results(frames, conf_thres=0.3, track_buffer=10)
    assert rows.shape == (sum(len(t) for t in expected), 10) and rows.dtype == np.float64
    with pytest.raises(TypeError, match="detection cache"):
        replay(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="match_thres"):
        replay(frames, match_thres=-1)


def test_replay_below_the_score_floor_is_refused(tmp_path):
    with DetectionCacheWriter(tmp_path, meta={"score_floor": 0.3, "tracker": {"conf_thres": 0.4}}) as w:
        w.add(*_random_frames(1)[0])
    list(replay(tmp_path))  # the recorded 0.4
    with pytest.raises(ValueError, match="below the detection cache's score floor 0.3"):
        replay(tmp_path, conf_thres=0.2)
    with pytest.raises(ValueError, match="low_thres"):
        replay(tmp_path, association="byte", low_thres=0.1)
    with pytest.raises(ValueError, match="unknown tracker settings"):
        DetectionCache(tmp_path).tracker_settings({"nonsense": 1})


# ------------------------------------------------------------------------------- the CLI, end to end

pytest.importorskip("torch")
pytest.importorskip("cv2")


@pytest.fixture(scope="module")
def sequence(tmp_path_factory):
    from fairmot.data.synthetic import SceneConfig, write_sequence

    root = tmp_path_factory.mktemp("cache")
    write_sequence(root / "SEQ-7", SceneConfig(width=640, height=360, n_frames=24, fps=30), seed=7)
    return root / "SEQ-7"


def _track(args):
    from fairmot import cli

    assert cli.main(["--threads", "1", "track", *args, "--device", "cpu", "-q"]) == 0


def test_replayed_result_file_equals_the_full_run_byte_for_byte(sequence, tmp_path):
    _track([str(sequence), "--output-txt", str(tmp_path / "plain.txt")])
    _track([str(sequence), "--output-txt", str(tmp_path / "saved.txt"), "--save-detections", str(tmp_path / "det")])
    _track(["--from-detections", str(tmp_path / "det"), "--output-txt", str(tmp_path / "replay.txt")])
    plain = (tmp_path / "plain.txt").read_bytes()
    assert plain.count(b"\n") > 50
    assert (tmp_path / "saved.txt").read_bytes() == plain  # saving (score floor 0.05) changes no track
    assert (tmp_path / "replay.txt").read_bytes() == plain
    cache = DetectionCache(tmp_path / "det")
    assert cache.name == "SEQ-7" and len(cache) == 24 and cache.score_floor == 0.05 and cache.frame_rate == 30
    assert cache.meta["tracker"]["conf_thres"] == 0.4 and cache.meta["detector"]["img_size"] == [320, 192]
    assert min(float(s.min()) for _, s, _ in cache if len(s)) < 0.4  # it holds more than the run used
    # other settings: a replay equals a full run made with them (the floor keeps what they need)
    other = ["--conf-thres", "0.3", "--association", "byte", "--iou-thres", "0.6", "--match-thres", "0.5"]
    _track([str(sequence), "--output-txt", str(tmp_path / "full_other.txt"), *other])
    _track(["--from-detections", str(tmp_path / "det"), "--output-txt", str(tmp_path / "replay_other.txt"), *other])
    assert (tmp_path / "replay_other.txt").read_bytes() == (tmp_path / "full_other.txt").read_bytes()
    assert (tmp_path / "replay_other.txt").read_bytes() != plain
    # the Python replay gives the same rows the file holds
    from fairmot.io.mot import read_mot_file

    rows = replay_results(tmp_path / "det")
    assert np.array_equal(rows, read_mot_file(tmp_path / "plain.txt", min_columns=7).values)
    # a video drawn from the replay needs the source
    _track(["--from-detections", str(tmp_path / "det"), str(sequence), "--output-txt", str(tmp_path / "v.txt"),
            "--output-video", str(tmp_path / "v.mp4")])
    assert (tmp_path / "v.txt").read_bytes() == plain and (tmp_path / "v.mp4").stat().st_size > 0


def test_tracker_score_floor_rules():
    import fairmot

    t = fairmot.Tracker(association="byte", device="cpu")
    assert t.score_floor == pytest.approx(0.2)  # byte mode reads the low band: the detector keeps it
    assert fairmot.Tracker(device="cpu").score_floor == pytest.approx(0.4)
    with pytest.raises(ValueError, match="score_floor"):
        fairmot.Tracker(score_floor=0.5, device="cpu")
