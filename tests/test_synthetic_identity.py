"""Synthetic scenes for identity over gaps and camera motion (fairmot.data.synthetic): occluders,
re-entry, camera shake, the presets and ``fairmot synth --preset``.

References are computed here from the rendered pixels and the ground truth alone: occluder masks from
frames rendered without people, visibility from pixel differences, camera motion by resampling an
earlier frame with a float64 bilinear interpolation written in this file.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from fairmot.cli import main
from fairmot.data.synthetic import (PRESETS, SceneConfig, camera_offsets, preset_config, render_sequence,
                                    sequence_config, write_sequence)


def _render(cfg: SceneConfig, seed: int):
    return list(render_sequence(cfg, seed))


def _gt_text(cfg: SceneConfig, seed: int) -> str:
    rows = []
    for t, (_, tr) in enumerate(render_sequence(cfg, seed), start=1):
        for pid, (x, y, w, h), v in zip(tr.ids, tr.tlwh, tr.visibility):
            rows.append(f"{t},{pid},{x:.2f},{y:.2f},{w:.2f},{h:.2f},1,1,{v:.4f}")
    return "\n".join(rows)


# ----------------------------------------------------------------------------------------- defaults unchanged

def test_default_scenes_are_unchanged():
    # sha256 of the ground truth of two default-feature scenes, computed with the renderer as it was
    # before occluders / re-entry / camera shake existed (the built-in model's training data and the
    # demo depend on these sequences). Any extra random draw would move every box.
    cases = [(SceneConfig(n_frames=30), 0, 360, "1b89cd85a5620ad08adce9b930f9498a1520097f7bc0497cb8507a7405a34737"),
             (replace(sequence_config(3, SceneConfig(n_frames=30), seed=1), camera_pan=30.0, poles=2), 5, 455,
              "054a03f9bce4ba498a21d2d50abefc7a513809b7aeb760b10df8ff483166777a")]
    for cfg, seed, n_rows, digest in cases:
        text = _gt_text(cfg, seed)
        assert len(text.splitlines()) == n_rows
        assert hashlib.sha256(text.encode()).hexdigest() == digest


def test_features_explicitly_off_render_the_default_scene():
    cfg = SceneConfig(width=160, height=96, n_frames=8, n_people=4, min_height=30, max_height=80, camera_pan=12.0)
    off = replace(cfg, occluders=0, reentry_prob=0.0, camera_shake=0.0)
    for (fa, ta), (fb, tb) in zip(_render(cfg, 3), _render(off, 3)):
        np.testing.assert_array_equal(fa, fb)
        np.testing.assert_array_equal(ta.tlwh, tb.tlwh)
        np.testing.assert_array_equal(ta.visibility, tb.visibility)
        assert ta.camera[1] == 0.0  # a horizontal pan only


# ----------------------------------------------------------------------------------------- re-entry

REENTRY = SceneConfig(width=200, height=120, n_frames=400, fps=10, n_people=3, min_height=30, max_height=80,
                      speed=(3.0, 5.0), poles=0, noise=0.0, min_visibility=0.01, reentry_prob=1.0)


def _presence(frames) -> dict[int, list[tuple[int, np.ndarray, float]]]:
    seen: dict[int, list[tuple[int, np.ndarray, float]]] = {}
    for t, (_, tr) in enumerate(frames):
        for pid, box, v in zip(tr.ids.tolist(), tr.tlwh, tr.visibility):
            seen.setdefault(pid, []).append((t, box, float(v)))
    return seen


def _gaps(track: list[tuple[int, np.ndarray, float]]) -> list[tuple[int, int]]:
    """(index before, index after) pairs in ``track`` where frames are missing in between."""
    return [(i, i + 1) for i in range(len(track) - 1) if track[i + 1][0] - track[i][0] > 1]


def _torso_colour(frame: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Mean BGR of the centre of the torso (the same for both walking directions)."""
    x, y, w, h = box
    cx = x + w / 2
    patch = frame[int(y + 0.25 * h):int(y + 0.45 * h), int(cx - 0.15 * w):int(cx + 0.15 * w)]
    return patch.reshape(-1, 3).astype(np.float64).mean(axis=0)


def _at_border(box: np.ndarray, width: int) -> str | None:
    x, _, w, _ = box
    if x < 1.0:
        return "left"
    if x + w > width - 1.0:
        return "right"
    return None


def test_reentering_people_come_back_with_their_id_after_two_seconds_on_the_side_they_left():
    frames = _render(REENTRY, 4)
    seen = _presence(frames)
    min_gap = 2 * REENTRY.fps
    returns = 0
    colours_checked = 0
    for pid, track in seen.items():
        for i, j in _gaps(track):
            (t0, box0, _), (t1, box1, _) = track[i], track[j]
            if t1 - t0 <= min_gap:
                continue  # a short gap: hidden behind somebody nearer
            returns += 1
            side = _at_border(box0, REENTRY.width)
            assert side is not None, f"id {pid} vanished mid-frame at t={t0} for {t1 - t0} frames"
            assert _at_border(box1, REENTRY.width) == side, f"id {pid} left {side} but came back elsewhere"
            # same look: the torso centre's colour in fully visible, fully inside frames before and after
            def clear(k):
                t, b, v = track[k]
                return v > 0.97 and b[0] >= 0 and b[0] + b[2] <= REENTRY.width
            before = [k for k in range(i, -1, -1) if clear(k)][:1]
            after = [k for k in range(j, len(track)) if clear(k)][:1]
            if before and after:
                ca = _torso_colour(frames[track[before[0]][0]][0], track[before[0]][1])
                cb = _torso_colour(frames[track[after[0]][0]][0], track[after[0]][1])
                assert np.abs(ca - cb).max() < 12.0, (pid, ca, cb)
                colours_checked += 1
    assert returns >= 3 and colours_checked >= 2


def test_without_reentry_nobody_comes_back_after_a_long_gap():
    frames = _render(replace(REENTRY, reentry_prob=0.0), 4)
    for pid, track in _presence(frames).items():
        for i, j in _gaps(track):
            assert track[j][0] - track[i][0] <= 2 * REENTRY.fps, pid
    ids = set().union(*(set(tr.ids.tolist()) for _, tr in frames))
    assert max(ids) > REENTRY.n_people + 3  # people left and new ones (new ids) came in


def test_reentry_probability_between_zero_and_one_brings_back_some():
    frames = _render(replace(REENTRY, reentry_prob=0.5, n_frames=600), 8)
    seen = _presence(frames)
    back = {pid for pid, tr in seen.items() for i, j in _gaps(tr) if tr[j][0] - tr[i][0] > 2 * REENTRY.fps}
    left = {pid for pid, tr in seen.items() if tr[-1][0] < len(frames) - 1 and pid not in back}
    assert back and left  # some came back, some did not


# ----------------------------------------------------------------------------------------- occluders

OCC = SceneConfig(width=240, height=140, n_frames=60, n_people=7, min_height=30, max_height=90, poles=0,
                  noise=0.0, min_visibility=0.0, speed=(1.5, 3.0), occluders=2)
OCC_SEED = 5


@pytest.fixture(scope="module")
def occlusion_renders():
    seed = OCC_SEED
    with_occ = _render(OCC, seed)
    without = _render(replace(OCC, occluders=0), seed)
    empty_occ = _render(replace(OCC, n_people=0, n_frames=1), seed)[0][0]
    empty = _render(replace(OCC, n_people=0, n_frames=1, occluders=0), seed)[0][0]
    return with_occ, without, empty_occ, empty


def test_occluders_do_not_change_the_people(occlusion_renders):
    with_occ, without, _, _ = occlusion_renders
    for (_, ta), (_, tb) in zip(with_occ, without):
        np.testing.assert_array_equal(ta.ids, tb.ids)
        np.testing.assert_array_equal(ta.tlwh, tb.tlwh)
        assert (ta.visibility <= tb.visibility + 1e-12).all()  # an occluder only ever hides


def test_occluded_people_are_hidden_in_the_pixels_and_visibility_matches_them(occlusion_renders):
    with_occ, without, empty_occ, empty = occlusion_renders
    occluder = (empty_occ != empty).any(axis=2)
    assert 0.05 < occluder.mean() < 0.6  # the occluders are large and drawn
    hidden = partly = in_front = 0
    for (fa, ta), (fb, tb) in zip(with_occ, without):
        boxes = tb.tlwh
        for k, (pid, box) in enumerate(zip(tb.ids, boxes)):
            x, y, w, h = box
            x1, y1, x2, y2 = int(np.floor(x)), int(np.floor(y)), int(np.ceil(x + w)), int(np.ceil(y + h))
            if tb.visibility[k] < 0.99 or x1 < 0 or y1 < 0 or x2 > OCC.width or y2 > OCC.height:
                continue
            others = np.delete(boxes, k, axis=0)
            if len(others) and ((others[:, 0] < x + w) & (others[:, 0] + others[:, 2] > x)
                                & (others[:, 1] < y + h) & (others[:, 1] + others[:, 3] > y)).any():
                continue  # alone in its box: its pixels are those that differ from the empty scene
            person = np.zeros(occluder.shape, np.uint8)
            person[y1:y2, x1:x2] = (fb[y1:y2, x1:x2] != empty[y1:y2, x1:x2]).any(axis=2)
            # drop the anti-aliased rim (blended with whatever is behind): the person's own pixels
            person = cv2.erode(person, np.ones((3, 3), np.uint8)).astype(bool)
            if person.sum() < 50:
                continue
            still_shown = (fa[person] == fb[person]).all(axis=1).mean()
            v = float(ta.visibility[k])
            assert abs(still_shown - v) < 0.15, (pid, still_shown, v)
            if v < 0.05:  # hidden: what shows there is the occluder, not the person
                assert (fa[person] == empty_occ[person]).all(axis=1).mean() > 0.9
                hidden += 1
            elif v < 0.9:
                partly += 1
            elif (person & occluder).sum() > 0.3 * person.sum():  # over the occluder: nearer than its base
                in_front += 1
    assert hidden >= 3 and partly >= 3 and in_front >= 1


def test_people_below_min_visibility_are_dropped_from_the_ground_truth(occlusion_renders):
    with_occ, without, _, _ = occlusion_renders
    listed = _render(replace(OCC, min_visibility=0.25), OCC_SEED)
    dropped_by_occluder = 0
    for (_, full), (_, plain), (_, gt) in zip(with_occ, without, listed):
        want = full.ids[full.visibility >= 0.25]
        np.testing.assert_array_equal(gt.ids, want)
        dropped_by_occluder += len(set(plain.ids[plain.visibility >= 0.25].tolist()) - set(gt.ids.tolist()))
    assert dropped_by_occluder > 10


# ----------------------------------------------------------------------------------------- camera shake

def _bilinear(img: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """out[v, u] = img[v + dy, u + dx], float64 bilinear; NaN where the sample leaves the image."""
    h, w = img.shape
    u, v = np.meshgrid(np.arange(w, dtype=np.float64) + dx, np.arange(h, dtype=np.float64) + dy)
    u0, v0 = np.floor(u).astype(int), np.floor(v).astype(int)
    fu, fv = u - u0, v - v0
    ok = (u0 >= 0) & (v0 >= 0) & (u0 + 1 < w) & (v0 + 1 < h)
    u0c, v0c = np.clip(u0, 0, w - 2), np.clip(v0, 0, h - 2)
    out = ((1 - fv) * ((1 - fu) * img[v0c, u0c] + fu * img[v0c, u0c + 1])
           + fv * ((1 - fu) * img[v0c + 1, u0c] + fu * img[v0c + 1, u0c + 1]))
    return np.where(ok, out, np.nan)


SHAKE = SceneConfig(width=200, height=120, n_frames=25, n_people=0, poles=0, noise=0.0, min_height=30,
                    max_height=80, camera_shake=10.0)


def test_camera_shake_moves_the_static_background_by_the_documented_offset():
    frames = _render(SHAKE, 7)
    cams = np.array([tr.camera for _, tr in frames])
    np.testing.assert_array_equal(cams, camera_offsets(SHAKE, 7))
    assert cams[:, 0].std() > 1.0 and cams[:, 1].std() > 0.3
    assert np.abs(cams[:, 0]).max() <= 1.3 * SHAKE.camera_shake + 1e-9
    assert np.abs(cams[:, 1]).max() <= 0.6 * SHAKE.camera_shake + 1e-9
    ref = frames[0][0].astype(np.float64).mean(axis=2)
    m = 20  # compare away from the frame border (where pixels enter the view)

    def err(t: int, dx: float, dy: float) -> float:
        want = _bilinear(ref, dx, dy)[m:-m, m:-m]
        got = frames[t][0].astype(np.float64).mean(axis=2)[m:-m, m:-m]
        ok = np.isfinite(want)
        return float(np.abs(got[ok] - want[ok]).mean())

    for t in range(1, SHAKE.n_frames, 3):
        dx, dy = cams[t] - cams[0]  # frame t at (u, v) shows frame 0 at (u + dx, v + dy)
        e = err(t, dx, dy)
        wrong = min(err(t, dx + sx, dy + sy) for sx, sy in ((1, 0), (-1, 0), (0, 1), (0, -1)))
        assert e < 2.5 and e < 0.5 * wrong, (t, e, wrong)


def test_camera_shake_ground_truth_is_in_image_coordinates():
    cfg = replace(SHAKE, n_people=4, speed=(0.0, 0.0), min_visibility=0.0, poles=0)  # people standing still
    frames = _render(cfg, 3)
    _, first = frames[0]
    assert len(first) == 4
    for _, tr in frames[1:]:
        np.testing.assert_array_equal(tr.ids, first.ids)
        shift = np.asarray(tr.camera) - np.asarray(first.camera)
        np.testing.assert_allclose(tr.tlwh[:, :2], first.tlwh[:, :2] - shift, atol=1e-9)
        np.testing.assert_allclose(tr.tlwh[:, 2:], first.tlwh[:, 2:], atol=1e-12)


def test_write_sequence_writes_camera_offsets_only_with_shake(tmp_path):
    cfg = replace(SHAKE, n_frames=4)
    write_sequence(tmp_path / "shake", cfg, seed=1)
    rows = np.loadtxt(tmp_path / "shake" / "gt" / "camera.txt", delimiter=",")
    np.testing.assert_array_equal(rows[:, 0], [1, 2, 3, 4])
    np.testing.assert_allclose(rows[:, 1:], camera_offsets(cfg, 1), atol=5e-7)
    write_sequence(tmp_path / "still", replace(cfg, camera_shake=0.0, camera_pan=10.0), seed=1)
    assert not (tmp_path / "still" / "gt" / "camera.txt").exists()


# ----------------------------------------------------------------------------------------- validation, presets

@pytest.mark.parametrize("field,value,error", [
    ("occluders", -1, ValueError), ("occluders", 17, ValueError), ("occluders", 1.5, TypeError),
    ("occluders", True, TypeError), ("reentry_prob", -0.1, ValueError), ("reentry_prob", 1.5, ValueError),
    ("reentry_prob", "0.5", ValueError), ("camera_shake", -1.0, ValueError), ("camera_shake", float("inf"), ValueError),
    ("camera_shake", float("nan"), ValueError), ("camera_shake", 1000.0, ValueError),
])
def test_new_fields_are_validated_naming_the_field(field, value, error):
    cfg = replace(SceneConfig(width=160, height=120, min_height=30, max_height=80), **{field: value})
    with pytest.raises(error, match=field):
        cfg.validate()


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_validate_and_keep_their_settings_across_dataset_variation(name):
    cfg = preset_config(name)
    assert cfg.validate() == cfg
    for key, value in PRESETS[name].items():
        assert getattr(cfg, key) == value
    assert cfg.occluders > 0 or cfg.reentry_prob > 0 or cfg.camera_shake > 0
    for k in range(3):
        varied = sequence_config(k, cfg, seed=11).validate()
        assert (varied.occluders, varied.reentry_prob, varied.camera_shake) == \
            (cfg.occluders, cfg.reentry_prob, cfg.camera_shake)


def test_preset_config_rejects_unknown_names():
    with pytest.raises(ValueError, match="preset"):
        preset_config("rain")
    with pytest.raises(TypeError, match="preset"):
        preset_config(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_are_deterministic_per_seed(name):
    cfg = replace(preset_config(name), width=160, height=96, n_frames=12, n_people=5, min_height=25, max_height=70,
                  camera_shake=min(preset_config(name).camera_shake, 8.0), camera_pan=min(preset_config(name).camera_pan, 10.0))
    a, b, c = _render(cfg, 21), _render(cfg, 21), _render(cfg, 22)
    for (fa, ta), (fb, tb) in zip(a, b):
        np.testing.assert_array_equal(fa, fb)
        np.testing.assert_array_equal(ta.ids, tb.ids)
        np.testing.assert_array_equal(ta.tlwh, tb.tlwh)
        assert ta.camera == tb.camera
    assert any(not np.array_equal(fa, fc) for (fa, _), (fc, _) in zip(a, c))


def _read_ini(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def test_synth_cli_preset_writes_those_settings(tmp_path, capsys):
    root = tmp_path / "mc"
    rc = main(["synth", str(root), "--preset", "moving-camera", "--sequences", "2", "--frames", "4", "--people", "3",
               "--size", "320x180", "--seed", "3"])
    assert rc == 0 and "data config" in capsys.readouterr().out
    cfg = json.loads((root / "synthetic.json").read_text())["synthetic"]["config"]
    assert cfg["n_frames"] == 4 and cfg["width"] == 320 and cfg["height"] == 180
    assert cfg["camera_shake"] == pytest.approx(PRESETS["moving-camera"]["camera_shake"] * 0.5)
    assert cfg["camera_pan"] == pytest.approx(PRESETS["moving-camera"]["camera_pan"] * 0.5)
    for k in (1, 2):
        seq = root / "images" / f"SYN-{k:02d}"
        assert _read_ini(seq / "seqinfo.ini")["seqLength"] == "4"
        assert len((seq / "gt" / "camera.txt").read_text().splitlines()) == 4

    rc = main(["synth", str(tmp_path / "re"), "--preset", "reentry", "--sequences", "1", "--frames", "3",
               "--size", "160x96", "--people", "2"])
    assert rc == 0
    cfg = json.loads((tmp_path / "re" / "synthetic.json").read_text())["synthetic"]["config"]
    assert cfg["reentry_prob"] == PRESETS["reentry"]["reentry_prob"] and cfg["occluders"] == 0
    assert not (tmp_path / "re" / "images" / "SYN-01" / "gt" / "camera.txt").exists()


def test_synth_cli_rejects_unknown_preset(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["synth", str(tmp_path / "x"), "--preset", "rain"])
    assert exc.value.code == 2 and "--preset" in capsys.readouterr().err
