"""Torch operators: modulated deformable convolution and fused heatmap decoding.

CPU kernels always; CUDA kernels when fairmot was built with CUDA (see
``python -m fairmot.info``).
"""
from ._library import build_info
from .decode import gather_embeddings, gather_feat, heatmap_topk, mot_decode
from .deform_conv import DCN, deform_conv2d

__all__ = ["deform_conv2d", "DCN", "heatmap_topk", "mot_decode", "gather_feat", "gather_embeddings", "build_info"]
