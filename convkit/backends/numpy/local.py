"""Locally-connected layer: a convolution whose filters are not shared (NCHW arrays)."""
import numpy as np


def local_forward(x, w, b, stride=1, pad=0):
    """Apply a separate filter bank at every output position.

    x: (N, C, H, W) inputs; w: (Ho, Wo, K, C, HH, WW) filters, one bank of K
    filters per output position; b: (Ho, Wo, K) biases.
    Returns out (N, K, Ho, Wo) and a cache for local_backward.
    The loop of conv_forward, with W_d replaced by w[i, j, d].
    """
    N, C, H, W = x.shape
    Ho, Wo, K, _, HH, WW = w.shape
    S, P = stride, pad
    X = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))
    V = np.zeros((N, K, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            window = X[:, :, i * S:i * S + HH, j * S:j * S + WW]
            for d in range(K):
                V[:, d, i, j] = np.sum(window * w[i, j, d], axis=(1, 2, 3)) + b[i, j, d]
    return V, (x, w, stride, pad)


def local_backward(dout, cache):
    """Gradients of local_forward.

    dout: (N, K, Ho, Wo); cache from local_forward.
    Returns dx (N, C, H, W), dw (Ho, Wo, K, C, HH, WW), db (Ho, Wo, K).
    """
    x, w, S, P = cache
    Ho, Wo, K, _, HH, WW = w.shape
    X = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))
    dX = np.zeros_like(X)
    dw = np.zeros_like(w)
    for i in range(Ho):
        for j in range(Wo):
            rows = slice(i * S, i * S + HH)
            cols = slice(j * S, j * S + WW)
            window = X[:, :, rows, cols]
            for d in range(K):
                g = dout[:, d, i, j][:, None, None, None]
                dX[:, :, rows, cols] += g * w[i, j, d]
                dw[i, j, d] = np.sum(g * window, axis=0)
    dx = dX[:, :, P:P + x.shape[2], P:P + x.shape[3]]
    db = dout.sum(axis=0).transpose(1, 2, 0)
    return dx, dw, db
