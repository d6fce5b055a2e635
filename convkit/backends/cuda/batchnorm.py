"""Batch normalization, per feature of (N, D) or per channel of (N, C, H, W).

Both layouts are handled as (N, C, L): L = 1 for features, L = H*W for
channels. The per-channel means and sums are reductions (support/reduce.py); the rest
is one thread per element (or per channel for the statistics).
"""
import math

from numba import cuda

from .support.device import THREADS, blocks, empty, numpy_boundary
from .support.index import ncl
from .support.reduce import channel_dots, channel_sums


@cuda.jit(cache=True)
def center_kernel(x, mean, centered):
    """centered[n, c, l] = x[n, c, l] - mean[c]; x (N, C, L).

    Matches convkit.backends.numpy.batchnorm_forward (x - mean).
    """
    index = cuda.grid(1)
    N, C, L = x.shape
    if index < x.size:
        n, c, l = ncl(index, C, L)
        centered[n, c, l] = x[n, c, l] - mean[c]


@cuda.jit(cache=True)
def train_stats_kernel(mean, var, running_mean, running_var, momentum, eps, inv_std):
    """Per channel: update the running statistics in place; inv_std = 1 / sqrt(var + eps).

    Matches convkit.backends.numpy.batchnorm_forward (its running statistics).
    """
    c = cuda.grid(1)
    one = mean.dtype.type(1)
    if c < mean.size:
        running_mean[c] = momentum * running_mean[c] + (one - momentum) * mean[c]
        running_var[c] = momentum * running_var[c] + (one - momentum) * var[c]
        inv_std[c] = 1 / math.sqrt(var[c] + eps)


@cuda.jit(cache=True)
def eval_stats_kernel(running_var, eps, inv_std):
    """Per channel: inv_std = 1 / sqrt(running_var + eps).

    Matches convkit.backends.numpy.batchnorm_forward (eval mode).
    """
    c = cuda.grid(1)
    if c < running_var.size:
        inv_std[c] = 1 / math.sqrt(running_var[c] + eps)


@cuda.jit(cache=True)
def normalize_kernel(centered, inv_std, gamma, beta, xhat, out):
    """xhat = centered * inv_std[c]; out = gamma[c] * xhat + beta[c]; all (N, C, L).

    Matches convkit.backends.numpy.batchnorm_forward.
    """
    index = cuda.grid(1)
    N, C, L = centered.shape
    if index < centered.size:
        n, c, l = ncl(index, C, L)
        value = centered[n, c, l] * inv_std[c]
        xhat[n, c, l] = value
        out[n, c, l] = gamma[c] * value + beta[c]


@cuda.jit(cache=True)
def batchnorm_backward_kernel(dout, xhat, gamma, inv_std, dbeta, dgamma, inv_m, dx):
    """dx = gamma * inv_std * (dout - inv_m * (dbeta + xhat * dgamma)), per channel c; all (N, C, L).

    inv_m = 1/(N*L) in train mode; 0 in eval mode, where the statistics are
    constants and dx = gamma * inv_std * dout.
    Matches convkit.backends.numpy.batchnorm_backward.
    """
    index = cuda.grid(1)
    N, C, L = dout.shape
    if index < dout.size:
        n, c, l = ncl(index, C, L)
        correction = inv_m * (dbeta[c] + xhat[n, c, l] * dgamma[c])
        dx[n, c, l] = gamma[c] * inv_std[c] * (dout[n, c, l] - correction)


def _as_ncl(a):
    """(N, D) -> (N, D, 1) and (N, C, H, W) -> (N, C, H*W), the same memory."""
    return a.reshape(a.shape[0], a.shape[1], a.size // (a.shape[0] * a.shape[1]))


@numpy_boundary("running_mean", "running_var")
def batchnorm_forward(x, gamma, beta, running_mean, running_var, train=True, momentum=0.9, eps=1e-5):
    """Batchnorm: x (N, D) or (N, C, H, W); gamma, beta, running_* (D,) or (C,) -> out (shape of x), cache.

    train: normalize with the batch mean and biased variance and update running_* in place,
    running = momentum * running + (1 - momentum) * batch_stat; else use running_*.
    Matches convkit.backends.numpy.batchnorm_forward.
    """
    x3 = _as_ncl(x)
    N, C, L = x3.shape
    kind = x.dtype.type
    centered = empty(x3.shape, x.dtype)
    inv_std = empty(C, x.dtype)
    if train:
        mean = channel_sums(x3, 1 / (N * L))
        center_kernel[blocks(x.size), THREADS](x3, mean, centered)
        var = channel_dots(centered, centered, 1 / (N * L))
        train_stats_kernel[blocks(C), THREADS](mean, var, running_mean, running_var,
                                               kind(momentum), kind(eps), inv_std)
    else:
        center_kernel[blocks(x.size), THREADS](x3, running_mean, centered)
        eval_stats_kernel[blocks(C), THREADS](running_var, kind(eps), inv_std)
    xhat = empty(x3.shape, x.dtype)
    out = empty(x.shape, x.dtype)
    normalize_kernel[blocks(x.size), THREADS](centered, inv_std, gamma, beta, xhat, _as_ncl(out))
    return out, (xhat, gamma, inv_std, train)


@numpy_boundary()
def batchnorm_backward(dout, cache):
    """dout (shape of x) -> dx (shape of x), dgamma, dbeta ((D,) or (C,)).

    Matches convkit.backends.numpy.batchnorm_backward.
    """
    xhat, gamma, inv_std, train = cache
    dout3 = _as_ncl(dout)
    N, C, L = dout3.shape
    dbeta = channel_sums(dout3)
    dgamma = channel_dots(dout3, xhat)
    dx = empty(dout.shape, dout.dtype)
    inv_m = dout.dtype.type(1 / (N * L) if train else 0)
    batchnorm_backward_kernel[blocks(dx.size), THREADS](dout3, xhat, gamma, inv_std, dbeta, dgamma,
                                                        inv_m, _as_ncl(dx))
    return dx, dgamma, dbeta
