"""Parameter updates from the notes, in place on device arrays, one thread per element.

weight_decay adds weight_decay * w to the gradient first (L2 regularization).
Hyperparameters are passed in the arrays' dtype, and constants are made in it
(``one = w.dtype.type(1)``: a bare ``1 - rho`` would be computed in float64),
so float32 updates stay float32.
"""
import math

from numba import cuda

from .support.device import THREADS, blocks, flat, numpy_boundary


@cuda.jit(cache=True)
def sgd_kernel(w, dw, lr, decay):
    """w -= lr * g, g = dw + decay * w.

    Matches convkit.backends.numpy.sgd_update.
    """
    i = cuda.grid(1)
    if i < w.size:
        w[i] -= lr * (dw[i] + decay * w[i])


@cuda.jit(cache=True)
def momentum_kernel(w, dw, v, lr, mu, decay):
    """v = mu * v - lr * g;  w += v.

    Matches convkit.backends.numpy.momentum_update.
    """
    i = cuda.grid(1)
    if i < w.size:
        v[i] = mu * v[i] - lr * (dw[i] + decay * w[i])
        w[i] += v[i]


@cuda.jit(cache=True)
def nesterov_kernel(w, dw, v, lr, mu, decay):
    """v_prev = v;  v = mu * v - lr * g;  w += -mu * v_prev + (1 + mu) * v.

    Matches convkit.backends.numpy.momentum_update (nesterov=True).
    """
    i = cuda.grid(1)
    if i < w.size:
        one = w.dtype.type(1)
        v_prev = v[i]
        v[i] = mu * v[i] - lr * (dw[i] + decay * w[i])
        w[i] += -mu * v_prev + (one + mu) * v[i]


@cuda.jit(cache=True)
def adagrad_kernel(w, dw, cache, lr, eps, decay):
    """cache += g**2;  w -= lr * g / (sqrt(cache) + eps).

    Matches convkit.backends.numpy.adagrad_update.
    """
    i = cuda.grid(1)
    if i < w.size:
        g = dw[i] + decay * w[i]
        cache[i] += g * g
        w[i] -= lr * g / (math.sqrt(cache[i]) + eps)


@cuda.jit(cache=True)
def rmsprop_kernel(w, dw, cache, lr, rho, eps, decay):
    """cache = rho * cache + (1 - rho) * g**2;  w -= lr * g / (sqrt(cache) + eps).

    Matches convkit.backends.numpy.rmsprop_update.
    """
    i = cuda.grid(1)
    if i < w.size:
        one = w.dtype.type(1)
        g = dw[i] + decay * w[i]
        cache[i] = rho * cache[i] + (one - rho) * g * g
        w[i] -= lr * g / (math.sqrt(cache[i]) + eps)


@cuda.jit(cache=True)
def adam_kernel(w, dw, m, v, lr, beta1, beta2, correct1, correct2, eps, decay):
    """m, v moving averages of g and g**2;  w -= lr * m*correct1 / (sqrt(v*correct2) + eps).

    Matches convkit.backends.numpy.adam_update.
    """
    i = cuda.grid(1)
    if i < w.size:
        g = dw[i] + decay * w[i]
        one = w.dtype.type(1)
        m[i] = beta1 * m[i] + (one - beta1) * g
        v[i] = beta2 * v[i] + (one - beta2) * g * g
        w[i] -= lr * (m[i] * correct1) / (math.sqrt(v[i] * correct2) + eps)


@numpy_boundary("w")
def sgd_update(w, dw, lr, weight_decay=0.0):
    """Vanilla update, in place: w += -lr * dw.

    Matches convkit.backends.numpy.sgd_update.
    """
    f = w.dtype.type
    sgd_kernel[blocks(w.size), THREADS](flat(w), flat(dw), f(lr), f(weight_decay))


@numpy_boundary("w", "v")
def momentum_update(w, dw, v, lr, mu=0.9, weight_decay=0.0, nesterov=False):
    """Momentum update in place, v the velocity (shape of w).

    classic: v = mu*v - lr*dw; w += v.  nesterov: v_prev = v; v = mu*v - lr*dw; w += -mu*v_prev + (1+mu)*v
    Matches convkit.backends.numpy.momentum_update.
    """
    f = w.dtype.type
    kernel = nesterov_kernel if nesterov else momentum_kernel
    kernel[blocks(w.size), THREADS](flat(w), flat(dw), flat(v), f(lr), f(mu), f(weight_decay))


@numpy_boundary("w", "cache")
def adagrad_update(w, dw, cache, lr, eps=1e-8, weight_decay=0.0):
    """Adagrad in place: cache += dw**2;  w += -lr * dw / (sqrt(cache) + eps).

    Matches convkit.backends.numpy.adagrad_update.
    """
    f = w.dtype.type
    adagrad_kernel[blocks(w.size), THREADS](flat(w), flat(dw), flat(cache), f(lr), f(eps),
                                            f(weight_decay))


@numpy_boundary("w", "cache")
def rmsprop_update(w, dw, cache, lr, decay=0.99, eps=1e-8, weight_decay=0.0):
    """RMSprop in place: cache = decay*cache + (1-decay)*dw**2;  w += -lr * dw / (sqrt(cache) + eps).

    Matches convkit.backends.numpy.rmsprop_update.
    """
    f = w.dtype.type
    rmsprop_kernel[blocks(w.size), THREADS](flat(w), flat(dw), flat(cache), f(lr), f(decay), f(eps),
                                            f(weight_decay))


@numpy_boundary("w", "m", "v")
def adam_update(w, dw, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    """Adam in place, t the step number from 1: m, v moving averages of dw and dw**2,

    mt = m / (1 - beta1**t);  vt = v / (1 - beta2**t);  w += -lr * mt / (sqrt(vt) + eps).
    Matches convkit.backends.numpy.adam_update.
    """
    f = w.dtype.type
    adam_kernel[blocks(w.size), THREADS](flat(w), flat(dw), flat(m), flat(v), f(lr), f(beta1), f(beta2),
                                         f(1 / (1 - beta1**t)), f(1 / (1 - beta2**t)), f(eps),
                                         f(weight_decay))
