"""Parameter updates from the notes, applied in place to w and to the optimizer state.

weight_decay adds weight_decay * w to the gradient first (L2 regularization).
"""
import numpy as np


def _decayed(w, dw, weight_decay):
    return dw + weight_decay * w if weight_decay else dw


def sgd_update(w, dw, lr, weight_decay=0.0):
    """Vanilla update: w += -lr * dw."""
    w -= lr * _decayed(w, dw, weight_decay)


def momentum_update(w, dw, v, lr, mu=0.9, weight_decay=0.0, nesterov=False):
    """Momentum update; v is the velocity (shape of w).

    classic:  v = mu * v - lr * dw;  w += v
    nesterov: v_prev = v;  v = mu * v - lr * dw;  w += -mu * v_prev + (1 + mu) * v
    """
    dw = _decayed(w, dw, weight_decay)
    v_prev = v.copy()
    v[...] = mu * v - lr * dw
    if nesterov:
        w += -mu * v_prev + (1 + mu) * v
    else:
        w += v


def adagrad_update(w, dw, cache, lr, eps=1e-8, weight_decay=0.0):
    """Adagrad: cache += dw**2;  w += -lr * dw / (sqrt(cache) + eps)."""
    dw = _decayed(w, dw, weight_decay)
    cache += dw ** 2
    w -= lr * dw / (np.sqrt(cache) + eps)


def rmsprop_update(w, dw, cache, lr, decay=0.99, eps=1e-8, weight_decay=0.0):
    """RMSprop: cache = decay * cache + (1 - decay) * dw**2;  w += -lr * dw / (sqrt(cache) + eps)."""
    dw = _decayed(w, dw, weight_decay)
    cache[...] = decay * cache + (1 - decay) * dw ** 2
    w -= lr * dw / (np.sqrt(cache) + eps)


def adam_update(w, dw, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    """Adam with bias correction; m, v have the shape of w; t is the step number, from 1.

    m = beta1 * m + (1 - beta1) * dw;  v = beta2 * v + (1 - beta2) * dw**2
    mt = m / (1 - beta1**t);  vt = v / (1 - beta2**t);  w += -lr * mt / (sqrt(vt) + eps)
    """
    dw = _decayed(w, dw, weight_decay)
    m[...] = beta1 * m + (1 - beta1) * dw
    v[...] = beta2 * v + (1 - beta2) * dw ** 2
    mt = m / (1 - beta1 ** t)
    vt = v / (1 - beta2 ** t)
    w -= lr * mt / (np.sqrt(vt) + eps)
