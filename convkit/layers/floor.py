"""mode="floor" for conv and pool layers: leave unread what does not fit, as PyTorch does.

The notes require (W - F + 2P)/S + 1 to be an integer ("strict"). PyTorch
floors it instead: it pads the input with P zeros on every side and never
reads the last shapes.unused_input(...) rows and columns of the PADDED input
(bottom and right), so padding goes unused before any input row does. A
layer with mode="floor" does the same: pad_and_crop() pads its input itself
(P on the top and left, only the part of P that is read on the bottom and
right, cutting input rows only when more than P rows go unused), then the
strict op runs without padding; backward gives the unread rows a zero
gradient. Pools have no padding: their ops take mode="floor" and skip the unused
input rows themselves (no copy).
"""
from .. import ops
from ..shapes import unused_input


def unused(in_shape, F, S, P=0, D=1, mode="strict"):
    """(rows, cols) of the padded input volume (C, H, W) that the layer does not read."""
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


def pad_and_crop(x, P, rows, cols):
    """x (N, C, H, W) padded with P zeros on every side, less the last rows and cols of the
    padded array: (N, C, H + 2P - rows, W + 2P - cols)."""
    if P == 0:
        return crop(x, rows, cols)
    N, C, H, W = x.shape
    Hp, Wp = H + 2 * P - rows, W + 2 * P - cols
    h, w = min(H, Hp - P), min(W, Wp - P)               # input rows and cols still read
    padded = ops.zeros((N, C, Hp, Wp), x.dtype)
    padded[:, :, P:P + h, P:P + w] = crop(x, H - h, W - w)
    return padded


def unpad(dpadded, P, shape):
    """The gradient of pad_and_crop: the input's part of dpadded, zeros on the rows it cut."""
    N, C, H, W = shape
    h, w = min(H, dpadded.shape[2] - P), min(W, dpadded.shape[3] - P)
    dx = ops.asarray(dpadded[:, :, P:P + h, P:P + w])
    return uncrop(dx, shape)
