"""Parameter updates from the notes, applied in place to w and to the optimizer state.

weight_decay adds weight_decay * w to the gradient first (L2 regularization).
Parameters are small next to activations and each rule is a few elementwise
steps, which NumPy runs as fast as a Numba kernel would; so this is plain
NumPy, written with in-place operations to avoid temporaries.
"""
import numpy as np


def _decayed(w, dw, weight_decay):
    return dw + weight_decay * w if weight_decay else dw


def sgd_update(w, dw, lr, weight_decay=0.0):
    """Vanilla update: w += -lr * dw.

    Matches convkit.backends.numpy.sgd_update.
    """
    w -= lr * _decayed(w, dw, weight_decay)


def momentum_update(w, dw, v, lr, mu=0.9, weight_decay=0.0, nesterov=False):
    """Momentum update; v is the velocity (shape of w).

    classic:  v = mu * v - lr * dw;  w += v
    nesterov: v_prev = v;  v = mu * v - lr * dw;  w += -mu * v_prev + (1 + mu) * v
    Matches convkit.backends.numpy.momentum_update.
    """
    dw = _decayed(w, dw, weight_decay)
    if nesterov:
        w -= mu * v
    v *= mu
    v -= lr * dw
    w += (1 + mu) * v if nesterov else v


def adagrad_update(w, dw, cache, lr, eps=1e-8, weight_decay=0.0):
    """Adagrad: cache += dw**2;  w += -lr * dw / (sqrt(cache) + eps).

    Matches convkit.backends.numpy.adagrad_update.
    """
    dw = _decayed(w, dw, weight_decay)
    cache += dw * dw
    w -= lr * dw / (np.sqrt(cache) + eps)


def rmsprop_update(w, dw, cache, lr, decay=0.99, eps=1e-8, weight_decay=0.0):
    """RMSprop: cache = decay * cache + (1 - decay) * dw**2;  w += -lr * dw / (sqrt(cache) + eps).

    Matches convkit.backends.numpy.rmsprop_update.
    """
    dw = _decayed(w, dw, weight_decay)
    cache *= decay
    cache += (1 - decay) * dw * dw
    w -= lr * dw / (np.sqrt(cache) + eps)


def adam_update(w, dw, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    """Adam with bias correction; m, v have the shape of w; t is the step number, from 1.

    m = beta1 * m + (1 - beta1) * dw;  v = beta2 * v + (1 - beta2) * dw**2
    mt = m / (1 - beta1**t);  vt = v / (1 - beta2**t);  w += -lr * mt / (sqrt(vt) + eps)
    Matches convkit.backends.numpy.adam_update.
    """
    dw = _decayed(w, dw, weight_decay)
    m *= beta1
    m += (1 - beta1) * dw
    v *= beta2
    v += (1 - beta2) * dw * dw
    w -= lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
