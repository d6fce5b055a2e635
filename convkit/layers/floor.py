"""mode="floor" for conv and pool layers: drop the rows the strict op cannot use.

The notes require (W - F + 2P)/S + 1 to be an integer ("strict"). PyTorch
floors it instead. A layer with mode="floor" crops the
shapes.unused_input(...) bottom rows and right columns off its input, then
calls the strict op; backward gives those rows a zero gradient. For pools
(no padding) this is exactly PyTorch's floor mode; for a padded conv the
dropped rows are input rows, where PyTorch would drop padding first.
"""
from .. import ops
from ..shapes import unused_input


def unused(in_shape, F, S, P=0, D=1, mode="strict"):
    """(rows, cols) of an input volume (C, H, W) that the layer does not read."""
    if mode != "floor":
        return 0, 0
    _, H, W = in_shape
    return unused_input(H, F, S, P, D), unused_input(W, F, S, P, D)


def crop(x, rows, cols):
    """x (N, C, H, W) without its last rows and cols (a backend array again)."""
    if not rows and not cols:
        return x
    H, W = x.shape[2], x.shape[3]
    return ops.asarray(x[:, :, :H - rows, :W - cols])


def uncrop(dx, shape):
    """The gradient of crop: dx in the top-left corner of zeros of the input's shape."""
    if tuple(dx.shape) == tuple(shape):
        return dx
    full = ops.zeros(shape, dx.dtype)
    full[:, :, :dx.shape[2], :dx.shape[3]] = dx
    return full
