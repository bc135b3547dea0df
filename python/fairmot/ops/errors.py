"""Exceptions raised by fairmot's torch operators for bad arguments.

PyTorch and torchvision report bad operator arguments (wrong shapes, mismatched sizes, devices
or dtypes) as ``RuntimeError``; Python code usually expects ``ValueError`` (or ``TypeError``).
These classes are both, so ``except RuntimeError`` written against
``torchvision.ops.deform_conv2d`` and ``except ValueError`` / ``except TypeError`` written against
earlier fairmot versions catch the same errors:

* :class:`OpArgumentError` (``ValueError`` and ``RuntimeError``): a tensor of the wrong rank or
  shape, sizes that do not fit together, an invalid stride / padding / dilation / k, tensors on
  different devices;
* :class:`OpDtypeError` (``TypeError`` and ``RuntimeError``): a dtype the operator does not
  support, or tensors whose dtypes differ.

An argument that is not a tensor at all stays a plain ``TypeError``. Errors raised by the
compiled kernels themselves (``torch.ops.fairmot.*`` called directly, or under
``torch.jit.script``) are ``RuntimeError``.
"""

__all__ = ["OpArgumentError", "OpDtypeError"]


class OpArgumentError(ValueError, RuntimeError):
    """Bad shape, size, value or device of an operator argument (a ``ValueError`` and a ``RuntimeError``)."""


class OpDtypeError(TypeError, RuntimeError):
    """Unsupported or mismatched dtype of an operator argument (a ``TypeError`` and a ``RuntimeError``)."""
