"""ShapeModel: the notes' output-size formula (W - F + 2P)/S + 1 for one set of settings.

Every number the Shape explorer shows comes from here: the output size under
the notes' strict rule and PyTorch's floor rule side by side, the windows of
the output neurons, the inputs floor mode never reads, the volume, the
parameter count and the 1-D example of the notes (weights [1, 0, -1], bias 0).
"""
from ..errors import ShapeError
from ..shapes import (conv_formula, conv_output_size, conv_params, conv_suggestions, conv_windows,
                      unused_positions)
from .model import check_settings

SETTINGS = ("W", "F", "S", "P", "D", "mode", "depth", "K")

PRESETS = {
    "notes_s1": dict(W=5, F=3, S=1, P=1, D=1, depth=1, K=1),        # output 5
    "notes_s2": dict(W=5, F=3, S=2, P=1, D=1, depth=1, K=1),        # output 3
    "notes_s3": dict(W=5, F=3, S=3, P=1, D=1, depth=1, K=1),        # invalid: 2.333
    "notes_4_5": dict(W=10, F=3, S=2, P=0, D=1, depth=1, K=1),      # invalid: 4.5
    "alexnet_conv1": dict(W=227, F=11, S=4, P=0, D=1, depth=3, K=96),  # output 55
    "same_3x3": dict(W=32, F=3, S=1, P=1, D=1, depth=3, K=16),      # P = (F-1)/2 keeps W
    "dilated": dict(W=7, F=3, S=1, P=0, D=2, depth=1, K=1),         # F_eff = 5 (not in the notes)
}

EXAMPLE_INPUT = (1, 2, -1, 1, -3)


def _edge_weights(F):
    """[1, 0, ..., 0, -1] of length F (the notes' [1, 0, -1] for F = 3); [1] for F = 1."""
    return [1] if F == 1 else [1] + [0] * (F - 2) + [-1]


class ShapeModel:
    """One conv layer's spatial arithmetic, for one axis of size W.

    Settings (assign them, or call set(...)): W input size, F filter size,
    S stride, P zero padding, D dilation, mode "strict" (the notes) or
    "floor" (PyTorch), depth (D1, the input depth) and K (filters).
    Everything else is recomputed after each change:
    output_size (None when invalid under mode), valid, formula, reason,
    suggestions (ConvSuggestion list when the strict rule fails), windows
    ((start, stop) per output neuron, padded coordinates), unused (padded
    positions floor mode never reads), strict_size / floor_size and
    strict_windows / floor_windows (both rules side by side), volume,
    params, and the 1-D example: weights, bias, inputs, padded_inputs, outputs.
    """

    def __init__(self, W=5, F=3, S=1, P=1, D=1, mode="strict", depth=1, K=1, inputs=None):
        object.__setattr__(self, "_ready", False)
        self.W, self.F, self.S, self.P, self.D = W, F, S, P, D
        self.mode, self.depth, self.K = mode, depth, K
        self.inputs = list(EXAMPLE_INPUT if inputs is None else inputs)
        self.bias = 0
        object.__setattr__(self, "_ready", True)
        self._update()

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        if self._ready and name in (*SETTINGS, "inputs", "bias"):
            self._update()

    def set(self, **settings):
        """Change several settings at once (one recomputation)."""
        check_settings(settings.keys() - {"inputs", "bias"}, SETTINGS)  # the example's, not listed
        object.__setattr__(self, "_ready", False)
        try:
            for name, value in settings.items():
                setattr(self, name, value)
        finally:
            object.__setattr__(self, "_ready", True)
        self._update()

    def preset(self, name):
        """Apply a preset of PRESETS by name (the mode is kept)."""
        if name not in PRESETS:
            raise ShapeError(f"unknown preset {name!r}; the presets are {sorted(PRESETS)}")
        self.set(**PRESETS[name])

    def _size(self, mode):
        """(output size or None, reason or "") under one rule."""
        try:
            return conv_output_size(self.W, self.F, self.S, self.P, self.D, mode), ""
        except ShapeError as error:
            return None, str(error)

    def _update(self):
        if self.mode not in ("strict", "floor"):
            object.__setattr__(self, "mode", "strict")
            raise ShapeError(f"mode must be 'strict' or 'floor', got {self.mode!r}")
        self.strict_size, self.strict_reason = self._size("strict")
        self.floor_size, self.floor_reason = self._size("floor")
        legal = not self.strict_reason.startswith(("W must", "F must", "S must", "P must", "D must"))
        self.formula = conv_formula(self.W, self.F, self.S, self.P, self.D) if legal else ""
        self.F_eff = self.D * (self.F - 1) + 1 if legal else None
        if self.mode == "strict":
            self.output_size, self.reason = self.strict_size, self.strict_reason
        else:
            self.output_size, self.reason = self.floor_size, self.floor_reason
        self.valid = self.output_size is not None
        self.suggestions = (conv_suggestions(self.W, self.F, self.S, self.P, self.D)
                            if legal and self.strict_size is None else [])
        self.strict_windows = conv_windows(self.W, self.F, self.S, self.P, self.D) \
            if self.strict_size is not None else []
        self.floor_windows = conv_windows(self.W, self.F, self.S, self.P, self.D, "floor") \
            if self.floor_size is not None else []
        self.windows = self.strict_windows if self.mode == "strict" else self.floor_windows
        self.unused = list(unused_positions(self.W, self.F, self.S, self.P, self.D)) \
            if self.floor_size is not None else []
        self._example()

    @property
    def padded_size(self):
        """W + 2P: the positions of the padded input."""
        return self.W + 2 * self.P

    def is_padding(self, position):
        """Whether a padded-input position is zero padding."""
        return position < self.P or position >= self.P + self.W

    def taps(self, window):
        """The padded positions one window reads: start, start + D, ..., stop - 1."""
        start, stop = window
        return list(range(start, stop, self.D))

    @property
    def volume(self):
        """((W1, H1, D1), K, (W2, H2, D2)); the output is None when invalid."""
        out = (self.output_size, self.output_size, self.K) if self.valid else None
        return (self.W, self.W, self.depth), self.K, out

    @property
    def params(self):
        """Learnable parameters F*F*D1*K + K (None for settings that are not ints >= 1)."""
        try:
            return conv_params(self.F, self.depth, self.K).total
        except ShapeError:
            return None

    def _example(self):
        """The 1-D example: weights, the padded input and the output of each window."""
        if not isinstance(self.inputs, list) or not all(isinstance(v, (int, float)) for v in self.inputs):
            raise ShapeError(f"inputs must be a list of numbers, got {self.inputs!r}")
        if len(self.inputs) != self.W and isinstance(self.W, int) and self.W >= 1:
            values = list(self.inputs[:self.W])
            values += [((i * 7) % 5) - 2 for i in range(len(values), self.W)]
            object.__setattr__(self, "inputs", values)
        self.weights = _edge_weights(self.F) if self.F_eff else []
        self.padded_inputs = [0] * self.P + list(self.inputs) + [0] * self.P if self.F_eff else []
        self.outputs = [sum(w * self.padded_inputs[t] for w, t in zip(self.weights, self.taps(win)))
                        + self.bias for win in self.windows]

    def readout(self):
        """The key numbers as one line of text."""
        if self.valid:
            (W1, H1, D1), K, (W2, H2, D2) = self.volume
            return (f"{self.formula}: output {self.output_size} ({self.mode}); "
                    f"volume {W1}x{H1}x{D1} -> {K} filters -> {W2}x{H2}x{D2}; params {self.params}")
        return f"invalid ({self.mode}): {self.reason.splitlines()[0]}"
