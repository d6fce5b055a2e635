"""Batch normalization, for (N, D) features and for spatial (N, C, H, W) volumes."""
import numpy as np


def _as_rows(x):
    """(N, C, H, W) -> (N*H*W, C) so that each channel becomes one feature column."""
    if x.ndim == 2:
        return x
    N, C, H, W = x.shape
    return x.transpose(0, 2, 3, 1).reshape(-1, C)


def _from_rows(rows, shape):
    """Undo _as_rows for an array of the given (N, D) or (N, C, H, W) shape."""
    if len(shape) == 2:
        return rows
    N, C, H, W = shape
    return rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)


def batchnorm_forward(x, gamma, beta, running_mean, running_var, train=True, momentum=0.9, eps=1e-5):
    """Normalize each feature to zero mean and unit variance, then scale and shift.

    x: (N, D), or (N, C, H, W) normalized per channel over N, H and W;
    gamma, beta, running_mean, running_var: (D,) or (C,).
    In train mode the batch statistics are used (the variance is the biased one)
    and running_mean, running_var are updated in place:
    running = momentum * running + (1 - momentum) * batch_stat.
    In eval mode the running statistics are used.
    Returns out (shape of x) and a cache.
    """
    rows = _as_rows(x)
    if train:
        mean = rows.mean(axis=0)
        var = rows.var(axis=0)
        running_mean[...] = momentum * running_mean + (1 - momentum) * mean
        running_var[...] = momentum * running_var + (1 - momentum) * var
    else:
        mean, var = running_mean, running_var
    inv_std = 1 / np.sqrt(var + eps)
    xhat = (rows - mean) * inv_std
    out = _from_rows(gamma * xhat + beta, x.shape)
    return out, (xhat, gamma, inv_std, train, x.shape)


def batchnorm_backward(dout, cache):
    """Gradients of batchnorm_forward.

    dout: shape of x. Returns dx (shape of x), dgamma and dbeta ((D,) or (C,)).
    """
    xhat, gamma, inv_std, train, shape = cache
    drows = _as_rows(dout)
    dbeta = drows.sum(axis=0)
    dgamma = (drows * xhat).sum(axis=0)
    dxhat = drows * gamma
    if train:
        m = drows.shape[0]
        dx = inv_std / m * (m * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))
    else:
        dx = dxhat * inv_std
    return _from_rows(dx, shape), dgamma, dbeta
