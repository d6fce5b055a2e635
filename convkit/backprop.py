"""The backward pass of a conv layer and of max pooling, written as forward ops.

A conv layer's gradients are convolutions themselves:
- dX is a full convolution of dout (dilated by the stride: S-1 zeros between
  its numbers, padded by D*(F-1)) with the filters flipped and their input and
  output channels swapped, then cropped by the padding P;
- dW is the correlation of the (padded) input with dout (dilated by the stride);
- db sums dout.
Max pooling sends each upstream gradient to the winner of its window.
These functions run conv_forward on the NumPy reference backend; the tests
check them against ops.conv_backward and ops.max_pool_backward.
Arrays are NumPy, NCHW; F the filter size, S stride, P padding, D dilation.
"""
import numpy as np

from . import ops
from .backends import use_backend
from .errors import ShapeError

__all__ = ["dilate", "flip_filters", "conv_dx", "conv_dw", "conv_db", "max_pool_winners", "max_pool_dx"]


def _conv(x, w, stride=1, pad=0, dilation=1):
    """ops.conv_forward without bias on the NumPy reference backend."""
    with use_backend("numpy"):
        out, _ = ops.conv_forward(x, w, np.zeros(w.shape[0], dtype=x.dtype), stride, pad, dilation)
    return out


def dilate(a, S):
    """a (N, C, H, W) with S-1 zeros between neighbouring numbers: (N, C, (H-1)*S+1, (W-1)*S+1)."""
    N, C, H, W = a.shape
    out = np.zeros((N, C, (H - 1) * S + 1, (W - 1) * S + 1), dtype=a.dtype)
    out[:, :, ::S, ::S] = a
    return out


def flip_filters(w):
    """w (K, C, F, F) -> (C, K, F, F): rotated by 180 degrees, input and output channels swapped."""
    return np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))


def conv_dx(dout, w, x_shape, stride=1, pad=0, dilation=1):
    """dX (x_shape) = full convolution of dilate(dout, S) with flip_filters(w), cropped by P.

    dout (N, K, Ho, Wo); w (K, C, F, F); the forward's settings must fit
    (strict). The full convolution pads by D*(F-1) and gives the gradient of
    the padded input (N, C, H + 2P, W + 2P); its border is the padding.
    """
    _, _, H, W = x_shape
    F = w.shape[2]
    full = _conv(dilate(dout, stride), flip_filters(w), 1, dilation * (F - 1), dilation)
    return full[:, :, pad:pad + H, pad:pad + W]


def conv_dw(dout, x, F, stride=1, pad=0, dilation=1):
    """dW (K, C, F, F) = the correlation of the padded input with dout, summed over the batch.

    dw[k, c, a, b] = sum over n, i, j of x_pad[n, c, i*S + a*D, j*S + b*D] * dout[n, k, i, j]:
    a convolution whose "batch" is the input channels and whose "filters" are
    dout dilated by the stride; the forward's dilation becomes its stride.
    """
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    channels_first = np.ascontiguousarray(x_pad.transpose(1, 0, 2, 3))          # (C, N, Hp, Wp)
    filters = np.ascontiguousarray(dilate(dout, stride).transpose(1, 0, 2, 3))  # (K, N, h, w)
    dw = _conv(channels_first, filters, dilation, 0, 1)                         # (C, K, F, F)
    if dw.shape[2:] != (F, F):
        raise ShapeError(f"dout {dout.shape} and x {x.shape} do not fit a {F}x{F} filter with "
                         f"S={stride}, P={pad}, D={dilation}")
    return np.ascontiguousarray(dw.transpose(1, 0, 2, 3))


def conv_db(dout):
    """db (K,): each filter's bias gets the sum of its dout."""
    return dout.sum(axis=(0, 2, 3))


def max_pool_winners(x, F, S):
    """(N, C, Ho, Wo, 2) ints: the (row, col) on x of each window's max (the first one, row-major)."""
    N, C, H, W = x.shape
    Ho, Wo = (H - F) // S + 1, (W - F) // S + 1
    winners = np.zeros((N, C, Ho, Wo, 2), dtype=np.int64)
    for i in range(Ho):
        for j in range(Wo):
            window = x[:, :, i * S:i * S + F, j * S:j * S + F].reshape(N, C, F * F)
            a, b = np.divmod(window.argmax(axis=2), F)
            winners[:, :, i, j, 0] = i * S + a
            winners[:, :, i, j, 1] = j * S + b
    return winners


def max_pool_dx(dout, x, F, S):
    """dX (shape of x): every dout[n, c, i, j] added at the winner of window (i, j)."""
    dx = np.zeros_like(x)
    winners = max_pool_winners(x, F, S)
    N, C, Ho, Wo = dout.shape
    n, c, i, j = np.meshgrid(np.arange(N), np.arange(C), np.arange(Ho), np.arange(Wo), indexing="ij")
    np.add.at(dx, (n, c, winners[..., 0], winners[..., 1]), dout)
    return dx
