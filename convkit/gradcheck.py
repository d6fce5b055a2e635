"""Numerical gradients by centered differences, to check a backward pass.

    df/dx ~ (f(x + h) - f(x - h)) / 2h, one element of x at a time.
Use float64 inputs: in float32 the rounding error swamps the difference.
"""
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """The gradient of a scalar function f at x (an array changed in place and restored)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_gradient_array(f, x, dout, h=1e-5):
    """sum(dout * df/dx) for an array-valued f: what a backward pass returns for x.

    The two outputs are subtracted before summing, so outputs that x[i] does
    not touch cancel exactly instead of adding rounding error.
    """
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        out_plus = np.copy(f(x))
        x[i] = old - h
        out_minus = np.copy(f(x))
        x[i] = old
        grad[i] = np.sum((out_plus - out_minus) * dout) / (2 * h)
    return grad


def rel_error(a, b):
    """The largest elementwise relative error max |a - b| / max(1e-8, |a| + |b|)."""
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def check_op(forward, backward, inputs, seed=0, h=1e-5):
    """Relative errors of backward against numerical gradients, one per input.

    forward(*inputs) returns (out, cache); backward(dout, cache) returns one
    gradient per input, in order (e.g. dx, dw, db), or just one for one input.
    The inputs (float64 arrays) are nudged in place; dout is random.
    """
    out, cache = forward(*inputs)
    dout = np.random.default_rng(seed).standard_normal(out.shape).astype(out.dtype)
    grads = backward(dout, cache)
    if not isinstance(grads, tuple):
        grads = (grads,)
    if len(grads) != len(inputs):
        raise ValueError(f"backward returned {len(grads)} gradients for {len(inputs)} inputs")

    def f(_):
        return forward(*inputs)[0]

    return [rel_error(grad, numerical_gradient_array(f, x, dout, h))
            for x, grad in zip(inputs, grads, strict=True)]
