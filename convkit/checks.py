"""Validation of every op's inputs, shared by all backends.

Each function raises ShapeError (a size that does not fit), SettingsError (a
hyperparameter such as a learning rate out of its range) or TypeError (a
wrong type or dtype) with a message naming the shapes involved, and returns
None when the inputs are fine. Arrays may live on a GPU, so only
their .shape, .dtype and .ndim are read. Ops never broadcast: shapes must match.
"""
import math

import numpy as np

from . import values
from .errors import ShapeError
from .shapes import conv_output_size, pool_output_size

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def array(name, a, layout=None):
    """a must be a float32/float64 array; layout, e.g. "(N, C, H, W)", fixes its rank."""
    if not all(hasattr(a, attr) for attr in ("shape", "dtype", "ndim")):
        raise TypeError(f"{name} must be an array, got {type(a).__name__}")
    if np.dtype(a.dtype) not in FLOATS:
        raise TypeError(f"{name} has dtype {a.dtype}; the ops take float32 or float64 arrays "
                        f"(convert with {name}.astype(np.float32))")
    if layout is not None and a.ndim != len(layout.strip("(,)").split(",")):
        raise ShapeError(f"expected {name} of shape {layout}, got {tuple(a.shape)}")
    if layout is not None or name == "x":
        nonempty(name, a, layout or "(N, ...)")


def nonempty(name, a, layout):
    """Every size of a must be at least 1 (an empty batch has nothing to compute)."""
    if 0 in tuple(a.shape):
        raise ShapeError(f"{name} has shape {tuple(a.shape)}: every size of {layout} must be "
                         f"at least 1")


def same_dtype(**arrays):
    """All the arrays of one op must share a dtype."""
    (first, a), *rest = arrays.items()
    for name, other in rest:
        if other.dtype != a.dtype:
            raise TypeError(f"{first} is {a.dtype} but {name} is {other.dtype}; "
                            f"give all arrays of an op the same dtype")


def same_shape(name, a, like_name, like):
    """a must have exactly the shape of like."""
    if tuple(a.shape) != tuple(like.shape):
        raise ShapeError(f"{name} has shape {tuple(a.shape)} but {like_name} has shape "
                         f"{tuple(like.shape)}; they must match")


def integer(name, value, minimum):
    """value must be an int >= minimum (a size: ShapeError)."""
    values.integer(name, value, minimum, error=ShapeError)


def real(name, value, low=-math.inf, high=math.inf, low_open=False, high_open=False):
    """value must be a finite number in the interval from low to high (a setting: SettingsError)."""
    values.number(name, value, low, high, low_open, high_open)


def _output_size(what, axis, size, F, *settings, output_size=conv_output_size):
    """Run a shapes.py output-size formula, saying which op and axis failed."""
    try:
        return output_size(size, F, *settings)
    except ShapeError as e:
        raise ShapeError(f"{what}, {axis}:\n{e}") from None


def _conv_size(op, x, w, HH, WW, stride, pad, dilation):
    what = (f"{op} of x {tuple(x.shape)} with w {tuple(w.shape)} (filters {HH} x {WW}), "
            f"S={stride}, P={pad}, D={dilation}")
    Ho = _output_size(what, "height", x.shape[2], HH, stride, pad, dilation)
    Wo = _output_size(what, "width", x.shape[3], WW, stride, pad, dilation)
    return Ho, Wo


def _channels(x, w, C):
    if x.shape[1] != C:
        raise ShapeError(f"x has C = {x.shape[1]} channels but w has {C}: "
                         f"x {tuple(x.shape)}, w {tuple(w.shape)}")


def _bias(b, expected, w):
    if tuple(b.shape) != expected:
        raise ShapeError(f"expected b of shape {expected} for w {tuple(w.shape)}, "
                         f"got {tuple(b.shape)}")


def conv(x, w, b, stride, pad, dilation):
    """x (N, C, H, W), w (K, C, HH, WW), b (K,); both output sizes must be integers."""
    array("x", x, "(N, C, H, W)")
    array("w", w, "(K, C, HH, WW)")
    array("b", b, "(K,)")
    same_dtype(x=x, w=w, b=b)
    K, C, HH, WW = w.shape
    _channels(x, w, C)
    _bias(b, (K,), w)
    _conv_size("conv", x, w, HH, WW, stride, pad, dilation)


def local(x, w, b, stride, pad):
    """x (N, C, H, W), w (Ho, Wo, K, C, HH, WW), b (Ho, Wo, K), (Ho, Wo) the output size."""
    array("x", x, "(N, C, H, W)")
    array("w", w, "(Ho, Wo, K, C, HH, WW)")
    array("b", b, "(Ho, Wo, K)")
    same_dtype(x=x, w=w, b=b)
    _, _, K, C, HH, WW = w.shape
    _channels(x, w, C)
    Ho, Wo = _conv_size("locally-connected layer", x, w, HH, WW, stride, pad, 1)
    if tuple(w.shape[:2]) != (Ho, Wo):
        raise ShapeError(f"x {tuple(x.shape)} with {HH} x {WW} filters, S={stride}, P={pad} "
                         f"gives a {Ho} x {Wo} output, so expected w of shape "
                         f"{(Ho, Wo) + tuple(w.shape[2:])}, got {tuple(w.shape)}")
    _bias(b, (Ho, Wo, K), w)


def pool(x, size, stride, mode="strict"):
    """x (N, C, H, W); a size x size window stepping by stride must fit (evenly, in mode strict)."""
    array("x", x, "(N, C, H, W)")
    what = f"pooling x {tuple(x.shape)} with size={size}, stride={stride}"
    for axis, length in (("height", x.shape[2]), ("width", x.shape[3])):
        _output_size(what, axis, length, size, stride, mode, output_size=pool_output_size)


def affine(x, w, b):
    """x (N, d1, ..., dk), w (D, M) with D = d1*...*dk, b (M,)."""
    array("x", x)
    if x.ndim < 2:
        raise ShapeError(f"expected x of shape (N, d1, ..., dk), got {tuple(x.shape)}")
    array("w", w, "(D, M)")
    array("b", b, "(M,)")
    same_dtype(x=x, w=w, b=b)
    D = math.prod(x.shape[1:])
    if w.shape[0] != D:
        raise ShapeError(f"x {tuple(x.shape)} has D = {' * '.join(map(str, x.shape[1:]))} = {D} "
                         f"features per row but w {tuple(w.shape)} has {w.shape[0]} rows")
    _bias(b, (w.shape[1],), w)


def labels(scores, y):
    """scores (N, C) floats; y a NumPy array of N integer labels in [0, C)."""
    array("scores", scores, "(N, C)")
    N, C = scores.shape
    if not isinstance(y, np.ndarray):
        raise TypeError(f"y must be a NumPy array of integer labels, got {type(y).__name__}")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"y must hold integer labels, got dtype {y.dtype}")
    if tuple(y.shape) != (N,):
        raise ShapeError(f"expected y of shape (N,) = ({N},) for scores {tuple(scores.shape)}, "
                         f"got {tuple(y.shape)}")
    if N and (y.min() < 0 or y.max() >= C):
        bad = int(np.flatnonzero((y < 0) | (y >= C))[0])
        raise ShapeError(f"labels must be in [0, C) = [0, {C}) for scores {tuple(scores.shape)}, "
                         f"got y[{bad}] = {y[bad]}")


def batchnorm(x, gamma, beta, running_mean, running_var, momentum, eps):
    """x (N, D) or (N, C, H, W); gamma, beta, running_mean, running_var (D,) or (C,)."""
    array("x", x)
    if x.ndim not in (2, 4):
        raise ShapeError(f"expected x of shape (N, D) or (N, C, H, W), got {tuple(x.shape)}")
    params = dict(gamma=gamma, beta=beta, running_mean=running_mean, running_var=running_var)
    expected = "(D,)" if x.ndim == 2 else "(C,)"
    for name, a in params.items():
        array(name, a)
        if tuple(a.shape) != (x.shape[1],):
            raise ShapeError(f"expected {name} of shape {expected} = ({x.shape[1]},) "
                             f"for x {tuple(x.shape)}, got {tuple(a.shape)}")
    same_dtype(x=x, **params)
    real("momentum", momentum, 0, 1)
    real("eps", eps, 0, low_open=True)


def dropout(x, p, seed):
    """x any float array; p the probability of keeping a unit, in (0, 1]."""
    array("x", x)
    real("dropout p (the probability of keeping a unit)", p, 0, 1, low_open=True)
    if seed is not None:
        integer("seed", seed, 0)


def update(w, dw, lr, weight_decay, **state):
    """w, dw and the optimizer state arrays: one shape, one dtype; lr and weight_decay >= 0."""
    array("w", w)
    for name, a in dict(dw=dw, **state).items():
        array(name, a)
        same_shape(name, a, "w", w)
    same_dtype(w=w, dw=dw, **state)
    real("lr", lr, 0)
    real("weight_decay", weight_decay, 0)


def dout(d, out_shape, out_dtype):
    """The upstream gradient must have the shape and dtype of the forward's output."""
    array("dout", d)
    if tuple(d.shape) != tuple(out_shape):
        raise ShapeError(f"dout has shape {tuple(d.shape)} but the forward output had shape "
                         f"{tuple(out_shape)}; they must match")
    if d.dtype != out_dtype:
        raise TypeError(f"dout is {d.dtype} but the forward output is {out_dtype}; "
                        f"give them the same dtype")
