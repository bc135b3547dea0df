"""The per-frame detector: letterbox -> network -> decoding -> detections in frame pixels.

``Detector.detect(frame_bgr)`` returns what the official ``JDETracker.update`` computes
before association (docs/official_behaviour.md §2, §3), as :class:`fairmot.tracking.Detections`:
boxes (N, 4) float32 ``x1, y1, x2, y2`` in frame pixels,
scores (N,) float32, embeddings (N, D) float32 L2-normalised, for the N decoded centres with
``score > conf_thres`` (in decode order), and class_ids (N,) int64: the heatmap channel of each
centre (all 0 for the official single-class network; K centres are taken over all classes'
peaks together, see :func:`fairmot.ops.heatmap_topk`). Only the K decoded rows leave the device.
"""
from __future__ import annotations

import logging
from typing import Any, Sequence

import numpy as np
import torch

from ..config import DEFAULT_IMG_SIZE, DEFAULT_K, TrackerConfig, is_valid_img_size
from ..ops import gather_embeddings, mot_decode
from ..tracking.types import Detections
from .postprocess import map_to_frame
from .preprocess import letterbox, to_input_tensor, to_input_tensor_on, unit_lut

__all__ = ["Detector", "check_frame", "resolve_device"]

logger = logging.getLogger(__name__)


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """"auto" -> the first CUDA device when available, else the CPU."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available")
    return dev


class Detector:
    """FairMOT network + decoding for one frame at a time.

    Args:
        model: a FairMOT network returning ``{'hm', 'wh', 'id', 'reg'}`` (see fairmot.models), or a
            network backend: a callable mapping an (N, 3, H, W) float32 numpy batch to
            ``{head: numpy map}``, with a ``heads`` dict ``{name: channels}`` and optionally an
            ``img_size`` it was built for (e.g. :class:`fairmot.detection.onnx_runtime.OnnxModel`, ONNX Runtime).
            A backend runs where it was set up to; its outputs are decoded on the CPU.
        img_size: network input (width, height), multiples of 32 (official 1088x608).
        conf_thres: keep decoded centres with score > conf_thres (strict, float32).
        K: number of decoded centres (official 500).
        device: "auto", "cpu", "cuda", "cuda:1", ... (the model is moved there; torch networks only).
        dtype: torch.float32, or float16/bfloat16 on CUDA (autocast for the network; torch networks only).
        ltrb: the wh head predicts (l, t, r, b) distances (4 channels) or (w, h).
        channels_last: run the network in the channels_last memory layout (default True).
        fold_bn: fold batch-norms into the convolutions before them, on a copy of the network
            (:func:`fairmot.models.fold.fold_batchnorm`; the network passed in is not modified and
            can still be trained). None (default): on the CPU only, where it measures faster
            (``benchmarks/RESULTS.md``, "CPU layout"); outputs agree with the unfolded network to
            float32 rounding (checked at load, else the unfolded network is used).
    """

    def __init__(self, model: torch.nn.Module | Any, img_size: tuple[int, int] = DEFAULT_IMG_SIZE, conf_thres: float = TrackerConfig.conf_thres,
                 K: int = DEFAULT_K, device: str | torch.device = "auto", dtype: torch.dtype = torch.float32,
                 ltrb: bool | None = None, channels_last: bool = True, fold_bn: bool | None = None) -> None:
        w, h = img_size
        if not is_valid_img_size(w, h):
            raise ValueError(f"img_size must be positive multiples of 32, got {w}x{h}")
        self.img_size = (w, h)
        self.conf_thres = float(conf_thres)
        self.K = int(K)
        self.backend = None if isinstance(model, torch.nn.Module) else model
        self._lut = None  # x / 255 table on the device (CUDA pre-processing)
        if self.backend is not None:
            self._init_backend(model, dtype)
        else:
            self.device = resolve_device(device)
            if dtype not in (torch.float32, torch.float16, torch.bfloat16):
                raise ValueError(f"dtype must be float32, float16 or bfloat16, got {dtype}")
            if dtype != torch.float32 and self.device.type != "cuda":
                raise ValueError(f"{dtype} inference needs a CUDA device (got {self.device})")
            self.dtype = dtype
            self.model = model.eval().to(self.device)
            if fold_bn is None:
                fold_bn = self.device.type == "cpu"
            self.folded_bn = 0
            if fold_bn:
                from ..models.fold import fold_batchnorm

                example = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(0)).to(self.device)
                self.model, self.folded_bn = fold_batchnorm(self.model, example)
                logger.debug("%d batch-norms folded into convolutions for inference", self.folded_bn)
            if channels_last:
                self.model = self.model.to(memory_format=torch.channels_last)
            self.channels_last = channels_last
        if ltrb is None:
            ltrb = self._wh_channels() == 4
        self.ltrb = ltrb
        from ..models.classes import class_names_of, num_classes_of

        net = model if self.backend is None else self.backend
        #: number of object classes C (the heatmap head's channels; 1 for the official network)
        self.num_classes = num_classes_of(net)
        #: class names (a checkpoint's ``meta['classes']`` / the ONNX file's metadata), or None
        self.class_names = class_names_of(net)

    def _init_backend(self, backend: Any, dtype: torch.dtype) -> None:
        """Set up a non-torch network backend (see the class docstring)."""
        if not callable(backend) or not isinstance(getattr(backend, "heads", None), dict):
            raise TypeError(f"model must be a torch.nn.Module or a backend (callable with a 'heads' dict), "
                            f"got {type(backend).__name__}")
        if dtype != torch.float32:
            raise ValueError(f"dtype {dtype} applies to torch networks; a backend's precision is fixed when it is "
                             "built (e.g. fairmot export --fp16)")
        size = getattr(backend, "img_size", None)
        if size is not None and tuple(size) != self.img_size:
            raise ValueError(f"{backend!r} takes {size[0]}x{size[1]} input, not {self.img_size[0]}x{self.img_size[1]}:"
                             f" use img_size=({size[0]}, {size[1]}) (--img-size {size[0]}x{size[1]})")
        self.model = backend
        self.device = torch.device("cpu")  # where the outputs are decoded
        self.dtype = torch.float32
        self.channels_last = False
        self.folded_bn = 0

    def _wh_channels(self) -> int:
        if self.backend is not None:
            return int(self.backend.heads.get("wh", 4))
        head = getattr(self.model, "wh", None)
        last = head[-1] if isinstance(head, torch.nn.Sequential) else head
        return int(getattr(last, "out_channels", 4))

    @torch.inference_mode()
    def forward(self, blob: torch.Tensor) -> dict[str, torch.Tensor]:
        """Raw network outputs ``{head: (B, C, H/4, W/4) float32}`` for a (B, 3, H, W) float32 blob
        (B = 1 for one frame). A backend whose batch dimension is fixed at 1 (an ONNX file exported
        without ``dynamic_batch``) runs a larger batch one image at a time."""
        if self.backend is not None:
            x = blob.cpu().numpy() if isinstance(blob, torch.Tensor) else np.asarray(blob)
            fixed = getattr(self.backend, "fixed_batch", None)
            if fixed is not None and x.ndim == 4 and x.shape[0] != fixed:
                if fixed != 1:
                    raise ValueError(f"{self.backend!r} takes batches of exactly {fixed} images, got {x.shape[0]}")
                parts = [self.backend(x[i:i + 1]) for i in range(x.shape[0])]
                maps = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
            else:
                maps = self.backend(x)
            return {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in maps.items()}
        blob = blob.to(self.device, non_blocking=True)
        if self.channels_last:
            blob = blob.contiguous(memory_format=torch.channels_last)
        if self.dtype == torch.float32:
            out = self.model(blob)
        else:
            with torch.autocast(device_type="cuda", dtype=self.dtype):
                out = self.model(blob)
        if isinstance(out, (list, tuple)):
            out = out[-1]
        return {k: v.float() for k, v in out.items()}

    @torch.inference_mode()
    def detect(self, frame_bgr: np.ndarray) -> Detections:
        """Detections of one BGR frame (H, W, 3) uint8: boxes (N, 4) ``x1, y1, x2, y2`` px, scores (N,),
        embeddings (N, D), float32 (a :class:`fairmot.tracking.Detections`; unpacks as the old tuple)."""
        check_frame(frame_bgr)
        h0, w0 = frame_bgr.shape[:2]
        canvas, _, _, _ = letterbox(frame_bgr, *self.img_size)
        return self.decode(self.forward(self.blob(canvas)), (w0, h0))

    @torch.inference_mode()
    def detect_batch(self, frames_bgr: Sequence[np.ndarray]) -> list[Detections]:
        """Detections of several BGR frames (each (H_i, W_i, 3) uint8, sizes may differ) with ONE
        network forward: each frame is letterboxed into ``img_size`` with its own mapping, the
        canvases are stacked into a (B, 3, H, W) batch, decoded together and mapped back to each
        frame's pixels. Returns one :class:`Detections` per frame, in order.

        Every frame is checked before anything runs (``ValueError`` / ``TypeError`` naming its index).
        """
        frames = list(frames_bgr)
        if not frames:
            raise ValueError("detect_batch: expected at least one frame, got none")
        for i, frame in enumerate(frames):
            check_frame(frame, f"frame {i}")
        canvases = [letterbox(frame, *self.img_size)[0] for frame in frames]
        blob = torch.cat([self.blob(c) for c in canvases])
        return self.decode_batch(self.forward(blob), [(f.shape[1], f.shape[0]) for f in frames])

    def blob(self, canvas_bgr: np.ndarray) -> torch.Tensor:
        """The network input (1, 3, H, W) float32 RGB / 255 of a letterboxed uint8 BGR canvas.

        On a CUDA device only the uint8 canvas is uploaded and converted there (same values);
        otherwise it is built on the CPU as the official code does.
        """
        if self.backend is None and self.device.type == "cuda":
            if self._lut is None:
                self._lut = unit_lut(self.device)
            return to_input_tensor_on(canvas_bgr, self.device, self._lut)
        return to_input_tensor(canvas_bgr)

    def decode(self, out: dict[str, Any], frame_wh: tuple[int, int]) -> Detections:
        """Decode raw head outputs of one image into frame-pixel detections
        (docs/official_behaviour.md §3)."""
        return self.decode_batch(out, [frame_wh])[0]

    def decode_batch(self, out: dict[str, Any], frame_whs: Sequence[tuple[int, int]]) -> list[Detections]:
        """Decode raw head outputs of a batch of B images (maps (B, C, H/4, W/4)) into frame-pixel
        detections, one :class:`Detections` per image; ``frame_whs[b]`` is image b's (W0, H0).
        Peak finding, top-K and the embedding gather run once on the whole batch."""
        if len(frame_whs) != out["hm"].shape[0]:
            raise ValueError(f"decode_batch: {len(frame_whs)} frame sizes for a batch of {out['hm'].shape[0]}")
        hm = out["hm"].sigmoid()
        dets, inds = mot_decode(hm, out["wh"], out.get("reg"), ltrb=self.ltrb, K=self.K)
        emb = gather_embeddings(out["id"], inds)
        dets = dets.cpu().numpy().astype(np.float32)
        emb = emb.cpu().numpy().astype(np.float32)
        result = []
        for b, frame_wh in enumerate(frame_whs):
            boxes = map_to_frame(dets[b, :, :4], frame_wh, self.img_size)
            scores = dets[b, :, 4]
            keep = scores > np.float32(self.conf_thres)
            class_ids = dets[b, :, 5][keep].astype(np.int64)  # small exact integers in float32
            result.append(Detections(boxes[keep], scores[keep], emb[b][keep], class_ids=class_ids))
        return result


def check_frame(frame_bgr: Any, what: str = "frame") -> None:
    """Raise ``ValueError`` / ``TypeError`` unless ``frame_bgr`` is a non-empty (H, W, 3) uint8 array."""
    if not isinstance(frame_bgr, np.ndarray) or frame_bgr.ndim != 3 or frame_bgr.shape[2] != 3:
        raise ValueError(f"expected {what} to be an (H, W, 3) BGR image, got "
                         f"{getattr(frame_bgr, 'shape', type(frame_bgr).__name__)}")
    if frame_bgr.dtype != np.uint8:
        raise TypeError(f"expected {what} to be uint8, got {frame_bgr.dtype}")
    if frame_bgr.shape[0] == 0 or frame_bgr.shape[1] == 0:
        raise ValueError(f"{what} is empty: shape {frame_bgr.shape}")
