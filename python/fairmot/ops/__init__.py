"""Torch operators: modulated deformable convolution and fused heatmap decoding.

CPU kernels always; CUDA kernels when fairmot was built with CUDA (see
``python -m fairmot.info``). Bad arguments raise :class:`OpArgumentError` /
:class:`OpDtypeError`, which are ``RuntimeError`` (as torchvision's) and ``ValueError`` /
``TypeError``.
"""
from ._library import build_info
from .decode import gather_embeddings, gather_feat, heatmap_topk, mot_decode
from .deform_conv import DCN, deform_conv2d
from .errors import OpArgumentError, OpDtypeError

__all__ = [
    "deform_conv2d", "DCN", "heatmap_topk", "mot_decode", "gather_feat", "gather_embeddings", "build_info",
    "OpArgumentError", "OpDtypeError",
]
