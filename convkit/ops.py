"""The ops of a convolutional network, as functions (CS231n ``layers.py`` style).

A forward op takes arrays (NCHW for image batches) and returns ``out, cache``;
the matching backward op takes ``dout`` (the gradient of the loss with respect
to ``out``) and that cache, and returns the gradients of the inputs.
Each op checks its inputs (``convkit.checks``), then runs the backend in use
(``convkit.backends``). A backward op always runs on the backend whose forward
made the cache, even if the backend was switched in between. The pairs of
forward and backward ops (``CONV``, ``RELU``, ...) and the list of all ops
are declared once, in ``convkit.backends.registry``.
"""
from typing import NamedTuple

from . import backends, checks
from .backends.registry import (AFFINE, AVG_POOL, BATCHNORM, CONV, DROPOUT, L2_POOL, LOCAL, MAX_POOL,
                                RELU)


class Cache(NamedTuple):
    """What a forward op returns for its backward.

    raw: the backend's own cache; backend: the name of the backend that made it;
    op: the forward op's name; out_shape, dtype: of the forward's output.
    """
    raw: object
    backend: str
    op: str
    out_shape: tuple
    dtype: object


def _forward(layer, *args):
    """Run layer.forward (a registry.Layer) on the backend in use and wrap its cache."""
    name = backends.get_backend()
    out, raw = backends.function(layer.forward, name)(*args)
    return out, Cache(raw, name, layer.forward, tuple(out.shape), out.dtype)


def _backward(layer, dout, cache, *args):
    """Check cache and dout against layer.forward's, then run layer.backward where the forward ran."""
    if not isinstance(cache, Cache):
        raise TypeError(f"{layer.backward} needs the cache returned by {layer.forward}, "
                        f"got {type(cache).__name__}")
    if cache.op != layer.forward:
        raise TypeError(f"{layer.backward} needs the cache returned by {layer.forward}, "
                        f"got one from {cache.op}")
    checks.dout(dout, cache.out_shape, cache.dtype)
    return backends.function(layer.backward, cache.backend)(dout, cache.raw, *args)


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    """Convolutional layer: K filters slide over the input volume.

    x: (N, C, H, W); w: (K, C, HH, WW), usually HH = WW = F; b: (K,).
    stride S, zero padding P and dilation D apply to both axes.
    Returns out (N, K, Ho, Wo), Ho = (H + 2P - D*(HH-1) - 1)/S + 1 and
    Wo = (W + 2P - D*(WW-1) - 1)/S + 1 (both must be integers), and a cache.

    >>> import numpy as np
    >>> x = np.ones((1, 3, 5, 5))                  # one 5x5x3 input
    >>> w, b = np.ones((2, 3, 3, 3)), np.array([1.0, 0.0])
    >>> out, cache = conv_forward(x, w, b, stride=2, pad=1)
    >>> out.shape                                  # (5 - 3 + 2*1)/2 + 1 = 3
    (1, 2, 3, 3)
    >>> out[0, 1]                                  # corners see 4 inputs per channel
    array([[12., 18., 12.],
           [18., 27., 18.],
           [12., 18., 12.]])
    """
    checks.conv(x, w, b, stride, pad, dilation)
    return _forward(CONV, x, w, b, int(stride), int(pad), int(dilation))


def conv_backward(dout, cache, need_dx=True):
    """dout (N, K, Ho, Wo) -> dx (N, C, H, W), dw (K, C, HH, WW), db (K,).

    need_dx=False returns None for dx and skips its work: the first layer of
    a net needs only dw and db.
    """
    if not isinstance(need_dx, bool):
        raise TypeError(f"need_dx must be True or False, got {need_dx!r}")
    return _backward(CONV, dout, cache, need_dx)


def local_forward(x, w, b, stride=1, pad=0):
    """Locally-connected layer: like a conv layer, but without parameter sharing.

    x: (N, C, H, W); w: (Ho, Wo, K, C, HH, WW), one bank of K filters for each
    output position; b: (Ho, Wo, K). Returns out (N, K, Ho, Wo) and a cache.
    """
    checks.local(x, w, b, stride, pad)
    return _forward(LOCAL, x, w, b, int(stride), int(pad))


def local_backward(dout, cache):
    """dout (N, K, Ho, Wo) -> dx (N, C, H, W), dw (Ho, Wo, K, C, HH, WW), db (Ho, Wo, K)."""
    return _backward(LOCAL, dout, cache)


def max_pool_forward(x, size=2, stride=2, mode="strict"):
    """Max pooling over size x size windows, no padding.

    x: (N, C, H, W). Returns out (N, C, Ho, Wo), Ho = (H - size)/stride + 1
    (Wo likewise), and a cache. mode="floor" rounds Ho and Wo down: the last
    rows and columns that fit no window are not read (their dx is 0).
    """
    checks.pool(x, size, stride, mode)
    return _forward(MAX_POOL, x, int(size), int(stride))


def max_pool_backward(dout, cache):
    """dout (N, C, Ho, Wo) -> dx (N, C, H, W); on a tie the first max (row-major) gets it."""
    return _backward(MAX_POOL, dout, cache)


def avg_pool_forward(x, size=2, stride=2, mode="strict"):
    """Average pooling: x (N, C, H, W) -> out (N, C, Ho, Wo), cache; mode as in max_pool_forward."""
    checks.pool(x, size, stride, mode)
    return _forward(AVG_POOL, x, int(size), int(stride))


def avg_pool_backward(dout, cache):
    """dout (N, C, Ho, Wo) -> dx (N, C, H, W)."""
    return _backward(AVG_POOL, dout, cache)


def l2_pool_forward(x, size=2, stride=2, mode="strict"):
    """L2-norm pooling, sqrt of the sum of squares of each window.

    x (N, C, H, W) -> out (N, C, Ho, Wo), cache; mode as in max_pool_forward.
    """
    checks.pool(x, size, stride, mode)
    return _forward(L2_POOL, x, int(size), int(stride))


def l2_pool_backward(dout, cache):
    """dout (N, C, Ho, Wo) -> dx (N, C, H, W) = dout * x / out (0 where out is 0)."""
    return _backward(L2_POOL, dout, cache)


def relu_forward(x):
    """ReLU, max(0, x) elementwise: x (any shape) -> out (same shape), cache."""
    checks.array("x", x)
    return _forward(RELU, x)


def relu_backward(dout, cache):
    """dout (shape of x) -> dx: dout where x > 0, else 0."""
    return _backward(RELU, dout, cache)


def affine_forward(x, w, b):
    """Fully-connected layer: out = x.reshape(N, D) @ w + b.

    x: (N, d1, ..., dk) with D = d1*...*dk; w: (D, M); b: (M,).
    Returns out (N, M) and a cache.
    """
    checks.affine(x, w, b)
    return _forward(AFFINE, x, w, b)


def affine_backward(dout, cache):
    """dout (N, M) -> dx (N, d1, ..., dk), dw (D, M), db (M,)."""
    return _backward(AFFINE, dout, cache)


def softmax_loss(scores, y):
    """Softmax (cross-entropy) loss, averaged over the batch.

    scores: (N, C); y: (N,) NumPy integer labels in [0, C).
    Returns loss (a float) and dscores (N, C).
    """
    checks.labels(scores, y)
    return backends.module().softmax_loss(scores, y)


def svm_loss(scores, y, delta=1.0):
    """Multiclass SVM loss, sum over j != y_i of max(0, s_j - s_{y_i} + delta), averaged.

    scores: (N, C); y: (N,) NumPy integer labels in [0, C).
    Returns loss (a float) and dscores (N, C).
    """
    checks.labels(scores, y)
    checks.real("delta", delta, 0)
    return backends.module().svm_loss(scores, y, float(delta))


def batchnorm_forward(x, gamma, beta, running_mean, running_var, train=True, momentum=0.9,
                      eps=1e-5):
    """Batch normalization.

    x: (N, D), or (N, C, H, W) normalized per channel (spatial batchnorm);
    gamma, beta, running_mean, running_var: (D,) or (C,).
    train=True normalizes with the batch's mean and (biased) variance and
    updates running_mean and running_var in place:
    running = momentum * running + (1 - momentum) * batch_stat.
    train=False normalizes with the running statistics.
    Returns out (shape of x) and a cache.
    """
    checks.batchnorm(x, gamma, beta, running_mean, running_var, momentum, eps)
    return _forward(BATCHNORM, x, gamma, beta, running_mean, running_var, bool(train),
                    float(momentum), float(eps))


def batchnorm_backward(dout, cache):
    """dout (shape of x) -> dx (shape of x), dgamma, dbeta ((D,) or (C,))."""
    return _backward(BATCHNORM, dout, cache)


def dropout_forward(x, p, train=True, seed=None):
    """Inverted dropout: keep each unit with probability p and scale it by 1/p.

    x: any shape; p in (0, 1]; seed makes the mask repeatable.
    train=False returns x unchanged. Returns out (shape of x) and a cache.
    """
    checks.dropout(x, p, seed)
    return _forward(DROPOUT, x, float(p), bool(train),
                    None if seed is None else int(seed))


def dropout_backward(dout, cache):
    """dout (shape of x) -> dx: dout times the forward's mask."""
    return _backward(DROPOUT, dout, cache)


def sgd_update(w, dw, lr, weight_decay=0.0):
    """In place: w += -lr * (dw + weight_decay * w)."""
    checks.update(w, dw, lr, weight_decay)
    backends.module().sgd_update(w, dw, float(lr), float(weight_decay))


def momentum_update(w, dw, v, lr, mu=0.9, weight_decay=0.0, nesterov=False):
    """In place, v the velocity (shape of w):

    classic:  v = mu * v - lr * dw;  w += v
    nesterov: v_prev = v;  v = mu * v - lr * dw;  w += -mu * v_prev + (1 + mu) * v
    """
    checks.update(w, dw, lr, weight_decay, v=v)
    checks.real("mu", mu, 0, 1, high_open=True)
    backends.module().momentum_update(w, dw, v, float(lr), float(mu), float(weight_decay),
                                      bool(nesterov))


def adagrad_update(w, dw, cache, lr, eps=1e-8, weight_decay=0.0):
    """In place: cache += dw**2;  w += -lr * dw / (sqrt(cache) + eps)."""
    checks.update(w, dw, lr, weight_decay, cache=cache)
    checks.real("eps", eps, 0, low_open=True)
    backends.module().adagrad_update(w, dw, cache, float(lr), float(eps), float(weight_decay))


def rmsprop_update(w, dw, cache, lr, decay=0.99, eps=1e-8, weight_decay=0.0):
    """In place: cache = decay * cache + (1 - decay) * dw**2;  w += -lr * dw / (sqrt(cache) + eps)."""
    checks.update(w, dw, lr, weight_decay, cache=cache)
    checks.real("decay", decay, 0, 1, high_open=True)
    checks.real("eps", eps, 0, low_open=True)
    backends.module().rmsprop_update(w, dw, cache, float(lr), float(decay), float(eps),
                                     float(weight_decay))


def adam_update(w, dw, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    """In place, t the step number (from 1):

    m = beta1 * m + (1 - beta1) * dw;  v = beta2 * v + (1 - beta2) * dw**2
    w += -lr * mt / (sqrt(vt) + eps), mt = m / (1 - beta1**t), vt = v / (1 - beta2**t)
    """
    checks.update(w, dw, lr, weight_decay, m=m, v=v)
    checks.integer("t", t, 1)
    checks.real("beta1", beta1, 0, 1, high_open=True)
    checks.real("beta2", beta2, 0, 1, high_open=True)
    checks.real("eps", eps, 0, low_open=True)
    backends.module().adam_update(w, dw, m, v, int(t), float(lr), float(beta1), float(beta2),
                                  float(eps), float(weight_decay))


def asarray(a, dtype=None):
    """a as the array type of the backend in use (a GPU array for "cuda")."""
    return backends.module().asarray(a, dtype)


def to_numpy(a):
    """a (any backend's array) as a NumPy array."""
    return backends.module().to_numpy(a)


def zeros(shape, dtype):
    """An array of zeros of the backend in use."""
    return backends.module().zeros(shape, dtype)


def sum_squares(a):
    """The sum of a**2, as a float (e.g. for an L2 penalty)."""
    return backends.module().sum_squares(a)


def argmax_rows(scores):
    """The predicted class of each row: scores (N, C) -> NumPy ints (N,)."""
    return backends.module().argmax_rows(scores)
