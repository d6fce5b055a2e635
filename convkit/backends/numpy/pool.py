"""Pooling layers: max, average and L2 over F x F windows (NCHW arrays, no padding)."""
import numpy as np

from ...shapes import pool_output_size


def _output_size(x, size, stride):
    """(Ho, Wo) of pooling x (N, C, H, W) with size x size windows, stride apart."""
    _, _, H, W = x.shape
    return (pool_output_size(H, size, stride, mode="floor"),
            pool_output_size(W, size, stride, mode="floor"))


def _windows(x, size, stride):
    """Yield (i, j, rows, cols) for every output position of a pooling layer."""
    Ho, Wo = _output_size(x, size, stride)
    for i in range(Ho):
        for j in range(Wo):
            yield i, j, slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)


def max_pool_forward(x, size=2, stride=2):
    """Max pooling.

    x: (N, C, H, W). Returns out (N, C, Ho, Wo), Ho = (H - F)/S + 1 with F = size,
    S = stride (Wo likewise), and a cache for max_pool_backward.
    """
    N, C, _, _ = x.shape
    out = np.zeros((N, C) + _output_size(x, size, stride), dtype=x.dtype)
    for i, j, rows, cols in _windows(x, size, stride):
        out[:, :, i, j] = x[:, :, rows, cols].max(axis=(2, 3))
    return out, (x, size, stride)


def max_pool_backward(dout, cache):
    """Gradient of max_pool_forward: dout (N, C, Ho, Wo) -> dx (N, C, H, W).

    Each window routes its gradient to its max; on a tie, to the first max
    in row-major order (np.argmax picks the first one).
    """
    x, size, stride = cache
    N, C, _, _ = x.shape
    dx = np.zeros_like(x)
    for i, j, rows, cols in _windows(x, size, stride):
        window = x[:, :, rows, cols].reshape(N, C, size * size)
        first_max = window.argmax(axis=2)
        mask = np.arange(size * size) == first_max[:, :, None]
        dx[:, :, rows, cols] += (mask * dout[:, :, i, j][:, :, None]).reshape(N, C, size, size)
    return dx


def avg_pool_forward(x, size=2, stride=2):
    """Average pooling: x (N, C, H, W) -> out (N, C, Ho, Wo), cache."""
    N, C, _, _ = x.shape
    out = np.zeros((N, C) + _output_size(x, size, stride), dtype=x.dtype)
    for i, j, rows, cols in _windows(x, size, stride):
        out[:, :, i, j] = x[:, :, rows, cols].mean(axis=(2, 3))
    return out, (x, size, stride)


def avg_pool_backward(dout, cache):
    """Gradient of avg_pool_forward: every input of a window gets dout / F**2."""
    x, size, stride = cache
    dx = np.zeros_like(x)
    for i, j, rows, cols in _windows(x, size, stride):
        dx[:, :, rows, cols] += dout[:, :, i, j][:, :, None, None] / (size * size)
    return dx


def l2_pool_forward(x, size=2, stride=2):
    """L2 pooling: out = sqrt(sum of squares over the window).

    x (N, C, H, W) -> out (N, C, Ho, Wo), cache.
    """
    N, C, _, _ = x.shape
    out = np.zeros((N, C) + _output_size(x, size, stride), dtype=x.dtype)
    for i, j, rows, cols in _windows(x, size, stride):
        out[:, :, i, j] = np.sqrt(np.sum(x[:, :, rows, cols] ** 2, axis=(2, 3)))
    return out, (x, size, stride, out.copy())  # a copy: the caller may change out


def l2_pool_backward(dout, cache):
    """Gradient of l2_pool_forward: dx = dout * x / out, 0 where out == 0."""
    x, size, stride, out = cache
    dx = np.zeros_like(x)
    for i, j, rows, cols in _windows(x, size, stride):
        norm = out[:, :, i, j][:, :, None, None]
        share = np.divide(x[:, :, rows, cols], norm, out=np.zeros_like(x[:, :, rows, cols]),
                          where=norm != 0)
        dx[:, :, rows, cols] += dout[:, :, i, j][:, :, None, None] * share
    return dx
