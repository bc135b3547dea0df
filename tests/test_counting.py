"""fairmot.LineCounter / fairmot.ZoneCounter against a slow offline reference computed from the
synthetic sequences' ground truth (run-length encoding of each track's sides, written independently
of the counters' streaming state machine), plus flicker, id -1, forgetting and bad-input cases."""
from __future__ import annotations

import math

import numpy as np
import pytest

import fairmot
from fairmot.counting import LineCounter, ZoneCounter, parse_line, parse_polygon
from fairmot.data.synthetic import SceneConfig, render_sequence
from fairmot.tracking.types import Tracks


# ------------------------------------------------------------------------------------------ reference
def _ref_line_label(line, x, y):
    """+1 / -1 side, 0 beyond the ends, None exactly on the line (python floats, one point)."""
    (ax, ay), (bx, by) = line
    dx, dy = bx - ax, by - ay
    det = dx * (y - ay) - dy * (x - ax)
    t = ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)
    if not 0.0 <= t <= 1.0:
        return 0
    if det == 0:
        return None
    return 1 if det > 0 else -1


def _ref_zone_label(polygon, x, y):
    import cv2

    return 1 if cv2.pointPolygonTest(np.asarray(polygon, np.float32).reshape(-1, 1, 2), (float(x), float(y)),
                                     False) >= 0 else 0


def _observations(truth_frames):
    """{id: [(frame, x, y), ...]} of bottom-centre anchors, frames 1-based."""
    obs = {}
    for t, (ids, tlwh) in enumerate(truth_frames, start=1):
        for tid, (x, y, w, h) in zip(ids.tolist(), tlwh.tolist()):
            if tid < 0:
                continue
            obs.setdefault(tid, []).append((t, x + w / 2.0, y + h))
    return obs


def _confirmed_runs(track_obs, label, min_frames, max_age):
    """Per life of a track (split where it is missing > max_age frames): (first frame, last frame,
    the list of (confirm_frame, value) of its runs of >= min_frames equal labels, repeats merged)."""
    lives, cur, last = [], [], None  # a life: [(frame, label)]
    for t, x, y in track_obs:
        if last is not None and t - last > max_age:
            lives.append(cur)
            cur = []
        cur.append((t, label(x, y)))
        last = t
    lives.append(cur)
    out = []
    for life in lives:
        first, last = life[0][0], life[-1][0]
        life = [(t, v) for t, v in life if v is not None]
        runs = []  # [value, length, frame of the min_frames-th element]
        for t, v in life:
            if runs and runs[-1][0] == v:
                runs[-1][1] += 1
            else:
                runs.append([v, 1, None])
            if runs[-1][1] == min_frames:
                runs[-1][2] = t
        kept = []
        for v, n, tc in runs:
            if n >= min_frames and (not kept or kept[-1][1] != v):
                kept.append((tc, v))
        out.append((first, last, kept))
    return out


def reference_line(truth_frames, line, min_frames, max_age):
    events = []
    for tid, track in _observations(truth_frames).items():
        for _, _, kept in _confirmed_runs(track, lambda x, y: _ref_line_label(line, x, y), min_frames, max_age):
            for (_, a), (tc, b) in zip(kept, kept[1:]):
                if (a, b) == (-1, 1):
                    events.append((tc, tid, "in"))
                elif (a, b) == (1, -1):
                    events.append((tc, tid, "out"))
    return sorted(events)


def reference_zone(truth_frames, polygon, min_frames, max_age):
    """(sorted enter/exit events, per-frame occupancy list, per-frame cumulative total list)."""
    n = len(truth_frames)
    events, occupancy, entered_at = [], [0] * n, []
    present = [set(int(i) for i in ids if i >= 0) for ids, _ in truth_frames]
    for tid, track in _observations(truth_frames).items():
        for first, last, kept in _confirmed_runs(track, lambda x, y: _ref_zone_label(polygon, x, y), min_frames,
                                                 max_age):
            prev = None
            for tc, v in kept:
                if v == 1:
                    events.append((tc, tid, "enter"))
                elif prev == 1:
                    events.append((tc, tid, "exit"))
                prev = v
            enters = [tc for tc, v in kept if v == 1]
            if enters:
                entered_at.append(enters[0])
            for t in range(first, last + 1):  # confirmed state at frame t: the last run confirmed by t
                if tid not in present[t - 1]:
                    continue
                state = [v for tc, v in kept if tc <= t]
                if state and state[-1] == 1:
                    occupancy[t - 1] += 1
    totals = [sum(1 for e in entered_at if e <= t) for t in range(1, n + 1)]
    return sorted(events), occupancy, totals


# ------------------------------------------------------------------------------------------ data
def _truth(seed=3, n_frames=150, noise=0.0):
    cfg = SceneConfig(n_frames=n_frames, n_people=14, speed=(1.5, 4.0))
    rng = np.random.default_rng(seed)
    frames = []
    for _, truth in render_sequence(cfg, seed=seed):
        tlwh = truth.tlwh.copy()
        if noise:
            tlwh[:, :2] += rng.normal(0.0, noise, (len(tlwh), 2))
        frames.append((truth.ids.copy(), tlwh))
    return frames


@pytest.fixture(scope="module")
def truth():
    return _truth()


@pytest.fixture(scope="module")
def noisy_truth():
    return _truth(seed=5, noise=4.0)


def _run_line(frames, line, min_frames, max_age):
    c = LineCounter(line, min_frames=min_frames, max_age=max_age)
    events = []
    for ids, tlwh in frames:
        events += [(e.frame, e.track_id, e.direction) for e in c.update(ids, tlwh)]
    return c, sorted(events)


LINES = [(320.0, 0.0, 320.0, 360.0), (100.0, 300.0, 560.0, 200.0), (400.0, 360.0, 250.0, 100.0)]


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("min_frames,max_age", [(2, 60), (1, 60), (4, 3)])
def test_line_counter_equals_reference_on_ground_truth(truth, line, min_frames, max_age):
    pts = ((line[0], line[1]), (line[2], line[3]))
    ref = reference_line(truth, pts, min_frames, max_age)
    c, got = _run_line(truth, line, min_frames, max_age)
    assert got == ref
    assert c.in_count == sum(1 for e in ref if e[2] == "in")
    assert c.out_count == sum(1 for e in ref if e[2] == "out")


def test_ground_truth_has_crossings(truth):
    """The scene is busy enough for the comparison above to mean something."""
    pts = ((320.0, 0.0), (320.0, 360.0))
    ref = reference_line(truth, pts, 2, 60)
    assert len(ref) >= 3 and {e[2] for e in ref} == {"in", "out"}


@pytest.mark.parametrize("line", LINES[:2])
def test_line_counter_equals_reference_with_jitter(noisy_truth, line):
    """Anchors jittered by 4 px flicker across the line: the debounced counts still equal the reference,
    and min_frames=1 counts more than min_frames=3 (the flickers)."""
    pts = ((line[0], line[1]), (line[2], line[3]))
    counts = {}
    for m in (1, 3):
        ref = reference_line(noisy_truth, pts, m, 60)
        _, got = _run_line(noisy_truth, line, m, 60)
        assert got == ref
        counts[m] = len(ref)
    assert counts[1] > counts[3]


ZONES = [[(200, 150), (450, 150), (450, 330), (200, 330)], [(50, 200), (300, 120), (600, 340), (80, 350)]]


@pytest.mark.parametrize("polygon", ZONES)
@pytest.mark.parametrize("frames_name,min_frames", [("truth", 2), ("noisy_truth", 3), ("noisy_truth", 1)])
def test_zone_counter_equals_reference(request, polygon, frames_name, min_frames):
    frames = request.getfixturevalue(frames_name)
    ref_events, ref_occ, ref_total = reference_zone(frames, polygon, min_frames, 60)
    z = ZoneCounter(np.array(polygon, float).ravel(), min_frames=min_frames, max_age=60)
    events, occ, total = [], [], []
    for ids, tlwh in frames:
        events += [(e.frame, e.track_id, e.direction) for e in z.update(Tracks(ids, tlwh, np.ones(len(ids))))]
        occ.append(z.occupancy)
        total.append(z.total)
    assert sorted(events) == ref_events
    assert occ == ref_occ
    assert total == ref_total
    assert max(ref_occ) >= 2 and ref_total[-1] >= 3


# ------------------------------------------------------------------------------------------ scripted
def _walk(xs, tid=1, y=100.0):
    """Frames of one track whose anchor x follows ``xs`` (w=20, h=50: anchor (x, y + 50))."""
    return [(np.array([tid]), np.array([[x - 10.0, y, 20.0, 50.0]])) for x in xs]


def _events(counter, frames):
    out = []
    for ids, tlwh in frames:
        out += [(e.frame, e.track_id, e.direction) for e in counter.update(ids, tlwh)]
    return out


def test_one_frame_flicker_never_counts():
    c = LineCounter("50,0,50,400")  # a vertical line at x = 50; the anchor jumps across for one frame
    assert _events(c, _walk([40, 40, 40, 60, 40, 40, 60, 40, 40])) == []
    assert (c.in_count, c.out_count) == (0, 0)


def test_direction_convention_and_return():
    # line drawn left to right: the positive side is below it (image y grows downwards) -> "in" is downwards
    c = LineCounter((0, 100, 200, 100))
    down_up_down = [80, 80, 120, 120, 120, 80, 80, 120, 120]
    frames = [(np.array([7]), np.array([[90.0, y - 50.0, 20.0, 50.0]])) for y in down_up_down]
    assert _events(c, frames) == [(4, 7, "in"), (7, 7, "out"), (9, 7, "in")]
    assert (c.in_count, c.out_count) == (2, 1)


def test_each_direction_once_without_a_real_return():
    c = LineCounter((0, 100, 200, 100), min_frames=3)
    ys = [80] * 3 + [120] * 3 + [80, 80] + [120] * 5  # the return lasts 2 < 3 frames: no second crossing
    frames = [(np.array([3]), np.array([[90.0, y - 50.0, 20.0, 50.0]])) for y in ys]
    assert _events(c, frames) == [(6, 3, "in")]


def test_negative_ids_never_count_and_missing_frames_keep_the_run():
    c = LineCounter((0, 100, 200, 100))
    ys = [80, 80, 120, 120, 120]
    frames = [(np.array([-1]), np.array([[90.0, y - 50.0, 20.0, 50.0]])) for y in ys]
    assert _events(c, frames) == [] and c.tracked == 0
    c2 = LineCounter((0, 100, 200, 100))
    box = (lambda y: np.array([[90.0, y - 50.0, 20.0, 50.0]]))
    empty = (np.zeros(0, np.int64), np.zeros((0, 4)))
    seq = [(np.array([4]), box(80)), (np.array([4]), box(80)), (np.array([4]), box(120)), empty,
           (np.array([4]), box(120))]
    assert _events(c2, seq) == [(5, 4, "in")]


def test_walking_round_the_end_does_not_count():
    c = LineCounter((0, 100, 200, 100))
    xs_ys = [(100, 80)] * 2 + [(300, 80)] * 2 + [(300, 120)] * 2 + [(100, 120)] * 3
    frames = [(np.array([1]), np.array([[x - 10.0, y - 50.0, 20.0, 50.0]])) for x, y in xs_ys]
    assert _events(c, frames) == []


def test_forgotten_after_max_age():
    c = LineCounter((0, 100, 200, 100), max_age=5)
    box = (lambda y: np.array([[90.0, y - 50.0, 20.0, 50.0]]))
    empty = (np.zeros(0, np.int64), np.zeros((0, 4)))
    seq = [(np.array([2]), box(80))] * 2 + [empty] * 6 + [(np.array([2]), box(120))] * 3
    assert _events(c, seq) == []  # the return after 7 frames is a new track: no confirmed first side
    assert c.tracked == 1
    for _ in range(6):
        c.update(*empty)
    assert c.tracked == 0
    many = LineCounter((0, 100, 200, 100), max_age=2)
    for t in range(50):
        many.update(np.array([t]), box(80))
    assert many.tracked <= 3


def test_zone_occupancy_and_unique_total():
    z = ZoneCounter("0,0,100,0,100,100,0,100")
    box = (lambda x: np.array([[x - 10.0, 50.0, 20.0, 40.0]]))  # anchor (x, 90)
    xs = [150, 150, 50, 50, 50, 150, 50, 150, 150, 50, 50]  # enter, flicker out, flicker in, exit, re-enter
    occ, tot = [], []
    for x in xs:
        z.update(np.array([9]), box(x))
        occ.append(z.occupancy)
        tot.append(z.total)
    assert occ == [0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 1]
    assert tot == [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]  # the same track re-entering is counted once
    z.update(np.zeros(0, np.int64), np.zeros((0, 4)))
    assert z.occupancy == 0 and z.total == 1


def test_zone_boundary_is_inside():
    z = ZoneCounter([(0, 0), (10, 0), (10, 10), (0, 10)])
    pts = np.array([[0, 5], [10, 10], [5, 5], [10.0001, 5], [5, 0]])
    assert z.contains(pts).tolist() == [True, True, True, False, True]


def test_accepts_tracks_objects_and_exported():
    assert fairmot.LineCounter is LineCounter and fairmot.ZoneCounter is ZoneCounter
    c = LineCounter([[0, 100], [200, 100]])
    for y in (80, 80, 120, 120):
        c.update(Tracks(np.array([1]), np.array([[90.0, y - 50.0, 20.0, 50.0]]), np.array([0.9])))
    assert c.in_count == 1


@pytest.mark.parametrize("bad,exc,match", [
    ("1,2,3", ValueError, "pairs"), ("1,2,1,2", ValueError, "different"), ("a,b,c,d", ValueError, "numbers"),
    ([0, 0, 1, float("nan")], ValueError, "finite"), ([[0, 0, 1]], ValueError, "pairs"),
    (["x", "y", "z", "w"], TypeError, "real"), ("1,2,3,4,5,6", ValueError, "two points")])
def test_bad_lines(bad, exc, match):
    with pytest.raises(exc, match=match):
        LineCounter(bad)


@pytest.mark.parametrize("bad,match", [("0,0,1,1", "3 vertices"), ("0,0,1,1,2,2", "no area"),
                                       ("0,0,1,0,1,inf", "finite")])
def test_bad_polygons(bad, match):
    with pytest.raises(ValueError, match=match):
        ZoneCounter(bad)


@pytest.mark.parametrize("kw,exc", [({"min_frames": 0}, ValueError), ({"min_frames": 1.5}, TypeError),
                                    ({"max_age": -1}, ValueError), ({"min_frames": True}, TypeError)])
def test_bad_options(kw, exc):
    with pytest.raises(exc, match=next(iter(kw))):
        LineCounter("0,0,1,1", **kw)


def test_bad_frames_raise_and_keep_state():
    c = LineCounter((0, 100, 200, 100))
    box = (lambda y: np.array([[90.0, y - 50.0, 20.0, 50.0]]))
    c.update(np.array([1]), box(80))
    c.update(np.array([1]), box(80))
    c.update(np.array([1]), box(120))
    frame, tracked = c.frame, c.tracked
    bad = [((np.array([1, 1]), np.vstack([box(120), box(120)])), ValueError, "unique"),
           ((np.array([1]), np.array([[0.0, np.nan, 1.0, 1.0]])), ValueError, "finite"),
           ((np.array([1]), np.zeros((2, 4))), ValueError, "shape"),
           ((np.array([1.5]), box(120)), TypeError, "integers"),
           ((np.array([[1]]), box(120)), ValueError, "ids"),
           ((np.array(["a"]), box(120)), TypeError, "integers"),
           ((np.array([1]), np.array([["a", "b", "c", "d"]])), TypeError, "real")]
    for args, exc, match in bad:
        with pytest.raises(exc, match=match):
            c.update(*args)
    with pytest.raises(TypeError, match="Tracks"):
        c.update([1, 2, 3])
    assert (c.frame, c.tracked, c.in_count) == (frame, tracked, 0)
    c.update(np.array([1]), box(120))  # the interrupted run continues: confirmed now
    assert c.in_count == 1


def test_parse_helpers():
    assert parse_line("1, 2,3,4").tolist() == [[1, 2], [3, 4]]
    assert parse_polygon([0, 0, 4, 0, 0, 3]).shape == (3, 2)
    assert math.isclose(float(parse_line(np.array([[0.5, 1], [2, 3]]))[0, 0]), 0.5)


# ------------------------------------------------------------------------------------------ CLI
def test_track_command_writes_counts_csv(tmp_path, capsys):
    """``fairmot track --count-line --zone`` with the built-in model on a short synthetic sequence:
    one counts.csv row per frame, columns as documented, equal to the counters fed results.txt."""
    pytest.importorskip("torch")
    from fairmot import cli
    from fairmot.counting import CountingSet
    from fairmot.data.synthetic import write_sequence
    from fairmot.weights import default_weights

    if default_weights() is None:
        pytest.skip("no built-in model in this build")
    seq = tmp_path / "seq"
    write_sequence(seq, SceneConfig(n_frames=24, n_people=10, speed=(2.0, 4.0)), seed=1)
    out = tmp_path / "out"
    argv = ["track", str(seq), "--device", "cpu", "--output-txt", str(out / "r.txt"), "-q",
            "--count-line", "320,0,320,360", "--count-line", "0,250,640,250", "--zone", "100,100,400,100,400,360,100,360",
            "--count-min-frames", "2", "--counts-csv", str(out / "counts.csv"), "--output-video", str(out / "v.mp4")]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "line1 in/out" in printed and "zone1 now/total" in printed
    rows = (out / "counts.csv").read_text().splitlines()
    assert rows[0] == ("frame,line1_in,line1_out,line2_in,line2_out,zone1_occupancy,zone1_total")
    assert [int(r.split(",")[0]) for r in rows[1:]] == list(range(1, 25))
    per_frame = {t: ([], []) for t in range(1, 25)}
    for line in (out / "r.txt").read_text().splitlines():
        f = line.split(",")
        per_frame[int(f[0])][0].append(int(f[1]))
        per_frame[int(f[0])][1].append([float(v) for v in f[2:6]])
    again = CountingSet(["320,0,320,360", "0,250,640,250"], ["100,100,400,100,400,360,100,360"], min_frames=2)
    expected = [",".join(map(str, again.update(np.array(ids, np.int64), np.array(b, float).reshape(-1, 4))))
                for ids, b in per_frame.values()]
    assert rows[1:] == expected
    assert int(rows[-1].split(",")[6]) >= 1  # somebody was seen in the zone
    with pytest.raises(SystemExit):
        cli.main(["track", str(seq), "--count-line", "1,2,3"])
    assert "--count-line" in capsys.readouterr().err


def test_draw_counts_draws_lines_and_zones():
    pytest.importorskip("cv2")
    from fairmot.io.draw import draw_counts

    frame = np.zeros((120, 160, 3), np.uint8)
    line, zone = LineCounter("10,60,150,60"), ZoneCounter("20,20,60,20,60,50,20,50")
    out = draw_counts(frame, [line], [zone])
    assert out.shape == frame.shape and out.dtype == np.uint8 and not frame.any()  # a copy
    assert out[60, 80].any() and out[35, 20].any()  # on the line, on the zone's left edge
    with pytest.raises(ValueError, match="uint8"):
        draw_counts(np.zeros((4, 4), np.float32), [line])
