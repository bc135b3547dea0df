"""The FairMOT / JDE training dataset (docs/official_behaviour.md §5.1 - §5.3).

Layout (as the official repository):

* a dataset config JSON ``{"root": ROOT, "train": {NAME: LIST_FILE, ...}, ...}``;
* list files with one image path per line, relative to ROOT (e.g.
  ``MOT17/images/train/MOT17-02-SDP/img1/000001.jpg``);
* a label file per image at the image path with ``images`` -> ``labels_with_ids`` and
  ``.jpg``/``.png`` -> ``.txt``, one object per line: ``class id cx cy w h`` (class 0, id >= 0 or
  -1, box normalised by the image size).

``JDEDataset`` concatenates the datasets in config order, gives each its own identity range
(``tid_start_index``) and returns, per image, the letterboxed network input and the
CenterNet targets of ``fairmot.data.targets.build_targets``.
"""
from __future__ import annotations

import bisect
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..config import DEFAULT_IMG_SIZE, DOWN_RATIO
from .augment import hflip, hsv_jitter, labels_to_xyxy, random_affine, xyxy_to_normalized
from .targets import build_targets

try:  # torch is optional for the package as a whole; the dataset class needs it
    from torch.utils.data import Dataset as _TorchDataset
except ImportError:  # pragma: no cover - exercised only without torch
    _TorchDataset = object  # type: ignore[assignment,misc]

__all__ = ["load_data_config", "label_path_for", "read_label_file", "JDEDataset"]

logger = logging.getLogger(__name__)


def _resolve_near(value: str, base_dir: Path) -> str:
    """``value`` as given when it exists (relative to the working directory); otherwise, when it is a
    relative path that exists under ``base_dir``, that path; otherwise ``value`` unchanged."""
    p = Path(value).expanduser()
    if p.exists() or p.is_absolute():
        return str(p)
    candidate = base_dir / p
    if candidate.exists():
        return str(candidate)
    return str(p)


def load_data_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and validate an official dataset config JSON.

    Expected: an object with ``"root"`` (a string) and ``"train"`` (a non-empty object mapping dataset
    names to list-file paths); other keys (``"test"``, ``"test_emb"``, ...) are returned unchanged.

    Relative paths: the official code opens them relative to the working directory. Here ``root`` and
    each ``train`` list file are used as given when they exist; otherwise a relative path is tried
    relative to the directory holding the JSON file. A ``train`` list file found in neither place is an
    error (``root`` is not checked: list files may hold absolute image paths).

    ``"classes"`` (optional, multi-class training, issue 17): the class names, a list of unique
    strings without commas, in label order: class ``c`` of the label files is ``classes[c]``
    (e.g. ``["person", "cyclist", "car"]``); absent: one class, the official behaviour.

    Returns a new dict: ``{"root": str, "train": {name: str path}, ...other keys}`` (config order kept).
    Raises ValueError for a malformed config or a missing list file, OSError if the JSON can't be read.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        cfg = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(cfg, dict):
        raise ValueError(f"{path}: expected a JSON object with 'root' and 'train', got {type(cfg).__name__}")
    if "root" not in cfg or not isinstance(cfg["root"], str) or not cfg["root"]:
        raise ValueError(f"{path}: 'root' must be a non-empty string (the dataset root folder)")
    train = cfg.get("train")
    if not isinstance(train, dict) or not train:
        raise ValueError(f"{path}: 'train' must be a non-empty object mapping dataset names to list files")
    base = path.resolve().parent
    out: dict[str, Any] = dict(cfg)
    out["root"] = _resolve_near(cfg["root"], base)
    resolved: dict[str, str] = {}
    for name, list_file in train.items():
        if not isinstance(list_file, str) or not list_file:
            raise ValueError(f"{path}: train[{name!r}] must be a list-file path (string), got {list_file!r}")
        found = _resolve_near(list_file, base)
        if not Path(found).is_file():
            raise ValueError(f"{path}: list file of dataset {name!r} not found: {list_file!r} "
                             f"(looked in the working directory and in {base})")
        resolved[name] = found
    out["train"] = resolved
    if cfg.get("classes") is not None:
        from ..models.classes import check_class_names

        try:
            out["classes"] = check_class_names(cfg["classes"], source=f"{path}: 'classes'")
        except TypeError as exc:
            raise ValueError(str(exc)) from None
    return out


def label_path_for(image_path: str | os.PathLike[str]) -> str:
    """Label file of an image: every ``images`` -> ``labels_with_ids``, ``.png``/``.jpg`` -> ``.txt``.

    Plain string replacement, as the official code (so every occurrence is replaced).
    """
    return os.fspath(image_path).replace("images", "labels_with_ids").replace(".png", ".txt").replace(".jpg", ".txt")


def read_label_file(path: str | os.PathLike[str]) -> np.ndarray:
    """Parse a ``labels_with_ids`` file into an (N, 6) float32 array ``[class, id, cx, cy, w, h]``.

    A missing file gives (0, 6) (an image without objects); blank lines are skipped; a line without
    exactly 6 numbers raises ValueError naming the file and line.
    """
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return np.zeros((0, 6), dtype=np.float32)
    except UnicodeDecodeError:
        raise ValueError(f"malformed label file {path}: not a text file") from None
    rows: list[list[float]] = []
    for lineno, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 6:
            raise ValueError(f"malformed label file {path}, line {lineno}: expected 6 values "
                             f"'class id cx cy w h', got {len(parts)}")
        try:
            row = [float(v) for v in parts]
        except ValueError:
            raise ValueError(f"malformed label file {path}, line {lineno}: not numbers: {line.strip()!r}") from None
        if not all(np.isfinite(row)):
            raise ValueError(f"malformed label file {path}, line {lineno}: non-finite value")
        rows.append(row)
    if not rows:
        return np.zeros((0, 6), dtype=np.float32)
    return np.asarray(rows, dtype=np.float32)


def _read_list_file(path: str | os.PathLike[str]) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


class JDEDataset(_TorchDataset):
    """Joint detection + embedding training set (official ``JointDataset``).

    Args:
        root: dataset root; list-file lines are joined to it (``os.path.join``, so absolute lines win).
        list_files: ``{name: list file}`` in config order (decides the identity offsets).
        img_size: network input (width, height), e.g. (1088, 608); multiples of ``down_ratio``.
        augment: apply the training augmentation (§5.2); False: letterbox only.
        down_ratio: input / output map stride (4).
        max_objs: K, target slots per image (500).
        ltrb: ``wh`` targets as (left, top, right, bottom) (True) or (w, h).
        num_classes: heatmap channels (1). With more than one class, identities are numbered per
            class (MC-FairMOT): each class has its own identity range over the datasets
            (``nIDs[c]``), labels keep their class, and the targets gain ``cls`` (the class of each
            slot), so that each class has its own identity classifier in training.
        seed: base seed of the per-sample generators; None: fresh OS entropy at every call.

    Attributes: ``nID`` (identity classes: sum of ``tid_num`` + 1, as the official code),
    ``tid_num`` / ``tid_start_index`` (per-dataset identity count = max id + 1 and offset),
    ``img_files`` / ``label_files`` (``{name: [paths]}``), ``img_size`` (W, H), ``out_size`` (W, H)
    of the output maps, ``epoch``. Per class ``c`` (any ``num_classes``): ``tid_num_per_class[name][c]``
    (max id of class c in that dataset + 1), ``tid_start_per_class[name][c]`` (offset of that range)
    and ``nIDs[c]`` (identity classes of class c: sum + 1, the official count applied per class);
    with one class ``nIDs == [nID]``.

    Label files: ``label_path_for`` is applied to the list-file line before it is joined to ``root``
    (the official code applies it to the joined path, which breaks when ``root`` itself contains
    ``images``; identical otherwise). Labels are parsed once here (malformed files fail at
    construction); a missing label file means an image without objects.

    Randomness: sample ``i`` uses ``numpy.random.Generator(PCG64(SeedSequence([seed, epoch, i])))``,
    so with a seed its output does not depend on DataLoader workers or on the order of access. Call
    ``set_epoch(e)`` before each epoch's iterator is created (non-persistent workers copy the dataset
    when the iterator starts; with ``persistent_workers=True`` the workers keep the epoch they saw).

    Each item is a dict of torch tensors: ``input`` (3, H, W) float32 RGB in [0, 1] (no mean/std),
    ``hm`` (C, H/r, W/r) float32, ``reg_mask`` (K,) uint8, ``ind`` (K,) int64, ``wh`` (K, 4|2)
    float32, ``reg`` (K, 2) float32, ``ids`` (K,) int64 (identity class, -1 = none; 0 in unused slots;
    numbered within the object's class when ``num_classes > 1``), and with ``num_classes > 1``
    ``cls`` (K,) int64 (class of each slot).
    All shapes are fixed, so ``torch.utils.data.default_collate`` batches them.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        list_files: Mapping[str, str | os.PathLike[str]],
        img_size: tuple[int, int] = DEFAULT_IMG_SIZE,
        augment: bool = True,
        down_ratio: int = DOWN_RATIO,
        max_objs: int = 500,
        ltrb: bool = True,
        num_classes: int = 1,
        seed: int | None = None,
    ) -> None:
        if _TorchDataset is object:  # pragma: no cover
            raise ImportError("JDEDataset needs PyTorch: pip install torch")
        width, height = int(img_size[0]), int(img_size[1])
        if width <= 0 or height <= 0:
            raise ValueError(f"img_size must be positive (width, height), got {img_size}")
        if down_ratio <= 0 or width % down_ratio or height % down_ratio:
            raise ValueError(f"img_size {width}x{height} must be a multiple of down_ratio={down_ratio}")
        if not list_files:
            raise ValueError("list_files is empty: give at least one {name: list file}")
        if max_objs <= 0 or num_classes <= 0:
            raise ValueError(f"max_objs and num_classes must be positive, got {max_objs}, {num_classes}")
        if seed is not None and int(seed) < 0:
            raise ValueError(f"seed must be a non-negative integer or None, got {seed}")
        self.root = os.fspath(root)
        self.img_size = (width, height)
        self.down_ratio = int(down_ratio)
        self.out_size = (width // self.down_ratio, height // self.down_ratio)
        self.augment = bool(augment)
        self.max_objs = int(max_objs)
        self.ltrb = bool(ltrb)
        self.num_classes = int(num_classes)
        self.seed = None if seed is None else int(seed)
        self.epoch = 0
        #: class names (from the data config's ``classes``; None: not named)
        self.class_names: list[str] | None = None

        self.img_files: dict[str, list[str]] = {}
        self.label_files: dict[str, list[str]] = {}
        self.tid_num: dict[str, int] = {}
        self.tid_start_index: dict[str, int] = {}
        self._labels: dict[str, list[np.ndarray]] = {}
        self.tid_num_per_class: dict[str, list[int]] = {}
        self.tid_start_per_class: dict[str, list[int]] = {}
        for name, list_file in list_files.items():
            lines = _read_list_file(list_file)
            self.img_files[name] = [os.path.join(self.root, x) for x in lines]
            self.label_files[name] = [os.path.join(self.root, label_path_for(x)) for x in lines]
            labels = [read_label_file(p) for p in self.label_files[name]]
            self._labels[name] = labels
            max_index = -1
            for lab in labels:
                if len(lab):
                    max_index = max(max_index, int(lab[:, 1].max()))
            self.tid_num[name] = max_index + 1
            per_class = [-1] * self.num_classes
            for lab in labels:  # labels of other classes fail later, in build_targets
                for c in range(self.num_classes):
                    of_c = lab[lab[:, 0] == c, 1]
                    if of_c.size:
                        per_class[c] = max(per_class[c], int(of_c.max()))
            self.tid_num_per_class[name] = [m + 1 for m in per_class]
            n_missing = sum(not os.path.isfile(p) for p in self.label_files[name])
            logger.info("dataset %s: %d images, %d identities%s", name, len(lines), self.tid_num[name],
                        f", {n_missing} without label file" if n_missing else "")

        last_index = 0
        for name, count in self.tid_num.items():
            self.tid_start_index[name] = last_index
            last_index += count
        self.nID = int(last_index + 1)
        totals = [0] * self.num_classes
        for name, counts in self.tid_num_per_class.items():
            self.tid_start_per_class[name] = list(totals)
            totals = [t + n for t, n in zip(totals, counts)]
        self.nIDs: list[int] = [int(t + 1) for t in totals]

        self._names = list(self.img_files)
        self._counts = [len(self.img_files[n]) for n in self._names]
        self._starts = [int(v) for v in np.cumsum([0] + self._counts[:-1])]
        self._total = int(sum(self._counts))
        logger.info("JDEDataset: %d images, nID %d, identity offsets %s", self._total, self.nID, self.tid_start_index)

    @classmethod
    def from_config(cls, json_path: str | os.PathLike[str], **kwargs: Any) -> JDEDataset:
        """Build from an official config JSON (``root`` + ``train``; see ``load_data_config``).

        A config naming ``classes`` sets ``num_classes`` to their count (an explicit ``num_classes``
        must agree) and the dataset's ``class_names``."""
        cfg = load_data_config(json_path)
        names = cfg.get("classes")
        if names is not None:
            given = kwargs.get("num_classes")
            if given is not None and given != len(names):
                raise ValueError(f"{json_path}: names {len(names)} classes but num_classes={given}")
            kwargs["num_classes"] = len(names)
        ds = cls(cfg["root"], cfg["train"], **kwargs)
        ds.class_names = names
        return ds

    def __len__(self) -> int:
        return self._total

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch component of the per-sample random generators."""
        self.epoch = int(epoch)

    def locate(self, index: int) -> tuple[str, int]:
        """Sample index -> (dataset name, index inside that dataset), by cumulative counts."""
        if not 0 <= index < self._total:
            raise IndexError(f"index {index} out of range for a dataset of {self._total} images")
        k = bisect.bisect_right(self._starts, index) - 1
        # empty datasets share a start with the next one: bisect_right picks the last, non-empty one
        return self._names[k], index - self._starts[k]

    def rng_for(self, index: int) -> np.random.Generator:
        """The random generator of sample ``index`` at the current epoch."""
        if self.seed is None:
            return np.random.default_rng()
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, self.epoch, int(index)])))

    def labels_of(self, index: int) -> np.ndarray:
        """Raw labels (N, 6) float32 of sample ``index`` with identities already offset (copy)."""
        name, local = self.locate(index)
        lab = self._labels[name][local].copy()
        has_id = lab[:, 1] > -1
        if self.num_classes == 1:
            lab[has_id, 1] += self.tid_start_index[name]
        else:  # identities numbered within each class
            for c, start in enumerate(self.tid_start_per_class[name]):
                lab[has_id & (lab[:, 0] == c), 1] += start
        return lab

    def load_sample(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(letterboxed / augmented BGR uint8 image (H, W, 3), labels (N, 6) normalised to the input size)."""
        import cv2

        from ..detection.preprocess import letterbox

        if index < 0:
            index += self._total
        name, local = self.locate(index)
        img_path = self.img_files[name][local]
        img = cv2.imread(img_path)
        if img is None:
            raise ValueError(f"cannot read image {img_path}")
        labels = self.labels_of(index)
        width, height = self.img_size
        rng = self.rng_for(index) if self.augment else None
        if rng is not None:
            img = hsv_jitter(img, rng)
        h0, w0 = img.shape[:2]
        img, ratio, padw, padh = letterbox(img, width=width, height=height)
        labels = labels_to_xyxy(labels, w0, h0, ratio, padw, padh)
        if rng is not None:
            img, labels, _ = random_affine(img, labels, degrees=(-5, 5), translate=(0.10, 0.10), scale=(0.50, 1.20),
                                           rng=rng)
        labels = xyxy_to_normalized(labels, width, height)
        if rng is not None and rng.random() > 0.5:
            img, labels = hflip(img, labels)
        return img, labels

    def __getitem__(self, index: int) -> dict[str, Any]:
        import torch

        img, labels = self.load_sample(int(index))
        targets = build_targets(labels, self.out_size[0], self.out_size[1], num_classes=self.num_classes,
                                max_objs=self.max_objs, ltrb=self.ltrb)
        chw = np.ascontiguousarray(img[:, :, ::-1].transpose(2, 0, 1), dtype=np.float32)
        chw /= 255.0
        item: dict[str, Any] = {"input": torch.from_numpy(chw)}
        for key, value in targets.items():
            item[key] = torch.from_numpy(value)
        return item

    def __repr__(self) -> str:
        parts = ", ".join(f"{n}: {c}" for n, c in zip(self._names, self._counts))
        return (f"JDEDataset({self._total} images [{parts}], nID={self.nID}, img_size={self.img_size}, "
                f"augment={self.augment})")
