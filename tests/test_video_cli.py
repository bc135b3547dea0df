"""Frame sources, video writing, drawing, MOT result lines and the ``fairmot track`` command."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import cv2  # noqa: E402
torch = pytest.importorskip("torch")

import fairmot  # noqa: E402
from streams import calibrate_heatmap, make_clip  # noqa: E402
from fairmot import cli  # noqa: E402
from fairmot.tracker import FrameTracks, Tracker, filter_tracks, track_video  # noqa: E402
from fairmot.io import (  # noqa: E402
    OFFICIAL_VIDEO_SIZE,
    DEFAULT_FPS,
    TrackTrails,
    VideoWriter,
    draw_tracks,
    format_mot_lines,
    id_color,
    open_source,
    write_mot_results,
)

W, H = 160, 128  # synthetic clip size
IMG_SIZE = (256, 160)  # network input used in the model tests


# ------------------------------------------------------------------------------------------ helpers


def write_video(path: Path, frames: list[np.ndarray], fps: float = 25.0) -> Path:
    h, w = frames[0].shape[:2]
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    assert vw.isOpened()
    for f in frames:
        vw.write(f)
    vw.release()
    return path


def write_pngs(folder: Path, n: int = 4, prefix: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in reversed(range(n)):  # created out of order on purpose
        img = np.full((H, W, 3), 10 * (i + 1), np.uint8)
        assert cv2.imwrite(str(folder / f"{prefix}{i + 1:06d}.png"), img)
    return folder


def tracks(ids, tlwh, scores=None) -> FrameTracks:
    ids = np.asarray(ids, np.int64)
    tlwh = np.asarray(tlwh, np.float64).reshape(-1, 4)
    scores = np.ones(len(ids)) if scores is None else np.asarray(scores, np.float64)
    return FrameTracks(ids, tlwh, scores)


@pytest.fixture(scope="module")
def model():
    """A seeded random DLA-34 whose heads are scaled so that a few detections pass 0.05.

    Fresh heads output near-constant maps; the hm head is rescaled (calibrated on the clip's first
    frame) to unit-ish spread with a low bias, and the wh head predicts a constant upright box.
    """
    from fairmot.detection.preprocess import letterbox, to_input_tensor

    torch.manual_seed(0)
    net = fairmot.build_model().eval()
    x = to_input_tensor(letterbox(make_clip(1)[0], *IMG_SIZE)[0])
    calibrate_heatmap(net, x)
    with torch.no_grad():
        net.wh[-1].weight.zero_()
        net.wh[-1].bias.copy_(torch.tensor([3.0, 6.0, 3.0, 6.0]))  # ltrb in output-map units
    return net


@pytest.fixture(scope="module")
def checkpoint(model, tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "random_dla34.pth"
    fairmot.save_checkpoint(path, model)
    return path


# ------------------------------------------------------------------------------------------ sources


def test_video_file_source_reports_fps_size_length_and_frames(tmp_path):
    clip = make_clip(6)
    src = open_source(write_video(tmp_path / "clip.mp4", clip, fps=25), video_size=None)
    assert src.fps == pytest.approx(25.0) and src.frame_rate == 25
    assert src.size == src.native_size == (W, H)
    assert len(src) == 6
    frames = list(src)
    assert len(frames) == 6
    assert all(f.shape == (H, W, 3) and f.dtype == np.uint8 for f in frames)  # native size kept
    assert len(list(src)) == 6  # iterable more than once
    # lossy codec, but the coloured block is where it was drawn
    assert frames[0][40, 30, 2] > 150 and frames[0][40, 30, 0] < 100


def test_video_frames_are_resized_to_1920x1080_like_the_official_demo(tmp_path):
    path = write_video(tmp_path / "clip.mp4", make_clip(3), fps=25)
    src = open_source(path)
    assert src.size == OFFICIAL_VIDEO_SIZE == (1920, 1080) and src.native_size == (W, H)
    native = list(open_source(path, video_size=None))
    frames = list(src)
    assert all(f.shape == (1080, 1920, 3) and f.dtype == np.uint8 for f in frames)
    for f, n in zip(frames, native):  # official LoadVideo: plain cv2.resize (bilinear)
        np.testing.assert_array_equal(f, cv2.resize(n, (1920, 1080)))
    # a video already 1920x1080 is passed through untouched; other sizes on request
    full = write_video(tmp_path / "full.mp4", [cv2.resize(f, (1920, 1080)) for f in make_clip(2)], fps=25)
    for a, b in zip(open_source(full), open_source(full, video_size=None)):
        assert a.shape == (1080, 1920, 3) and np.array_equal(a, b)
    assert open_source(path, video_size=(W, H)).size == (W, H)
    with pytest.raises(ValueError, match="resize_to"):
        open_source(path, video_size=(0, 10))
    # image folders are never resized (the official LoadImages reads frames as they are)
    assert open_source(write_pngs(tmp_path / "frames", n=2)).size == (W, H)


def test_video_fps_is_rounded_for_the_tracker(tmp_path):
    src = open_source(write_video(tmp_path / "clip.mp4", make_clip(2), fps=29.97))
    assert src.fps == pytest.approx(29.97, abs=0.01)
    assert src.frame_rate == 30  # the official demo: int(round(fps))


def test_image_folder_is_read_in_name_order(tmp_path):
    folder = write_pngs(tmp_path / "frames", n=4)
    (folder / "notes.txt").write_text("not an image")
    (folder / "sub").mkdir()
    src = open_source(folder)
    assert len(src) == 4 and src.size == (W, H)
    assert src.fps == DEFAULT_FPS and src.frame_rate == 30
    frames = list(src)
    assert [int(f[0, 0, 0]) for f in frames] == [10, 20, 30, 40]
    assert open_source(str(folder)).frame_count == 4  # str paths too


def test_mot_sequence_folder_reads_img1_and_frame_rate(tmp_path):
    seq = tmp_path / "MOT17-02-SDP"
    write_pngs(seq / "img1", n=3)
    (seq / "seqinfo.ini").write_text(
        "[Sequence]\nname=MOT17-02-SDP\nimDir=img1\nframeRate=14\nseqLength=3\nimWidth=160\nimHeight=128\n"
        "imExt=.png\n")
    src = open_source(seq)
    assert len(src) == 3 and src.fps == 14.0 and src.frame_rate == 14
    assert [int(f[0, 0, 0]) for f in src] == [10, 20, 30]
    inner = open_source(seq / "img1")  # the img1 folder itself also finds seqinfo.ini
    assert len(inner) == 3 and inner.frame_rate == 14


def test_single_image_file_is_a_one_frame_source(tmp_path):
    folder = write_pngs(tmp_path / "f", n=1)
    src = open_source(folder / "000001.png")
    assert len(src) == 1 and [f.shape for f in src] == [(H, W, 3)]


def test_missing_source_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        open_source(tmp_path / "nope.mp4")


def test_empty_folder_raises_value_error_naming_it(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="empty"):
        open_source(tmp_path / "empty")


def test_unreadable_video_raises_value_error_naming_it(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"this is not a video" * 10)
    with pytest.raises(ValueError, match="broken.mp4"):
        open_source(bad)


def test_unreadable_images_raise_value_error_naming_them(tmp_path):
    folder = write_pngs(tmp_path / "frames", n=2)
    (folder / "000000.png").write_bytes(b"garbage")  # sorts first: fails on open
    with pytest.raises(ValueError, match="000000.png"):
        open_source(folder)
    (folder / "000000.png").unlink()
    (folder / "000003.png").write_bytes(b"garbage")  # sorts last: fails while iterating
    src = open_source(folder)
    it = iter(src)
    next(it), next(it)
    with pytest.raises(ValueError, match="000003.png"):
        next(it)


def test_camera_that_cannot_be_opened_is_a_value_error():
    with pytest.raises(ValueError, match="camera 99"):
        open_source("99")
    with pytest.raises(TypeError):
        open_source(3.5)


# ------------------------------------------------------------------------------------------ writing


def test_video_writer_round_trip_and_errors(tmp_path):
    out = tmp_path / "sub" / "out.mp4"  # folder created on demand
    with VideoWriter(out, fps=12) as vw:
        for f in make_clip(3):
            vw.write(f)
        with pytest.raises(ValueError, match="differs"):
            vw.write(np.zeros((H + 2, W, 3), np.uint8))
    assert vw.frames_written == 3
    src = open_source(out, video_size=None)
    assert src.size == (W, H) and src.fps == pytest.approx(12.0) and len(list(src)) == 3
    with pytest.raises(OSError, match="cannot write video"):
        VideoWriter(tmp_path / "out.unknownext", fps=25, size=(W, H))
    with pytest.raises(OSError):
        VideoWriter(tmp_path, fps=25, size=(W, H))  # a directory


# ------------------------------------------------------------------------------------------ drawing


def test_draw_tracks_keeps_shape_and_colours_boxes_by_id():
    frame = np.zeros((H, W, 3), np.uint8)
    t = tracks([1, 7], [[10, 20, 30, 40], [80.4, 30.6, 20, 50]])
    out = draw_tracks(frame, t)
    assert out.shape == frame.shape and out.dtype == np.uint8
    assert not frame.any()  # the input is not modified
    assert tuple(int(v) for v in out[40, 10]) == id_color(1)  # left edge of box 1
    assert tuple(int(v) for v in out[60, 80]) == id_color(7)
    assert id_color(7) == id_color(7) and id_color(1) != id_color(2)
    trails = TrackTrails(length=5)
    for k in range(3):
        trails.update(tracks([4], [[10 + 20 * k, 60, 20, 40]]))
    assert len(trails[4]) == 3
    with_trail = draw_tracks(frame, tracks([], np.zeros((0, 4))), trails=trails, frame_index=3, fps=10.0)
    assert with_trail.shape == frame.shape and with_trail[80, 45:55].any()
    for _ in range(40):  # forgotten after max_age updates without it
        trails.update(tracks([], np.zeros((0, 4))))
    assert 4 not in trails


# ------------------------------------------------------------------------------------------ results


def test_mot_lines_follow_the_official_format(tmp_path):
    t = tracks([3, 12], [[1.5, 2.0, 0.1 + 0.2, 100.0], [-4.25, 7.125, 33.0, 66.5]])
    lines = format_mot_lines(5, t)
    assert lines == [
        "5,3,1.5,2.0,0.30000000000000004,100.0,1,-1,-1,-1",
        "5,12,-4.25,7.125,33.0,66.5,1,-1,-1,-1",
    ]
    assert format_mot_lines(1, tracks([], np.zeros((0, 4)))) == []
    x = np.float64(1) / 3  # full float64 precision, as str() of the official float64 values
    assert format_mot_lines(1, tracks([1], [[x, x, x, x]]))[0] == f"1,1,{x!s},{x!s},{x!s},{x!s},1,-1,-1,-1"
    path = tmp_path / "res" / "seq.txt"
    assert write_mot_results(path, lines) == 2
    assert path.read_text() == "\n".join(lines) + "\n"
    assert write_mot_results(path, []) == 0 and path.read_text() == ""


def test_filter_tracks_uses_strict_area_and_aspect_rules():
    tlwh = np.array([
        [0, 0, 10, 10],        # area 100: not > 100 -> dropped
        [0, 0, 10, 10.01],     # area > 100 -> kept
        [0, 0, 16, 10],        # w/h == 1.6: not > 1.6 -> kept
        [0, 0, 16.01, 10],     # w/h > 1.6 -> dropped
        [0, 0, 20, 0],         # zero height -> dropped
        [0, 0, 20, 60],        # upright person -> kept
    ], np.float64)
    ids = np.arange(1, 7, dtype=np.int64)
    out = filter_tracks(ids, tlwh, np.linspace(0.5, 1, 6))
    assert out.ids.tolist() == [2, 3, 6]
    assert out.tlwh.shape == (3, 4) and out.scores.shape == (3,) and len(out) == 3


# ------------------------------------------------------------------------------------------ Tracker


def test_tracker_on_a_model_object(model):
    clip = make_clip(3)
    trk = Tracker(model, img_size=IMG_SIZE, conf_thres=0.05, device="cpu", min_box_area=None, max_aspect_ratio=None)
    first = trk.update(clip[0])
    assert len(first) > 0
    assert first.ids.dtype == np.int64 and first.ids.shape == (len(first),)
    assert first.tlwh.dtype == np.float64 and first.tlwh.shape == (len(first), 4)
    assert first.scores.shape == (len(first),)
    assert sorted(first.ids.tolist()) == list(range(1, len(first) + 1))  # consecutive from 1
    for f in clip[1:]:
        res = trk.update(f)
        assert len(np.unique(res.ids)) == len(res) and (res.ids > 0).all()
    assert trk.frame_id == 3
    trk.reset()
    again = trk.update(clip[0])
    assert trk.frame_id == 1 and sorted(again.ids.tolist()) == list(range(1, len(again) + 1))
    with pytest.raises(ValueError):
        Tracker(model, img_size=(250, 160), device="cpu")
    with pytest.raises(ValueError, match="dtype"):
        Tracker(model, img_size=IMG_SIZE, device="cpu", dtype="float64")


def test_track_video_yields_indexed_frames_with_the_sources_rate(model, tmp_path):
    seq = tmp_path / "seq"
    (seq / "img1").mkdir(parents=True)
    for i, f in enumerate(make_clip(2), start=1):
        cv2.imwrite(str(seq / "img1" / f"{i:06d}.png"), f)
    (seq / "seqinfo.ini").write_text("[Sequence]\nimDir=img1\nframeRate=10\n")
    out = list(track_video(seq, model, img_size=IMG_SIZE, conf_thres=0.05, device="cpu"))
    assert [i for i, _, _ in out] == [1, 2]
    assert all(isinstance(t, FrameTracks) and f.shape == (H, W, 3) for _, f, t in out)


# ------------------------------------------------------------------------------------------ CLI


def test_parse_img_size():
    assert cli.parse_img_size("1088x608") == (1088, 608)
    assert cli.parse_img_size("576X320") == (576, 320)
    for bad in ["1088", "1088x600", "abcxdef", "0x32", "-32x32", "32x32x32"]:
        with pytest.raises(Exception, match="expected|multiples"):
            cli.parse_img_size(bad)


def test_track_command_end_to_end(checkpoint, tmp_path, capsys):
    clip = make_clip(6)
    video = write_video(tmp_path / "clip.mp4", clip, fps=25)
    txt, out_video = tmp_path / "out" / "results.txt", tmp_path / "out" / "annotated.mp4"
    rc = cli.main(["track", str(video), "--weights", str(checkpoint), "--img-size", "256x160",
                   "--conf-thres", "0.05", "--device", "cpu", "--output-txt", str(txt),
                   "--output-video", str(out_video), "--trails"])
    assert rc == 0, capsys.readouterr().err
    assert "frames            6" in capsys.readouterr().out
    lines = txt.read_text().splitlines()
    assert lines, "the calibrated random model should produce some kept boxes"
    for line in lines:
        fields = line.split(",")
        assert len(fields) == 10 and fields[6:] == ["1", "-1", "-1", "-1"]
        frame, tid = int(fields[0]), int(fields[1])
        x, y, w, h = map(float, fields[2:6])
        assert 1 <= frame <= 6 and tid >= 1
        assert all(math.isfinite(v) for v in (x, y, w, h))
        assert w * h > 100 and not w / h > 1.6  # the official output filter
    frames_seen = [int(line.split(",")[0]) for line in lines]
    assert frames_seen == sorted(frames_seen)
    annotated = open_source(out_video, video_size=None)  # written at the 1920x1080 of the tracked frames
    assert annotated.size == (1920, 1080) and annotated.fps == pytest.approx(25.0)
    assert len(list(annotated)) == 6


def _run_cli(argv, capsys):
    rc = cli.main(argv)
    return rc, capsys.readouterr().err


def test_track_command_reports_bad_input(checkpoint, tmp_path, capsys):
    video = write_video(tmp_path / "clip.mp4", make_clip(2), fps=25)
    base = ["--img-size", "256x160", "--device", "cpu", "--output-txt", str(tmp_path / "r.txt"), "-q"]

    rc, err = _run_cli(["track", str(tmp_path / "missing.mp4"), "--weights", str(checkpoint)] + base, capsys)
    assert rc == 1 and err.startswith("fairmot: error:") and "not found" in err and err.count("\n") == 1

    rc, err = _run_cli(["track", str(video), "--weights", str(tmp_path / "missing.pth")] + base, capsys)
    assert rc == 1 and "checkpoint not found" in err and err.count("\n") == 1

    corrupt = tmp_path / "corrupt.pth"
    corrupt.write_bytes(checkpoint.read_bytes()[:2000])
    rc, err = _run_cli(["track", str(video), "--weights", str(corrupt)] + base, capsys)
    assert rc == 1 and "corrupt.pth" in err and err.count("\n") == 1

    wrong = tmp_path / "wrong.pth"
    torch.save({"epoch": 1, "state_dict": {"foo.weight": torch.zeros(3)}}, wrong)
    rc, err = _run_cli(["track", str(video), "--weights", str(wrong)] + base, capsys)
    assert rc == 1 and "wrong.pth" in err and err.count("\n") == 1

    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"nope" * 100)
    rc, err = _run_cli(["track", str(broken), "--weights", str(checkpoint)] + base, capsys)
    assert rc == 1 and "broken.mp4" in err

    with pytest.raises(SystemExit) as exc:
        cli.main(["track", str(video), "--img-size", "250x160"])
    assert exc.value.code == 2 and "multiples of 32" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli.main(["track", str(video), "--conf-thres", "abc"])
    assert exc.value.code == 2
    assert not (tmp_path / "r.txt").exists()


def test_track_command_without_weights_and_without_builtin_model_says_why(tmp_path, capsys, monkeypatch):
    import fairmot.weights

    monkeypatch.setattr(fairmot.weights, "BUILTIN_WEIGHTS", tmp_path / "not-shipped.pth")
    video = write_video(tmp_path / "clip.mp4", make_clip(1), fps=25)
    rc, err = _run_cli(["track", str(video), "--device", "cpu", "--output-txt", str(tmp_path / "r.txt")], capsys)
    assert rc == 1 and "built-in model" in err and err.count("\n") == 1


# ------------------------------------------------------------------------------------------ argument rules

@pytest.mark.parametrize("option,name,text,value", [
    ("--conf-thres", "conf_thres", "0.4", 0.4),
    ("--conf-thres", "conf_thres", "0", 0.0),
    ("--conf-thres", "conf_thres", "1", 1.0),
    ("--conf-thres", "conf_thres", "-1", -1.0),
    ("--conf-thres", "conf_thres", "nan", math.nan),
    ("--track-buffer", "track_buffer", "30", 30),
    ("--track-buffer", "track_buffer", "0", 0),
    ("--track-buffer", "track_buffer", "-1", -1),
    ("--track-buffer", "track_buffer", str(2 ** 31), 2 ** 31),
    ("--img-size", "img_size", "256x160", (256, 160)),
    ("--img-size", "img_size", "250x160", (250, 160)),
    ("--img-size", "img_size", "0x32", (0, 32)),
    ("--device", "device", "cpu", "cpu"),
    ("--device", "device", "gpu", "gpu"),
    ("--device", "device", "CPU", "CPU"),
    ("--device", "device", "cuda:x", "cuda:x"),
    ("--dtype", "dtype", "float32", "float32"),
    ("--dtype", "dtype", "fp16", "fp16"),
    ("--arch", "arch", "dla34", "dla34"),
    ("--arch", "arch", "dla_34", "dla_34"),
    ("--arch", "arch", "yolo", "yolo"),
])
def test_tracker_accepts_exactly_what_fairmot_track_accepts(model, option, name, text, value):
    try:
        cli.build_parser().parse_args(["track", "clip.mp4", option, text])
        cli_ok = True
    except SystemExit as exc:
        assert exc.code == 2
        cli_ok = False
    kwargs = {"img_size": IMG_SIZE, "device": "cpu", name: value}
    try:
        Tracker(model, **kwargs)
        ok = True
    except ValueError as exc:
        assert name in str(exc) and repr(value) in str(exc)
        ok = False
    assert ok == cli_ok


@pytest.mark.parametrize("name,value,exc", [
    ("conf_thres", True, TypeError),
    ("conf_thres", "0.4", TypeError),
    ("track_buffer", 30.0, TypeError),
    ("track_buffer", False, TypeError),
    ("img_size", "256x160", TypeError),
    ("img_size", (256.0, 160), TypeError),
    ("img_size", (256, 160, 3), ValueError),
    ("frame_rate", 0, ValueError),
    ("frame_rate", math.inf, ValueError),
    ("frame_rate", True, TypeError),
    ("min_box_area", -1.0, ValueError),
    ("min_box_area", math.nan, ValueError),
    ("max_aspect_ratio", 0, ValueError),
    ("max_aspect_ratio", math.inf, ValueError),
    ("association", "bytes", ValueError),
    ("K", 0, ValueError),
    ("K", 2.5, TypeError),
    ("weights", 3, TypeError),
    ("device", 0, TypeError),
])
def test_tracker_rejects_bad_arguments_naming_them(model, name, value, exc):
    kwargs = {"weights": model, "img_size": IMG_SIZE, "device": "cpu", name: value}
    with pytest.raises(exc) as ei:
        Tracker(**kwargs)
    assert str(ei.value).startswith(f"{name} must be ") and repr(value) in str(ei.value)


def test_tracker_accepts_none_for_the_optional_filters_and_numpy_scalars(model):
    t = Tracker(model, img_size=np.array([256, 160]), device="cpu", min_box_area=None, max_aspect_ratio=None,
                conf_thres=np.float32(0.3), track_buffer=np.int64(20), frame_rate=np.int64(25), K=np.int32(100))
    assert t.detector.img_size == (256, 160) and t.association.max_time_lost == int(25 / 30 * 20)


# ------------------------------------------------------------------------------------------ seqinfo.ini frameRate

def _mot_sequence(root: Path, frame_rate: str | None) -> Path:
    write_pngs(root / "img1", n=2)
    rate = "" if frame_rate is None else f"frameRate={frame_rate}\n"
    (root / "seqinfo.ini").write_text(f"[Sequence]\nname=SEQ\nimDir=img1\n{rate}seqLength=2\n")
    return root


@pytest.mark.parametrize("rate", ["nan", "0", "-5", "inf", "1e400", "fast"])
def test_seqinfo_frame_rate_that_is_not_a_finite_positive_number_is_an_error_naming_the_file(tmp_path, rate):
    seq = _mot_sequence(tmp_path / "seq", rate)
    with pytest.raises(ValueError) as ei:
        open_source(seq)
    assert str(seq / "seqinfo.ini") in str(ei.value) and "frameRate" in str(ei.value) and rate in str(ei.value)
    with pytest.raises(ValueError, match="seqinfo.ini"):
        open_source(seq / "img1")  # found from the img1 folder too


def test_track_command_reports_a_bad_seqinfo_frame_rate(checkpoint, tmp_path, capsys):
    seq = _mot_sequence(tmp_path / "seq", "nan")
    rc, err = _run_cli(["track", str(seq), "--weights", str(checkpoint), "--img-size", "256x160", "--device", "cpu",
                        "--output-txt", str(tmp_path / "r.txt"), "-q"], capsys)
    assert rc == 1 and str(seq / "seqinfo.ini") in err and err.count("\n") == 1


def test_seqinfo_huge_frame_rate_keeps_lost_tracks_for_ever(model, tmp_path):
    seq = _mot_sequence(tmp_path / "seq", "1e300")
    src = open_source(seq)
    assert src.fps == 1e300
    tracker = Tracker(model, img_size=IMG_SIZE, device="cpu", frame_rate=src.frame_rate)
    assert tracker.association.max_time_lost == 2 ** 31 - 1  # saturated, not INT_MIN
    out = list(track_video(seq, model, img_size=IMG_SIZE, device="cpu"))
    assert [i for i, _, _ in out] == [1, 2]


def test_seqinfo_without_frame_rate_assumes_the_default_with_a_warning(tmp_path, caplog):
    seq = _mot_sequence(tmp_path / "seq", None)
    src = open_source(seq)
    assert src.fps == DEFAULT_FPS and "no frameRate" in caplog.text
