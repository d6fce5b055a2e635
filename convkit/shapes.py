"""Shape arithmetic of the CS231n notes: output sizes, parameter counts, memory.

Notation of the notes: W input size (width or height), F filter (or pool
window) size, S stride, P zero padding, D dilation, K number of filters,
D_in input depth. Every size is an int; a setting that does not fit raises
ShapeError showing the arithmetic with your numbers and settings that fit.
"""

import numbers
from dataclasses import dataclass

from .errors import ShapeError
from .values import integer

__all__ = [
    "conv_output_size",
    "pool_output_size",
    "unused_input",
    "Params",
    "conv_params",
    "fc_params",
    "receptive_field",
    "Memory",
    "memory_estimate",
    "format_bytes",
]

MODES = ("strict", "floor")


def _int(name, value, minimum):
    """Return value as an int >= minimum, or raise ShapeError naming it."""
    return integer(name, value, minimum, error=ShapeError, type_error=ShapeError)


def _check_mode(mode):
    if mode not in MODES:
        raise ShapeError(f"mode must be 'strict' or 'floor', got {mode!r}")


def _num(x):
    """4.5 -> '4.5', 3.3333 -> '3.333', 4.0 -> '4'."""
    return f"{x:.4g}"


def _plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _effective(F, D):
    """F_eff = D*(F-1)+1 and its arithmetic (empty when D == 1)."""
    F_eff = D * (F - 1) + 1
    shown = f"F_eff = D*(F-1)+1 = {D}*({F}-1)+1 = {F_eff}" if D != 1 else ""
    return F_eff, shown


def _fits(W, F_eff, S, P):
    span = W - F_eff + 2 * P
    return span >= 0 and span % S == 0


def _conv_suggestions(W, F, S, P, D):
    """Nearby (S, P) pairs that fit, with the output size each gives."""
    F_eff = D * (F - 1) + 1
    found = []
    strides = sorted(range(1, S + 4), key=lambda s: (abs(s - S), s))
    for s in strides:
        if s != S and _fits(W, F_eff, s, P):
            found.append((s, P))
        if len(found) == 2:
            break
    pads = sorted(range(max(0, P - S), P + S + 1), key=lambda p: (abs(p - P), p))
    n_pads = 0
    for p in pads:
        if p != P and _fits(W, F_eff, S, p):
            found.append((S, p))
            n_pads += 1
        if n_pads == 2:
            break
    return [(s, p, (W - F_eff + 2 * p) // s + 1) for s, p in found]


def conv_output_size(W, F, S=1, P=0, D=1, mode="strict"):
    """Output size of a conv layer: (W - F + 2P)/S + 1.

    W input size, F filter size, S stride, P zero padding, D dilation (the
    filter then spans F_eff = D*(F-1)+1 inputs). mode="strict" (the notes)
    requires the result to be a positive integer and raises ShapeError
    otherwise; mode="floor" (PyTorch) floors it, leaving
    unused_input(W, F, S, P, D) rows on the far edge unused.
    """
    W, F, S = _int("W", W, 1), _int("F", F, 1), _int("S", S, 1)
    P, D = _int("P", P, 0), _int("D", D, 1)
    _check_mode(mode)
    F_eff, shown = _effective(F, D)
    prefix = f"{shown}; " if shown else ""
    f_name = "F_eff" if D != 1 else "F"
    span = W - F_eff + 2 * P
    if span < 0:
        raise ShapeError(
            f"{prefix}({W} - {F_eff} + 2*{P})/{S} + 1 = {_num(span / S + 1)}: "
            f"the {'dilated ' if D != 1 else ''}filter ({f_name}={F_eff}) is larger "
            f"than the padded input (W + 2P = {W} + 2*{P} = {W + 2 * P}); "
            f"use a smaller filter or more padding (P >= {-(-(F_eff - W) // 2)})"
        )
    if mode == "floor" or span % S == 0:
        return span // S + 1
    left = span % S
    lines = [
        f"{prefix}({W} - {F_eff} + 2*{P})/{S} + 1 = {_num(span / S + 1)} is not an integer: "
        f"the filter cannot be placed evenly: stepping {S} from the first position "
        f"leaves {_plural(left, 'column')} over."
    ]
    suggestions = _conv_suggestions(W, F, S, P, D)
    if suggestions:
        lines.append("Settings that fit:")
        lines += [f"  S={s}, P={p} -> output {out}" for s, p, out in suggestions]
    lines.append(
        f"Or pass mode='floor' (PyTorch) to get {span // S + 1} and leave "
        f"{_plural(left, 'column')} unused."
    )
    raise ShapeError("\n".join(lines))


def unused_input(W, F, S=1, P=0, D=1):
    """Rows (or columns) on the far edge that mode="floor" never reads.

    This is (W - F_eff + 2P) mod S, with F_eff = D*(F-1)+1; they may
    include padding.
    """
    conv_output_size(W, F, S, P, D, mode="floor")
    F_eff = D * (F - 1) + 1
    return int(W - F_eff + 2 * P) % int(S)


def _pool_suggestions(W, F, S):
    """Nearby (F, S) pairs that fit, with the output size each gives."""
    found = []
    for s in sorted(range(1, S + 4), key=lambda s: (abs(s - S), s)):
        if s != S and _fits(W, F, s, 0):
            found.append((F, s))
        if len(found) == 2:
            break
    n_windows = 0
    for f in sorted(range(max(1, F - S), min(W, F + S) + 1), key=lambda f: (abs(f - F), f)):
        if f != F and _fits(W, f, S, 0):
            found.append((f, S))
            n_windows += 1
        if n_windows == 2:
            break
    return [(f, s, (W - f) // s + 1) for f, s in found]


def pool_output_size(W, F, S, mode="strict"):
    """Output size of a pooling layer: (W - F)/S + 1 (no padding).

    W input size, F pool window, S stride; mode as in conv_output_size.
    """
    W, F, S = _int("W", W, 1), _int("F", F, 1), _int("S", S, 1)
    _check_mode(mode)
    span = W - F
    if span < 0:
        raise ShapeError(
            f"({W} - {F})/{S} + 1 = {_num(span / S + 1)}: the pool window (F={F}) "
            f"is larger than the input (W={W}); use F <= {W}"
        )
    if mode == "floor" or span % S == 0:
        return span // S + 1
    left = span % S
    lines = [
        f"({W} - {F})/{S} + 1 = {_num(span / S + 1)} is not an integer: "
        f"the pool window cannot be placed evenly: stepping {S} from the first "
        f"position leaves {_plural(left, 'column')} over."
    ]
    suggestions = _pool_suggestions(W, F, S)
    if suggestions:
        lines.append("Settings that fit:")
        lines += [f"  F={f}, S={s} -> output {out}" for f, s, out in suggestions]
    lines.append(
        f"Or pass mode='floor' (PyTorch) to get {span // S + 1} and leave "
        f"{_plural(left, 'column')} unused."
    )
    raise ShapeError("\n".join(lines))


@dataclass(frozen=True)
class Params:
    """Learnable parameters of a layer: weights + biases = total."""

    weights: int
    biases: int

    @property
    def total(self):
        return self.weights + self.biases


def conv_params(F, D_in, K, shared=True, out_size=None):
    """Parameters of a conv layer with K filters of size F x F x D_in.

    shared=True (parameter sharing): F*F*D_in*K weights and K biases.
    shared=False (locally connected): every output neuron has its own
    weights, so both counts grow by H_out*W_out; out_size gives
    (H_out, W_out) or one int for a square output.
    """
    F, D_in, K = _int("F", F, 1), _int("D_in", D_in, 1), _int("K", K, 1)
    if shared:
        if out_size is not None:
            raise ShapeError("out_size is only used with shared=False")
        positions = 1
    else:
        if out_size is None:
            raise ShapeError(
                "shared=False needs out_size=(H_out, W_out): one weight set per output neuron"
            )
        if isinstance(out_size, tuple):
            if len(out_size) != 2:
                raise ShapeError(f"out_size must be (H_out, W_out), got {out_size!r}")
            positions = _int("H_out", out_size[0], 1) * _int("W_out", out_size[1], 1)
        else:
            positions = _int("out_size", out_size, 1) ** 2
    return Params(weights=positions * F * F * D_in * K, biases=positions * K)


def fc_params(n_in, n_out):
    """Parameters of a fully-connected layer: n_in*n_out weights, n_out biases."""
    n_in, n_out = _int("n_in", n_in, 1), _int("n_out", n_out, 1)
    return Params(weights=n_in * n_out, biases=n_out)


def receptive_field(layers):
    """Receptive field on the input of one neuron after a stack of layers.

    layers: (F, S) pairs, first layer first. Each layer widens the field by
    (F-1) times the product of the strides before it: three (3, 1) layers
    see 7 x 7 inputs.
    """
    field, jump = 1, 1
    for i, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) != 2:
            raise ShapeError(f"layer {i} must be an (F, S) pair, got {layer!r}")
        F, S = _int(f"F of layer {i}", layer[0], 1), _int(f"S of layer {i}", layer[1], 1)
        field += (F - 1) * jump
        jump *= S
    return field


@dataclass(frozen=True)
class Memory:
    """Bytes a network needs: activation_bytes + param_bytes = total_bytes."""

    activation_bytes: int
    param_bytes: int

    @property
    def total_bytes(self):
        return self.activation_bytes + self.param_bytes

    def __str__(self):
        return (
            f"activations {format_bytes(self.activation_bytes)}, "
            f"parameters {format_bytes(self.param_bytes)}, "
            f"total {format_bytes(self.total_bytes)}"
        )


def _count(name, values):
    if isinstance(values, numbers.Integral) and not isinstance(values, bool):
        values = [values]
    return sum(_int(name, v, 0) for v in values)


def memory_estimate(activations, params, bytes_per_value=4, param_copies=3, with_gradients=True):
    """Memory of a network, as in the notes' "Computational Considerations".

    activations, params: a count or per-layer counts of values.
    bytes_per_value: 4 for float32, 8 for float64.
    with_gradients=True (training): activations are kept twice (values and
    their gradients), parameters param_copies times (values, gradients and
    optimizer caches such as momentum). with_gradients=False (inference):
    one copy of each.
    """
    n_act, n_par = _count("activations", activations), _count("params", params)
    size = _int("bytes_per_value", bytes_per_value, 1)
    copies = _int("param_copies", param_copies, 1)
    if not with_gradients:
        return Memory(activation_bytes=n_act * size, param_bytes=n_par * size)
    return Memory(activation_bytes=2 * n_act * size, param_bytes=copies * n_par * size)


def format_bytes(n):
    """Bytes in the largest unit of 1024 that keeps the number >= 1: "72.0 MB"."""
    n = _int("n", n, 0)
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            return f"{value:.1f} {unit}"
