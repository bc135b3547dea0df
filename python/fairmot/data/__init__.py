"""Data: synthetic scenes and detection streams (training data formats come later)."""
