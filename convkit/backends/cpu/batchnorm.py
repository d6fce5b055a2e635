"""Batch normalization, for (N, D) features and for spatial (N, C, H, W) volumes.

Both are handled as a volume (N, C, L): features are (N, D, 1), a spatial
batch is (N, C, H*W), and each channel c is normalized over N and L.
The kernels run in parallel over channels and sum in float64. The sums are
compiled with fastmath's "reassoc" only (no NaN or inf assumptions): it lets
the compiler add with several vector accumulators instead of one number at a
time, which made the statistics and the backward pass 2-3x faster; the order
of the additions is fixed by the compiled code, so results repeat exactly.
"""
import numpy as np
from numba import njit, prange

from .arrays import for_kernel
from .support.threads import one_caller_at_a_time


SUMS = {"reassoc"}


@one_caller_at_a_time
@njit(parallel=True, cache=True, fastmath=SUMS)
def batch_stats_kernel(x, mean, var):
    """mean[c], var[c]: mean and biased variance of x[:, c, :].

    Matches the batch statistics of convkit.backends.numpy.batchnorm_forward.
    """
    N, C, L = x.shape
    for c in prange(C):
        total = 0.0
        for n in range(N):
            for i in range(L):
                total += x[n, c, i]
        mu = total / (N * L)
        squares = 0.0
        for n in range(N):
            for i in range(L):
                squares += (x[n, c, i] - mu) ** 2
        mean[c] = mu
        var[c] = squares / (N * L)


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def normalize_kernel(x, mean, inv_std, gamma, beta, out):
    """out = gamma * (x - mean) * inv_std + beta, per channel.

    Matches convkit.backends.numpy.batchnorm_forward.
    """
    N, C, L = x.shape
    for c in prange(C):
        for n in range(N):
            for i in range(L):
                out[n, c, i] = gamma[c] * ((x[n, c, i] - mean[c]) * inv_std[c]) + beta[c]


@one_caller_at_a_time
@njit(parallel=True, cache=True, fastmath=SUMS)
def batchnorm_backward_kernel(dout, x, mean, inv_std, gamma, train, dx, dgamma, dbeta):
    """dgamma, dbeta and dx of normalize_kernel; with train, mean and var came from this batch.

    Matches convkit.backends.numpy.batchnorm_backward.
    """
    N, C, L = x.shape
    m = N * L
    for c in prange(C):
        mu = mean[c]
        sum_d = 0.0
        sum_centered = 0.0
        for n in range(N):
            for i in range(L):
                sum_d += dout[n, c, i]
                sum_centered += dout[n, c, i] * (x[n, c, i] - mu)
        sum_dxhat = sum_centered * inv_std[c]
        dbeta[c] = sum_d
        dgamma[c] = sum_dxhat
        scale = gamma[c] * inv_std[c]
        shift, slope = sum_d / m, sum_dxhat / m * inv_std[c]
        for n in range(N):
            for i in range(L):
                if train:
                    dx[n, c, i] = scale * (dout[n, c, i] - shift - (x[n, c, i] - mu) * slope)
                else:
                    dx[n, c, i] = scale * dout[n, c, i]


def _as_volume(a):
    """(N, D) -> (N, D, 1) and (N, C, H, W) -> (N, C, H*W), C-contiguous and writeable."""
    return for_kernel(a).reshape(a.shape[0], a.shape[1], -1)


def batchnorm_forward(x, gamma, beta, running_mean, running_var, train=True, momentum=0.9, eps=1e-5):
    """Normalize each feature to zero mean and unit variance, then scale and shift.

    x: (N, D), or (N, C, H, W) normalized per channel over N, H and W;
    gamma, beta, running_mean, running_var: (D,) or (C,).
    Train mode uses the batch statistics (biased variance) and updates
    running = momentum * running + (1 - momentum) * batch_stat in place;
    eval mode uses the running statistics. Returns out (shape of x) and a cache.
    Matches convkit.backends.numpy.batchnorm_forward.
    """
    volume = _as_volume(x)
    if train:
        mean = np.empty(volume.shape[1], x.dtype)
        var = np.empty(volume.shape[1], x.dtype)
        batch_stats_kernel(volume, mean, var)
        running_mean *= momentum
        running_mean += (1 - momentum) * mean
        running_var *= momentum
        running_var += (1 - momentum) * var
    else:
        mean, var = running_mean.copy(), running_var
    inv_std = 1 / np.sqrt(var + eps)
    out = np.empty_like(volume)
    normalize_kernel(volume, mean, inv_std, for_kernel(gamma), for_kernel(beta), out)
    return out.reshape(x.shape), (volume, mean, gamma.copy(), inv_std, train, x.shape)


def batchnorm_backward(dout, cache):
    """Gradients of batchnorm_forward.

    dout: shape of x. Returns dx (shape of x), dgamma and dbeta ((D,) or (C,)).
    Matches convkit.backends.numpy.batchnorm_backward.
    """
    volume, mean, gamma, inv_std, train, shape = cache
    dx = np.empty_like(volume)
    dgamma = np.empty_like(gamma)
    dbeta = np.empty_like(gamma)
    batchnorm_backward_kernel(_as_volume(dout), volume, mean, inv_std, gamma, train, dx, dgamma, dbeta)
    return dx.reshape(shape), dgamma, dbeta
