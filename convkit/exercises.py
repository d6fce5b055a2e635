"""Exercises: a student writes a function, check() compares it with the kit.

    from convkit import exercises
    def output_size(W, F, S, P):
        ...                                   # the student's code
    exercises.check("output_size", output_size)

check() calls the function on several cases, odd ones included, and
compares each answer with the kit's own (convkit.shapes, and convkit.ops on
the numpy backend). It returns a Report: "output_size: all 12 cases pass.",
or the first case that fails with its inputs, what was expected and what
came back (a value, a shape, or the exception the function raised).

Each exercise has a worked solution, solution(name), which a lesson uses in
place of the student's function when solutions_on() is True: the default,
so the lessons run top to bottom; CONVKIT_SOLUTIONS=0 turns them off for a
class. show_solution(name) prints the solution's code. Exercise names:
output_size, conv_forward, max_pool_forward, max_pool_backward,
conv_params, memory, conv_backward (EXERCISES holds each one's task).
"""
import inspect
import math
import numbers
import os
import traceback
from dataclasses import dataclass, field

import numpy as np

from . import ops, shapes
from .backends import use_backend

__all__ = ["EXERCISES", "Report", "check", "show_solution", "solution", "solutions_on", "task"]

_ON, _OFF = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def solutions_on():
    """True unless the environment variable CONVKIT_SOLUTIONS is 0 (or false, no, off)."""
    value = os.environ.get("CONVKIT_SOLUTIONS", "1").strip().lower()
    if value not in _ON + _OFF:
        raise ValueError(f"CONVKIT_SOLUTIONS must be 1 (solutions on) or 0 (off), got {value!r}")
    return value in _ON


# ---------------------------------------------------------------- reports


@dataclass
class Failure:
    """The first failing case: its number (from 1), the call, expected and got."""

    case: int
    call: str
    expected: str
    got: str


@dataclass
class Report:
    """The result of check(): passed, the number of cases, the first Failure or None."""

    name: str
    cases: int
    failure: Failure = None

    @property
    def passed(self):
        return self.failure is None

    def __bool__(self):
        return self.passed

    def __str__(self):
        if self.passed:
            return f"{self.name}: all {self.cases} cases pass."
        f = self.failure
        return (f"{self.name}: case {f.case} of {self.cases} fails: {f.call}\n"
                f"  expected: {f.expected}\n"
                f"  got:      {f.got}")

    __repr__ = __str__


# ---------------------------------------------------------------- cases


class Raises:
    """An expected answer that is an exception of type kind (message: the kit's)."""

    def __init__(self, kind, message):
        self.kind, self.message = kind, message.splitlines()[0]


@dataclass
class Case:
    """Positional arguments (name -> value) of one call, and a note on what is odd."""

    args: dict
    note: str = ""

    def call(self, name):
        shown = ", ".join(f"{k}={_show(v)}" for k, v in self.args.items())
        return f"{name}({shown})" + (f"  [{self.note}]" if self.note else "")


def _show(value):
    if isinstance(value, np.ndarray):
        return f"array{value.shape}"
    return repr(value)


def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def _run(fn, case):
    """fn on copies of the case's arguments: (value, None) or (None, exception)."""
    try:
        return fn(*[_copy(v) for v in case.args.values()]), None
    except Exception as e:  # noqa: BLE001 - any error of the student's code is reported
        return None, e


def _raised(e, fn):
    """The exception as text, with the line of fn's file where it was raised, if any."""
    code = getattr(fn, "__code__", None)
    frames = [f for f in traceback.extract_tb(e.__traceback__)
              if code is not None and f.filename == code.co_filename and f.line]
    where = f" (at: {frames[-1].line.strip()})" if frames else ""
    return f"raised {type(e).__name__}: {e}{where}"


# ---------------------------------------------------------------- comparisons


def _compare_int(expected, got):
    """None when got matches an expected int or Raises; else (expected, got) as text."""
    if isinstance(expected, Raises):
        want = f"raises {expected.kind.__name__} ({expected.message})"
        return (want, f"returned {_short(got)}")
    if isinstance(got, bool) or not isinstance(got, numbers.Integral):
        hint = f" (return an int: {int(got)})" if isinstance(got, float) and got.is_integer() else ""
        return (f"{expected:,} (an int)", f"{_short(got)} ({type(got).__name__}){hint}")
    if int(got) != expected:
        return (f"{expected:,}", f"{int(got):,}")
    return None


def _compare_array(expected, got, name="out"):
    """None when got is an array equal to expected (to float tolerance); else the difference."""
    want = f"{name} of shape {expected.shape}"
    try:
        arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return (want, f"{type(got).__name__}, not an array of numbers")
    if arr.shape != expected.shape:
        return (want, f"{name} of shape {arr.shape}")
    close = np.isclose(arr, expected, rtol=1e-4, atol=1e-5)   # float32 work passes
    if close.all():
        return None
    index = tuple(int(i) for i in np.argwhere(~close)[0])
    bad = int((~close).sum())
    at = f"{name}[{', '.join(map(str, index))}]"
    return (f"{at} = {expected[index]:.6g}",
            f"{at} = {arr[index]:.6g} ({bad} of {arr.size} values of {name} differ)")


def _compare_named(name):
    return lambda expected, got: _compare_array(expected, got, name)


def _compare_arrays(names):
    def compare(expected, got):
        if not isinstance(got, (tuple, list)) or len(got) != len(names):
            return (f"a tuple ({', '.join(names)})", f"{type(got).__name__}: {_short(got)}")
        for name, e, g in zip(names, expected, got):
            diff = _compare_array(e, g, name)
            if diff:
                return diff
        return None
    return compare


def _short(value):
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


# ---------------------------------------------------------------- the exercises


@dataclass
class Exercise:
    """name; task: what the student writes; cases(); reference(*args) (the kit's answer,
    an exception it raises becomes Raises); compare(expected, got); solution."""

    name: str
    task: str
    cases: object
    reference: object
    compare: object
    solution: object = field(repr=False)


def _rng_arrays(seed, *shapes_):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes_]


# output size

def _output_size_cases():
    settings = [
        (5, 3, 1, 1, "the notes' 1-D example, S=1"),
        (5, 3, 2, 1, "the notes' 1-D example, S=2"),
        (5, 3, 3, 1, "S=3 does not fit: (5 - 3 + 2)/3 + 1 = 2.33"),
        (10, 3, 2, 0, "the notes' constraint example: 4.5"),
        (227, 11, 4, 0, "AlexNet conv1"),
        (32, 5, 1, 2, "P = (F-1)/2 keeps the size"),
        (7, 7, 1, 0, "filter as large as the input"),
        (4, 5, 1, 0, "filter larger than the input"),
        (4, 5, 1, 1, "filter larger than the input, but padding makes room"),
        (1, 1, 1, 0, "the smallest layer"),
        (6, 1, 2, 0, "a 1x1 filter whose stride does not fit"),
        (11, 5, 2, 0, "the notes' Conv Layer Example 1"),
    ]
    return [Case(dict(W=W, F=F, S=S, P=P), note) for W, F, S, P, note in settings]


def solution_output_size(W, F, S, P):
    """Neurons that fit along one axis: (W - F + 2P)/S + 1, or ValueError if that is
    not a positive integer."""
    span = W - F + 2 * P
    if span < 0 or span % S != 0:
        raise ValueError(f"({W} - {F} + 2*{P})/{S} + 1 = {span / S + 1} does not fit")
    return span // S + 1


# conv forward

def _conv_cases():
    shapes_ = [
        ((1, 1, 3, 3), (1, 1, 3, 3), 1, 0, "one output neuron"),
        ((2, 3, 5, 5), (4, 3, 3, 3), 1, 1, "zero padding keeps 5x5"),
        ((2, 3, 5, 5), (2, 3, 3, 3), 2, 1, "stride 2 with padding"),
        ((1, 4, 11, 11), (2, 4, 5, 5), 2, 0, "the notes' Conv Layer Example 1"),
        ((3, 2, 4, 6), (3, 2, 3, 3), 1, 0, "input not square: H=4, W=6"),
        ((1, 2, 5, 7), (2, 2, 3, 1), 2, 1, "filter not square: HH=3, WW=1"),
    ]
    cases = []
    for k, (xs, ws, S, P, note) in enumerate(shapes_):
        x, w, b = _rng_arrays(k, xs, ws, ws[:1])
        cases.append(Case(dict(x=x, w=w, b=b, stride=S, pad=P), note))
    return cases


def _conv_reference(x, w, b, stride, pad):
    with use_backend("numpy"):
        return ops.conv_forward(x, w, b, stride, pad)[0]


def solution_conv_forward(x, w, b, stride, pad):
    """Naive conv: x (N, C, H, W), w (K, C, HH, WW), b (K,) -> out (N, K, Ho, Wo)."""
    N, _, H, W = x.shape
    K, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho = (H - HH + 2 * pad) // stride + 1
    Wo = (W - WW + 2 * pad) // stride + 1
    out = np.zeros((N, K, Ho, Wo))
    for n in range(N):
        for k in range(K):
            for i in range(Ho):
                for j in range(Wo):
                    window = xp[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, k, i, j] = np.sum(window * w[k]) + b[k]
    return out


# max pooling

def _pool_cases():
    settings = [
        ((1, 1, 4, 4), 2, 2, "the notes' 2x2 pooling, stride 2"),
        ((2, 3, 6, 6), 2, 2, "several images and depth slices"),
        ((1, 2, 5, 5), 3, 2, "overlapping pooling F=3, S=2"),
        ((2, 1, 4, 6), 2, 2, "input not square: H=4, W=6"),
        ((1, 1, 3, 3), 3, 1, "one window over the whole input"),
    ]
    cases = []
    for k, (xs, F, S, note) in enumerate(settings):
        x, = _rng_arrays(10 + k, xs)
        cases.append(Case(dict(x=x, F=F, S=S), note))
    x, = _rng_arrays(20, (1, 2, 4, 4))
    cases.append(Case(dict(x=-np.abs(x) - 1, F=2, S=2), "every input negative"))
    return cases


def _pool_reference(x, F, S):
    with use_backend("numpy"):
        return ops.max_pool_forward(x, F, S)[0]


def solution_max_pool_forward(x, F, S):
    """Naive max pooling: x (N, C, H, W) -> out (N, C, Ho, Wo), Ho = (H - F)/S + 1."""
    N, C, H, W = x.shape
    Ho, Wo = (H - F) // S + 1, (W - F) // S + 1
    out = np.zeros((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = x[:, :, i * S:i * S + F, j * S:j * S + F].max(axis=(2, 3))
    return out


def _pool_backward_cases():
    cases = []
    for k, case in enumerate(_pool_cases()):
        x, F, S = case.args.values()
        Ho, Wo = (x.shape[2] - F) // S + 1, (x.shape[3] - F) // S + 1
        dout, = _rng_arrays(30 + k, x.shape[:2] + (Ho, Wo))
        note = case.note
        if (F, S) == (3, 2):
            x = x.copy()
            x[0, 0, 2, 2] = 10.0
            note += "; x[0, 0, 2, 2] wins all four windows, so their gradients add up"
        cases.append(Case(dict(dout=dout, x=x, F=F, S=S), note))
    x = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    cases.append(Case(dict(dout=np.array([[[[2.0]]]]), x=x, F=2, S=2),
                      "a tie: the first max in row-major order gets the gradient"))
    return cases


def _pool_backward_reference(dout, x, F, S):
    with use_backend("numpy"):
        _, cache = ops.max_pool_forward(x, F, S)
        return ops.max_pool_backward(dout, cache)


def solution_max_pool_backward(dout, x, F, S):
    """dout (N, C, Ho, Wo) -> dx (N, C, H, W): each window's gradient goes to its max
    (the first one on a tie, as np.argmax picks)."""
    N, C, Ho, Wo = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    window = x[n, c, i * S:i * S + F, j * S:j * S + F]
                    a, b = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * S + a, j * S + b] += dout[n, c, i, j]
    return dx


# parameter count

def _params_cases():
    settings = [
        (11, 3, 96, None, "AlexNet conv1, shared"),
        (11, 3, 96, (55, 55), "AlexNet conv1 without sharing (locally connected)"),
        (5, 3, 1, None, "the notes' 5x5x3 neuron: 75 weights and a bias"),
        (3, 20, 10, None, "the notes' 3x3 field on a 16x16x20 volume"),
        (1, 64, 32, None, "a 1x1 filter"),
        (3, 64, 64, (1, 1), "locally connected with one output position: as shared"),
        (3, 3, 8, (4, 6), "locally connected, output not square: 4x6"),
        (7, 512, 4096, None, "VGG's first FC layer as a conv layer (later versions of the notes)"),
    ]
    return [Case(dict(F=F, D_in=D, K=K, out_size=o), note) for F, D, K, o, note in settings]


def _params_reference(F, D_in, K, out_size):
    if out_size is None:
        return shapes.conv_params(F, D_in, K).total
    return shapes.conv_params(F, D_in, K, shared=False, out_size=out_size).total


def solution_conv_params(F, D_in, K, out_size=None):
    """Weights and biases of K filters F x F x D_in; out_size (H_out, W_out) means no
    sharing (locally connected): one filter bank and bias per output position."""
    positions = 1 if out_size is None else out_size[0] * out_size[1]
    return positions * (F * F * D_in * K + K)


# memory

def _memory_cases():
    block = [(64, 224, 224)] * 3
    block_params = shapes.conv_params(3, 3, 64).total + 2 * shapes.conv_params(3, 64, 64).total
    settings = [
        (block, 0, 1, 4, "the notes' three 224x224x64 volumes, activations only"),
        (block, block_params, 1, 4, "the same three conv layers with their parameters"),
        (block, block_params, 64, 4, "a batch of 64 images"),
        ([(12, 32, 32), (12, 16, 16), (10,)], 4_390, 1, 8, "float64; the last volume is a vector"),
        ([(3, 32, 32)], 0, 1, 4, "one volume, no parameters"),
        ([], 138_357_544, 16, 4, "parameters only (VGG-16's count): the batch does not matter"),
    ]
    return [Case(dict(volumes=v, n_params=p, batch_size=n, bytes_per_value=b), note)
            for v, p, n, b, note in settings]


def _memory_reference(volumes, n_params, batch_size, bytes_per_value):
    activations = batch_size * sum(math.prod(v) for v in volumes)
    return shapes.memory_estimate(activations, n_params, bytes_per_value).total_bytes


def solution_memory(volumes, n_params, batch_size=1, bytes_per_value=4):
    """Training memory in bytes: the activations of every volume for each image, kept
    twice (values and gradients), and the parameters three times (values, gradients,
    optimizer cache), each value bytes_per_value bytes."""
    activations = batch_size * sum(math.prod(v) for v in volumes)
    return (2 * activations + 3 * n_params) * bytes_per_value


# conv backward

def _conv_backward_cases():
    cases = []
    for k, case in enumerate(_conv_cases()):
        x, w, b, S, P = case.args.values()
        out = _conv_reference(x, w, b, S, P)
        dout, = _rng_arrays(40 + k, out.shape)
        cases.append(Case(dict(dout=dout, x=x, w=w, b=b, stride=S, pad=P), case.note))
    return cases


def _conv_backward_reference(dout, x, w, b, stride, pad):
    with use_backend("numpy"):
        _, cache = ops.conv_forward(x, w, b, stride, pad)
        return ops.conv_backward(dout, cache)


def solution_conv_backward(dout, x, w, b, stride, pad):
    """dout (N, K, Ho, Wo) -> dx (N, C, H, W), dw (K, C, HH, WW), db (K,): every output
    neuron adds its gradient to the weights of its depth slice and to its window."""
    N, _, H, W = x.shape
    K, _, HH, WW = w.shape
    _, _, Ho, Wo = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for n in range(N):
        for k in range(K):
            for i in range(Ho):
                for j in range(Wo):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    dw[k] += dout[n, k, i, j] * xp[n, :, rows, cols]
                    dxp[n, :, rows, cols] += dout[n, k, i, j] * w[k]
    return dxp[:, :, pad:pad + H, pad:pad + W], dw, db


EXERCISES = {e.name: e for e in [
    Exercise("output_size",
             "output_size(W, F, S, P) -> int: how many neurons fit along one axis, "
             "(W - F + 2P)/S + 1. When that is not a positive integer the setting is invalid "
             "(the notes: the neurons do not fit neatly): raise ValueError.",
             _output_size_cases, lambda W, F, S, P: shapes.conv_output_size(W, F, S=S, P=P),
             _compare_int, solution_output_size),
    Exercise("conv_forward",
             "conv_forward(x, w, b, stride, pad) -> out: x (N, C, H, W), w (K, C, HH, WW), "
             "b (K,); zero padding pad on each side, the same stride on both axes; out "
             "(N, K, Ho, Wo). Return out only (no cache).",
             _conv_cases, _conv_reference, _compare_array, solution_conv_forward),
    Exercise("max_pool_forward",
             "max_pool_forward(x, F, S) -> out: x (N, C, H, W), windows F x F, stride S, no "
             "padding; out (N, C, Ho, Wo) with Ho = (H - F)/S + 1.",
             _pool_cases, _pool_reference, _compare_array, solution_max_pool_forward),
    Exercise("max_pool_backward",
             "max_pool_backward(dout, x, F, S) -> dx: each window sends its gradient dout to "
             "the input that was its max (on a tie, the first in row-major order, as "
             "np.argmax picks); an input that wins several windows gets their sum.",
             _pool_backward_cases, _pool_backward_reference, _compare_named("dx"),
             solution_max_pool_backward),
    Exercise("conv_params",
             "conv_params(F, D_in, K, out_size=None) -> int: the learnable parameters (weights "
             "and biases) of a layer of K filters F x F x D_in. out_size=None: parameter "
             "sharing (CONV); out_size=(H_out, W_out): no sharing (locally connected), one "
             "filter bank and bias per output position.",
             _params_cases, _params_reference, _compare_int, solution_conv_params),
    Exercise("memory",
             "memory(volumes, n_params, batch_size, bytes_per_value) -> int bytes of training: "
             "volumes are the activation volumes of one image as shapes ((D, H, W) or (D,)), "
             "kept for each image of the batch, twice (values and gradients); the n_params "
             "parameters three times (values, gradients, optimizer cache); as "
             "convkit.memory_estimate counts.",
             _memory_cases, _memory_reference, _compare_int, solution_memory),
    Exercise("conv_backward",
             "conv_backward(dout, x, w, b, stride, pad) -> (dx, dw, db), the gradients of "
             "conv_forward's inputs: dx (N, C, H, W), dw (K, C, HH, WW), db (K,).",
             _conv_backward_cases, _conv_backward_reference, _compare_arrays(("dx", "dw", "db")),
             solution_conv_backward),
]}


def _exercise(name):
    if name not in EXERCISES:
        raise KeyError(f"no exercise {name!r}; the exercises are {', '.join(EXERCISES)}")
    return EXERCISES[name]


def task(name):
    """What the student's function for exercise name takes and returns."""
    return _exercise(name).task


def solution(name):
    """The worked solution of exercise name, a function."""
    return _exercise(name).solution


def show_solution(name):
    """Print the code of the worked solution of exercise name."""
    print(inspect.getsource(solution(name)))


def check(name, fn=None):
    """Compare fn with the kit on every case of exercise name; returns a Report.

    check("output_size", fn), or check(fn) when fn is named after the exercise.
    Stops at the first case that fails. A function that raises, returns the
    wrong type or the wrong shape fails its case; check itself does not raise.
    """
    if fn is None:
        fn, name = name, getattr(name, "__name__", "").removeprefix("solution_")
    if not callable(fn):
        raise TypeError(f"check needs a function, got {type(fn).__name__}")
    exercise = _exercise(name)
    cases = exercise.cases()
    for number, case in enumerate(cases, 1):
        try:
            expected = exercise.reference(*case.args.values())
        except ValueError as e:
            expected = Raises(ValueError, str(e))
        got, error = _run(fn, case)
        if error is not None:
            if isinstance(expected, Raises) and isinstance(error, expected.kind):
                continue
            want = (f"raises {expected.kind.__name__} ({expected.message})"
                    if isinstance(expected, Raises) else _expected_text(exercise, expected))
            return Report(name, len(cases), Failure(number, case.call(name), want, _raised(error, fn)))
        diff = exercise.compare(expected, got)
        if diff:
            return Report(name, len(cases), Failure(number, case.call(name), *diff))
    return Report(name, len(cases))


def _expected_text(exercise, expected):
    if isinstance(expected, np.ndarray):
        return f"an array of shape {expected.shape}"
    if isinstance(expected, tuple):
        return "(" + ", ".join(f"shape {e.shape}" for e in expected) + ")"
    return f"{expected:,}"
