"""Convolutional layer, written as the loops of the notes (NCHW arrays)."""
import numpy as np

from ...shapes import conv_output_size


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    """Convolve K filters over a batch of input volumes.

    x: (N, C, H, W) inputs; w: (K, C, HH, WW) filters; b: (K,) biases.
    stride S, zero padding P and dilation D are the same on both axes.
    Returns out (N, K, Ho, Wo) with Ho = (H + 2P - D*(HH-1) - 1)/S + 1
    (Wo likewise), and a cache for conv_backward.

    Each output number is the notes' formula, for every image of the batch:
    V[x, y, d] = np.sum(X[window at (x, y)] * W_d) + b_d.
    """
    N, C, H, W = x.shape
    K, _, HH, WW = w.shape
    S, P, D = stride, pad, dilation
    Ho = conv_output_size(H, HH, S, P, D, mode="floor")
    Wo = conv_output_size(W, WW, S, P, D, mode="floor")
    X = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))
    V = np.zeros((N, K, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            window = X[:, :, i * S:i * S + D * (HH - 1) + 1:D, j * S:j * S + D * (WW - 1) + 1:D]
            for d in range(K):
                V[:, d, i, j] = np.sum(window * w[d], axis=(1, 2, 3)) + b[d]
    return V, (x, w, b, stride, pad, dilation)


def conv_backward(dout, cache, need_dx=True):
    """Gradients of conv_forward.

    dout: (N, K, Ho, Wo) upstream gradient; cache from conv_forward.
    Returns dx (N, C, H, W), dw (K, C, HH, WW), db (K,); dx is None when not need_dx.
    Every window sends dout * W_d back to the inputs it saw, and every
    filter collects dout * window from the positions it visited.
    """
    x, w, b, S, P, D = cache
    K, _, HH, WW = w.shape
    _, _, Ho, Wo = dout.shape
    X = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))
    dX = np.zeros_like(X)
    dw = np.zeros_like(w)
    for i in range(Ho):
        for j in range(Wo):
            rows = slice(i * S, i * S + D * (HH - 1) + 1, D)
            cols = slice(j * S, j * S + D * (WW - 1) + 1, D)
            window = X[:, :, rows, cols]
            for d in range(K):
                g = dout[:, d, i, j][:, None, None, None]
                if need_dx:
                    dX[:, :, rows, cols] += g * w[d]
                dw[d] += np.sum(g * window, axis=0)
    dx = dX[:, :, P:P + x.shape[2], P:P + x.shape[3]] if need_dx else None
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db
