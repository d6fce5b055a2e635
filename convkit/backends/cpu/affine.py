"""Fully-connected (affine) layer: three matrix products, by BLAS.

The rows of the batch are cut into slices that the worker threads take in
turn (threads.parallel_map), with BLAS on one thread each, as in conv.py.
"""
import numpy as np

from .support.threads import get_num_threads, parallel_map


def _slices(N):
    per = max(1, -(-N // (2 * get_num_threads())))
    return [slice(start, min(start + per, N)) for start in range(0, N, per)]


def affine_forward(x, w, b):
    """out = x.reshape(N, D) @ w + b.

    x: (N, d1, ..., dk) flattened to (N, D); w: (D, M); b: (M,). Returns out (N, M) and a cache.
    Matches convkit.backends.numpy.affine_forward.
    """
    x = np.ascontiguousarray(x)
    rows = x.reshape(x.shape[0], -1)
    out = np.empty((rows.shape[0], w.shape[1]), x.dtype)

    def forward_slice(part):
        np.matmul(rows[part], w, out=out[part])
        out[part] += b

    parallel_map(forward_slice, _slices(rows.shape[0]))
    return out, (x, w)


def affine_backward(dout, cache):
    """Gradients of affine_forward: dout (N, M) -> dx (N, d1, ..., dk), dw (D, M), db (M,).

    Matches convkit.backends.numpy.affine_backward.
    """
    x, w = cache
    rows = x.reshape(x.shape[0], -1)
    dx = np.empty_like(rows)

    def backward_slice(part):
        np.matmul(dout[part], w.T, out=dx[part])
        return rows[part].T @ dout[part]

    dw = sum(parallel_map(backward_slice, _slices(rows.shape[0])))
    return dx.reshape(x.shape), dw, dout.sum(axis=0)
