"""Multi-class FairMOT from the network to the result file (issue 17 items 2, 3 and 7):

* ``build_model(arch, num_classes=C)`` for every architecture: C heatmap channels, the other heads
  unchanged; ``load_model`` reads C and the class names back;
* decoding: the top K over every class's peaks with class ids, against a torch reference written
  here (stable sort over (score, class, index));
* class ids through ``Detector`` -> ``Tracker`` / ``MultiStreamTracker`` -> ``Tracks``; a
  single-class network gives class 0 everywhere and the association of today, bit for bit;
* the detection cache stores class ids, reads old caches, and replay passes them on;
* ``fairmot track --classes`` / the class column / drawn class names.
"""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

import fairmot  # noqa: E402
from fairmot.cli import main  # noqa: E402
from fairmot.detection.detector import Detector  # noqa: E402
from fairmot.io.detections import DetectionCache, DetectionCacheWriter  # noqa: E402
from fairmot.io.mot import format_mot_lines  # noqa: E402
from fairmot.models import build_model, load_model, save_checkpoint  # noqa: E402
from fairmot.models.classes import class_labels, parse_class_selection  # noqa: E402
from fairmot.tracking import JDETracker  # noqa: E402
from fairmot.tracking.output import select_classes  # noqa: E402
from fairmot.tracking.replay import replay  # noqa: E402
from fairmot.tracking.types import Detections, Tracks  # noqa: E402
from multiclass_data import three_class_network  # noqa: E402
from streams import make_clip  # noqa: E402

NAMES = ["person", "cyclist", "car"]
IMG = (128, 64)


# ------------------------------------------------------------------------------------------ network

@pytest.mark.parametrize("arch", ["dla34", "dla34_tiny", "resdcn_18", "resdcn_34", "resfpndcn_18", "hrnet_18"])
def test_build_model_num_classes_every_architecture(arch):
    with torch.device("meta"):
        one = build_model(arch)
        three = build_model(arch, num_classes=3)
    a, b = one.state_dict(), three.state_dict()
    assert a.keys() == b.keys()
    hm_keys = [k for k in a if k.startswith("hm.")]
    last = max(hm_keys, key=lambda k: int(k.split(".")[1]))  # the heatmap's last conv (weight or bias)
    for k in a:
        if k.startswith("hm.") and k.split(".")[1] == last.split(".")[1]:
            assert b[k].shape[0] == 3 and a[k].shape[0] == 1 and a[k].shape[1:] == b[k].shape[1:], k
        else:
            assert a[k].shape == b[k].shape, k  # box, offset and identity heads shared, body unchanged
    assert three.heads == {"hm": 3, "wh": 4, "id": 128, "reg": 2}


def test_multiclass_forward_and_checkpoint_round_trip(tmp_path):
    torch.manual_seed(0)
    net = build_model("dla34_tiny", num_classes=3, head_conv=16).eval()
    with torch.no_grad():
        out = net(torch.rand(1, 3, 64, 128))
    assert out["hm"].shape == (1, 3, 16, 32) and out["wh"].shape == (1, 4, 16, 32)
    path = tmp_path / "mc.pth"
    save_checkpoint(path, net, meta={"arch": "dla34_tiny", "classes": NAMES})
    back = load_model(path)
    assert back.num_classes == 3 and back.class_names == NAMES and back.load_report.ok
    _same_state(back.state_dict(), net.state_dict())
    # a checkpoint without names: classes counted from the hm head, no names
    save_checkpoint(tmp_path / "unnamed.pth", net, meta={"arch": "dla34_tiny"})
    unnamed = load_model(tmp_path / "unnamed.pth")
    assert unnamed.num_classes == 3 and unnamed.class_names is None
    # official single-class layout: one class, no names
    save_checkpoint(tmp_path / "one.pth", build_model("dla34_tiny", head_conv=16))
    one = load_model(tmp_path / "one.pth")
    assert one.num_classes == 1 and one.class_names is None


def _same_state(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_bad_num_classes_and_class_names_are_refused(tmp_path):
    with pytest.raises(ValueError, match="num_classes must be >= 1"):
        build_model("dla34_tiny", num_classes=0)
    with pytest.raises(TypeError, match="num_classes must be an int"):
        build_model("dla34_tiny", num_classes="3")
    with pytest.raises(ValueError, match=r"contradicts heads\['hm'\]=2"):
        build_model("dla34_tiny", heads={"hm": 2, "wh": 4, "id": 8, "reg": 2}, num_classes=3)
    net = build_model("dla34_tiny", num_classes=3, head_conv=16)
    save_checkpoint(tmp_path / "two_names.pth", net, meta={"classes": ["a", "b"]})
    with pytest.raises(ValueError, match=r"meta\['classes'\] names 2 classes but the network has 3"):
        load_model(tmp_path / "two_names.pth")
    save_checkpoint(tmp_path / "dup.pth", net, meta={"classes": ["a", "a", "b"]})
    with pytest.raises(ValueError, match="appears twice"):
        load_model(tmp_path / "dup.pth")


# ------------------------------------------------------------------------------------------ decoding

def _reference_decode(hm, wh, reg, K):
    """Top K over every class's 3x3 peaks, by a stable descending sort of (class-major, index) order:
    the order heatmap_topk documents; boxes from ltrb distances (float32, as the network's maps)."""
    B, C, H, W = hm.shape
    peaks = hm * (F.max_pool2d(hm, 3, 1, 1) == hm).to(hm.dtype)
    out = []
    for b in range(B):
        flat = peaks[b].reshape(-1)  # class-major: index = c * H * W + y * W + x
        order = torch.sort(flat, descending=True, stable=True).indices[:K]
        cls, rest = order // (H * W), order % (H * W)
        ys, xs = (rest // W).float(), (rest % W).float()
        cx, cy = xs + reg[b, 0].reshape(-1)[rest], ys + reg[b, 1].reshape(-1)[rest]
        d = [wh[b, i].reshape(-1)[rest] for i in range(4)]
        boxes = torch.stack([cx - d[0], cy - d[1], cx + d[2], cy + d[3]], 1)
        out.append((boxes, flat[order], cls))
    return out


def test_detector_decodes_top_k_over_all_classes_with_class_ids():
    g = torch.Generator().manual_seed(3)
    B, C, H, W = 2, 3, 16, 32
    logits = F.avg_pool2d(torch.randn(B, C, H + 4, W + 4, generator=g) * 6, 5, 1)  # smooth: distinct peaks
    maps = {"hm": logits, "wh": torch.rand(B, 4, H, W, generator=g) * 5, "reg": torch.rand(B, 2, H, W, generator=g),
            "id": torch.randn(B, 8, H, W, generator=g)}
    det = Detector(build_model("dla34_tiny", num_classes=3, head_conv=8), img_size=(W * 4, H * 4), conf_thres=0.0,
                   K=40, device="cpu", fold_bn=False)
    assert det.num_classes == 3
    got = det.decode_batch(maps, [(W * 4, H * 4)] * B)  # frame = network input: the affine is x4
    ref = _reference_decode(maps["hm"].sigmoid(), maps["wh"], maps["reg"], 40)
    for d, (boxes, scores, cls) in zip(got, ref):
        assert len(d) == 40 and d.class_ids.dtype == np.int64
        assert set(d.class_ids.tolist()) == {0, 1, 2}  # peaks of every class among the top 40
        np.testing.assert_array_equal(d.class_ids, cls.numpy())
        np.testing.assert_array_equal(d.scores, scores.numpy())
        np.testing.assert_allclose(d.boxes, boxes.numpy() * 4, rtol=0, atol=1e-4)


# ------------------------------------------------------------------------------------------ tracker

@pytest.fixture(scope="module")
def three_class_net():
    """A random 3-class dla34_tiny with signal whose classes all fire on the synthetic clip, with
    nearly constant upright boxes (multiclass_data.three_class_network)."""
    net = three_class_network(IMG, make_clip(1)[0])
    net.class_names = list(NAMES)
    return net


def test_tracker_reports_the_class_of_each_tracks_detection(three_class_net):
    clip = make_clip(6)
    trk = fairmot.Tracker(copy.deepcopy(three_class_net), img_size=IMG, device="cpu", min_box_area=None,
                          max_aspect_ratio=None)
    assert trk.num_classes == 3 and trk.class_names == NAMES
    seen = set()
    ref = JDETracker()  # the association alone, fed the same detections with their class ids
    for frame in clip:
        dets = trk.detect(frame)
        assert dets.class_ids is not None and dets.class_ids.shape == (len(dets),)
        tracks = trk.associate(dets)
        res = ref.update(dets.boxes, dets.scores, dets.embeddings, class_ids=dets.class_ids)
        np.testing.assert_array_equal(tracks.ids, res.ids)
        np.testing.assert_array_equal(tracks.class_ids, res.class_ids)
        # a track reports the class of the detection it was matched to this frame
        np.testing.assert_array_equal(tracks.class_ids, dets.class_ids[tracks.det_index])
        seen.update(tracks.class_ids.tolist())
    assert seen == {0, 1, 2}, f"the clip must exercise every class, got {seen}"


def test_single_class_network_gives_class_0_and_todays_association(three_class_net):
    net = copy.deepcopy(three_class_net)  # keep the heatmap of class 0 only: a single-class network
    last = net.hm[-1]
    one = torch.nn.Conv2d(last.in_channels, 1, 1)
    with torch.no_grad():
        one.weight.copy_(last.weight[:1])
        one.bias.copy_(last.bias[:1])
    net.hm[-1] = one
    net.heads = dict(net.heads, hm=1)
    del net.class_names
    trk = fairmot.Tracker(net, img_size=IMG, device="cpu")
    old = JDETracker()  # today's call: no class ids at all
    n = 0
    for frame in make_clip(6):
        dets = trk.detect(frame)
        assert (dets.class_ids == 0).all()
        tracks = trk.associate(dets)
        res = old.update(dets.boxes, dets.scores, dets.embeddings)
        out = trk.output(res)
        np.testing.assert_array_equal(tracks.ids, out.ids)
        np.testing.assert_array_equal(tracks.tlwh, out.tlwh)  # bit for bit
        np.testing.assert_array_equal(tracks.scores, out.scores)
        assert (tracks.class_ids == 0).all()
        n += len(tracks)
    assert n > 0


def test_multistream_passes_class_ids_like_separate_trackers(three_class_net):
    from fairmot.multistream import MultiStreamTracker

    clips = [make_clip(4), make_clip(4)[::-1]]
    kw = dict(img_size=IMG, device="cpu", min_box_area=None, max_aspect_ratio=None)
    # one frame per network call: the same float32 maps as a lone Tracker (this random network has
    # scores near the threshold, which batch-size-dependent rounding could flip)
    mt = MultiStreamTracker(copy.deepcopy(three_class_net), streams=2, max_batch=1, **kw)
    singles = [fairmot.Tracker(copy.deepcopy(three_class_net), **kw) for _ in range(2)]
    total = 0
    for t in range(4):
        out = mt.update([clips[0][t], clips[1][t]])
        for s in range(2):
            ref = singles[s].update(clips[s][t])
            np.testing.assert_array_equal(out[s].ids, ref.ids)
            np.testing.assert_array_equal(out[s].class_ids, ref.class_ids)
            np.testing.assert_array_equal(out[s].tlwh, ref.tlwh)
            total += len(ref)
    assert total > 0


# ------------------------------------------------------------------------------------------ cache

def _random_dets(rng, n, classes=3):
    boxes = rng.uniform(0, 100, (n, 2)).astype(np.float32)
    boxes = np.concatenate([boxes, boxes + rng.uniform(10, 40, (n, 2)).astype(np.float32)], 1)
    emb = rng.normal(size=(n, 8)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    return Detections(boxes, rng.uniform(0.1, 1, n).astype(np.float32), emb,
                      class_ids=rng.integers(0, classes, n))


def test_cache_stores_class_ids_and_replay_uses_them(tmp_path):
    rng = np.random.default_rng(0)
    frames = [_random_dets(rng, n) for n in (5, 0, 7, 6, 6)]
    with DetectionCacheWriter(tmp_path / "c", chunk_frames=2) as w:
        for d in frames:
            w.add(d)
    cache = DetectionCache(tmp_path / "c")
    got = cache.frames()
    for d, f in zip(frames, got):
        b, s, e = f  # still unpacks as the 3-tuple
        np.testing.assert_array_equal(b, d.boxes)
        assert f.class_ids.dtype == np.int64
        np.testing.assert_array_equal(f.class_ids, d.class_ids)
    ref = JDETracker()
    for d, tracks in zip(frames, replay(cache, min_box_area=None, max_aspect_ratio=None)):
        res = ref.update(d.boxes, d.scores, d.embeddings, class_ids=d.class_ids)
        np.testing.assert_array_equal(tracks.ids, res.ids)
        np.testing.assert_array_equal(tracks.class_ids, res.class_ids)


def test_cache_without_class_ids_reads_as_class_0(tmp_path):
    rng = np.random.default_rng(1)
    frames = [_random_dets(rng, 4) for _ in range(3)]
    with DetectionCacheWriter(tmp_path / "old") as w:  # frames given as plain arrays: no class ids stored
        for d in frames:
            w.add(d.boxes, d.scores, d.embeddings)
    with np.load(tmp_path / "old" / "chunk-000000.npz") as z:
        assert "class_ids" not in z.files  # the layout of caches written before multi-class support
    cache = DetectionCache(tmp_path / "old")
    assert all(f.class_ids is None for f in cache)
    ref = JDETracker()
    for d, tracks in zip(frames, replay(cache)):
        res = ref.update(d.boxes, d.scores, d.embeddings)
        out = fairmot.tracking.output.output_tracks(res)
        np.testing.assert_array_equal(tracks.ids, out.ids)
        assert (tracks.class_ids == 0).all()


def test_cache_writer_rejects_bad_class_ids(tmp_path):
    d = _random_dets(np.random.default_rng(2), 3)
    w = DetectionCacheWriter(tmp_path / "c")
    with pytest.raises(TypeError, match="class_ids must hold integers"):
        w.add(d.boxes, d.scores, d.embeddings, class_ids=np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="class_ids must be non-negative"):
        w.add(d.boxes, d.scores, d.embeddings, class_ids=np.array([0, -1, 2]))
    with pytest.raises(ValueError, match=r"class_ids must be \(3,\)"):
        w.add(d.boxes, d.scores, d.embeddings, class_ids=np.array([0, 1]))
    assert w.frames == 0


# ------------------------------------------------------------------------------------------ output

def test_class_selection_parsing():
    assert parse_class_selection("person,car", 3, NAMES) == [0, 2]
    assert parse_class_selection("2, 0", 3, NAMES) == [0, 2]
    assert parse_class_selection(["cyclist", 2], 3, NAMES) == [1, 2]
    assert parse_class_selection("1", 3, None) == [1]
    for bad in ("truck", "3", "-1", "", "person,,car", "1.0"):
        with pytest.raises(ValueError, match="--classes"):
            parse_class_selection(bad, 3, NAMES, what="--classes")
    with pytest.raises(TypeError):
        parse_class_selection(2, 3, NAMES)
    assert class_labels(3, ["a"]) == ["a", "1", "2"]


def test_select_classes_and_class_column():
    tracks = Tracks(np.array([1, 2, 3, 4]), np.arange(16, dtype=np.float64).reshape(4, 4) + 1, np.ones(4),
                    np.arange(4), np.array([0, 2, 1, 2]))
    kept = select_classes(tracks, [2])
    assert kept.ids.tolist() == [2, 4] and kept.class_ids.tolist() == [2, 2] and kept.det_index.tolist() == [1, 3]
    assert select_classes(Tracks(tracks.ids, tracks.tlwh, tracks.scores), [0]).ids.tolist() == [1, 2, 3, 4]
    lines = format_mot_lines(7, tracks, class_column=True)
    assert lines[1] == "7,2,5.0,6.0,7.0,8.0,1,3,-1,-1"  # class 2 -> 3 (1-based, MOT / VisDrone numbering)
    assert [ln.split(",")[7] for ln in lines] == ["1", "3", "2", "3"]
    assert format_mot_lines(7, tracks) == [f"7,{i},{a},{b},{c},{d},1,-1,-1,-1" for i, (a, b, c, d) in
                                           zip([1, 2, 3, 4], tracks.tlwh.tolist())]


def test_draw_tracks_adds_class_names_only_when_asked():
    from fairmot.io.draw import draw_tracks

    frame = np.zeros((120, 200, 3), np.uint8)
    tracks = Tracks(np.array([1, 2]), np.array([[10.0, 10, 40, 80], [100, 20, 60, 30]]), np.ones(2), None,
                    np.array([0, 2]))
    plain = draw_tracks(frame, tracks)
    same = draw_tracks(frame, Tracks(tracks.ids, tracks.tlwh, tracks.scores))
    assert np.array_equal(plain, same)  # without class_names the class ids change nothing
    named = draw_tracks(frame, tracks, class_names=NAMES)
    assert not np.array_equal(named, plain)
    # track 2's label reads "2 car": its filled background reaches past the width of "2" alone
    import cv2

    (narrow, th), _ = cv2.getTextSize("2", cv2.FONT_HERSHEY_PLAIN, 1.0, 1)
    (wide, _), _ = cv2.getTextSize("2 car", cv2.FONT_HERSHEY_PLAIN, 1.0, 1)
    row, col = 20 - th // 2, 100 + (narrow + 2 + wide) // 2  # inside the wide label only, above the box
    assert named[row, col].any() and not plain[row, col].any()


def _write_cache(folder, frames, names):
    meta = {"frame_rate": 30, "score_floor": 0.05, "tracker": {"conf_thres": 0.4},
            "detector": {"num_classes": len(names) if names else 1, "class_names": names}}
    with DetectionCacheWriter(folder, meta=meta) as w:
        for d in frames:
            w.add(d)


def test_cli_classes_filter_after_association_and_class_column(tmp_path):
    rng = np.random.default_rng(5)
    # three objects of each class moving slowly, stable embeddings per object
    base = rng.uniform(50, 300, (9, 2)).astype(np.float32)
    emb = rng.normal(size=(9, 16)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    cls = np.repeat(np.arange(3), 3)
    frames = []
    for t in range(8):
        xy = base + t * 2.0
        boxes = np.concatenate([xy, xy + np.array([30, 70], np.float32)], 1).astype(np.float32)
        frames.append(Detections(boxes, np.full(9, 0.9, np.float32), emb, class_ids=cls))
    _write_cache(tmp_path / "det", frames, NAMES)
    assert main(["track", "--from-detections", str(tmp_path / "det"), "--output-txt", str(tmp_path / "all.txt")]) == 0
    assert main(["track", "--from-detections", str(tmp_path / "det"), "--output-txt", str(tmp_path / "sel.txt"),
                 "--classes", "car,0"]) == 0
    rows = [ln.split(",") for ln in (tmp_path / "all.txt").read_text().splitlines()]
    sel = (tmp_path / "sel.txt").read_text().splitlines()
    assert len(rows) == 8 * 9 and {r[7] for r in rows} == {"1", "2", "3"}
    # the selection is the unfiltered file's lines of classes person (1) and car (3): same ids
    assert sel == [",".join(r) for r in rows if r[7] in ("1", "3")]
    # the reference: the association alone with class ids, then the class filter, written 1-based
    ref, expected = JDETracker(), []
    for n, d in enumerate(frames, start=1):
        res = ref.update(d.boxes, d.scores, d.embeddings, class_ids=d.class_ids)
        out = select_classes(fairmot.tracking.output.output_tracks(res), [0, 2])
        expected += format_mot_lines(n, out, class_column=True)
    assert sel == expected
    rc = main(["track", "--from-detections", str(tmp_path / "det"), "--output-txt", str(tmp_path / "x.txt"),
               "--classes", "truck"])
    assert rc != 0 and not (tmp_path / "x.txt").exists()


def test_cli_single_class_cache_output_unchanged_unless_asked(tmp_path):
    rng = np.random.default_rng(6)
    frames = []
    for _ in range(4):
        d = _random_dets(rng, 5, classes=1)
        frames.append(d)
    _write_cache(tmp_path / "det", frames, None)
    main(["track", "--from-detections", str(tmp_path / "det"), "--output-txt", str(tmp_path / "a.txt")])
    text = (tmp_path / "a.txt").read_text()
    assert text and all(ln.endswith(",1,-1,-1,-1") for ln in text.splitlines())
    main(["track", "--from-detections", str(tmp_path / "det"), "--output-txt", str(tmp_path / "b.txt"),
          "--class-column"])
    assert (tmp_path / "b.txt").read_text() == text.replace(",1,-1,-1,-1\n", ",1,1,-1,-1\n")


def test_cli_output_filter_options_keep_wide_classes(tmp_path):
    rng = np.random.default_rng(7)
    base = rng.uniform(50, 300, (4, 2)).astype(np.float32)
    emb = rng.normal(size=(4, 16)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    frames = []
    for t in range(5):  # two upright people (class 0) and two wide cars (class 2, w / h = 2.5)
        xy = base + t * 2.0
        size = np.array([[30, 70], [30, 70], [75, 30], [75, 30]], np.float32)
        frames.append(Detections(np.concatenate([xy, xy + size], 1), np.full(4, 0.9, np.float32), emb,
                                 class_ids=np.array([0, 0, 2, 2])))
    _write_cache(tmp_path / "det", frames, NAMES)
    main(["track", "--from-detections", str(tmp_path / "det"), "--output-txt", str(tmp_path / "official.txt")])
    main(["track", "--from-detections", str(tmp_path / "det"), "--output-txt", str(tmp_path / "all.txt"),
          "--max-aspect-ratio", "none"])
    official = [ln.split(",") for ln in (tmp_path / "official.txt").read_text().splitlines()]
    every = [ln.split(",") for ln in (tmp_path / "all.txt").read_text().splitlines()]
    assert {r[7] for r in official} == {"1"}  # the official 1.6 bound drops the cars
    assert {r[7] for r in every} == {"1", "3"} and len(every) == 4 * 5
    expected = []
    for n, tracks in enumerate(replay(DetectionCache(tmp_path / "det"), max_aspect_ratio=None), start=1):
        expected += format_mot_lines(n, tracks, class_column=True)
    assert [",".join(r) for r in every] == expected
    with pytest.raises(SystemExit):
        main(["track", "--from-detections", str(tmp_path / "det"), "--max-aspect-ratio", "-1"])


def test_cached_frames_pickle_with_their_class_ids(tmp_path):
    import pickle

    d = _random_dets(np.random.default_rng(8), 3)
    with DetectionCacheWriter(tmp_path / "c") as w:
        w.add(d)
    frame = DetectionCache(tmp_path / "c").frames()[0]
    back = pickle.loads(pickle.dumps(frame))  # fairmot tune sends cached frames to worker processes
    assert len(back) == 3 and np.array_equal(back[0], d.boxes) and np.array_equal(back.class_ids, d.class_ids)
    assert back.detections().class_ids.tolist() == d.class_ids.tolist()
