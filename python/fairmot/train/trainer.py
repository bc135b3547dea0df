"""The FairMOT trainer (docs/official_behaviour.md §5.5): Adam, step schedule, official checkpoint
layout, resume, mixed precision on GPU and multi-process data parallel training under ``torchrun``.

One process: ``train(TrainConfig(data="data.json"))``. Several (one per GPU, or CPU processes
with the gloo backend): ``torchrun --nproc_per_node N -m fairmot train --data data.json ...``;
``batch_size`` is then the global batch, split evenly over the processes, and only rank 0 writes
checkpoints and logs.
"""
from __future__ import annotations

import json
import logging
import math
import os
import random
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from ..config import DEFAULT_IMG_SIZE, is_valid_img_size
from ..models import build_model, save_checkpoint
from ..models.checkpoint import _read_checkpoint, _unwrap, checkpoint_arch, infer_channels, infer_heads, read_checkpoint
from ..models.factory import ARCH_CHANNELS, normalize_arch
from .losses import MotLoss

__all__ = ["TrainConfig", "ModelWithLoss", "train", "lr_at_epoch", "load_matching", "resolve_layout",
           "distributed_module"]

logger = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Training options; defaults are the official ones (``opts.py``, docs/official_behaviour.md §5.5).

    Attributes:
        data: dataset config JSON (``{"root": ..., "train": {name: list file}}``). With
            ``"classes": [name, ...]`` it trains a multi-class network (MC-FairMOT: one heatmap
            channel per class, shared box / identity heads, identities numbered per class with one
            identity classifier per class); the checkpoints' ``meta`` records ``classes`` (and
            ``nIDs``, per class).
        output_dir: where ``model_last.pth``, ``model_<epoch>.pth`` and ``log.txt`` go.
        arch, head_conv, reid_dim, ltrb: network (``head_conv`` < 0: 256). ``None`` (default): as in the
            checkpoint training starts from (``load_model``, or ``model_last.pth`` when resuming) --
            its recorded / recognised architecture (and DLA widths), hidden head width, identity
            embedding size and box head (4 channels: ltrb; 2: w, h; taken from FairMOT checkpoints,
            those with an ``id`` head) -- else the official dla34, 256, 128 and ltrb.
        img_size: training input (width, height), multiples of 32 (official 1088x608).
        epochs, lr, lr_step, batch_size: Adam at ``lr`` (for the global batch), times 0.1 after each
            epoch listed in ``lr_step``.
        num_workers: data loader processes per training process.
        load_model: initial weights (a FairMOT / CenterNet checkpoint); mismatched tensors (e.g.
            heads of another shape) are skipped, as the official loader does, with a logged warning
            listing each skipped tensor and its shapes.
        resume: continue from ``output_dir/model_last.pth`` (model, optimizer, loss parameters, epoch).
        device: ``"auto"``, ``"cpu"``, ``"cuda"``; under torchrun each process uses ``cuda:LOCAL_RANK``.
        amp: float16 autocast + gradient scaling on CUDA (ignored on CPU).
        max_iters: stop each epoch after this many iterations (quick runs); None = the whole set.
        augment: the official training augmentation (HSV, random affine, flip).
        hm_weight, wh_weight, off_weight, multi_loss: loss options (docs/official_behaviour.md §5.4).
        save_interval: also save ``model_<epoch>.pth`` every this many epochs (official 5) and at
            every epoch >= ``save_all_from`` (official 25) and at every lr step.
        seed: seeds python, numpy and torch (official 317); data augmentation draws per sample
            from (seed, epoch, index), so runs are reproducible on CPU.
        threads: torch intra-op threads (None: torch's default).
        meta: extra entries recorded in the checkpoints' ``meta`` (e.g. how the data was made).
    """

    data: str
    output_dir: str = "exp/mot"
    arch: str | None = None
    head_conv: int | None = None
    reid_dim: int | None = None
    ltrb: bool | None = None
    img_size: tuple[int, int] = DEFAULT_IMG_SIZE
    epochs: int = 30
    lr: float = 1e-4
    lr_step: tuple[int, ...] = (20,)
    batch_size: int = 12
    num_workers: int = 8
    load_model: str | None = None
    resume: bool = False
    device: str = "auto"
    amp: bool = True
    max_iters: int | None = None
    augment: bool = True
    hm_weight: float = 1.0
    wh_weight: float = 0.1
    off_weight: float = 1.0
    multi_loss: str = "uncertainty"
    max_objs: int = 500
    save_interval: int = 5
    save_all_from: int = 25
    seed: int = 317
    threads: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> "TrainConfig":
        w, h = self.img_size
        if not is_valid_img_size(w, h):
            raise ValueError(f"img_size must be positive multiples of 32, got {w}x{h}")
        if self.epochs < 1:
            raise ValueError(f"epochs must be >= 1, got {self.epochs}")
        if not self.lr > 0 or not math.isfinite(self.lr):
            raise ValueError(f"lr must be a positive number, got {self.lr}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.num_workers < 0:
            raise ValueError(f"num_workers must be >= 0, got {self.num_workers}")
        if self.max_iters is not None and self.max_iters < 1:
            raise ValueError(f"max_iters must be >= 1, got {self.max_iters}")
        if self.reid_dim is not None and self.reid_dim < 1:
            raise ValueError(f"reid_dim must be >= 1, got {self.reid_dim}")
        if not Path(self.data).is_file():
            raise FileNotFoundError(f"data config not found: {self.data}")
        return self


def lr_at_epoch(base_lr: float, epoch: int, lr_step: tuple[int, ...]) -> float:
    """Learning rate used during (1-based) ``epoch``: ``base * 0.1^k``, k = steps passed (< epoch)."""
    k = sum(1 for s in lr_step if s < epoch)
    return base_lr * (0.1 ** k)


class ModelWithLoss(nn.Module):
    """The network and its loss as one module (so DDP synchronises the classifier and s_det/s_id)."""

    def __init__(self, model: nn.Module, loss: MotLoss) -> None:
        super().__init__()
        self.model = model
        self.loss = loss

    def forward(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        outputs = self.model(batch["input"])
        return self.loss(outputs, batch)


def distributed_module(module: nn.Module, device: torch.device) -> nn.Module:
    """``module`` wrapped in DistributedDataParallel as the trainer uses it (process group initialised).

    The official DLA-34 has parameters its forward never uses (``base.level3/level4.project``: the
    residual they compute is ignored by the nested tree), so unused parameters must be expected;
    otherwise DDP waits for their gradients and silently skips the all-reduce of their buckets.
    """
    kwargs = {"device_ids": [device.index]} if device.type == "cuda" else {}
    return nn.parallel.DistributedDataParallel(module, find_unused_parameters=True, **kwargs)


def _dist_env() -> tuple[int, int, int]:
    """(rank, local_rank, world_size) from torchrun's environment (0, 0, 1 without it)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    return rank, local, world


def _pick_device(name: str, local_rank: int) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.device(name)
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("device 'cuda' requested but torch sees no CUDA device")
        if dev.index is None:
            dev = torch.device("cuda", local_rank % torch.cuda.device_count())
    return dev


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


def _worker_init(worker_id: int) -> None:  # pragma: no cover - runs in loader processes
    seed = torch.initial_seed() % (2 ** 32)
    np.random.seed(seed)
    random.seed(seed)


def _checkpoint_epochs(epoch: int, cfg: TrainConfig) -> bool:
    """Whether ``model_<epoch>.pth`` is written after ``epoch`` (official rule)."""
    return epoch in cfg.lr_step or (cfg.save_interval > 0 and epoch % cfg.save_interval == 0) or \
        epoch >= cfg.save_all_from


def train(cfg: TrainConfig, progress: bool = True,
          on_epoch_end: Callable[[int, dict[str, float]], None] | None = None) -> Path:
    """Train a FairMOT network; returns the path of ``model_last.pth``.

    Logs per-epoch mean losses to ``output_dir/log.txt`` (one JSON object per line) and shows a
    tqdm bar with the running losses (rank 0, ``progress=True``).
    """
    from ..data.jde import JDEDataset

    cfg.validate()
    rank, local_rank, world = _dist_env()
    cfg, channels, from_file = resolve_layout(cfg)
    if from_file and rank == 0:
        logger.info("network layout from %s: %s", from_file[0], ", ".join(from_file[1:]))
    distributed = world > 1
    device = _pick_device(cfg.device, local_rank)
    if distributed:
        import torch.distributed as dist

        if not dist.is_initialized():
            dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
        if cfg.batch_size % world:
            raise ValueError(f"batch_size {cfg.batch_size} is not divisible by the {world} processes")
    if device.type == "cuda":
        torch.cuda.set_device(device)
        torch.backends.cudnn.benchmark = True
    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    _seed_everything(cfg.seed + rank)
    is_main = rank == 0
    out_dir = Path(cfg.output_dir)
    if is_main:
        out_dir.mkdir(parents=True, exist_ok=True)

    dataset = JDEDataset.from_config(cfg.data, img_size=tuple(cfg.img_size), augment=cfg.augment, ltrb=cfg.ltrb,
                                     max_objs=cfg.max_objs, seed=cfg.seed)
    if len(dataset) == 0:
        raise ValueError(f"{cfg.data}: the training set is empty")
    nID = int(dataset.nID)
    per_proc = cfg.batch_size // world
    if len(dataset) < cfg.batch_size:
        raise ValueError(f"the training set has {len(dataset)} images, fewer than one batch ({cfg.batch_size})")
    sampler = None
    if distributed:
        from torch.utils.data.distributed import DistributedSampler

        sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=True, seed=cfg.seed,
                                     drop_last=True)
    generator = torch.Generator()
    generator.manual_seed(cfg.seed)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=per_proc, shuffle=sampler is None, sampler=sampler, num_workers=cfg.num_workers,
        pin_memory=device.type == "cuda", drop_last=True, worker_init_fn=_worker_init, generator=generator,
        persistent_workers=False)

    num_classes = int(dataset.num_classes)
    heads = {"hm": num_classes, "wh": 4 if cfg.ltrb else 2, "id": cfg.reid_dim, "reg": 2}
    model = build_model(cfg.arch, heads=heads, head_conv=cfg.head_conv, channels=channels)
    if cfg.load_model:
        loaded, skipped, details = _load_matching(model, cfg.load_model)
        if is_main and skipped:
            logger.warning("initialised from %s: %d tensors loaded, %d skipped (model tensors left at their "
                           "initial values, checkpoint tensors unused):\n  %s", cfg.load_model, loaded,
                           len(skipped), "\n  ".join(details))
        elif is_main:
            logger.info("initialised from %s: all %d tensors loaded", cfg.load_model, loaded)
    loss_fn = MotLoss(nID if num_classes == 1 else list(dataset.nIDs), emb_dim=cfg.reid_dim,
                      hm_weight=cfg.hm_weight, wh_weight=cfg.wh_weight,
                      off_weight=cfg.off_weight, multi_loss=cfg.multi_loss)
    module = ModelWithLoss(model, loss_fn).to(device)
    optimizer = torch.optim.Adam(model.parameters(), cfg.lr)
    optimizer.add_param_group({"params": loss_fn.parameters()})  # same lr (official)

    start_epoch = 0
    last = out_dir / "model_last.pth"
    if cfg.resume:
        if not last.is_file():
            raise FileNotFoundError(f"--resume: {last} does not exist")
        start_epoch = _resume(last, module, optimizer, device)
        if is_main:
            logger.info("resumed from %s at epoch %d", last, start_epoch)
    if distributed:
        train_module: nn.Module = distributed_module(module, device)
    else:
        train_module = module

    use_amp = cfg.amp and device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    meta = {"arch": cfg.arch, "img_size": [int(cfg.img_size[0]), int(cfg.img_size[1])], "nID": nID,
            "heads": heads, "train": {k: v for k, v in asdict(cfg).items() if k != "meta"}}
    meta["train"]["img_size"] = list(cfg.img_size)
    meta["train"]["lr_step"] = list(cfg.lr_step)
    if dataset.class_names is not None:  # the data config's "classes" (absent: single class, as officially)
        meta["classes"] = list(dataset.class_names)
    if num_classes > 1:
        meta["nIDs"] = [int(n) for n in dataset.nIDs]
    meta.update(cfg.meta)
    if is_main:
        logger.info("training %s on %d images (%d identities), %d process(es) on %s, batch %d, %d epochs",
                    cfg.arch, len(dataset), nID, world, device, cfg.batch_size, cfg.epochs)

    for epoch in range(start_epoch + 1, cfg.epochs + 1):
        lr = lr_at_epoch(cfg.lr, epoch, tuple(cfg.lr_step))
        for group in optimizer.param_groups:
            group["lr"] = lr
        dataset.set_epoch(epoch)
        # shuffle order from (seed, epoch) alone, so a resumed run repeats an uninterrupted one
        generator.manual_seed(int(np.random.SeedSequence([cfg.seed, epoch]).generate_state(1)[0]))
        if sampler is not None:
            sampler.set_epoch(epoch)
        train_module.train()
        n_iters = len(loader) if cfg.max_iters is None else min(len(loader), cfg.max_iters)
        sums: dict[str, float] = {}
        bar = None
        if is_main and progress:
            from tqdm import tqdm

            bar = tqdm(total=n_iters, desc=f"epoch {epoch}/{cfg.epochs}", unit="it", dynamic_ncols=True)
        t0 = time.perf_counter()
        it = 0
        for it, batch in enumerate(loader, start=1):
            batch = {k: v.to(device, non_blocking=True) for k, v in batch.items() if torch.is_tensor(v)}
            with torch.autocast("cuda", dtype=torch.float16, enabled=use_amp):
                loss, stats = train_module(batch)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"epoch {epoch} iteration {it}: the loss is {loss.item()} "
                                         f"({ {k: float(v) for k, v in stats.items()} })")
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            for k, v in stats.items():
                sums[k] = sums.get(k, 0.0) + float(v)
            if bar is not None:
                bar.update(1)
                bar.set_postfix({k.replace("_loss", ""): f"{sums[k] / it:.3f}" for k in
                                 ("loss", "hm_loss", "wh_loss", "off_loss", "id_loss")}, refresh=False)
            if it >= n_iters:
                break
        if bar is not None:
            bar.close()
        means = {k: v / max(it, 1) for k, v in sums.items()}
        means.update(epoch=epoch, lr=lr, seconds=time.perf_counter() - t0, iterations=it)
        if is_main:
            extra = {"loss_state": _unwrap(module).loss.state_dict()}
            save_checkpoint(last, module.model, epoch, optimizer, meta=meta, extra=extra)
            if _checkpoint_epochs(epoch, cfg):
                save_checkpoint(out_dir / f"model_{epoch}.pth", module.model, epoch, optimizer, meta=meta, extra=extra)
            with open(out_dir / "log.txt", "a", encoding="utf-8") as f:
                f.write(json.dumps(means) + "\n")
            logger.info("epoch %d: %s", epoch, ", ".join(f"{k} {v:.4f}" for k, v in means.items()
                                                          if k.endswith("loss")))
            if on_epoch_end is not None:
                on_epoch_end(epoch, means)
    if distributed:
        import torch.distributed as dist

        dist.barrier()
    return last


def load_matching(model: nn.Module, path: str | os.PathLike[str]) -> tuple[int, list[str]]:
    """Load the tensors of checkpoint ``path`` whose name and shape match ``model`` (the official
    fine-tuning loader: other heads, other identity counts are skipped). Returns (loaded, skipped
    names: file entries not used and model entries left at their initial values)."""
    loaded, skipped, _ = _load_matching(model, path)
    return loaded, skipped


def _load_matching(model: nn.Module, path: str | os.PathLike[str]) -> tuple[int, list[str], list[str]]:
    """:func:`load_matching`, plus one line per skipped tensor: its name and shapes."""
    sd, _, _ = read_checkpoint(str(path))
    own = model.state_dict()
    use = {k: v for k, v in sd.items() if k in own and tuple(v.shape) == tuple(own[k].shape)}
    if not use:
        raise ValueError(f"{path}: no tensor of this checkpoint fits the {type(model).__name__} being trained")
    model.load_state_dict(use, strict=False)
    skipped = sorted((set(sd) | set(own)) - set(use))  # a shape mismatch is listed once

    def shape(t: torch.Tensor) -> str:
        return "[" + ", ".join(str(d) for d in t.shape) + "]"

    details = []
    for k in skipped:
        if k in sd and k in own:
            details.append(f"{k}: checkpoint {shape(sd[k])} vs model {shape(own[k])}")
        elif k in own:
            details.append(f"{k}: not in the checkpoint (model {shape(own[k])})")
        else:
            details.append(f"{k}: not in the model (checkpoint {shape(sd[k])})")
    return len(use), skipped, details


def resolve_layout(cfg: TrainConfig) -> tuple[TrainConfig, tuple[int, ...] | None, list[str]]:
    """Fill the network options left ``None`` (arch, head_conv, reid_dim, ltrb) from the checkpoint
    training starts from (``model_last.pth`` when resuming, else ``load_model``), else the official
    defaults. Returns (the completed config, DLA backbone widths to build with or None, and
    ``[checkpoint, "fact value", ...]`` for the facts taken from the checkpoint (empty if none))."""
    last = Path(cfg.output_dir) / "model_last.pth"
    source = str(last) if cfg.resume and last.is_file() else cfg.load_model
    sd: dict[str, torch.Tensor] = {}
    meta: dict[str, Any] = {}
    if source and None in (cfg.arch, cfg.head_conv, cfg.reid_dim, cfg.ltrb):
        sd, _, _, meta = _read_checkpoint(str(source))
    taken: list[str] = []
    channels = None
    arch = cfg.arch
    if arch is None:
        file_arch = checkpoint_arch(sd, meta, str(source))[0] if sd else None
        arch = file_arch or "dla34"
        if file_arch is not None:
            taken.append(f"arch {arch}")
        if normalize_arch(arch) in ARCH_CHANNELS and sd:
            channels = infer_channels(sd)  # DLA widths as in the file (any widths)
            if channels is not None and channels != tuple(ARCH_CHANNELS[normalize_arch(arch)]):
                taken.append(f"backbone widths {list(channels)}")
    file_heads, file_head_conv = infer_heads(sd) if sd else ({}, None)
    fairmot_heads = "id" in file_heads  # a FairMOT network (a CenterNet detector has no id head)
    head_conv = cfg.head_conv
    if head_conv is None:
        head_conv = file_head_conv if file_head_conv is not None else -1
        if file_head_conv is not None:
            taken.append(f"head_conv {head_conv}")
    reid_dim = cfg.reid_dim
    if reid_dim is None:
        reid_dim = file_heads["id"] if fairmot_heads else 128
        if fairmot_heads:
            taken.append(f"reid_dim {reid_dim}")
    ltrb = cfg.ltrb
    if ltrb is None:
        ltrb = file_heads.get("wh") != 2 if fairmot_heads else True
        if fairmot_heads and "wh" in file_heads:
            taken.append("box head ltrb (4 channels)" if ltrb else "box head w, h (2 channels)")
    done = replace(cfg, arch=arch, head_conv=int(head_conv), reid_dim=int(reid_dim), ltrb=bool(ltrb)).validate()
    return done, channels, ([str(source)] + taken if taken else [])


def _resume(path: Path, module: ModelWithLoss, optimizer: torch.optim.Optimizer, device: torch.device) -> int:
    """Load model, loss parameters and optimizer state from ``path``; returns the epoch it finished."""
    obj = torch.load(path, map_location="cpu", weights_only=True)
    sd, epoch, _ = read_checkpoint(obj)
    module.model.load_state_dict(sd)
    if "loss_state" in obj:
        module.loss.load_state_dict(obj["loss_state"])
    else:
        logger.warning("%s has no loss parameters (an official checkpoint): the identity classifier restarts", path)
    if "optimizer" in obj:
        try:
            optimizer.load_state_dict(obj["optimizer"])
        except ValueError as exc:
            logger.warning("%s: optimizer state not restored (%s)", path, exc)
        for state in optimizer.state.values():
            for k, v in state.items():
                if torch.is_tensor(v):
                    state[k] = v.to(device)
    return int(epoch or 0)
