"""Synthetic multi-class street scenes: people, cyclists and cars with per-class ground truth.

An extension of :mod:`fairmot.data.synthetic` (same background, the same people, the same
perspective, poles and camera panning) that adds two more object classes drawn from the side:

=========  =====================  ======================  ===========================  =========
class      height (x a person's    box width / height      look                         speed (x a
           height at that depth)                                                        person's)
=========  =====================  ======================  ===========================  =========
person     1.0                     0.34 ... 0.44           head, hair, shirt, legs      1.0
cyclist    0.95 ... 1.05           0.85 ... 1.05           two wheels, frame, rider     2.2 ... 2.8
car        0.75 ... 0.85           2.1 ... 2.6             body, cabin, windows, wheels 3.5 ... 4.5
=========  =====================  ======================  ===========================  =========

Objects are drawn far to near (by the row of their ground contact), so nearer objects occlude
farther ones whatever their class; poles stand in front of everything. Visibility is measured
from the drawn silhouettes as in the single-class generator.

Class ids (one convention for every file written here):

* the class list is ordered as given, e.g. ``("person", "cyclist", "car")``;
* MOT Challenge ``gt.txt`` column 8 holds the **1-based** position in that list (1 person,
  2 cyclist, 3 car), following the MOT17 convention that classes start at 1;
* JDE labels (``class id cx cy w h``) hold the **0-based** position (0 person, 1 cyclist, 2 car),
  the label format's convention (single-class labels use 0);
* the names are written to ``seqinfo.ini`` (``classes=person,cyclist,car``) and to the data
  config JSON (``"classes": [...]``), which ``fairmot eval`` and training read.

Identities: ``gt.txt`` ids are unique within a sequence across classes (1-based). JDE label
identities are numbered **per class**, consecutively from 0 over all sequences of a dataset, so that
each class has its own identity classifier (MC-FairMOT).

Entry points: :class:`MultiClassSceneConfig`, :func:`render_multiclass_sequence`,
:func:`write_multiclass_sequence`, :func:`write_multiclass_dataset` and ``fairmot synth --classes``.
The single-class generator and its output are untouched.
"""
from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Iterator

import numpy as np

from .synthetic import FrameTruth, SceneConfig, _hsv_to_bgr, _Person, _random_colour, _Scene, sequence_config

__all__ = ["KNOWN_CLASSES", "DEFAULT_CLASSES", "ClassProfile", "CLASS_PROFILES", "MultiClassSceneConfig",
           "MultiClassFrameTruth", "parse_class_list", "render_multiclass_sequence", "write_multiclass_sequence",
           "write_multiclass_dataset", "scaled_config"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClassProfile:
    """Class-typical geometry and motion (ratios relative to a person at the same depth).

    Attributes:
        height: (min, max) box height / a person's height at the same ground row.
        aspect: (min, max) box width / box height.
        speed: (min, max) speed / a person's walking speed range (``SceneConfig.speed``).
        share: default share of the scene's objects (``SceneConfig.n_people`` is the total).
    """

    height: tuple[float, float]
    aspect: tuple[float, float]
    speed: tuple[float, float]
    share: float


#: The classes the generator can draw, with their profiles.
CLASS_PROFILES: dict[str, ClassProfile] = {
    "person": ClassProfile(height=(1.0, 1.0), aspect=(0.34, 0.44), speed=(1.0, 1.0), share=0.5),
    "cyclist": ClassProfile(height=(0.95, 1.05), aspect=(0.85, 1.05), speed=(2.2, 2.8), share=0.25),
    "car": ClassProfile(height=(0.75, 0.85), aspect=(2.1, 2.6), speed=(3.5, 4.5), share=0.25),
}
KNOWN_CLASSES: tuple[str, ...] = tuple(CLASS_PROFILES)
DEFAULT_CLASSES: tuple[str, ...] = ("person", "cyclist", "car")


def parse_class_list(classes: str | tuple[str, ...] | list[str], *, name: str = "classes") -> tuple[str, ...]:
    """Validate a class list (``"person,car"`` or a sequence of names): known names, no repeats.

    Raises TypeError for something that is not a string or a sequence of strings, ValueError (naming
    ``name``) for an empty list, an unknown name or a name given twice.
    """
    if isinstance(classes, str):
        items = [c.strip() for c in classes.split(",")]
    elif isinstance(classes, (tuple, list)):
        items = list(classes)
        for c in items:
            if not isinstance(c, str):
                raise TypeError(f"{name} must hold class names (str), got {type(c).__name__}")
    else:
        raise TypeError(f"{name} must be a comma-separated string or a list of names, got {type(classes).__name__}")
    if not items or any(not c for c in items):
        raise ValueError(f"{name}: empty class name in {classes!r}")
    unknown = [c for c in items if c not in CLASS_PROFILES]
    if unknown:
        raise ValueError(f"{name}: unknown class {unknown[0]!r}; known: {', '.join(KNOWN_CLASSES)}")
    if len(set(items)) != len(items):
        raise ValueError(f"{name}: a class appears twice in {classes!r}")
    return tuple(items)


@dataclass(frozen=True)
class MultiClassSceneConfig(SceneConfig):
    """A :class:`SceneConfig` with several object classes.

    ``n_people`` is the total number of objects kept in the scene, split by ``shares`` (default: the
    profiles' shares, renormalised over ``classes``); every other field means what it means for
    :class:`SceneConfig` (``min_height``/``max_height`` are a person's heights, the other classes scale
    from them; ``speed`` is a person's speed range, the other classes are faster).

    Attributes:
        classes: class names in id order (see the module docstring for the id convention).
        shares: per class, its share of the objects (non-negative, any positive total); None: defaults.
    """

    classes: tuple[str, ...] = DEFAULT_CLASSES
    shares: tuple[float, ...] | None = None

    def validate(self) -> "MultiClassSceneConfig":
        super().validate()
        parse_class_list(self.classes)
        unsupported = {k: getattr(self, k) for k in ("occluders", "reentry_prob", "camera_shake") if getattr(self, k)}
        if unsupported:  # the identity presets' features are rendered by the single-class scenes only
            raise ValueError(f"multi-class scenes do not render {', '.join(unsupported)} yet (got {unsupported})")
        if self.shares is not None:
            if len(self.shares) != len(self.classes):
                raise ValueError(f"shares has {len(self.shares)} entries for {len(self.classes)} classes")
            if any(not (s >= 0 and math.isfinite(s)) for s in self.shares) or sum(self.shares) <= 0:
                raise ValueError(f"shares must be finite, >= 0 and not all 0, got {self.shares}")
        return self

    def class_shares(self) -> np.ndarray:
        """(C,) float64 shares summing to 1."""
        raw = np.array(self.shares if self.shares is not None else [CLASS_PROFILES[c].share for c in self.classes],
                       np.float64)
        return raw / raw.sum()


@dataclass(frozen=True)
class MultiClassFrameTruth(FrameTruth):
    """:class:`FrameTruth` plus ``class_ids`` (N,) int64: 0-based positions in the class list."""

    class_ids: np.ndarray = field(kw_only=True)  # after FrameTruth's defaulted ``camera``


@dataclass
class _Vehicle:
    """A cyclist or a car (people use :class:`fairmot.data.synthetic._Person`)."""

    pid: int
    x: float
    y: float
    vx: float
    vy: float
    phase: float
    rel_height: float
    aspect: float
    body: tuple[int, int, int]
    accent: tuple[int, int, int]
    skin: tuple[int, int, int]
    dark: tuple[int, int, int]


class _MultiClassScene(_Scene):
    """:class:`_Scene` with people, cyclists and cars; ``step()`` renders the next frame."""

    def __init__(self, cfg: MultiClassSceneConfig, seed: int) -> None:
        cfg.validate()
        self.classes = tuple(cfg.classes)
        self.shares = cfg.class_shares()
        self.kind: dict[int, int] = {}  # object id -> class index
        self.targets = self.shares * cfg.n_people
        # the base constructor spawns n_people objects through our _spawn
        self._spawn_queue = list(self._initial_classes(cfg, seed))
        super().__init__(cfg, seed)

    @staticmethod
    def _initial_classes(cfg: MultiClassSceneConfig, seed: int) -> list[int]:
        """Class of each initial object: the largest-remainder split of ``n_people`` by the shares,
        shuffled with a generator of its own (the scene's generator stays for the scene)."""
        target = cfg.class_shares() * cfg.n_people
        counts = np.floor(target).astype(int)
        rest = cfg.n_people - int(counts.sum())
        if rest > 0:
            counts[np.argsort(-(target - counts), kind="stable")[:rest]] += 1
        out = np.repeat(np.arange(len(counts)), counts)
        np.random.default_rng([int(seed), 104729]).shuffle(out)
        return out.tolist()

    # ------------------------------------------------------------------ objects
    def _object_height(self, p: _Person | _Vehicle) -> float:
        base = self.height_at(p.y)
        return base * p.rel_height if isinstance(p, _Vehicle) else base

    def _object_width(self, p: _Person | _Vehicle) -> float:
        h = self._object_height(p)
        return h * (p.aspect if isinstance(p, _Vehicle) else p.width_ratio)

    def _spawn(self, inside: bool) -> None:
        """Add one object of the class most below its target (initial objects: a fixed shuffle)."""
        if getattr(self, "_spawn_queue", None):
            cls = self._spawn_queue.pop(0)
        else:
            have = np.bincount([self.kind[p.pid] for p in self.people], minlength=len(self.classes))
            cls = int(np.argmax(self.targets - have))
        name = self.classes[cls]
        pid = self.next_id
        if name == "person":
            super()._spawn(inside)  # appends a _Person and advances next_id
            self.kind[pid] = cls
            return
        c, rng, prof = self.cfg, self.rng, CLASS_PROFILES[name]
        y = float(rng.uniform(self.band_top, self.band_bottom))
        rel_h = float(rng.uniform(*prof.height))
        h = self.height_at(y) * rel_h
        aspect = float(rng.uniform(*prof.aspect))
        w = h * aspect
        direction = 1.0 if rng.random() < 0.5 else -1.0
        speed = float(rng.uniform(*c.speed)) * float(rng.uniform(*prof.speed)) * self.height_at(y) / c.max_height
        cam = self.camera_x()
        if inside:
            x = float(rng.uniform(0.05, 0.95) * c.width) + cam
        else:
            x = cam - 0.6 * w if direction > 0 else cam + c.width + 0.6 * w
        vy = 0.0 if name == "car" else float(rng.normal(0.0, 0.05)) * speed
        if name == "car":
            body = _random_colour(rng, (0.5, 1.0), (0.35, 0.95))
        else:
            body = _random_colour(rng, (0.6, 1.0), (0.4, 1.0))
        self.people.append(_Vehicle(  # type: ignore[arg-type]  # the scene's list holds every object
            pid=pid, x=x, y=y, vx=direction * speed, vy=vy, phase=float(rng.uniform(0, 2 * math.pi)),
            rel_height=rel_h, aspect=aspect, body=body, accent=_random_colour(rng),
            skin=_hsv_to_bgr(float(rng.uniform(0.02, 0.1)), float(rng.uniform(0.3, 0.6)), float(rng.uniform(0.35, 0.95))),
            dark=_random_colour(rng, (0.0, 0.3), (0.05, 0.25))))
        self.kind[pid] = cls
        self.next_id += 1

    def _move(self) -> None:
        c, rng = self.cfg, self.rng
        cam = self.camera_x()
        kept = []
        for p in self.people:
            car = isinstance(p, _Vehicle) and self.classes[self.kind[p.pid]] == "car"
            if rng.random() < 0.01 and not car:  # occasional change of heading / pace
                p.vy = float(rng.normal(0.0, 0.1 if isinstance(p, _Vehicle) else 0.15)) * abs(p.vx)
                p.vx *= float(rng.uniform(0.85, 1.15))
            p.x += p.vx
            p.y = float(np.clip(p.y + p.vy, self.band_top, self.band_bottom))
            if p.y in (self.band_top, self.band_bottom):
                p.vy = -p.vy
            if isinstance(p, _Vehicle):
                p.phase += abs(p.vx) / max(0.2 * self._object_height(p), 1.0)  # wheel / pedal turn
            else:
                p.phase += 0.25 * abs(p.vx) / max(self.height_at(p.y) / c.max_height, 0.2)
            w = self._object_width(p)
            if -0.7 * w < p.x - cam < c.width + 0.7 * w:
                kept.append(p)
        self.people = kept
        deficit = c.n_people - len(self.people)
        if deficit > 0:
            rate = max(c.entry_rate * deficit / max(c.n_people, 1) * 4, c.entry_rate / 4)
            for _ in range(int(rng.poisson(rate))):
                self._spawn(inside=False)

    # ------------------------------------------------------------------ drawing
    def _draw_cyclist(self, canvas: np.ndarray, p: _Vehicle, cx: float, ground: float,
                      colour_override: int | None = None) -> tuple[float, float, float, float]:
        """A bicycle seen from the side with its rider; returns the box (x1, y1, x2, y2)."""
        import cv2

        h = self._object_height(p)
        w = h * p.aspect
        sh, s = 4, 16.0
        d = 1.0 if p.vx >= 0 else -1.0  # facing direction

        def pt(x: float, y: float) -> tuple[int, int]:
            return int(round(x * s)), int(round(y * s))

        def col(c):
            return c if colour_override is None else colour_override

        aa = cv2.LINE_AA if colour_override is None else cv2.LINE_8
        r = min(0.2 * h, 0.27 * w)
        back = (cx - d * (0.5 * w - r), ground - r)
        front = (cx + d * (0.5 * w - r), ground - r)
        tyre = max(1, int(round(0.22 * r)))
        for wc in (back, front):
            cv2.circle(canvas, pt(*wc), int(round((r - tyre / 2) * s)), col(p.dark), tyre, aa, sh)
        seat = (cx - d * 0.08 * w, ground - 0.52 * h)
        bar = (cx + d * 0.3 * w, ground - 0.58 * h)
        crank = (cx, ground - r)
        frame_t = max(1, int(round(0.035 * h)))
        for a, b in ((back, seat), (seat, crank), (crank, back), (crank, bar), (bar, front), (seat, bar)):
            cv2.line(canvas, pt(*a), pt(*b), col(p.body), frame_t, aa, sh)
        shoulder = (cx + d * 0.12 * w, ground - 0.8 * h)
        limb = max(1, int(round(0.07 * h)))
        pedal = 0.12 * h
        for k in (0.0, math.pi):  # legs to the two pedals
            foot = (crank[0] + pedal * math.cos(p.phase + k), crank[1] + pedal * math.sin(p.phase + k))
            knee = ((seat[0] + foot[0]) / 2 + d * 0.1 * h, (seat[1] + foot[1]) / 2 - 0.05 * h)
            cv2.line(canvas, pt(*seat), pt(*knee), col(p.dark), limb, aa, sh)
            cv2.line(canvas, pt(*knee), pt(*foot), col(p.dark), limb, aa, sh)
        cv2.line(canvas, pt(*seat), pt(*shoulder), col(p.accent), max(1, int(round(0.14 * h))), aa, sh)
        cv2.line(canvas, pt(*shoulder), pt(*bar), col(p.accent), limb, aa, sh)
        head_r = 0.085 * h
        cv2.circle(canvas, pt(shoulder[0] + d * 0.04 * w, ground - h + head_r), int(round(head_r * s)),
                   col(p.skin), -1, aa, sh)
        return (cx - 0.5 * w, ground - h, cx + 0.5 * w, ground)

    def _draw_car(self, canvas: np.ndarray, p: _Vehicle, cx: float, ground: float,
                  colour_override: int | None = None) -> tuple[float, float, float, float]:
        """A car seen from the side; returns the box (x1, y1, x2, y2)."""
        import cv2

        h = self._object_height(p)
        w = h * p.aspect
        sh, s = 4, 16.0
        d = 1.0 if p.vx >= 0 else -1.0

        def pt(x: float, y: float) -> tuple[int, int]:
            return int(round(x * s)), int(round(y * s))

        def col(c):
            return c if colour_override is None else colour_override

        aa = cv2.LINE_AA if colour_override is None else cv2.LINE_8
        x1, x2 = cx - 0.5 * w, cx + 0.5 * w
        body_top, body_bottom = ground - 0.62 * h, ground - 0.14 * h
        cv2.rectangle(canvas, pt(x1, body_top), pt(x2, body_bottom), col(p.body), -1, aa, sh)
        cabin = np.array([pt(cx - d * 0.36 * w, body_top), pt(cx + d * 0.3 * w, body_top),
                          pt(cx + d * 0.16 * w, ground - h), pt(cx - d * 0.26 * w, ground - h)], np.int32)
        cv2.fillConvexPoly(canvas, cabin, col(p.body), aa, sh)
        if colour_override is None:  # windows, lights, stripe: inside the silhouette
            glass = np.array([pt(cx - d * 0.31 * w, body_top), pt(cx + d * 0.25 * w, body_top),
                              pt(cx + d * 0.13 * w, ground - 0.93 * h), pt(cx - d * 0.22 * w, ground - 0.93 * h)],
                             np.int32)
            cv2.fillConvexPoly(canvas, glass, p.dark, aa, sh)
            cv2.line(canvas, pt(cx - d * 0.02 * w, body_top), pt(cx - d * 0.02 * w, ground - 0.93 * h),
                     p.body, max(1, int(round(0.04 * h))), aa, sh)
            cv2.rectangle(canvas, pt(x1, ground - 0.42 * h), pt(x2, ground - 0.37 * h), p.accent, -1, aa, sh)
            lamp_front = x2 - 0.05 * w if d > 0 else x1
            cv2.rectangle(canvas, pt(lamp_front, ground - 0.58 * h), pt(lamp_front + 0.05 * w, ground - 0.5 * h),
                          (200, 240, 255), -1, aa, sh)
        r = 0.2 * h
        for wx in (cx - 0.3 * w, cx + 0.3 * w):
            cv2.circle(canvas, pt(wx, ground - r), int(round(r * s)), col((25, 25, 25)), -1, aa, sh)
            if colour_override is None:
                cv2.circle(canvas, pt(wx, ground - r), int(round(0.45 * r * s)), (170, 170, 170), -1, aa, sh)
        return (x1, ground - h, x2, ground)

    def _draw(self, canvas: np.ndarray, p: _Person | _Vehicle, cx: float, ground: float,
              colour_override: int | None = None) -> tuple[float, float, float, float]:
        if isinstance(p, _Person):
            return self._draw_person(canvas, p, cx, ground, colour_override)
        if self.classes[self.kind[p.pid]] == "car":
            return self._draw_car(canvas, p, cx, ground, colour_override)
        return self._draw_cyclist(canvas, p, cx, ground, colour_override)

    def step(self) -> tuple[np.ndarray, MultiClassFrameTruth]:  # type: ignore[override]

        c = self.cfg
        if self.t > 0:
            self._move()
        cam = self.camera_x()
        frame = self._background_view(cam, 0.0)  # no camera shake in multi-class scenes (validate refuses it)
        order = sorted(self.people, key=lambda q: (q.y, q.pid))  # far to near, whatever the class
        label = np.zeros((c.height, c.width), np.int32)
        boxes, ids, classes, areas = [], [], [], []
        for idx, p in enumerate(order, start=1):
            cx = p.x - cam
            boxes.append(self._draw(frame, p, cx, p.y))
            ids.append(p.pid)
            classes.append(self.kind[p.pid])
            h, w = self._object_height(p), self._object_width(p)
            # the whole silhouette (also what lies outside the frame) on a canvas of its own, at the
            # same sub-pixel offset as in the frame so that both rasterise alike
            sw, shh = 2 * int(math.ceil(0.75 * w)) + 8, int(math.ceil(h)) + 6
            solo = np.zeros((shh, sw), np.uint8)
            self._draw(solo, p, sw // 2 + (cx - math.floor(cx)), shh - 3 + (p.y - math.floor(p.y)), colour_override=1)
            areas.append(float(np.count_nonzero(solo)))
            self._draw(label, p, cx, p.y, colour_override=idx)
        frame, pick, tlwh, vis = self._finish_frame(frame, label, boxes, areas, ids, cam)
        truth = MultiClassFrameTruth(np.array(ids, np.int64)[pick], tlwh, vis,
                                     class_ids=np.array(classes, np.int64)[pick])
        self.t += 1
        return frame, truth


def render_multiclass_sequence(config: MultiClassSceneConfig | None = None,
                               seed: int = 0) -> Iterator[tuple[np.ndarray, MultiClassFrameTruth]]:
    """Yield ``(frame_bgr uint8 (H, W, 3), MultiClassFrameTruth)`` for each of ``config.n_frames`` frames."""
    cfg = config or MultiClassSceneConfig()
    if not isinstance(cfg, MultiClassSceneConfig):
        raise TypeError(f"config must be a MultiClassSceneConfig, got {type(cfg).__name__}")
    scene = _MultiClassScene(cfg, int(seed))
    for _ in range(cfg.n_frames):
        yield scene.step()


def _write_seqinfo(path: Path, name: str, cfg: MultiClassSceneConfig) -> None:
    path.write_text(
        "[Sequence]\n"
        f"name={name}\nimDir=img1\nframeRate={cfg.fps}\nseqLength={cfg.n_frames}\n"
        f"imWidth={cfg.width}\nimHeight={cfg.height}\nimExt=.jpg\n"
        f"classes={','.join(cfg.classes)}\n")


def write_multiclass_sequence(seq_dir: str | Path, config: MultiClassSceneConfig | None = None, seed: int = 0, *,
                              labels_dir: str | Path | None = None, id_offsets: tuple[int, ...] | None = None,
                              jpeg_quality: int = 92, progress: bool = False) -> dict:
    """Render one multi-class sequence into ``seq_dir`` in the MOT Challenge layout.

    Writes ``img1/000001.jpg ...``, ``gt/gt.txt`` (``frame,id,x,y,w,h,1,class,visibility``; ids
    1-based and unique across classes; ``class`` 1-based in ``config.classes``) and ``seqinfo.ini``
    (with ``classes=name,name,...``). With ``labels_dir``, also JDE labels ``labels_dir/000001.txt``:
    ``class id cx cy w h`` (``class`` 0-based, box normalised by the frame size), where ``id`` is
    the object's rank among the identities of its class in this sequence (0, 1, ... in order of
    first appearance) plus ``id_offsets[class]`` (default 0).

    Returns ``{"name", "frames", "ids" (identities), "ids_per_class" [C], "boxes", "boxes_per_class" [C],
    "images": [paths]}``.
    """
    import cv2

    cfg = (config or MultiClassSceneConfig()).validate()
    n_cls = len(cfg.classes)
    offsets = tuple(id_offsets) if id_offsets is not None else (0,) * n_cls
    if len(offsets) != n_cls:
        raise ValueError(f"id_offsets has {len(offsets)} entries for {n_cls} classes")
    seq_dir = Path(seq_dir)
    (seq_dir / "img1").mkdir(parents=True, exist_ok=True)
    (seq_dir / "gt").mkdir(parents=True, exist_ok=True)
    lab = Path(labels_dir) if labels_dir is not None else None
    if lab is not None:
        lab.mkdir(parents=True, exist_ok=True)
    _write_seqinfo(seq_dir / "seqinfo.ini", seq_dir.name, cfg)
    rows: list[str] = []
    images: list[str] = []
    class_rank: list[dict[int, int]] = [{} for _ in range(n_cls)]  # per class: gt id -> label id
    boxes_per_class = [0] * n_cls
    frames = render_multiclass_sequence(cfg, seed)
    if progress:
        from tqdm import tqdm

        frames = tqdm(frames, total=cfg.n_frames, desc=seq_dir.name, unit="frame", leave=False)
    for t, (frame, truth) in enumerate(frames, start=1):
        img_path = seq_dir / "img1" / f"{t:06d}.jpg"
        if not cv2.imwrite(str(img_path), frame, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]):
            raise OSError(f"could not write {img_path}")
        images.append(str(img_path))
        lines = []
        for pid, (x, y, w, h), v, k in zip(truth.ids, truth.tlwh, truth.visibility, truth.class_ids):
            k = int(k)
            rows.append(f"{t},{pid},{x:.2f},{y:.2f},{w:.2f},{h:.2f},1,{k + 1},{v:.4f}")
            boxes_per_class[k] += 1
            rank = class_rank[k].setdefault(int(pid), len(class_rank[k]))
            if lab is not None:
                lines.append(f"{k} {rank + offsets[k]} {(x + w / 2) / cfg.width:.6f} "
                             f"{(y + h / 2) / cfg.height:.6f} {w / cfg.width:.6f} {h / cfg.height:.6f}")
        if lab is not None:
            (lab / f"{t:06d}.txt").write_text("".join(line + "\n" for line in lines))
    (seq_dir / "gt" / "gt.txt").write_text("".join(r + "\n" for r in rows))
    per_class = [len(r) for r in class_rank]
    return {"name": seq_dir.name, "frames": cfg.n_frames, "ids": sum(per_class), "ids_per_class": per_class,
            "boxes": len(rows), "boxes_per_class": boxes_per_class, "images": images}


def write_multiclass_dataset(root: str | Path, n_sequences: int = 6, config: MultiClassSceneConfig | None = None,
                             seed: int = 0, *, name: str = "synthetic", prefix: str = "SYN",
                             progress: bool = False) -> Path:
    """Write ``n_sequences`` varied multi-class sequences as a JDE training set + MOT ground truth.

    The layout is :func:`fairmot.data.synthetic.write_dataset`'s (``images/<PREFIX>-NN``,
    ``labels_with_ids/<PREFIX>-NN/img1``, ``<name>.train``, ``<name>.json``); the data config adds
    ``"classes": [names]`` and label identities are numbered per class over all sequences. Sequence
    ``k`` uses :func:`fairmot.data.synthetic.sequence_config` (crowd size, sizes, panning, poles; the
    classes are kept) and seed ``(seed, k)``. Returns the JSON path.
    """
    if n_sequences < 1:
        raise ValueError(f"n_sequences must be >= 1, got {n_sequences}")
    base = (config or MultiClassSceneConfig()).validate()
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    listing: list[str] = []
    offsets = [0] * len(base.classes)
    for k in range(n_sequences):
        seq = f"{prefix}-{k + 1:02d}"
        cfg = sequence_config(k, base, seed)
        assert isinstance(cfg, MultiClassSceneConfig)  # replace() keeps the subclass
        info = write_multiclass_sequence(
            root / "images" / seq, cfg, seed=int(np.random.SeedSequence([int(seed), k]).generate_state(1)[0]),
            labels_dir=root / "labels_with_ids" / seq / "img1", id_offsets=tuple(offsets), progress=progress)
        offsets = [o + n for o, n in zip(offsets, info["ids_per_class"])]
        listing.extend(str(Path(p).relative_to(root)) for p in info["images"])
        logger.info("%s: %d frames, identities per class %s, boxes per class %s", seq, info["frames"],
                    dict(zip(base.classes, info["ids_per_class"])), dict(zip(base.classes, info["boxes_per_class"])))
    (root / f"{name}.train").write_text("".join(p + "\n" for p in listing))
    cfg_path = root / f"{name}.json"
    settings = asdict(base)
    settings["classes"] = list(base.classes)
    cfg_path.write_text(json.dumps({"root": str(root), "train": {name: f"{name}.train"},
                                    "classes": list(base.classes),
                                    "synthetic": {"n_sequences": n_sequences, "seed": seed, "config": settings}},
                                   indent=2))
    return cfg_path


def scaled_config(classes: tuple[str, ...], width: int, height: int, n_frames: int, n_objects: int) -> MultiClassSceneConfig:
    """The default multi-class scene at another frame size (heights scale with the frame height)."""
    base = MultiClassSceneConfig(classes=parse_class_list(classes))
    scale = height / base.height
    return replace(base, width=width, height=height, n_frames=n_frames, n_people=n_objects,
                   min_height=base.min_height * scale, max_height=base.max_height * scale)
