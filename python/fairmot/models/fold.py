"""Batch-norm folding for inference: ``y = BN(conv(x))`` becomes ``conv'(x)`` with
``w' = w * s`` and ``b' = (b - mean) * s + beta``, ``s = gamma / sqrt(var + eps)`` (per output channel),
and the ``BatchNorm2d`` replaced by ``Identity``. Valid in eval mode only (running statistics).

:func:`fold_batchnorm` works on a *copy* of the network (the original, e.g. one being trained, is
never modified). Which convolution feeds which batch-norm is found by running the network once on a
small input with hooks (a ``BatchNorm2d`` whose input is exactly the output tensor of an
``nn.Conv2d`` (``groups`` any, not transposed) or a :class:`fairmot.ops.DCN`, and that convolution's
output is read by nothing else). The folded copy is then checked against the original on that input;
if they differ by more than ``rtol`` the unfolded network is returned (with a warning), so a layout
this cannot see through is never silently wrong.
"""
from __future__ import annotations

import copy
import logging

import torch
from torch import nn

__all__ = ["fold_batchnorm", "FOLD_CHECK_RTOL"]

logger = logging.getLogger(__name__)

#: Largest max-abs difference allowed between the folded and the original network outputs, relative
#: to the largest output magnitude of each head (float32 rounding of the folded weights is ~1e-6).
FOLD_CHECK_RTOL = 1e-4


def _foldable_conv(m: nn.Module) -> bool:
    from ..ops import DCN

    if isinstance(m, nn.Conv2d):
        return True
    return isinstance(m, DCN) and isinstance(getattr(m, "weight", None), torch.Tensor)


def _pairs(net: nn.Module, example: torch.Tensor) -> list[tuple[nn.Module, nn.BatchNorm2d, str]]:
    """(conv, bn, bn name) pairs where the bn reads exactly the conv's output and no other module
    does (a use outside modules, e.g. ``out + conv_out`` in a forward, is caught by the output check)."""
    produced: dict[int, tuple[nn.Module, torch.Tensor]] = {}  # id(output) -> (conv, output kept alive)
    readers: dict[int, int] = {}  # id(conv output) -> modules that read it
    found: list[tuple[nn.Module, nn.BatchNorm2d, str, int]] = []
    names = {m: n for n, m in net.named_modules()}
    handles = []

    def conv_hook(mod, inputs, out):
        if isinstance(out, torch.Tensor):
            produced[id(out)] = (mod, out)

    def any_pre_hook(mod, inputs):
        for t in inputs:
            if isinstance(t, torch.Tensor) and id(t) in produced and produced[id(t)][1] is t:
                readers[id(t)] = readers.get(id(t), 0) + 1
                if isinstance(mod, nn.BatchNorm2d):
                    found.append((produced[id(t)][0], mod, names.get(mod, "?"), id(t)))

    for m in net.modules():
        if _foldable_conv(m):
            handles.append(m.register_forward_hook(conv_hook))
        if not list(m.children()):  # leaf modules read tensors
            handles.append(m.register_forward_pre_hook(any_pre_hook))
    try:
        with torch.inference_mode():
            net(example)
    finally:
        for h in handles:
            h.remove()
    uses: dict[nn.Module, int] = {}
    for conv, bn, _, _ in found:
        uses[conv] = uses.get(conv, 0) + 1
        uses[bn] = uses.get(bn, 0) + 1
    return [(conv, bn, name) for conv, bn, name, key in found
            if readers.get(key) == 1 and uses[conv] == 1 and uses[bn] == 1]


def _fold_pair(conv: nn.Module, bn: nn.BatchNorm2d) -> None:
    with torch.no_grad():
        w = conv.weight
        if w.shape[0] != bn.num_features:
            raise ValueError(f"conv has {w.shape[0]} output channels, batch-norm {bn.num_features}")
        var = bn.running_var.double()
        mean = bn.running_mean.double()
        gamma = bn.weight.double() if bn.weight is not None else torch.ones_like(var)
        beta = bn.bias.double() if bn.bias is not None else torch.zeros_like(var)
        scale = gamma / torch.sqrt(var + bn.eps)
        bias = conv.bias.double() if conv.bias is not None else torch.zeros_like(var)
        new_w = (w.double() * scale.reshape(-1, *([1] * (w.dim() - 1)))).to(w.dtype)
        new_b = ((bias - mean) * scale + beta).to(w.dtype)
        conv.weight = nn.Parameter(new_w, requires_grad=False)
        conv.bias = nn.Parameter(new_b, requires_grad=False)


def _outputs(net: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    with torch.inference_mode():
        out = net(x)
    if isinstance(out, (list, tuple)):
        out = out[-1]
    return {k: v.float() for k, v in out.items()} if isinstance(out, dict) else {"out": out.float()}


def fold_batchnorm(net: nn.Module, example: torch.Tensor, rtol: float = FOLD_CHECK_RTOL) -> tuple[nn.Module, int]:
    """A copy of ``net`` (eval mode) with every batch-norm that directly follows a convolution folded
    into it; returns ``(network, folded count)``.

    Args:
        net: a network in eval mode (``ValueError`` in training mode: folding uses the running
            statistics, which training mode does not).
        example: a small input on the network's device, e.g. (1, 3, 64, 64) float32, used to find
            the conv -> batch-norm pairs and to check the folded copy.
        rtol: allowed max-abs difference relative to each output's largest magnitude; above it the
            original network is returned unchanged with 0 folded (and a warning).
    """
    if net.training:
        raise ValueError("fold_batchnorm needs a network in eval mode (it folds the running statistics)")
    if not any(isinstance(m, nn.BatchNorm2d) for m in net.modules()):
        return net, 0
    folded = copy.deepcopy(net)
    try:
        pairs = _pairs(folded, example)
    except Exception as exc:  # a network that does not run on the small example: leave it as it is
        logger.debug("batch-norm folding skipped: the network does not run on %s: %s", tuple(example.shape), exc)
        return net, 0
    if not pairs:
        return net, 0
    names = dict(folded.named_modules())
    for conv, bn, name in pairs:
        _fold_pair(conv, bn)
        parent_name, _, attr = name.rpartition(".")
        parent = names[parent_name] if parent_name else folded
        setattr(parent, attr, nn.Identity())
    ref, got = _outputs(net, example), _outputs(folded, example)
    for key, r in ref.items():
        g = got.get(key)
        scale = float(r.abs().max()) or 1.0
        if g is None or g.shape != r.shape or float((g - r).abs().max()) > rtol * scale:
            logger.warning("batch-norm folding changed output %r beyond %g; using the unfolded network", key, rtol)
            return net, 0
    return folded, len(pairs)
