"""One data-parallel training step, run by ``tests/test_trainer.py`` under ``torch.distributed.run``.

Every process builds the same tiny network and loss (seed 0), takes its half of the global batch
saved by the test (``batch.pt``: process r gets images [r * n, (r + 1) * n)), runs forward +
backward through DistributedDataParallel (gloo, CPU) and process 0 saves the averaged gradients.
"""
from __future__ import annotations

import os
import sys

import torch
import torch.distributed as dist


def freeze_batchnorm(module: torch.nn.Module) -> torch.nn.Module:
    """Training mode, except BatchNorm layers use their running statistics: every image is then
    computed on its own, so a split batch gives the same per-image values as the whole batch.
    (The module must stay in training mode: DDP does not synchronise gradients in eval mode.)"""
    module.train()
    for m in module.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.eval()
    return module


def main(folder: str) -> None:
    from fairmot.models import build_model
    from fairmot.train.losses import MotLoss
    from fairmot.train.trainer import ModelWithLoss, distributed_module

    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)
    model = build_model("dla34_tiny", heads={"hm": 1, "wh": 4, "id": 16, "reg": 2}, head_conv=16)
    module = ModelWithLoss(model, MotLoss(nID=9, emb_dim=16))
    freeze_batchnorm(module)
    ddp = distributed_module(module, torch.device("cpu"))  # exactly as the trainer wraps it
    batch = torch.load(os.path.join(folder, "batch.pt"), weights_only=True)
    n = batch["input"].shape[0] // world
    local = {k: v[rank * n:(rank + 1) * n] for k, v in batch.items()}
    loss, _ = ddp(local)
    loss.backward()
    if rank == 0:
        grads = {name: p.grad.detach().clone() for name, p in module.named_parameters() if p.grad is not None}
        torch.save(grads, os.path.join(folder, "ddp_grads.pt"))
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
