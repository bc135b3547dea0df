"""FairMOT networks: DLA-34 (and the official ResNet-DCN and HRNet variants), deformable
up-sampling, heads; checkpoint I/O.

One file per architecture family (``dla_seg.py``, ``resnet_dcn.py``, ``hrnet.py``), each ending
in ``register_architecture(Architecture(...))``: its names, builder, checkpoint key signature,
the widths a checkpoint sets and their bounds (:mod:`fairmot.models.registry`). A new backbone
is one new file registering itself; :mod:`fairmot.models.checkpoint` is generic.

``build_model(arch, heads, head_conv, num_classes=C)`` makes a fresh network (C heatmap channels,
shared box / offset / identity heads: multi-class FairMOT); ``load_model(path)`` builds the
network that matches an official ``.pth`` checkpoint and loads it; ``save_checkpoint`` writes the
official layout. ``model(x)`` maps ``N x 3 x H x W`` to ``{'hm', 'wh', 'id', 'reg'}`` raw maps at
stride 4.
"""
from .checkpoint import LoadReport, infer_arch, infer_heads, load_model, read_checkpoint, save_checkpoint
from .dla import DLA, BasicBlock, Root, Tree, dla34
from .dla_seg import DeformConv, DLASeg, DLAUp, IDAUp, fill_up_weights
from .classes import class_names_of, num_classes_of
from .factory import available_archs, build_model
from .heads import DEFAULT_HEADS
from .registry import Architecture, register_architecture, registered_architectures, unregister_architecture
from .hrnet import HRNet
from .resnet_dcn import PoseResNetDCN, PoseResNetFPNDCN

__all__ = [
    "build_model", "load_model", "save_checkpoint", "read_checkpoint", "infer_heads", "infer_arch", "LoadReport",
    "PoseResNetDCN", "PoseResNetFPNDCN", "HRNet",
    "available_archs", "DEFAULT_HEADS", "num_classes_of", "class_names_of",
    "Architecture", "register_architecture", "unregister_architecture", "registered_architectures",
    "DLASeg", "DLAUp", "IDAUp", "DeformConv", "fill_up_weights",
    "DLA", "BasicBlock", "Root", "Tree", "dla34",
]
