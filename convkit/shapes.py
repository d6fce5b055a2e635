"""Shape arithmetic of the CS231n notes: output sizes, parameter counts, memory.

Notation of the notes: W input size (width or height), F filter (or pool
window) size, S stride, P zero padding, D dilation, K number of filters,
D_in input depth. Every size is an int; a setting that does not fit raises
ShapeError showing the arithmetic with your numbers and settings that fit.
"""

from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from .errors import ShapeError
from .values import integer

__all__ = [
    "conv_output_size",
    "pool_output_size",
    "unused_input",
    "ConvSuggestion",
    "PoolSuggestion",
    "conv_suggestions",
    "pool_suggestions",
    "conv_windows",
    "conv_formula",
    "pool_formula",
    "pool_windows",
    "unused_positions",
    "Params",
    "conv_params",
    "fc_params",
    "receptive_field",
    "FieldStep",
    "receptive_trace",
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
    """A fraction as text that never hides it: 4.5, 2.333, 1.000002, 500000.5.

    At least 4 significant digits (no exponent), more until a non-integer
    no longer looks like one.
    """
    x = Fraction(x)
    if x.denominator == 1:
        return str(x.numerator)
    sign, x = ("-" if x < 0 else ""), abs(x)
    whole = int(x)
    if whole:
        decimals = max(1, 4 - len(str(whole)))
    else:
        decimals = 4
        while x * 10 ** (decimals - 3) < 1:
            decimals += 1
    while True:
        scaled = round(x * 10 ** decimals)
        whole, frac = divmod(scaled, 10 ** decimals)
        digits = str(frac).rjust(decimals, "0").rstrip("0")
        if digits:
            return f"{sign}{whole}.{digits}"
        decimals += 1


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


class ConvSuggestion(NamedTuple):
    """A conv setting that fits: stride S, padding P and the output size it gives."""

    S: int
    P: int
    output: int


class PoolSuggestion(NamedTuple):
    """A pooling setting that fits: window F, stride S and the output size it gives."""

    F: int
    S: int
    output: int


_NEAR = 8  # how far from the given stride the stride search looks


def _nearest(center, candidates, count=2):
    """The count candidates closest to center (ties: the smaller first), center left out."""
    picked = sorted({c for c in candidates if c != center}, key=lambda c: (abs(c - center), c))
    return picked[:count]


def _fitting_strides(span, S):
    """Strides near S (and small ones) that step evenly over span >= 0: a bounded search."""
    near = range(max(1, S - _NEAR), S + _NEAR + 1)
    small = range(1, _NEAR + 1)
    return [s for s in (*near, *small) if span % s == 0]


def _fitting_values(target, residue, period, low, high):
    """The values v in [low, high] with v % period == residue, nearest target first (at most 4)."""
    base = target - (target - residue) % period
    found = [v for v in (base - period, base, base + period, base + 2 * period) if low <= v <= high]
    return sorted(found, key=lambda v: (abs(v - target), v))


def conv_suggestions(W, F, S=1, P=0, D=1):
    """Settings near (S, P) that fit W, F, D: up to two strides, then up to two paddings.

    Returns a list of ConvSuggestion(S, P, output); the search is bounded,
    so it answers at once for any numbers.
    """
    W, F, S = _int("W", W, 1), _int("F", F, 1), _int("S", S, 1)
    P, D = _int("P", P, 0), _int("D", D, 1)
    F_eff = D * (F - 1) + 1
    found = []
    span = W - F_eff + 2 * P
    if span >= 0:
        found += [(s, P) for s in _nearest(S, _fitting_strides(span, S))]
    # (W - F_eff + 2p) % S == 0 and p >= 0, p >= (F_eff - W)/2 so the filter fits.
    low = max(0, -(-(F_eff - W) // 2))
    base = W - F_eff
    if S % 2 == 1:
        pads = _fitting_values(P, (-base * pow(2, -1, S)) % S if S > 1 else 0, S, low, P + min(S, F_eff))
    elif base % 2 == 0:
        half = S // 2
        pads = _fitting_values(P, (-base // 2) % half, half, low, P + min(S, F_eff))
    else:
        pads = []
    found += [(S, p) for p in _nearest(P, pads)]
    return [ConvSuggestion(s, p, (W - F_eff + 2 * p) // s + 1) for s, p in found]


def pool_suggestions(W, F, S):
    """Settings near (F, S) that fit W: up to two strides, then up to two window sizes.

    Returns a list of PoolSuggestion(F, S, output); the search is bounded.
    """
    W, F, S = _int("W", W, 1), _int("F", F, 1), _int("S", S, 1)
    found = []
    if F <= W:
        found += [(F, s) for s in _nearest(S, _fitting_strides(W - F, S))]
    # (W - f) % S == 0 and 1 <= f <= W.
    found += [(f, S) for f in _nearest(F, _fitting_values(F, W % S, S, 1, W))]
    return [PoolSuggestion(f, s, (W - f) // s + 1) for f, s in found]


def conv_formula(W, F, S=1, P=0, D=1):
    """The notes' formula with the numbers: "(10 - 3 + 2*0)/2 + 1 = 4.5".

    With dilation the filter size shown is F_eff = D*(F-1)+1.
    """
    W, F, S = _int("W", W, 1), _int("F", F, 1), _int("S", S, 1)
    P, D = _int("P", P, 0), _int("D", D, 1)
    F_eff = D * (F - 1) + 1
    return f"({W} - {F_eff} + 2*{P})/{S} + 1 = {_num(Fraction(W - F_eff + 2 * P, S) + 1)}"


def pool_formula(W, F, S):
    """The pooling formula with the numbers: "(4 - 2)/2 + 1 = 2"."""
    W, F, S = _int("W", W, 1), _int("F", F, 1), _int("S", S, 1)
    return f"({W} - {F})/{S} + 1 = {_num(Fraction(W - F, S) + 1)}"


def conv_output_size(W, F, S=1, P=0, D=1, mode="strict"):
    """Output size of a conv layer: (W - F + 2P)/S + 1.

    W input size, F filter size, S stride, P zero padding, D dilation (the
    filter then spans F_eff = D*(F-1)+1 inputs). mode="strict" (the notes)
    requires the result to be a positive integer and raises ShapeError
    otherwise; mode="floor" (PyTorch) floors it, leaving
    unused_input(W, F, S, P, D) rows on the far edge unused.

    >>> conv_output_size(227, 11, S=4, P=0)        # AlexNet's first layer
    55
    >>> conv_output_size(10, 3, S=2, P=0, mode="floor")
    4
    >>> conv_output_size(10, 3, S=2, P=0)          # doctest: +ELLIPSIS
    Traceback (most recent call last):
    convkit.errors.ShapeError: (10 - 3 + 2*0)/2 + 1 = 4.5 is not an integer: ...
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
            f"{prefix}{conv_formula(W, F, S, P, D)}: "
            f"the {'dilated ' if D != 1 else ''}filter ({f_name}={F_eff}) is larger "
            f"than the padded input (W + 2P = {W} + 2*{P} = {W + 2 * P}); "
            f"use a smaller filter or more padding (P >= {-(-(F_eff - W) // 2)})"
        )
    if mode == "floor" or span % S == 0:
        return span // S + 1
    left = span % S
    lines = [
        f"{prefix}{conv_formula(W, F, S, P, D)} is not an integer: "
        f"the filter cannot be placed evenly: stepping {S} from the first position "
        f"leaves {_plural(left, 'column')} over."
    ]
    suggestions = conv_suggestions(W, F, S, P, D)
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

    >>> pool_output_size(224, 2, 2)                # 224x224 -> 112x112
    112
    >>> pool_output_size(55, 3, 2)                 # AlexNet's overlapping pooling
    27
    """
    W, F, S = _int("W", W, 1), _int("F", F, 1), _int("S", S, 1)
    _check_mode(mode)
    span = W - F
    if span < 0:
        raise ShapeError(
            f"{pool_formula(W, F, S)}: the pool window (F={F}) "
            f"is larger than the input (W={W}); use F <= {W}"
        )
    if mode == "floor" or span % S == 0:
        return span // S + 1
    left = span % S
    lines = [
        f"{pool_formula(W, F, S)} is not an integer: "
        f"the pool window cannot be placed evenly: stepping {S} from the first "
        f"position leaves {_plural(left, 'column')} over."
    ]
    suggestions = pool_suggestions(W, F, S)
    if suggestions:
        lines.append("Settings that fit:")
        lines += [f"  F={f}, S={s} -> output {out}" for f, s, out in suggestions]
    lines.append(
        f"Or pass mode='floor' (PyTorch) to get {span // S + 1} and leave "
        f"{_plural(left, 'column')} unused."
    )
    raise ShapeError("\n".join(lines))


def conv_windows(W, F, S=1, P=0, D=1, mode="strict"):
    """Each output neuron's window as (start, stop) in padded input coordinates.

    The padded input has positions 0 .. W + 2P - 1 (the first P and last P
    are zeros); neuron i reads start, start + D, ..., stop - 1 with
    start = i*S and stop = i*S + D*(F-1) + 1. mode as in conv_output_size.
    """
    out = conv_output_size(W, F, S, P, D, mode)
    F_eff = D * (F - 1) + 1
    return [(i * S, i * S + F_eff) for i in range(out)]


def pool_windows(W, F, S, mode="strict"):
    """Each pooled neuron's window as (start, stop) on the input (no padding)."""
    out = pool_output_size(W, F, S, mode)
    return [(i * S, i * S + F) for i in range(out)]


def unused_positions(W, F, S=1, P=0, D=1):
    """The padded input positions at the far end that mode="floor" never reads.

    As in PyTorch: both sides are padded by P, then the last
    unused_input(W, F, S, P, D) positions of the padded input (padding or
    not) are left out. Returns a range of padded coordinates.
    """
    left = unused_input(W, F, S, P, D)
    return range(W + 2 * P - left, W + 2 * P)


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
class FieldStep:
    """The receptive field after one layer (Araujo et al., Distill 2019).

    F, S, P, D: the layer's settings; size: how many inputs one neuron sees
    (per axis); jump: the input distance between neighbouring neurons (the
    product of the strides so far); start: the input position of the first
    neuron's field (negative: it begins in the zero padding). Neuron i sees
    inputs start + i*jump ... start + i*jump + size - 1.
    """

    name: str
    F: int
    S: int
    P: int
    D: int
    size: int
    jump: int
    start: int

    def region(self, i):
        """(first, last) input position seen by neuron i of this layer."""
        first = self.start + i * self.jump
        return first, first + self.size - 1


def _layer_settings(i, layer):
    """(name, F, S, P, D) of a tuple (F, S[, P[, D]]) or a layer of a Net; None past the
    last spatial layer."""
    if isinstance(layer, (tuple, list)):
        if not 2 <= len(layer) <= 4:
            raise ShapeError(f"layer {i} must be (F, S), (F, S, P) or (F, S, P, D), got {layer!r}")
        F, S, P, D = (*layer, 0, 1)[:4] if len(layer) == 2 else (*layer, 1)[:4]
        name = f"layer {i}"
    elif hasattr(layer, "F") and hasattr(layer, "S"):
        F, S = layer.F, layer.S
        P, D = getattr(layer, "P", 0), getattr(layer, "dilation", 1)
        name = f"{i}: {layer.describe()}" if hasattr(layer, "describe") else f"layer {i}"
    elif getattr(layer, "kind", None) in ("FC", "FLATTEN"):
        return None
    else:
        kind = getattr(layer, "kind", type(layer).__name__)
        return f"{i}: {kind}", 1, 1, 0, 1
    return (name, _int(f"F of layer {i}", F, 1), _int(f"S of layer {i}", S, 1),
            _int(f"P of layer {i}", P, 0), _int(f"D of layer {i}", D, 1))


def receptive_trace(layers):
    """The receptive field layer by layer: a list of FieldStep, first layer first.

    layers: tuples (F, S), (F, S, P) or (F, S, P, D), or a convkit.Net (or
    its layers; ReLU, batchnorm and dropout keep the field, the trace stops
    at the first FC or Flatten). Closed forms of Araujo et al. (Distill 2019):
    size_l = size_(l-1) + D_l*(F_l - 1)*jump_(l-1), jump_l = jump_(l-1)*S_l,
    start_l = start_(l-1) - P_l*jump_(l-1), from size 1, jump 1, start 0.
    """
    layers = getattr(layers, "layers", layers)
    size, jump, start = 1, 1, 0
    trace = []
    for i, layer in enumerate(layers):
        settings = _layer_settings(i, layer)
        if settings is None:
            break
        name, F, S, P, D = settings
        size += D * (F - 1) * jump
        start -= P * jump
        jump *= S
        trace.append(FieldStep(name, F, S, P, D, size, jump, start))
    return trace


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
    """A count, or the sum of per-layer counts; each an int >= 0."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
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
    """Bytes in the largest binary unit (1 KiB = 1024 B) that keeps the number >= 1: "72.0 MiB".

    The notes write "MB" for these 1024-based units; the kit says MiB.
    """
    n = _int("n", n, 0)
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}"
