"""Data: the JDE / FairMOT training format (``jde``), augmentation (``augment``), CenterNet
targets (``targets``), MOT label conversion (``convert``) and synthetic crowds (``synthetic``).

Submodules are imported on demand; ``jde`` needs torch, the others only numpy and OpenCV.
"""
