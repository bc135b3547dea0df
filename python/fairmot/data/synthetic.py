"""Synthetic crowds: seeded pedestrian-like video sequences with exact ground truth.

No public dataset can be downloaded where fairmot is developed and tested, so the project makes
its own: a textured street-like background, people-like figures (head, hair, torso with an
identity-specific shirt colour and pattern, arms, walking legs, optional bag) whose size follows a
simple ground-plane perspective (people lower in the frame are nearer and taller), walking paths
that cross in both directions, occlusions between people and by static poles, entries and exits
at the borders, and optional slow camera panning. Everything is a pure function of a seed.

Three opt-in features exercise identity over gaps and camera motion (all off by default; when off
they draw no random numbers, so default sequences are byte-identical to earlier versions):
``occluders`` (large static kiosks / parked vans that hide the people walking behind them for
seconds), ``reentry_prob`` (people who leave come back 2 to 10 s later, same appearance, same
ground-truth id) and ``camera_shake`` (a per-frame camera offset: jitter plus slow pans). The
:data:`PRESETS` combine them (``fairmot synth --preset``; docs/synthetic.md).

A sequence is written in the MOT Challenge layout (``img1/000001.jpg``, ``gt/gt.txt``,
``seqinfo.ini``) and, for training, JDE labels (``labels_with_ids``,
docs/official_behaviour.md §5.1). Ground-truth rows
are ``frame, id, x, y, w, h, 1, 1, visibility`` with boxes in pixels (the whole figure, also the
parts hidden by occluders or outside the frame); people whose visible fraction is below
``SceneConfig.min_visibility`` are not listed (nothing can see them).

Entry points: :func:`render_sequence` (frames + boxes in memory), :func:`write_sequence`,
:func:`write_dataset` (several sequences + a JDE list file + a data config JSON) and the
``fairmot synth`` command.
"""
from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Iterator

import numpy as np

__all__ = ["SceneConfig", "FrameTruth", "render_sequence", "write_sequence", "write_dataset", "sequence_config",
           "PRESETS", "preset_config", "camera_offsets"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SceneConfig:
    """Parameters of one synthetic sequence (pixels, frames).

    Attributes:
        width, height: frame size in pixels.
        n_frames: sequence length.
        fps: frame rate written to ``seqinfo.ini``.
        n_people: people in the scene at the start; entries keep the crowd around this size.
        min_height, max_height: person height (px) at the top / bottom of the walkable band.
        speed: (min, max) walking speed in px per frame for a person of ``max_height``.
        entry_rate: mean number of people entering per frame, scaled by how far the crowd is
            below ``n_people`` (at least ``entry_rate / 4`` while below).
        poles: static vertical occluders drawn in front of everybody.
        camera_pan: peak horizontal camera displacement in px (0: static camera).
        min_visibility: people less visible than this are left out of the ground truth.
        noise: standard deviation of per-frame sensor noise (grey levels).
        occluders: large static occluders (kiosks, parked vans) standing on the ground; people
            whose feet are behind an occluder's base are hidden by it, people in front are drawn
            over it. Visibility and the ground truth treat them like the poles.
        reentry_prob: probability that a person who leaves the frame comes back 2 to 10 s later
            (uniform, in frames at ``fps``) on the side where they left, walking back in, at about
            the same depth, with the same appearance and the same ground-truth id.
        camera_shake: camera shake amplitude S in px: the camera offset of each frame is a slow
            pan (``S sin`` horizontally, ``0.3 S sin`` vertically, periods 4 to 12 s) plus jitter
            (normal, standard deviation ``0.1 S`` per axis and frame, clipped at ``0.3 S``), added
            to ``camera_pan``; see :func:`camera_offsets`. Ground-truth boxes are in image
            coordinates.
    """

    width: int = 640
    height: int = 360
    n_frames: int = 150
    fps: int = 30
    n_people: int = 12
    min_height: float = 60.0
    max_height: float = 150.0
    speed: tuple[float, float] = (0.6, 2.2)
    entry_rate: float = 0.08
    poles: int = 1
    camera_pan: float = 0.0
    min_visibility: float = 0.25
    noise: float = 3.0
    occluders: int = 0
    reentry_prob: float = 0.0
    camera_shake: float = 0.0

    def validate(self) -> "SceneConfig":
        if self.width < 64 or self.height < 64:
            raise ValueError(f"frame size must be at least 64x64, got {self.width}x{self.height}")
        if self.n_frames < 1:
            raise ValueError(f"n_frames must be >= 1, got {self.n_frames}")
        if self.n_people < 0:
            raise ValueError(f"n_people must be >= 0, got {self.n_people}")
        if not 8 <= self.min_height <= self.max_height:
            raise ValueError(f"need 8 <= min_height <= max_height, got {self.min_height}, {self.max_height}")
        if self.max_height > self.height:
            raise ValueError(f"max_height {self.max_height} exceeds the frame height {self.height}")
        if not 0 <= self.speed[0] <= self.speed[1]:
            raise ValueError(f"speed must be (min, max) with 0 <= min <= max, got {self.speed}")
        if not 0.0 <= self.min_visibility <= 1.0:
            raise ValueError(f"min_visibility must be in [0, 1], got {self.min_visibility}")
        if isinstance(self.occluders, bool) or not isinstance(self.occluders, (int, np.integer)):
            raise TypeError(f"occluders must be an int, got {type(self.occluders).__name__}")
        if not 0 <= self.occluders <= 16:
            raise ValueError(f"occluders must be in [0, 16], got {self.occluders}")
        if not (isinstance(self.reentry_prob, (int, float)) and 0.0 <= self.reentry_prob <= 1.0):
            raise ValueError(f"reentry_prob must be a number in [0, 1], got {self.reentry_prob!r}")
        if not (isinstance(self.camera_shake, (int, float)) and math.isfinite(self.camera_shake)
                and 0.0 <= self.camera_shake <= min(self.width, self.height) / 2):
            raise ValueError(f"camera_shake must be a number in [0, min(width, height) / 2] px, got "
                             f"{self.camera_shake!r}")
        return self


#: ``fairmot synth --preset NAME``: SceneConfig fields that make sequences exercise identity over
#: gaps (occlusion, reentry) or camera motion (moving-camera); docs/synthetic.md lists the values.
#: ``n_frames`` is the preset's default length (``--frames`` overrides it).
PRESETS: dict[str, dict[str, object]] = {
    "occlusion": {"occluders": 2, "n_frames": 300},
    "reentry": {"reentry_prob": 0.8, "speed": (1.2, 3.0), "n_frames": 450},
    "moving-camera": {"camera_shake": 24.0, "camera_pan": 40.0, "n_frames": 300},
}


def preset_config(name: str, base: SceneConfig | None = None) -> SceneConfig:
    """``base`` (default: ``SceneConfig()``) with the fields of preset ``name`` (:data:`PRESETS`).

    Raises ValueError for an unknown name, TypeError for a name that is not a string."""
    if not isinstance(name, str):
        raise TypeError(f"preset must be a string, got {type(name).__name__}")
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}: choose from {', '.join(PRESETS)}")
    return replace(base or SceneConfig(), **PRESETS[name]).validate()


@dataclass(frozen=True)
class FrameTruth:
    """Ground truth of one frame: ``ids`` (N,) int64 (1-based, per sequence), ``tlwh`` (N, 4)
    float64 pixels (x1, y1, w, h; may extend beyond the frame) and ``visibility`` (N,) in [0, 1].

    ``camera`` is the camera offset (x, y) in px: image pixel (u, v) shows the world point
    (u + x, v + y), so a static point moves by ``-(camera_t - camera_s)`` from frame s to frame t
    (pan and shake together; (0, 0) for a static camera)."""

    ids: np.ndarray
    tlwh: np.ndarray
    visibility: np.ndarray
    camera: tuple[float, float] = (0.0, 0.0)

    def __len__(self) -> int:
        return int(self.ids.shape[0])


@dataclass
class _Person:
    pid: int
    x: float  # world x of the feet (px)
    y: float  # feet row (px) -> size by perspective
    vx: float
    vy: float
    phase: float
    shirt: tuple[int, int, int]
    pants: tuple[int, int, int]
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    pattern: int  # 0 plain, 1 horizontal stripes, 2 two-tone vertical, 3 chest band
    accent: tuple[int, int, int]
    bag: int  # 0 none, 1 backpack (side), 2 shoulder bag
    width_ratio: float


def _hsv_to_bgr(h: float, s: float, v: float) -> tuple[int, int, int]:
    i = int(h * 6.0) % 6
    f = h * 6.0 - math.floor(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    r, g, b = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
    return int(b * 255), int(g * 255), int(r * 255)


def _random_colour(rng: np.random.Generator, sat: tuple[float, float] = (0.45, 1.0),
                   val: tuple[float, float] = (0.35, 1.0)) -> tuple[int, int, int]:
    return _hsv_to_bgr(float(rng.random()), float(rng.uniform(*sat)), float(rng.uniform(*val)))


def _make_background(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A street-like scene: facades with windows at the top, paving with joints below, noise."""
    import cv2

    img = np.empty((height, width, 3), np.float32)
    horizon = int(height * rng.uniform(0.22, 0.35))
    sky = np.array(_random_colour(rng, (0.05, 0.3), (0.55, 0.85)), np.float32)
    ground = np.array(_random_colour(rng, (0.0, 0.2), (0.3, 0.6)), np.float32)
    img[:horizon] = sky
    ramp = np.linspace(0.85, 1.15, height - horizon, dtype=np.float32)[:, None, None]
    img[horizon:] = ground * ramp
    x = 0
    while x < width:  # facades with windows
        w = int(rng.integers(40, 140))
        top = int(rng.integers(0, max(1, horizon - 10)))
        colour = np.array(_random_colour(rng, (0.1, 0.5), (0.3, 0.75)), np.float32)
        img[top:horizon, x:x + w] = colour
        win = np.array(_random_colour(rng, (0.0, 0.3), (0.15, 0.45)), np.float32)
        for wy in range(top + 6, horizon - 8, 14):
            for wx in range(x + 5, x + w - 8, 12):
                img[wy:wy + 7, wx:wx + 6] = win
        x += w
    tile = int(rng.integers(18, 40))  # paving joints, denser far away
    joint = ground * 0.7
    y = horizon
    step = tile * 0.4
    while y < height:
        img[int(y):int(y) + 1, :] = joint
        y += step
        step *= 1.12
    offset = rng.uniform(0, tile)
    for xx in np.arange(offset, width, tile):
        img[horizon:, int(xx):int(xx) + 1] = joint
    for _ in range(int(rng.integers(8, 20))):  # blotches: litter, puddles, shadows
        cx, cy = int(rng.integers(0, width)), int(rng.integers(horizon, height))
        ax, ay = int(rng.integers(4, 30)), int(rng.integers(2, 10))
        shade = float(rng.uniform(0.6, 1.3))
        cv2.ellipse(img, (cx, cy), (ax, ay), 0, 0, 360, tuple(float(c) for c in ground * shade), -1)
    img += rng.normal(0.0, 6.0, img.shape).astype(np.float32)
    img = cv2.GaussianBlur(img, (3, 3), 0)
    return np.clip(img, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class _Occluder:
    """A static occluder standing on the ground: world rectangle (px) and its look."""

    x1: float
    y1: float
    x2: float
    y2: float  # its base: people whose feet are above this row (farther away) are behind it
    kind: int  # 0 kiosk, 1 van
    body: tuple[int, int, int]
    detail: tuple[int, int, int]


#: Sub-streams of the seed for the opt-in features: each draws from its own generator, so a feature
#: that is off draws nothing and the main stream (background, people) is the same with it on or off.
_OCCLUDER_STREAM, _REENTRY_STREAM, _SHAKE_STREAM = 1, 2, 3


def _feature_rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), 0x5EED, stream])


def _shake_offsets(cfg: SceneConfig, seed: int) -> np.ndarray:
    """(n_frames, 2) float64 camera shake (x, y) px: slow pans plus clipped jitter (SceneConfig.camera_shake)."""
    s = float(cfg.camera_shake)
    rng = _feature_rng(seed, _SHAKE_STREAM)
    t = np.arange(cfg.n_frames, dtype=np.float64)
    periods = rng.uniform(4.0, 12.0, 2) * cfg.fps
    phases = rng.uniform(0.0, 2 * math.pi, 2)
    pan = np.stack([s * np.sin(2 * math.pi * t / periods[0] + phases[0]),
                    0.3 * s * np.sin(2 * math.pi * t / periods[1] + phases[1])], axis=1)
    jitter = np.clip(rng.normal(0.0, 0.1 * s, (cfg.n_frames, 2)), -0.3 * s, 0.3 * s)
    return pan + jitter


class _Scene:
    """Simulation state of one sequence; ``step()`` renders the next frame."""

    def __init__(self, cfg: SceneConfig, seed: int) -> None:
        self.cfg = cfg.validate()
        self.rng = np.random.default_rng(seed)
        pan = abs(cfg.camera_pan)
        self.shake = _shake_offsets(cfg, seed) if cfg.camera_shake > 0 else None
        self.margin = int(math.ceil(pan)) + 1
        self.margin_y = 0
        if self.shake is not None:
            self.margin += int(math.ceil(np.abs(self.shake[:, 0]).max())) + 1
            self.margin_y = int(math.ceil(np.abs(self.shake[:, 1]).max())) + 2
        self.background = _make_background(self.rng, cfg.width + 2 * self.margin, cfg.height + 2 * self.margin_y)
        self.band_top = cfg.height * 0.42  # feet rows where people walk
        self.band_bottom = cfg.height * 0.98
        self.pan_period = float(self.rng.uniform(120, 300))
        self.people: list[_Person] = []
        self.next_id = 1
        self.t = 0
        self.poles = [(float(self.rng.uniform(0.1, 0.9) * cfg.width), int(self.rng.integers(6, 14)),
                       _random_colour(self.rng, (0.0, 0.4), (0.15, 0.5))) for _ in range(cfg.poles)]
        for _ in range(cfg.n_people):
            self._spawn(inside=True)
        self.occluders = self._make_occluders(seed) if cfg.occluders > 0 else []
        self.reentry_rng = _feature_rng(seed, _REENTRY_STREAM) if cfg.reentry_prob > 0 else None
        self.returns: list[tuple[int, _Person]] = []  # (frame index of the return, person away)

    def _make_occluders(self, seed: int) -> list[_Occluder]:
        c = self.cfg
        rng = _feature_rng(seed, _OCCLUDER_STREAM)
        band = self.band_bottom - self.band_top
        out = []
        for _ in range(c.occluders):
            base = self.band_top + float(rng.uniform(0.45, 0.9)) * band
            h = self.height_at(base)
            kind = int(rng.integers(0, 2))
            # muted colours and squat shapes: a person detector should not take them for people
            if kind == 0:  # kiosk: about as wide as tall
                oh, ow = h * float(rng.uniform(1.25, 1.5)), h * float(rng.uniform(1.1, 1.6))
            else:  # parked van: lower, wide
                oh, ow = h * float(rng.uniform(1.0, 1.25)), h * float(rng.uniform(1.5, 2.2))
            cx = float(rng.uniform(0.15, 0.85)) * c.width
            out.append(_Occluder(cx - ow / 2, base - oh, cx + ow / 2, base, kind,
                                 _random_colour(rng, (0.0, 0.25), (0.35, 0.8)),
                                 _random_colour(rng, (0.0, 0.2), (0.1, 0.3))))
        return sorted(out, key=lambda o: o.y2)

    # ------------------------------------------------------------------ geometry
    def height_at(self, feet_y: float) -> float:
        c = self.cfg
        a = (feet_y - self.band_top) / (self.band_bottom - self.band_top)
        return c.min_height + float(np.clip(a, 0.0, 1.0)) * (c.max_height - c.min_height)

    def camera_x(self) -> float:
        if self.shake is not None:
            return self._pan_x() + float(self.shake[min(self.t, len(self.shake) - 1), 0])
        return self._pan_x()

    def camera_y(self) -> float:
        if self.shake is None:
            return 0.0
        return float(self.shake[min(self.t, len(self.shake) - 1), 1])

    def _pan_x(self) -> float:
        if self.cfg.camera_pan == 0:
            return 0.0
        return self.cfg.camera_pan * math.sin(2 * math.pi * self.t / self.pan_period)

    def _spawn(self, inside: bool) -> None:
        c, rng = self.cfg, self.rng
        y = float(rng.uniform(self.band_top, self.band_bottom))
        h = self.height_at(y)
        direction = 1.0 if rng.random() < 0.5 else -1.0
        speed = float(rng.uniform(*c.speed)) * h / c.max_height
        cam = self.camera_x()
        if inside:
            x = float(rng.uniform(0.05, 0.95) * c.width) + cam
        else:
            x = cam - 0.3 * h if direction > 0 else cam + c.width + 0.3 * h
        vy = float(rng.normal(0.0, 0.12)) * speed
        self.people.append(_Person(
            pid=self.next_id, x=x, y=y, vx=direction * speed, vy=vy, phase=float(rng.uniform(0, 2 * math.pi)),
            shirt=_random_colour(rng), pants=_random_colour(rng, (0.1, 0.8), (0.12, 0.6)),
            skin=_hsv_to_bgr(float(rng.uniform(0.02, 0.1)), float(rng.uniform(0.3, 0.6)), float(rng.uniform(0.35, 0.95))),
            hair=_random_colour(rng, (0.2, 0.9), (0.05, 0.5)), pattern=int(rng.integers(0, 4)),
            accent=_random_colour(rng), bag=int(rng.integers(0, 3)),
            width_ratio=float(rng.uniform(0.34, 0.44))))
        self.next_id += 1

    def _return(self, p: _Person) -> None:
        """Bring back ``p`` (who left earlier) on the side where they left, walking back in."""
        c, rng = self.cfg, self.reentry_rng
        assert rng is not None
        band = self.band_bottom - self.band_top
        y = float(np.clip(p.y + rng.normal(0.0, 0.05 * band), self.band_top, self.band_bottom))
        h = self.height_at(y)
        pace = abs(p.vx) * c.max_height / self.height_at(p.y)  # speed of a max_height person
        speed = pace * float(rng.uniform(0.85, 1.15)) * h / c.max_height
        direction = -1.0 if p.vx > 0 else 1.0  # left to the right: comes back from the right
        cam = self.camera_x()
        p.x = cam - 0.3 * h if direction > 0 else cam + c.width + 0.3 * h
        p.y = y
        p.vx = direction * speed
        p.vy = float(rng.normal(0.0, 0.12)) * speed
        self.people.append(p)

    def _move(self) -> None:
        c, rng = self.cfg, self.rng
        cam = self.camera_x()
        kept = []
        for p in self.people:
            if rng.random() < 0.01:  # occasional change of heading / pace
                p.vy = float(rng.normal(0.0, 0.15)) * abs(p.vx)
                p.vx *= float(rng.uniform(0.85, 1.15))
            p.x += p.vx
            p.y = float(np.clip(p.y + p.vy, self.band_top, self.band_bottom))
            if p.y in (self.band_top, self.band_bottom):
                p.vy = -p.vy
            p.phase += 0.25 * abs(p.vx) / max(self.height_at(p.y) / c.max_height, 0.2)
            h = self.height_at(p.y)
            if -0.5 * h < p.x - cam < c.width + 0.5 * h:
                kept.append(p)
            elif self.reentry_rng is not None and self.reentry_rng.random() < c.reentry_prob:
                gap = int(round(float(self.reentry_rng.uniform(2.0, 10.0)) * c.fps))
                self.returns.append((self.t + gap, p))
        self.people = kept
        if self.returns:
            due = sorted((r for r in self.returns if r[0] <= self.t), key=lambda r: (r[0], r[1].pid))
            self.returns = [r for r in self.returns if r[0] > self.t]
            for _, p in due:
                self._return(p)
        deficit = c.n_people - len(self.people)
        if deficit > 0:
            rate = max(c.entry_rate * deficit / max(c.n_people, 1) * 4, c.entry_rate / 4)
            for _ in range(int(rng.poisson(rate))):
                self._spawn(inside=False)

    # ------------------------------------------------------------------ drawing
    def _draw_person(self, canvas: np.ndarray, p: _Person, cx: float, feet_y: float,
                     colour_override: int | None = None) -> tuple[float, float, float, float]:
        """Draw ``p`` with its feet at (cx, feet_y); return its box (x1, y1, x2, y2) in canvas pixels.

        ``colour_override`` paints the whole silhouette in one value (for visibility masks).
        """
        import cv2

        h = self.height_at(p.y)
        w = h * p.width_ratio
        top = feet_y - h
        sh = 4  # fixed-point shift for sub-pixel drawing
        s = float(1 << sh)

        def pt(x: float, y: float) -> tuple[int, int]:
            return int(round(x * s)), int(round(y * s))

        def col(c):
            return c if colour_override is None else colour_override

        aa = cv2.LINE_AA if colour_override is None else cv2.LINE_8  # masks: no blending

        swing = math.sin(p.phase)
        leg_top = top + 0.52 * h
        hip_w = 0.36 * w
        for side in (-1.0, 1.0):  # legs, swinging in opposition
            x0 = cx + side * hip_w * 0.5
            foot_x = x0 - side * swing * 0.22 * w
            pts = np.array([pt(x0 - 0.13 * w, leg_top), pt(x0 + 0.13 * w, leg_top),
                            pt(foot_x + 0.11 * w, feet_y), pt(foot_x - 0.11 * w, feet_y)], np.int32)
            cv2.fillConvexPoly(canvas, pts, col(p.pants), aa, sh)
        shoulder_y = top + 0.2 * h
        sleeve = p.skin if p.pattern == 3 else p.shirt
        for side in (-1.0, 1.0):  # arms, swinging against the legs
            x0 = cx + side * 0.42 * w
            hand = (x0 + side * swing * 0.18 * w, top + 0.5 * h)
            cv2.line(canvas, pt(x0, shoulder_y), pt(*hand), col(sleeve), max(1, int(round(0.13 * w))),
                     aa, sh)
        t_x1, t_x2 = cx - 0.4 * w, cx + 0.4 * w
        t_y1, t_y2 = top + 0.17 * h, top + 0.56 * h
        cv2.rectangle(canvas, pt(t_x1, t_y1), pt(t_x2, t_y2), col(p.shirt), -1, aa, sh)
        if colour_override is None:  # shirt pattern (inside the torso: no effect on the silhouette)
            th = t_y2 - t_y1
            if p.pattern == 1:
                for k in range(4):
                    y0 = t_y1 + (k + 0.5) * th / 4
                    cv2.rectangle(canvas, pt(t_x1, y0), pt(t_x2, y0 + 0.35 * th / 4), p.accent, -1, aa, sh)
            elif p.pattern == 2:
                cv2.rectangle(canvas, pt(cx, t_y1), pt(t_x2, t_y2), p.accent, -1, aa, sh)
            elif p.pattern == 3:
                y0 = t_y1 + 0.35 * th
                cv2.rectangle(canvas, pt(t_x1, y0), pt(t_x2, y0 + 0.25 * th), p.accent, -1, aa, sh)
        if p.bag == 1:  # backpack on the trailing side
            bx = cx - math.copysign(0.42 * w, p.vx)
            cv2.rectangle(canvas, pt(bx - 0.08 * w, t_y1 + 0.05 * h), pt(bx + 0.08 * w, t_y1 + 0.27 * h),
                          col(p.accent), -1, aa, sh)
        elif p.bag == 2:  # shoulder bag at the hip
            cv2.rectangle(canvas, pt(cx + 0.25 * w, top + 0.42 * h), pt(cx + 0.48 * w, top + 0.55 * h),
                          col(p.hair), -1, aa, sh)
        head_r = 0.09 * h
        head_c = (cx, top + head_r)
        cv2.circle(canvas, pt(*head_c), int(round(head_r * s)), col(p.skin), -1, aa, sh)
        cv2.ellipse(canvas, pt(head_c[0], head_c[1] - 0.25 * head_r),
                    (int(round(head_r * s)), int(round(0.8 * head_r * s))), 0, 180, 360, col(p.hair), -1,
                    aa, sh)
        return (cx - 0.5 * w, top, cx + 0.5 * w, feet_y)

    def _draw_occluder(self, frame: np.ndarray, label: np.ndarray, o: _Occluder, cam_x: float,
                       cam_y: float) -> None:
        """Paint occluder ``o`` (inside its rectangle only) and clear it from the visibility map."""
        import cv2

        x1, x2 = int(round(o.x1 - cam_x)), int(round(o.x2 - cam_x))
        y1, y2 = int(round(o.y1 - cam_y)), int(round(o.y2 - cam_y))
        w, h = x2 - x1, y2 - y1
        cv2.rectangle(frame, (x1, y1), (x2 - 1, y2 - 1), o.body, -1)
        if o.kind == 0:  # kiosk: striped awning (a shade of the body: no dark head-like blobs), serving window
            shade = tuple(int(0.8 * v) for v in o.body)
            for k in range(8):
                if k % 2:
                    cv2.rectangle(frame, (x1 + k * w // 8, y1), (x1 + (k + 1) * w // 8 - 1, y1 + h // 8), shade, -1)
            cv2.rectangle(frame, (x1 + w // 7, y1 + int(0.3 * h)), (x2 - 1 - w // 7, y1 + int(0.55 * h)), o.detail, -1)
        else:  # van: windows, door line, wheels
            cv2.rectangle(frame, (x1 + w // 12, y1 + h // 8), (x2 - 1 - w // 12, y1 + int(0.4 * h)), o.detail, -1)
            cv2.line(frame, (x1 + int(0.55 * w), y1 + int(0.42 * h)), (x1 + int(0.55 * w), y2 - h // 6), o.detail, 1)
            for a in (0.15, 0.7):
                cv2.rectangle(frame, (x1 + int(a * w), y2 - h // 7), (x1 + int((a + 0.15) * w), y2 - 1), (20, 20, 20), -1)
        ys, xs = slice(max(0, y1), max(0, y2)), slice(max(0, x1), max(0, x2))
        label[ys, xs] = 0

    def _background_view(self, cam_x: float, cam_y: float) -> np.ndarray:
        """The background seen by the camera: world pixel (u + cam_x, v + cam_y) at image pixel (u, v)."""
        c = self.cfg
        ox = self.margin + cam_x
        x0 = int(math.floor(ox))
        frac = ox - x0
        if self.margin_y == 0:  # horizontal pan only (the layout of sequences without camera shake)
            bg = self.background[:, x0:x0 + c.width + 1].astype(np.float32)
            return ((1.0 - frac) * bg[:, :c.width] + frac * bg[:, 1:c.width + 1]).astype(np.uint8)
        oy = self.margin_y + cam_y
        y0 = int(math.floor(oy))
        fy = oy - y0
        bg = self.background[y0:y0 + c.height + 1, x0:x0 + c.width + 1].astype(np.float32)
        top = (1.0 - frac) * bg[:c.height, :c.width] + frac * bg[:c.height, 1:c.width + 1]
        bottom = (1.0 - frac) * bg[1:c.height + 1, :c.width] + frac * bg[1:c.height + 1, 1:c.width + 1]
        return ((1.0 - fy) * top + fy * bottom).astype(np.uint8)

    def step(self) -> tuple[np.ndarray, FrameTruth]:

        c = self.cfg
        if self.t > 0:
            self._move()
        cam = self.camera_x()
        cam_y = self.camera_y()
        frame = self._background_view(cam, cam_y)
        # far (small feet row) to near: nearer people occlude farther ones
        order = sorted(self.people, key=lambda q: (q.y, q.pid))
        label = np.zeros((c.height, c.width), np.int32)  # visible-person map for visibility
        boxes, ids, areas = [], [], []
        pending = list(self.occluders)  # sorted by base row: drawn just before the first person in front
        for idx, p in enumerate(order, start=1):
            while pending and pending[0].y2 <= p.y:
                self._draw_occluder(frame, label, pending.pop(0), cam, cam_y)
            cx = p.x - cam
            feet = p.y - cam_y if self.shake is not None else p.y
            box = self._draw_person(frame, p, cx, feet)
            boxes.append(box)
            ids.append(p.pid)
            # the whole silhouette's area (also what lies outside the frame), drawn on its own canvas
            h = self.height_at(p.y)
            size = int(math.ceil(h)) + 4
            solo = np.zeros((size, size), np.uint8)
            self._draw_person(solo, p, size / 2.0, size - 2.0, colour_override=1)
            areas.append(float(np.count_nonzero(solo)))
            self._draw_person(label, p, cx, feet, colour_override=idx)
        for o in pending:
            self._draw_occluder(frame, label, o, cam, cam_y)
        frame, pick, tlwh, vis = self._finish_frame(frame, label, boxes, areas, ids, cam)
        truth = FrameTruth(np.array(ids, np.int64)[pick], tlwh, vis, (cam, cam_y))
        self.t += 1
        return frame, truth

    def _finish_frame(self, frame: np.ndarray, label: np.ndarray, boxes: list, areas: list[float], ids: list[int],
                      cam: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The end of a frame shared by every scene kind, once the objects are drawn (in ``order``, far to
        near; ``label`` holds 1-based positions in that order): the poles in front of everybody, the visible
        fraction of each object (its pixels left in ``label`` over its whole silhouette's ``areas``), sensor
        noise, and the ground-truth selection (visibility >= ``min_visibility``, sorted by id).

        Returns the final frame, ``pick`` (indices into the drawing order of the kept objects, id-sorted: apply
        it to any other per-object list), their (K, 4) tlwh boxes in px and their visibility in [0, 1].
        """
        import cv2

        c = self.cfg
        for px, pw, pc in self.poles:  # static occluders in front of everybody (they pan with the scene)
            xx = px - cam
            cv2.rectangle(frame, (int(xx - pw / 2), 0), (int(xx + pw / 2), c.height), pc, -1)
            label[:, max(0, int(xx - pw / 2)):max(0, int(xx + pw / 2) + 1)] = 0
        n = len(boxes)
        counts = np.bincount(label.ravel(), minlength=n + 1)[1:]
        vis = np.array([counts[i] / areas[i] if areas[i] > 0 else 0.0 for i in range(n)])
        if c.noise > 0:
            frame = np.clip(frame.astype(np.float32) + self.rng.normal(0, c.noise, frame.shape), 0, 255).astype(np.uint8)
        keep = np.flatnonzero(vis >= c.min_visibility)
        tlwh = np.array([(b[0], b[1], b[2] - b[0], b[3] - b[1]) for b in boxes], np.float64).reshape(-1, 4)
        pick = keep[np.argsort(np.array(ids, np.int64)[keep], kind="stable")]
        return frame, pick, tlwh[pick], np.clip(vis[pick], 0.0, 1.0)


def render_sequence(config: SceneConfig | None = None, seed: int = 0) -> Iterator[tuple[np.ndarray, FrameTruth]]:
    """Yield ``(frame_bgr uint8 (H, W, 3), FrameTruth)`` for each of ``config.n_frames`` frames."""
    scene = _Scene(config or SceneConfig(), int(seed))
    for _ in range(scene.cfg.n_frames):
        yield scene.step()


def camera_offsets(config: SceneConfig | None = None, seed: int = 0) -> np.ndarray:
    """The camera offset of every frame of ``render_sequence(config, seed)`` without rendering it:
    (n_frames, 2) float64 (x, y) px, as ``FrameTruth.camera`` (pan plus shake). Image pixel (u, v)
    of frame t shows the world point (u + x_t, v + y_t), so the affine mapping frame t - 1 pixels
    to frame t pixels is a pure translation by ``-(offset_t - offset_{t-1})``."""
    scene = _Scene(config or SceneConfig(), int(seed))
    out = np.empty((scene.cfg.n_frames, 2), np.float64)
    for t in range(scene.cfg.n_frames):
        scene.t = t
        out[t] = scene.camera_x(), scene.camera_y()
    return out


# ---------------------------------------------------------------------------------------------- writing


def _write_seqinfo(path: Path, name: str, cfg: SceneConfig) -> None:
    path.write_text(
        "[Sequence]\n"
        f"name={name}\nimDir=img1\nframeRate={cfg.fps}\nseqLength={cfg.n_frames}\n"
        f"imWidth={cfg.width}\nimHeight={cfg.height}\nimExt=.jpg\n")


def write_sequence(seq_dir: str | Path, config: SceneConfig | None = None, seed: int = 0, *,
                   labels_dir: str | Path | None = None, id_offset: int = 0, jpeg_quality: int = 92,
                   progress: bool = False) -> dict:
    """Render one sequence into ``seq_dir`` in the MOT Challenge layout.

    Writes ``img1/000001.jpg ...``, ``gt/gt.txt`` (``frame,id,x,y,w,h,1,1,visibility``, ids
    1-based) and ``seqinfo.ini``; with camera shake also ``gt/camera.txt`` (``frame,x,y``: the
    camera offset in px, :attr:`FrameTruth.camera`). With ``labels_dir``, also JDE labels ``labels_dir/000001.txt``
    (``0 id cx cy w h`` normalised by the frame size, ``id = gt id - 1 + id_offset``).

    Returns ``{"name", "frames", "ids" (number of identities), "boxes", "images": [paths]}``.
    """
    import cv2

    cfg = (config or SceneConfig()).validate()
    seq_dir = Path(seq_dir)
    (seq_dir / "img1").mkdir(parents=True, exist_ok=True)
    (seq_dir / "gt").mkdir(parents=True, exist_ok=True)
    lab = Path(labels_dir) if labels_dir is not None else None
    if lab is not None:
        lab.mkdir(parents=True, exist_ok=True)
    _write_seqinfo(seq_dir / "seqinfo.ini", seq_dir.name, cfg)
    rows: list[str] = []
    camera: list[str] = []
    images: list[str] = []
    ids_seen: set[int] = set()
    frames = render_sequence(cfg, seed)
    if progress:
        from tqdm import tqdm

        frames = tqdm(frames, total=cfg.n_frames, desc=seq_dir.name, unit="frame", leave=False)
    for t, (frame, truth) in enumerate(frames, start=1):
        img_path = seq_dir / "img1" / f"{t:06d}.jpg"
        if not cv2.imwrite(str(img_path), frame, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]):
            raise OSError(f"could not write {img_path}")
        images.append(str(img_path))
        camera.append(f"{t},{truth.camera[0]:.6f},{truth.camera[1]:.6f}")
        lines = []
        for pid, (x, y, w, h), v in zip(truth.ids, truth.tlwh, truth.visibility):
            rows.append(f"{t},{pid},{x:.2f},{y:.2f},{w:.2f},{h:.2f},1,1,{v:.4f}")
            ids_seen.add(int(pid))
            if lab is not None:
                lines.append(f"0 {int(pid) - 1 + id_offset} {(x + w / 2) / cfg.width:.6f} "
                             f"{(y + h / 2) / cfg.height:.6f} {w / cfg.width:.6f} {h / cfg.height:.6f}")
        if lab is not None:
            (lab / f"{t:06d}.txt").write_text("".join(line + "\n" for line in lines))
    (seq_dir / "gt" / "gt.txt").write_text("".join(r + "\n" for r in rows))
    if cfg.camera_shake > 0:
        (seq_dir / "gt" / "camera.txt").write_text("".join(r + "\n" for r in camera))
    n_ids = max(ids_seen) if ids_seen else 0
    return {"name": seq_dir.name, "frames": cfg.n_frames, "ids": n_ids, "boxes": len(rows), "images": images}


def sequence_config(index: int, base: SceneConfig | None = None, seed: int = 0) -> SceneConfig:
    """A varied scene for sequence ``index`` of a dataset: crowd size, sizes, camera motion."""
    base = base or SceneConfig()
    rng = np.random.default_rng([int(seed), int(index), 7919])
    scale = float(rng.uniform(0.8, 1.15))
    return replace(
        base,
        n_people=max(1, int(round(base.n_people * rng.uniform(0.6, 1.4)))),
        min_height=min(base.min_height * scale, base.height * 0.9),
        max_height=min(base.max_height * scale, base.height * 0.95),
        camera_pan=float(rng.choice([0.0, 0.0, 20.0, 40.0])) if base.camera_pan == 0 else base.camera_pan,
        poles=int(rng.integers(0, 3)),
    )


def write_dataset(root: str | Path, n_sequences: int = 6, config: SceneConfig | None = None, seed: int = 0, *,
                  name: str = "synthetic", prefix: str = "SYN", progress: bool = False) -> Path:
    """Write ``n_sequences`` varied sequences as a JDE training set + MOT ground truth.

    Layout under ``root``: ``images/<PREFIX>-NN/{img1,gt,seqinfo.ini}`` (the MOT tree; evaluate
    with ``fairmot eval --gt root/images``), ``labels_with_ids/<PREFIX>-NN/img1/*.txt`` (JDE
    labels, identities numbered consecutively over all sequences), ``<name>.train`` (the list
    file) and ``<name>.json`` (the data config: ``{"root": root, "train": {name: list file}}``).
    Sequence ``k`` uses :func:`sequence_config` and seed ``(seed, k)``. Returns the JSON path.
    """
    if n_sequences < 1:
        raise ValueError(f"n_sequences must be >= 1, got {n_sequences}")
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    listing: list[str] = []
    offset = 0
    for k in range(n_sequences):
        seq = f"{prefix}-{k + 1:02d}"
        cfg = sequence_config(k, config, seed)
        info = write_sequence(root / "images" / seq, cfg, seed=int(np.random.SeedSequence([int(seed), k]).generate_state(1)[0]),
                              labels_dir=root / "labels_with_ids" / seq / "img1", id_offset=offset, progress=progress)
        offset += info["ids"]
        listing.extend(str(Path(p).relative_to(root)) for p in info["images"])
        logger.info("%s: %d frames, %d identities, %d boxes", seq, info["frames"], info["ids"], info["boxes"])
    (root / f"{name}.train").write_text("".join(p + "\n" for p in listing))
    cfg_path = root / f"{name}.json"
    cfg_path.write_text(json.dumps({"root": str(root), "train": {name: f"{name}.train"},
                                    "synthetic": {"n_sequences": n_sequences, "seed": seed,
                                                  "config": asdict(config or SceneConfig())}}, indent=2))
    return cfg_path


# The old CLI hook fairmot.data.synthetic.add_command -> fairmot.cli.synth.register, for one release.
from .._deprecated import forward as _forward  # noqa: E402

__getattr__, _ = _forward("fairmot.data.synthetic", (), {"add_command": "fairmot.cli.synth:register"})
