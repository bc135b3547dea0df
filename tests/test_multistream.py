"""fairmot.MultiStreamTracker: one batched network forward per call, one association state per stream.

The reference is one independent ``fairmot.Tracker`` per stream fed the same frames: ids and the
order of the reported tracks must be equal, boxes and scores within 1e-4 relative (a batched
convolution may sum in another order than a batch of one: float32 rounding only)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("cv2")

import fairmot  # noqa: E402
from fairmot.data.synthetic import SceneConfig, render_sequence  # noqa: E402

N_FRAMES = 14
#: streams of different frame sizes and frame rates
CONFIGS = [SceneConfig(width=640, height=360, n_frames=N_FRAMES, fps=30),
           SceneConfig(width=480, height=400, n_frames=N_FRAMES, n_people=8, fps=30),
           SceneConfig(width=800, height=300, n_frames=N_FRAMES, fps=15)]
RATES = [c.fps for c in CONFIGS]


@pytest.fixture(scope="module")
def sequences() -> list[list[np.ndarray]]:
    return [[f for f, _ in itertools.islice(render_sequence(c, seed=100 + k), N_FRAMES)]
            for k, c in enumerate(CONFIGS)]


@pytest.fixture(scope="module")
def model():
    from fairmot.weights import default_weights

    return fairmot.load_model(default_weights())


def _assert_same_tracks(got, ref, where: str) -> None:
    np.testing.assert_array_equal(got.ids, ref.ids, err_msg=where)
    np.testing.assert_array_equal(got.det_index, ref.det_index, err_msg=where)
    np.testing.assert_allclose(got.tlwh, ref.tlwh, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(ref.tlwh).max(initial=0))),
                               err_msg=where)
    np.testing.assert_allclose(got.scores, ref.scores, rtol=1e-4, atol=1e-6, err_msg=where)


def test_batched_streams_equal_independent_trackers(sequences, model):
    mt = fairmot.MultiStreamTracker(model, streams=3, device="cpu", frame_rate=RATES)
    refs = [fairmot.Tracker(model, device="cpu", frame_rate=r) for r in RATES]
    assert mt.streams == 3 and mt.frame_rates == tuple(float(r) for r in RATES)
    n_tracks = 0
    for t in range(N_FRAMES):
        out = mt.update([seq[t] for seq in sequences])
        assert isinstance(out, list) and len(out) == 3
        for i, seq in enumerate(sequences):
            ref = refs[i].update(seq[t])
            _assert_same_tracks(out[i], ref, f"frame {t} stream {i}")
            n_tracks += len(ref)
            assert mt.frame_id(stream=i) == refs[i].frame_id
    assert n_tracks > 3 * N_FRAMES, "too few tracks for a meaningful comparison"


def test_dict_updates_partial_streams_and_reset(sequences, model):
    """Streams advance only when they get a frame; reset(stream=i) restarts only stream i."""
    mt = fairmot.MultiStreamTracker(model, streams=3, device="cpu", frame_rate=RATES)
    refs = [fairmot.Tracker(model, device="cpu", frame_rate=r) for r in RATES]
    pos = [0, 0, 0]
    schedule = [{0: None, 1: None, 2: None}, {0: None, 2: None}, {2: None}, {1: None, 0: None},
                {0: None, 1: None, 2: None}, {1: None}, {0: None, 1: None, 2: None}]
    for step, keys in enumerate(schedule):
        if step == 4:
            mt.reset(stream=1)
            refs[1].reset()
            assert mt.frame_id(1) == 0 and mt.frame_id(0) == refs[0].frame_id > 0
        frames = {k: sequences[k][pos[k]] for k in keys}
        out = mt.update(frames)
        assert list(out) == list(frames)  # same keys, same order
        for k in keys:
            _assert_same_tracks(out[k], refs[k].update(sequences[k][pos[k]]), f"step {step} stream {k}")
            pos[k] += 1
        for k in range(3):
            assert mt.frame_id(stream=k) == refs[k].frame_id
    # a list with None skips a stream
    out = mt.update([sequences[0][pos[0]], None, sequences[2][pos[2]]])
    assert out[1] is None
    _assert_same_tracks(out[0], refs[0].update(sequences[0][pos[0]]), "list stream 0")
    _assert_same_tracks(out[2], refs[2].update(sequences[2][pos[2]]), "list stream 2")
    assert mt.frame_id(1) == refs[1].frame_id
    mt.reset()
    assert [mt.frame_id(k) for k in range(3)] == [0, 0, 0]


@pytest.mark.parametrize("frames, exc, match", [
    ({}, ValueError, "empty"),
    ({3: "frame"}, ValueError, "stream 3 out of range"),
    ({-1: "frame"}, ValueError, "out of range"),
    ({"0": "frame"}, TypeError, "stream must be an int"),
    ({True: "frame"}, TypeError, "stream must be an int"),
    ([None, None], ValueError, "2 frames for 3 streams"),
    ([None, None, None], ValueError, "every frame is None"),
    ("frames", TypeError, "list of 3 frames or a dict"),
    ({0: "ok", 1: np.zeros((10, 10), np.uint8)}, ValueError, "stream 1"),
    ({0: "ok", 2: np.zeros((10, 10, 3), np.float32)}, TypeError, "stream 2 to be uint8"),
    ({0: "ok", 1: np.zeros((0, 10, 3), np.uint8)}, ValueError, "stream 1 is empty"),
    ([None, "ok", [[1, 2, 3]]], ValueError, "stream 2"),
])
def test_bad_input_is_rejected_without_state_change(sequences, model, frames, exc, match):
    mt = fairmot.MultiStreamTracker(model, streams=3, device="cpu", frame_rate=RATES)
    ref = fairmot.MultiStreamTracker(model, streams=3, device="cpu", frame_rate=RATES)
    first = [seq[0] for seq in sequences]
    mt.update(first)
    ref.update(first)
    if isinstance(frames, dict):
        frames = {k: (sequences[0][1] if isinstance(v, str) and v == "ok" else v) for k, v in frames.items()} if frames else frames
    elif isinstance(frames, list):
        frames = [sequences[i][1] if isinstance(v, str) and v == "ok" else v for i, v in enumerate(frames)]
    with pytest.raises(exc, match=match):
        mt.update(frames)
    assert [mt.frame_id(k) for k in range(3)] == [1, 1, 1]
    nxt = [seq[1] for seq in sequences]
    for a, b in zip(mt.update(nxt), ref.update(nxt)):
        np.testing.assert_array_equal(a.ids, b.ids)
        np.testing.assert_array_equal(a.tlwh, b.tlwh)


def test_bad_constructor_and_stream_arguments(model):
    with pytest.raises(ValueError, match="streams"):
        fairmot.MultiStreamTracker(model, streams=0, device="cpu")
    with pytest.raises(TypeError, match="streams"):
        fairmot.MultiStreamTracker(model, streams="2", device="cpu")
    with pytest.raises(ValueError, match="3 values for 2 streams"):
        fairmot.MultiStreamTracker(model, streams=2, device="cpu", frame_rate=[30, 30, 30])
    with pytest.raises(ValueError, match=r"frame_rate\[1\]"):
        fairmot.MultiStreamTracker(model, streams=2, device="cpu", frame_rate=[30, -1])
    with pytest.raises(ValueError, match="conf_thres"):
        fairmot.MultiStreamTracker(model, streams=2, device="cpu", conf_thres=2.0)
    mt = fairmot.MultiStreamTracker(model, streams=2, device="cpu")
    with pytest.raises(ValueError, match="out of range"):
        mt.reset(stream=2)
    with pytest.raises(ValueError, match="out of range"):
        mt.frame_id(stream=5)
    with pytest.raises(TypeError, match="stream must be an int"):
        mt.frame_id(stream=1.0)


def test_detect_batch_equals_detect_within_rounding(sequences, model):
    """The batched detector (different frame sizes in one batch) against per-frame ``detect``."""
    from fairmot.detection.detector import Detector

    det = Detector(model, img_size=(320, 192), device="cpu")
    frames = [seq[3] for seq in sequences] + [sequences[0][5]]
    batched = det.detect_batch(frames)
    assert len(batched) == len(frames)
    for b, frame in zip(batched, frames):
        one = det.detect(frame)
        assert len(b) == len(one)
        np.testing.assert_allclose(b.boxes, one.boxes, rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(b.scores, one.scores, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(b.embeddings, one.embeddings, atol=1e-4)
    with pytest.raises(ValueError, match="at least one frame"):
        det.detect_batch([])


@pytest.fixture(scope="module")
def onnx_files(model, tmp_path_factory):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    from fairmot.config import MIN_ONNXRUNTIME_VERSION

    if tuple(int(p) for p in ort.__version__.split(".")[:2]) < MIN_ONNXRUNTIME_VERSION[:2]:
        pytest.skip(f"onnxruntime {ort.__version__} has no DeformConv kernel")
    from fairmot.export import export_onnx

    # one export (~8 s): a file exported with a fixed batch differs only in OnnxModel.fixed_batch == 1
    # (read from the input shape by OnnxModel), which the "fixed" case sets on the dynamic file
    return export_onnx(model, tmp_path_factory.mktemp("ms_onnx") / "dynamic.onnx", img_size=(320, 192),
                       dynamic_batch=True)


@pytest.mark.parametrize("kind", ["fixed", "dynamic"])
def test_onnx_backend_batched_and_fixed_batch(sequences, onnx_files, kind, monkeypatch):
    """ONNX Runtime files: a dynamic batch runs in one call; a file fixed at batch 1 runs image by image."""
    from fairmot.detection.onnx_runtime import OnnxModel

    path = str(onnx_files)
    onnx_model = OnnxModel(path, device="cpu")
    assert onnx_model.fixed_batch is None
    if kind == "fixed":
        onnx_model.fixed_batch = 1
    calls = []
    original = OnnxModel.__call__

    def counting(self, blob):
        calls.append(blob.shape[0])
        return original(self, blob)

    monkeypatch.setattr(OnnxModel, "__call__", counting)
    mt = fairmot.MultiStreamTracker(onnx_model, streams=3, device="cpu", frame_rate=RATES)
    refs = [fairmot.Tracker(OnnxModel(path, device="cpu"), device="cpu", frame_rate=r) for r in RATES]
    n_tracks = 0
    for t in range(6):
        calls.clear()
        out = mt.update([seq[t] for seq in sequences])
        assert calls == ([1, 1, 1] if kind == "fixed" else [3])
        for i, seq in enumerate(sequences):
            ref = refs[i].update(seq[t])
            _assert_same_tracks(out[i], ref, f"onnx {kind} frame {t} stream {i}")
            n_tracks += len(ref)
    assert n_tracks > 0


def test_max_batch_splits_the_network_calls(sequences, model, monkeypatch):
    """max_batch=2 on 3 streams: two network calls (2 + 1 frames), the same tracks as separate Trackers."""
    from fairmot.detection.detector import Detector

    mt = fairmot.MultiStreamTracker(model, streams=3, device="cpu", frame_rate=RATES, max_batch=2)
    refs = [fairmot.Tracker(model, device="cpu", frame_rate=r) for r in RATES]
    sizes = []
    original = Detector.forward

    def counting(self, blob):
        sizes.append(int(blob.shape[0]))
        return original(self, blob)

    monkeypatch.setattr(Detector, "forward", counting)
    for t in range(3):
        sizes.clear()
        out = mt.update([seq[t] for seq in sequences])
        assert sizes == [2, 1]
        for i, seq in enumerate(sequences):
            _assert_same_tracks(out[i], refs[i].update(seq[t]), f"max_batch frame {t} stream {i}")
    with pytest.raises(ValueError, match="max_batch"):
        fairmot.MultiStreamTracker(model, streams=3, device="cpu", max_batch=0)
