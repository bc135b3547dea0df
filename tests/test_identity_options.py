"""The opt-in identity options end to end: fairmot.Tracker / MultiStreamTracker (reid_buffer, reid_thres, gmc,
gmc_downscale), replay and the CLI.

References: the pieces composed by hand (Detector output -> GMC -> JDETracker.update(..., warp)), the
default Tracker for the "off" settings, and JDETracker for replays.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")
cv2 = pytest.importorskip("cv2")

import fairmot  # noqa: E402
from fairmot.data.synthetic import SceneConfig, render_sequence  # noqa: E402
from fairmot.tracking import GMC, JDETracker  # noqa: E402

N_FRAMES = 12


def _pan(frames: list[np.ndarray], step: float = 3.0) -> list[np.ndarray]:
    """The frames seen by a camera panning `step` px per frame (a shift plus a tiny rotation)."""
    out = []
    for k, f in enumerate(frames):
        h, w = f.shape[:2]
        A = cv2.getRotationMatrix2D((w / 2, h / 2), 0.05 * k, 1.0)
        A[0, 2] += step * k
        out.append(cv2.warpAffine(f, A, (w, h), borderMode=cv2.BORDER_REFLECT))
    return out


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
    cfg = SceneConfig(width=640, height=360, n_frames=N_FRAMES, fps=30)
    return _pan([f for f, _ in itertools.islice(render_sequence(cfg, seed=300), N_FRAMES)])


@pytest.fixture(scope="module")
def model():
    from fairmot.weights import default_weights

    return fairmot.load_model(default_weights())


def _same(a, b) -> None:
    np.testing.assert_array_equal(a.ids, b.ids)
    np.testing.assert_array_equal(a.det_index, b.det_index)
    np.testing.assert_array_equal(a.tlwh, b.tlwh)


@pytest.mark.parametrize("method", ["sparse", "ecc"])
def test_tracker_gmc_is_the_composition_of_its_parts(frames, model, method):
    trk = fairmot.Tracker(model, device="cpu", gmc=method, gmc_downscale=2, reid_buffer=60)
    core = JDETracker(reid_buffer=60)
    gmc = GMC(method, downscale=2)
    moved = 0
    for f in frames:
        got = trk.update(f)
        A = gmc.apply(f)
        moved += not np.array_equal(A, np.eye(2, 3))
        ref = trk.output(core.update(trk.detect(f), warp=A))
        _same(got, ref)
    assert moved >= N_FRAMES - 2  # the pan was seen


def test_defaults_are_the_official_tracker_and_none_costs_nothing(frames, model, monkeypatch):
    trk = fairmot.Tracker(model, device="cpu", gmc="none", reid_buffer=0)
    ref = fairmot.Tracker(model, device="cpu")
    assert trk.gmc is None and ref.gmc is None
    calls = []
    monkeypatch.setattr(cv2, "cvtColor", lambda *a, **k: calls.append(1))  # gmc="none" never converts a frame
    monkeypatch.setattr(GMC, "apply", lambda *a, **k: calls.append(1))
    for f in frames:
        _same(trk.update(f), ref.update(f))
    assert calls == []
    assert trk.camera_motion(frames[0]) is None


def test_tracker_reset_restarts_the_estimator(frames, model):
    trk = fairmot.Tracker(model, device="cpu", gmc="sparse", gmc_downscale=2)
    for f in frames[:3]:
        trk.update(f)
    trk.reset()
    np.testing.assert_array_equal(trk.camera_motion(frames[5]), np.eye(2, 3))


@pytest.mark.parametrize("kw, exc, name", [
    ({"gmc": "orb"}, ValueError, "gmc"), ({"gmc": 1}, TypeError, "gmc"), ({"gmc_downscale": 0}, ValueError,
                                                                          "gmc_downscale"),
    ({"gmc_downscale": 2.0}, TypeError, "gmc_downscale"), ({"reid_buffer": -5}, ValueError, "reid_buffer"),
    ({"reid_thres": float("inf")}, ValueError, "reid_thres"),
])
def test_bad_identity_arguments_name_themselves(kw, exc, name, monkeypatch):
    import fairmot.models as models

    monkeypatch.setattr(models, "load_model", lambda *a, **k: pytest.fail("network loaded before the checks"))
    with pytest.raises(exc, match=name):
        fairmot.Tracker(device="cpu", **kw)


def test_multistream_has_one_estimator_per_stream(frames, model):
    other = frames[::-1]
    mt = fairmot.MultiStreamTracker(model, streams=2, device="cpu", gmc="sparse", gmc_downscale=2, reid_buffer=60)
    refs = [fairmot.Tracker(model, device="cpu", gmc="sparse", gmc_downscale=2, reid_buffer=60) for _ in range(2)]
    assert mt.gmcs[0] is not mt.gmcs[1]
    for a, b in zip(frames, other):
        got = mt.update([a, b])
        for g, r, f in zip(got, refs, (a, b)):
            ref = r.update(f)
            np.testing.assert_array_equal(g.ids, ref.ids)
            np.testing.assert_allclose(g.tlwh, ref.tlwh, rtol=1e-4, atol=1e-2)
    # a stream whose frame size changes starts its estimate anew instead of failing
    small = [cv2.resize(f, (320, 180)) for f in frames[:2]]
    mt.update({0: small[0]})
    mt.update({0: small[1]})
    assert mt.gmcs[0].frame_size == (180, 320)


def test_replay_takes_the_reid_settings():
    from streams import make_stream

    from fairmot.tracking.replay import replay

    stream = make_stream(21, n_frames=300, n_objects=12, max_gap=100, occlusion_rate=0.02)
    core = JDETracker(reid_buffer=200, reid_thres=0.35)
    got = list(replay(stream, reid_buffer=200, reid_thres=0.35, min_box_area=None, max_aspect_ratio=None))
    differs = False
    official = JDETracker()
    for (b, s, e), tracks in zip(stream, got):
        r = core.update(b, s, e)
        np.testing.assert_array_equal(tracks.ids, r.ids)
        differs |= not np.array_equal(official.update(b, s, e).ids, r.ids)
    assert differs  # the gallery changed something on this stream


def test_cli_parses_identity_options():
    from fairmot.cli import build_parser
    from fairmot.cli.common import gmc_kwargs
    from fairmot.cli.track_cache import association_kwargs

    parser = build_parser()
    args = parser.parse_args(["track", "v.mp4", "--reid-buffer", "300", "--reid-thres", "0.25", "--gmc", "sparse",
                              "--gmc-downscale", "3"])
    assert association_kwargs(args)["reid_buffer"] == 300 and association_kwargs(args)["reid_thres"] == 0.25
    assert gmc_kwargs(args) == {"gmc": "sparse", "gmc_downscale": 3}
    args = parser.parse_args(["track", "v.mp4"])
    assert gmc_kwargs(args) == {} and association_kwargs(args)["reid_buffer"] is None
    for bad in (["--reid-buffer", "-1"], ["--reid-buffer", "1.5"], ["--gmc", "orb"], ["--gmc-downscale", "0"],
                ["--reid-thres", "nan"]):
        with pytest.raises(SystemExit):
            parser.parse_args(["track", "v.mp4", *bad])


def test_cli_tracks_a_clip_with_both_options(tmp_path, frames, capsys):
    from fairmot.cli import main

    folder = tmp_path / "img1"
    folder.mkdir()
    for k, f in enumerate(frames, start=1):
        cv2.imwrite(str(folder / f"{k:06d}.jpg"), f)
    out = tmp_path / "res.txt"
    assert main(["track", str(folder), "--device", "cpu", "--output-txt", str(out), "-q", "--reid-buffer", "300",
                 "--gmc", "sparse", "--gmc-downscale", "2"]) == 0
    rows = np.loadtxt(out, delimiter=",", ndmin=2)
    assert rows.shape[1] == 10 and len(rows) > 0
    capsys.readouterr()
    assert main(["track", str(folder), "--device", "cpu", "--output-txt", str(out), "-q", "--gmc", "sparse",
                 "--save-detections", str(tmp_path / "cache")]) != 0
    assert "--save-detections with --gmc" in capsys.readouterr().err
