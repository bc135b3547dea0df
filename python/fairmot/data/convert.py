"""MOT Challenge ground truth -> JDE / FairMOT training layout (``fairmot convert-labels``).

Input: a MOT15/16/17/20 split folder ``MOT_ROOT`` with sequences ``<seq>/seqinfo.ini``,
``<seq>/gt/gt.txt`` and ``<seq>/<imDir>/`` (``img1``). Output under ``OUT_ROOT``:

* ``labels_with_ids/<split>/<seq>/img1/<frame:06d>.txt``: ``0 id cx cy w h`` per object, the box
  normalised by the image size from ``seqinfo.ini``, 6 decimals (the official generator's format);
* ``images/<split>/<seq>/img1``: the images, as a symlink to the sequence's image folder (default),
  a copy, or nothing (``images="none"``, when the data already sits there, e.g. ``MOT_ROOT`` is
  ``OUT_ROOT/images/<split>`` as in the official instructions — detected automatically);
* ``<name>.train``: the list file (image paths relative to ``OUT_ROOT``, one per line, every image of
  every converted sequence), and ``<name>.json``: a dataset config (``root`` = ``OUT_ROOT``,
  ``train`` = ``{name: "<name>.train"}``) usable with ``JDEDataset.from_config``.

Filters and identities follow the official ``gen_labels_16/20.py``
(docs/official_behaviour.md §5.1): the rows of each gt
file are sorted by (track id, frame) (``np.lexsort``); a row is skipped when its mark (column 7) is 0
or, in MOT16/17/20 files (9+ columns with a class column), its class (column 8) is not 1
(pedestrian); identities are renumbered consecutively from 1 over all sequences, a new id whenever
the track id changes between consecutive kept rows.

Deliberate differences from the official scripts (documented choices):

* MOT15 ``gt.txt`` (10 columns, class column -1, or fewer than 9 columns) has no class: only the
  mark filter applies (as the official ``gen_labels_15.py``).
* Sequences are processed in sorted name order (the official scripts use ``os.listdir`` order) and a
  new sequence always starts a new identity (officially, a track whose id equals the previous
  sequence's last track id would merge with it).
* Label files are rewritten, not appended to, so running twice gives the same result.

Several classes (``classes=``, ``fairmot convert-labels --classes``; opt-in, issue 17): the
source classes of column 8 are mapped to an ordered list of target classes (see
:func:`parse_class_map`); rows of other classes are dropped (the mark filter still applies), the JDE
label's first column becomes the 0-based target class, identities are numbered per target class
(each from 1, over all sequences, the official rule applied per class), and the data config gets
``"classes": [names]``. Source classes are ids or names: names of MOT16/17/20 (:data:`SOURCE_CLASSES`
``mot17``), VisDrone-MOT (``visdrone``, whose annotation files have the same first 8 columns: the
7th is its "score" (0 = ignored box), the 8th the category), BDD100K's tracking classes
(``bdd100k``: BDD box-track JSON converted to MOT text with the ids 1 ... 8 of that table), or the
``classes=`` line of each sequence's ``seqinfo.ini`` (``seqinfo``, as ``fairmot synth --classes``
writes).

Top-level imports are light (numpy only): the CLI imports this module at every start.
"""
from __future__ import annotations

import fnmatch
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..io.mot import read_seqinfo_section

__all__ = ["SequenceInfo", "ConvertResult", "SOURCE_CLASSES", "parse_class_map", "read_seqinfo",
           "convert_mot_sequences"]

logger = logging.getLogger(__name__)

_IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp")

#: Class ids (column 8) of the ground-truth families ``convert-labels --classes`` knows by name.
SOURCE_CLASSES: dict[str, dict[str, int]] = {
    # MOT16/17/20 (Milan et al., "MOT16: A Benchmark for Multi-Object Tracking", 2016)
    "mot17": {"pedestrian": 1, "person_on_vehicle": 2, "car": 3, "bicycle": 4, "motorbike": 5,
              "non_motorized_vehicle": 6, "static_person": 7, "distractor": 8, "occluder": 9,
              "occluder_on_the_ground": 10, "occluder_full": 11, "reflection": 12, "crowd": 13},
    # VisDrone2019-MOT annotation categories
    "visdrone": {"ignored_regions": 0, "pedestrian": 1, "people": 2, "bicycle": 3, "car": 4, "van": 5, "truck": 6,
                 "tricycle": 7, "awning_tricycle": 8, "bus": 9, "motor": 10, "others": 11},
    # BDD100K box tracking classes, numbered 1 ... 8 in this order (when converted to MOT text)
    "bdd100k": {"pedestrian": 1, "rider": 2, "car": 3, "truck": 4, "bus": 5, "train": 6, "motorcycle": 7,
                "bicycle": 8},
}
_SOURCES = ("auto", "seqinfo", *SOURCE_CLASSES)


def parse_class_map(spec: str | list[str] | tuple[str, ...], source: str = "auto",
                    seqinfo_names: tuple[str, ...] | None = None) -> tuple[list[str], dict[int, int]]:
    """Target class names and the map ``source class id -> target class index (0-based)``.

    ``spec``: comma-separated (or a list of) ``NAME`` or ``NAME=SRC[+SRC...]`` items, in target order;
    ``SRC`` is a source class id (an integer) or a source class name; a bare ``NAME`` stands for the
    source class of that name. Names resolve through ``source``: ``seqinfo`` (``seqinfo_names``,
    1-based), one of :data:`SOURCE_CLASSES`, or ``auto`` (``seqinfo`` when ``seqinfo_names`` is given,
    else ``mot17``). Examples: ``"pedestrian,car"`` (MOT17: 1 -> 0, 3 -> 1),
    ``"person=pedestrian+people,car=car+van"`` (VisDrone), ``"person=1,vehicle=3+5"``.

    Raises ValueError (naming the item) for an empty or repeated target, an unknown source name, a
    source class mapped twice; TypeError when ``spec`` is not text.
    """
    if isinstance(spec, str):
        items = [x.strip() for x in spec.split(",")]
    elif isinstance(spec, (list, tuple)) and all(isinstance(x, str) for x in spec):
        items = [x.strip() for x in spec]
    else:
        raise TypeError(f"classes must be a comma-separated string or a list of strings, got {spec!r}")
    if source not in _SOURCES:
        raise ValueError(f"source classes must be one of {', '.join(_SOURCES)}, got {source!r}")
    if source == "auto":
        source = "seqinfo" if seqinfo_names else "mot17"
    if source == "seqinfo":
        if not seqinfo_names:
            raise ValueError("source classes 'seqinfo': the sequences' seqinfo.ini have no classes= line")
        table = {n: k for k, n in enumerate(seqinfo_names, start=1)}
    else:
        table = SOURCE_CLASSES[source]
    names: list[str] = []
    mapping: dict[int, int] = {}
    if not items or items == [""]:
        raise ValueError("classes: empty class list")
    for item in items:
        target, _, srcs = item.partition("=")
        target = target.strip()
        if not target:
            raise ValueError(f"classes: item {item!r} has no class name")
        if target in names:
            raise ValueError(f"classes: class {target!r} appears twice")
        index = len(names)
        names.append(target)
        for src in (srcs.split("+") if srcs else [target]):
            src = src.strip()
            try:
                sid = int(src)
            except ValueError:
                if src not in table:
                    raise ValueError(f"classes: unknown {source} class {src!r} in {item!r}; known: "
                                     f"{', '.join(table)} (or give class ids)") from None
                sid = table[src]
            if sid in mapping:
                raise ValueError(f"classes: source class {src!r} ({sid}) is mapped twice")
            mapping[sid] = index
    return names, mapping


@dataclass(frozen=True)
class SequenceInfo:
    """What ``seqinfo.ini`` says about a sequence (sizes in pixels)."""

    name: str
    width: int
    height: int
    im_dir: str = "img1"
    im_ext: str = ".jpg"
    seq_length: int | None = None


@dataclass
class ConvertResult:
    """Summary of ``convert_mot_sequences``."""

    sequences: list[str] = field(default_factory=list)
    images: int = 0
    boxes: int = 0
    identities: int = 0
    label_files: int = 0
    #: target class names (``classes=``); None for the official single-class conversion
    classes: list[str] | None = None
    #: identities of each target class (``classes=``)
    identities_per_class: list[int] = field(default_factory=list)
    list_file: Path | None = None
    config_file: Path | None = None


def read_seqinfo(seq_dir: str | os.PathLike[str]) -> SequenceInfo:
    """Parse ``<seq_dir>/seqinfo.ini`` (section ``[Sequence]``: imWidth, imHeight, imDir, imExt, seqLength)."""
    path = Path(seq_dir) / "seqinfo.ini"
    if not path.is_file():
        raise ValueError(f"{path}: missing (needed for the image size)")
    sec = read_seqinfo_section(path)  # io.mot's parser: MotFormatError (a ValueError) naming the file
    try:
        width, height = int(sec["imWidth"]), int(sec["imHeight"])
    except (KeyError, ValueError):
        raise ValueError(f"{path}: imWidth / imHeight missing or not integers") from None
    if width <= 0 or height <= 0:
        raise ValueError(f"{path}: image size must be positive, got {width}x{height}")
    seq_length = None
    if "seqLength" in sec:
        try:
            seq_length = int(sec["seqLength"])
        except ValueError:
            raise ValueError(f"{path}: seqLength is not an integer") from None
    return SequenceInfo(name=sec.get("name", Path(seq_dir).name), width=width, height=height,
                        im_dir=sec.get("imDir", "img1"), im_ext=sec.get("imExt", ".jpg"), seq_length=seq_length)


def _read_gt(path: Path) -> np.ndarray:
    """gt.txt -> (N, C) float64 (C >= 7), comma separated (whitespace tolerated)."""
    rows: list[list[float]] = []
    ncols = None
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            text = line.strip()
            if not text:
                continue
            parts = [p for p in text.replace(",", " ").split()]
            try:
                row = [float(p) for p in parts]
            except ValueError:
                raise ValueError(f"{path}, line {lineno}: not numbers: {text!r}") from None
            if ncols is None:
                ncols = len(row)
                if ncols < 7:
                    raise ValueError(f"{path}, line {lineno}: expected at least 7 columns "
                                     f"(frame, id, x, y, w, h, mark, ...), got {ncols}")
            elif len(row) != ncols:
                raise ValueError(f"{path}, line {lineno}: {len(row)} columns, previous lines have {ncols}")
            rows.append(row)
    if not rows:
        return np.zeros((0, 7), dtype=np.float64)
    return np.asarray(rows, dtype=np.float64)


def _list_images(img_dir: Path, info: SequenceInfo) -> list[str]:
    """Image file names of a sequence, sorted; from the folder, else from seqLength + imExt."""
    if img_dir.is_dir():
        names = sorted(p.name for p in img_dir.iterdir() if p.suffix.lower() in _IMAGE_EXTS)
        if names:
            return names
    if info.seq_length:
        logger.warning("%s: no images found; listing %d frames from seqinfo.ini", img_dir, info.seq_length)
        return [f"{i:06d}{info.im_ext}" for i in range(1, info.seq_length + 1)]
    raise ValueError(f"{img_dir}: no images and no seqLength in seqinfo.ini")


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _place_images(src_dir: Path, dst_dir: Path, names: list[str], mode: str) -> None:
    if mode == "none" or _same_dir(src_dir, dst_dir):
        return
    dst_dir.parent.mkdir(parents=True, exist_ok=True)
    if mode == "symlink":
        if dst_dir.is_symlink():
            if _same_dir(src_dir, dst_dir):
                return
            dst_dir.unlink()
        elif dst_dir.exists():
            raise ValueError(f"{dst_dir} exists and is not a link to {src_dir}; remove it or use --images none")
        dst_dir.symlink_to(src_dir.resolve(), target_is_directory=True)
    elif mode == "copy":
        dst_dir.mkdir(parents=True, exist_ok=True)
        for name in names:
            src = src_dir / name
            if src.is_file():
                shutil.copy2(src, dst_dir / name)
    else:
        raise ValueError(f"images mode must be 'symlink', 'copy' or 'none', got {mode!r}")


def convert_mot_sequences(
    mot_root: str | os.PathLike[str],
    out_root: str | os.PathLike[str],
    split_name: str = "train",
    list_name: str | None = None,
    images: str = "symlink",
    pattern: str | None = None,
    progress: bool = False,
    classes: str | list[str] | tuple[str, ...] | None = None,
    source_classes: str = "auto",
) -> ConvertResult:
    """Convert every sequence ``MOT_ROOT/<seq>`` holding ``gt/gt.txt`` into the JDE layout (see module doc).

    Args:
        mot_root: MOT split folder (e.g. ``MOT17/train``).
        out_root: output dataset root (the config's ``root``).
        split_name: sub-folder under ``images/`` and ``labels_with_ids/`` (``train``).
        list_name: list-file stem (``<out_root>/<list_name>.train``); default: ``out_root``'s folder
            name in lower case (``MOT17`` -> ``mot17``).
        images: how images get to ``images/<split>/<seq>/img1``: ``symlink`` (a link to the sequence's
            image folder), ``copy`` or ``none``.
        pattern: only sequences whose name matches this ``fnmatch`` pattern (e.g. ``*-SDP``: MOT17
            ships every sequence three times with identical gt).
        progress: show a tqdm bar over the frames (CLI).
        classes: None (default): the official single-class conversion. Otherwise keep these classes
            (see :func:`parse_class_map` and the module docstring): labels ``class id cx cy w h`` with
            the 0-based target class and per-class identities; every gt file needs a class column.
        source_classes: how source class names in ``classes`` resolve: ``auto``, ``seqinfo``, ``mot17``,
            ``visdrone`` or ``bdd100k``.

    Returns a ``ConvertResult``. Raises ValueError (bad input) or OSError (file system).
    """
    mot_root = Path(mot_root)
    out_root = Path(out_root)
    if not mot_root.is_dir():
        raise ValueError(f"MOT root {mot_root} is not a folder")
    if not split_name or os.sep in split_name or split_name in (".", ".."):
        raise ValueError(f"split name must be a plain folder name, got {split_name!r}")
    if list_name is None:
        list_name = out_root.resolve().name.lower() or "mot"
    if not list_name or os.sep in list_name:
        raise ValueError(f"list name must be a plain file stem, got {list_name!r}")
    if images not in ("symlink", "copy", "none"):
        raise ValueError(f"images mode must be 'symlink', 'copy' or 'none', got {images!r}")

    seq_dirs = sorted(p for p in mot_root.iterdir() if (p / "gt" / "gt.txt").is_file())
    if pattern:
        seq_dirs = [p for p in seq_dirs if fnmatch.fnmatchcase(p.name, pattern)]
    if not seq_dirs:
        raise ValueError(f"no sequences with gt/gt.txt under {mot_root}"
                         + (f" matching {pattern!r}" if pattern else ""))

    infos = [read_seqinfo(p) for p in seq_dirs]
    gts = [_read_gt(p / "gt" / "gt.txt") for p in seq_dirs]
    class_names: list[str] | None = None
    class_map: dict[int, int] = {}
    if classes is not None:
        class_names, class_map = parse_class_map(classes, source_classes, _seqinfo_classes(seq_dirs))
        for p, gt in zip(seq_dirs, gts):
            if gt.shape[0] and (gt.shape[1] < 8 or np.all(gt[:, 7] == -1)):
                raise ValueError(f"{p / 'gt' / 'gt.txt'}: no class column (column 8), cannot keep classes")
    frame_lists = [_list_images(p / info.im_dir, info) for p, info in zip(seq_dirs, infos)]

    bar = None
    if progress:
        try:
            from tqdm import tqdm

            bar = tqdm(total=sum(len(f) for f in frame_lists), desc="converting", unit="frame", dynamic_ncols=True)
        except ImportError:  # progress bars are optional
            bar = None

    result = ConvertResult()
    list_lines: list[str] = []
    tid_curr = 0
    per_class_ids = [0] * len(class_names or [])  # last identity given in each target class
    try:
        for seq_dir, info, gt, frames in zip(seq_dirs, infos, gts, frame_lists):
            seq = seq_dir.name
            if bar is not None:
                bar.set_description(seq)
            ncols = gt.shape[1]
            has_class = ncols >= 9 and gt.shape[0] > 0 and not np.all(gt[:, 7] == -1)
            gt = gt[np.lexsort(gt.T[:2, :])]  # by track id, then frame
            per_frame: dict[int, list[str]] = {}
            tid_last = None
            n_boxes = 0
            if class_names is not None:
                n_boxes = _convert_classes(gt, class_map, class_names, info, per_frame, per_class_ids)
                gt = gt[:0]  # done
            for row in gt:
                fid, tid, x, y, w, h, mark = row[:7]
                if mark == 0 or (has_class and row[7] != 1):
                    continue
                if tid != tid_last:
                    tid_curr += 1
                    tid_last = tid
                cx = x + w / 2
                cy = y + h / 2
                per_frame.setdefault(int(fid), []).append(
                    f"0 {tid_curr:d} {cx / info.width:.6f} {cy / info.height:.6f} "
                    f"{w / info.width:.6f} {h / info.height:.6f}\n")
                n_boxes += 1

            label_dir = out_root / "labels_with_ids" / split_name / seq / "img1"
            if label_dir.is_dir():  # rewrite: drop label files of an earlier run
                for old in label_dir.glob("*.txt"):
                    old.unlink()
            label_dir.mkdir(parents=True, exist_ok=True)
            for fid, lines in per_frame.items():
                (label_dir / f"{fid:06d}.txt").write_text("".join(lines), encoding="utf-8")

            img_dst = out_root / "images" / split_name / seq / "img1"
            _place_images(seq_dir / info.im_dir, img_dst, frames, images)
            for name in frames:
                list_lines.append(f"images/{split_name}/{seq}/img1/{name}")
            labelled = {f"{fid:06d}" for fid in per_frame}
            unlisted = labelled - {Path(n).stem for n in frames}
            if unlisted:
                logger.warning("%s: %d labelled frames have no image (e.g. %s)", seq, len(unlisted), min(unlisted))
            logger.info("%s: %d frames, %d boxes, %d label files%s", seq, len(frames), n_boxes, len(per_frame),
                        "" if has_class or class_names else " (no class column: mark filter only)")
            result.sequences.append(seq)
            result.images += len(frames)
            result.boxes += n_boxes
            result.label_files += len(per_frame)
            if bar is not None:
                bar.update(len(frames))
    finally:
        if bar is not None:
            bar.close()

    result.identities = tid_curr if class_names is None else sum(per_class_ids)
    out_root.mkdir(parents=True, exist_ok=True)
    result.list_file = out_root / f"{list_name}.train"
    result.list_file.write_text("".join(line + "\n" for line in list_lines), encoding="utf-8")
    result.config_file = out_root / f"{list_name}.json"
    config: dict = {"root": str(out_root.resolve()), "train": {list_name: f"{list_name}.train"}}
    if class_names is not None:
        config["classes"] = class_names
        result.classes = class_names
        result.identities_per_class = per_class_ids
    result.config_file.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return result


def _seqinfo_classes(seq_dirs: list[Path]) -> tuple[str, ...] | None:
    """The ``classes=`` list of the sequences' ``seqinfo.ini`` (all equal), or None when none has one."""
    found = set()
    for p in seq_dirs:
        ini = p / "seqinfo.ini"
        raw = read_seqinfo_section(ini).get("classes") if ini.is_file() else None
        found.add(None if raw is None else tuple(c.strip() for c in raw.split(",")))
    if len(found) > 1:
        raise ValueError("the sequences' seqinfo.ini name different classes (classes=); convert them separately")
    return found.pop() if found else None


def _convert_classes(gt: np.ndarray, class_map: dict[int, int], class_names: list[str], info: SequenceInfo,
                     per_frame: dict[int, list[str]], per_class_ids: list[int]) -> int:
    """Multi-class labels of one sequence into ``per_frame``; ``per_class_ids`` (last id per class) advances.

    ``gt`` is sorted by (track id, frame). Within each target class, a new identity starts whenever the
    track id changes between consecutive kept rows of that class (the official rule, per class).
    Returns the number of boxes kept.
    """
    source = np.trunc(gt[:, 7]).astype(np.int64) if gt.shape[0] else np.zeros(0, np.int64)
    target = np.array([class_map.get(int(c), -1) for c in source], np.int64)
    keep = (gt[:, 6] != 0) & (target >= 0) if gt.shape[0] else np.zeros(0, bool)
    n_boxes = 0
    for k in range(len(class_names)):
        tid_last = None
        for row in gt[keep & (target == k)]:
            fid, tid, x, y, w, h = row[:6]
            if tid != tid_last:
                per_class_ids[k] += 1
                tid_last = tid
            per_frame.setdefault(int(fid), []).append(
                f"{k:d} {per_class_ids[k]:d} {(x + w / 2) / info.width:.6f} {(y + h / 2) / info.height:.6f} "
                f"{w / info.width:.6f} {h / info.height:.6f}\n")
            n_boxes += 1
    return n_boxes


# The old CLI hook fairmot.data.convert.add_command -> fairmot.cli.convert.register, for one release.
from .._deprecated import forward as _forward  # noqa: E402

__getattr__, _ = _forward("fairmot.data.convert", (), {"add_command": "fairmot.cli.convert:register"})
