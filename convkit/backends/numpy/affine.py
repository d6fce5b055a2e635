"""Fully-connected (affine) layer."""


def affine_forward(x, w, b):
    """out = x.reshape(N, D) @ w + b.

    x: (N, d1, ..., dk), flattened to (N, D) with D = d1 * ... * dk;
    w: (D, M); b: (M,). Returns out (N, M) and a cache.
    """
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w)


def affine_backward(dout, cache):
    """Gradients of affine_forward.

    dout: (N, M). Returns dx (N, d1, ..., dk), dw (D, M), db (M,).
    """
    x, w = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
