"""Net: a stack of layers with a loss, built from layer objects or a pattern string.

    net = Net.from_pattern("INPUT -> [CONV -> RELU -> POOL]*2 -> FC -> RELU -> FC")
    loss, scores = net.loss(X, y)      # X (N, C, H, W), y (N,) ints; fills net.grads
    net.grads["conv1.w"]               # parameters and gradients by name

The layers know their shapes from the start (a ShapeError names the layer
that does not fit); the parameters are made on first use, on the backend in
use then, so a summary of a large net needs no memory.
"""
import copy

import numpy as np

from . import checkpoint, ops, pattern
from .errors import SettingsError, ShapeError
from .layers import (FC, AvgPool, BatchNorm, Conv, Dropout, Flatten, L2Pool, LocallyConnected,
                     MaxPool, ReLU, SoftmaxLoss, SVMLoss, Whiten)
from .layers.volume import volume_str
from .summary import Summary
from .values import MAX_SIZE, float_dtype, integer, number

LAYER_CLASSES = {"CONV": Conv, "LC": LocallyConnected, "POOL": MaxPool, "AVGPOOL": AvgPool,
                 "L2POOL": L2Pool, "RELU": ReLU, "FLATTEN": Flatten, "FC": FC, "BN": BatchNorm,
                 "DROPOUT": Dropout, "WHITEN": Whiten}
LOSS_CLASSES = {"SOFTMAX": SoftmaxLoss, "SVM": SVMLoss}
POOLS = ("POOL", "AVGPOOL", "L2POOL")


def channels_last_hint(input_shape):
    """A hint for a mismatch when input_shape looks like (H, W, C), else ""."""
    if len(input_shape) == 3 and input_shape[0] > 4 >= input_shape[2]:
        H, W, C = input_shape
        return (f"note: input_shape is (C, H, W), channels first, and {tuple(input_shape)} "
                f"looks like (H, W, C): if so, use input_shape={(C, H, W)}")
    return ""


def volume(input_shape):
    """input_shape as a tuple of ints >= 1, (C, H, W) or (D,); else ShapeError or TypeError."""
    if isinstance(input_shape, np.ndarray) and input_shape.ndim == 1:
        input_shape = input_shape.tolist()
    if not isinstance(input_shape, (tuple, list)):
        raise TypeError(f"input_shape must be a tuple (C, H, W) or (D,), got {input_shape!r}")
    if len(input_shape) not in (1, 3):
        raise ShapeError(f"input_shape must be (C, H, W) or (D,), got {tuple(input_shape)}")
    return tuple(integer(f"input_shape[{i}]", size, 1, MAX_SIZE, error=ShapeError,
                         type_error=ShapeError)
                 for i, size in enumerate(input_shape))


def infer_shapes(layers, input_shape):
    """Run setup() through the layers; return the volumes, input first.

    A layer that does not fit raises ShapeError prefixed with
    "layer i (its settings) on its input volume:"; the error's .layer is i - 1.
    """
    shapes = [tuple(input_shape)]
    for i, layer in enumerate(layers, 1):
        try:
            shapes.append(layer.setup(shapes[-1]))
        except (ShapeError, SettingsError, TypeError) as e:
            hint = channels_last_hint(shapes[0])
            error = type(e)(f"layer {i} ({layer.describe()}) on {volume_str(shapes[-1])}: {e}"
                            + (f"\n{hint[0].upper()}{hint[1:]}" if hint else ""))
            error.layer = i - 1
            raise error from None
    return shapes


class Net:
    """A feed-forward net: layers, then a loss on the class scores.

    layers: Layer objects, input first (convkit.layers); input_shape: the
    volume of one input (C, H, W), batches being NCHW; loss: SoftmaxLoss()
    (default) or SVMLoss(). seed fixes the initial weights and the dropout
    masks; weight_scale=None means He initialization, a number a fixed
    standard deviation (CS231n's weight_scale); dtype float32 or float64.
    """

    def __init__(self, layers, input_shape=(3, 32, 32), loss=None, seed=0, weight_scale=None,
                 dtype=np.float32):
        self.dtype = float_dtype(dtype)
        if seed is not None:
            seed = integer("seed", seed, 0)
        if weight_scale is not None:
            weight_scale = number("weight_scale", weight_scale, 0, low_open=True)
        self.layers = list(layers)
        self.loss_layer = SoftmaxLoss() if loss is None else loss
        self.input_shape = volume(input_shape)
        self.seed, self.weight_scale = seed, weight_scale
        counts = {}
        for layer in self.layers:
            counts[layer.kind] = counts.get(layer.kind, 0) + 1
            layer.name = f"{layer.kind.lower()}{counts[layer.kind]}"
        self.output_shape = infer_shapes(self.layers, self.input_shape)[-1]
        self.training = True
        self.built = False
        self._dropout_rng = np.random.default_rng([seed, 1] if seed is not None else None)

    @classmethod
    def from_pattern(cls, pattern_string, input_shape=(3, 32, 32), num_classes=10, filters=32,
                     hidden=100, **kwargs):
        """A Net from a pattern string of the notes (see convkit.pattern for the syntax).

        Sizes not written in the pattern follow the notes' sizing rules where
        they give one: CONV and LC have F=3, S=1 and P=(F-1)/2 (which keeps W and
        H for odd F); pools are 2x2 with S=2. The rest are the kit's conventions:
        K = filters (32) doubled after every pool (32, 64, 128, ...), and every
        FC has K = hidden (100) neurons except the last, which gives the
        num_classes scores. Sizes can be given per token:
        CONV(K=64, F=5, S=1, P=2), POOL(F=3, S=2), FC(100) or FC(K=100).
        The pattern must end with FC (then optionally SOFTMAX or SVM, the
        loss). kwargs go to Net (seed, weight_scale, dtype).
        A pattern that does not parse raises pattern.PatternError, one whose
        shapes do not fit a ShapeError; both point at the token with a caret.

        >>> net = Net.from_pattern("INPUT -> [CONV -> RELU -> POOL]*2 -> FC -> RELU -> FC")
        >>> [layer.describe() for layer in net.layers[:3]]
        ['CONV K=32 F=3 S=1 P=1', 'RELU', 'POOL F=2 S=2']
        >>> net.output_shape
        (10,)
        """
        specs = pattern.parse(pattern_string)
        loss = None
        if specs and specs[-1].kind in LOSS_CLASSES:
            spec = specs.pop()
            loss = LOSS_CLASSES[spec.kind](**spec.args)
        if not specs or specs[-1].kind != "FC":
            where = len(pattern_string.rstrip())
            raise pattern.PatternError("a pattern ends with FC, the layer that gives the class "
                                       "scores", pattern_string, where)
        last = specs[-1]
        if last.args.setdefault("K", num_classes) != num_classes:
            raise pattern.PatternError(
                f"the last FC gives the class scores, so it has num_classes={num_classes} "
                f"neurons, not K={last.args['K']}: drop its size or pass "
                f"num_classes={last.args['K']}", pattern_string, last.position)
        layers, pools = [], 0
        for spec in specs:
            args = dict(spec.args)
            if spec.kind in ("CONV", "LC"):
                args.setdefault("K", filters * 2 ** pools)
            elif spec.kind == "FC":
                args.setdefault("K", hidden)
            pools += spec.kind in POOLS
            layers.append(LAYER_CLASSES[spec.kind](**args))
        try:
            return cls(layers, input_shape, loss=loss, **kwargs)
        except (ShapeError, SettingsError) as e:
            if not hasattr(e, "layer"):
                raise
            error = type(e)(f"{e}\n{pattern.caret(pattern_string, specs[e.layer].position)}")
            error.layer = e.layer
            raise error from None

    def build(self):
        """Make the parameters (once), on the backend in use; seeded by self.seed."""
        if not self.built:
            rng = np.random.default_rng(self.seed)
            for layer in self.layers:
                layer.init_params(rng, self.dtype, self.weight_scale)
            self.built = True
        return self

    @property
    def params(self):
        """Learnable parameters by name, e.g. "conv1.w" -> backend array."""
        return self._named("params")

    @property
    def grads(self):
        """Gradients of the last loss() or backward(), named like params."""
        return self._named("grads")

    @property
    def buffers(self):
        """Arrays saved with the net but not learned (batchnorm's running_mean, running_var)."""
        return self._named("buffers")

    def _named(self, what):
        self.build()
        return {f"{layer.name}.{key}": value
                for layer in self.layers for key, value in getattr(layer, what).items()}

    def train(self):
        """Training mode: dropout drops, batchnorm uses batch statistics. Returns the net."""
        self.training = True
        return self

    def eval(self):
        """Evaluation mode: dropout passes through, batchnorm uses running statistics."""
        self.training = False
        return self

    def forward(self, X, seed=None):
        """Class scores (N, num_classes) as a backend array, for a batch X (N, C, H, W).

        seed fixes the dropout masks of this pass (training mode only); by
        default they come from the net's seeded generator.
        """
        self.check_input(X)
        self.build()
        x = ops.asarray(X, dtype=self.dtype)
        seeds = [None] * len(self.layers)
        if self.training:
            rng = self._dropout_rng if seed is None else np.random.default_rng(seed)
            seeds = [int(s) for s in rng.integers(2 ** 31, size=len(self.layers))]
        for layer, layer_seed in zip(self.layers, seeds):
            x = layer.forward(x, train=self.training, seed=layer_seed)
        return x

    def activations(self, X):
        """The output of every layer for a batch X (N, C, H, W), in evaluation mode.

        Returns a dict layer name -> NumPy array (N, ...), in layer order
        ("conv1": (N, K, H', W'), ...). No caches are kept, and the net's
        mode (training or evaluation) is left as it was.
        """
        self.check_input(X)
        self.build()
        training, self.training = self.training, False
        x, out = ops.asarray(X, dtype=self.dtype), {}
        try:
            for layer in self.layers:
                x = layer.forward(x, train=False)
                out[layer.name] = np.array(ops.to_numpy(x))
        finally:
            self.training = training
            for layer in self.layers:
                layer.cache = None
        return out

    def fit_whitening(self, X):
        """Fit every WHITEN layer to images X (N, C, H, W); returns {name: eigenvalues}.

        Each WHITEN layer is fitted to X as it arrives there, through the
        layers before it in evaluation mode (see layers.whiten). A few
        thousand training images are enough.
        """
        self.check_input(X)
        self.build()
        last = max((i for i, layer in enumerate(self.layers) if isinstance(layer, Whiten)),
                   default=None)
        if last is None:
            raise SettingsError("this net has no WHITEN layer to fit")
        training, self.training = self.training, False
        x, eigenvalues = ops.asarray(X, dtype=self.dtype), {}
        try:
            for layer in self.layers[:last + 1]:
                if isinstance(layer, Whiten):
                    eigenvalues[layer.name] = layer.fit(x)
                x = layer.forward(x, train=False)
        finally:
            self.training = training
            for layer in self.layers:
                layer.cache = None
        return eigenvalues

    def check_input(self, X):
        """Raise ShapeError unless X is a batch of one or more inputs of input_shape,
        TypeError unless it is a real-valued array."""
        if not all(hasattr(X, attr) for attr in ("shape", "dtype")):
            raise TypeError(f"X must be an array (N, C, H, W), got {type(X).__name__}: "
                            f"convert it with np.asarray(X, dtype=np.float32)")
        if np.dtype(X.dtype).kind not in "biuf":
            raise TypeError(f"X must hold real numbers, got dtype {X.dtype}")
        shape, expected = tuple(X.shape), self.input_shape
        batch = "(N, " + ", ".join(str(s) for s in expected) + ")"
        if shape[1:] != expected:
            hint = channels_last_hint(expected) and f"; {channels_last_hint(expected)}"
            if not hint and len(shape) == 4 and len(expected) == 3 and shape[-1] == expected[0]:
                hint = ("; it looks like NHWC (N, H, W, C); convkit takes NCHW: "
                        "X.transpose(0, 3, 1, 2)")
            raise ShapeError(f"the net takes batches {batch} (input_shape {expected}), "
                             f"got X of shape {shape}{hint}")
        if shape[0] == 0:
            raise ShapeError(f"X holds no inputs: shape {shape}; give at least one")

    def backward(self, dscores, input_gradient=True):
        """Backpropagate dscores (N, num_classes) through the layers; returns dX.

        The parameter gradients land in net.grads. input_gradient=False
        returns None instead of dX (training needs only the parameter
        gradients): the backward pass stops at the first layer with
        parameters, which skips computing its dx. Layers before it, with
        nothing to learn (a WHITEN and its RELU), run no backward at all.
        """
        d = dscores
        if input_gradient:
            for layer in reversed(self.layers):
                d = layer.backward(d)
            return d
        first = next((i for i, layer in enumerate(self.layers) if layer.params), len(self.layers))
        for layer in reversed(self.layers[first + 1:]):
            d = layer.backward(d)
        if first < len(self.layers):
            self.layers[first].backward_params(d)
        return None

    def loss(self, X, y, seed=None):
        """Forward, loss and backward on one batch: returns (loss, scores).

        X (N, C, H, W), y (N,) NumPy ints; scores is the backend array
        (N, num_classes). Gradients land in net.grads.
        """
        scores = self.forward(X, seed)
        loss, dscores = self.loss_layer(scores, np.asarray(y))
        self.backward(dscores, input_gradient=False)
        return loss, scores

    def predict(self, X, batch_size=256):
        """Predicted classes (N,) NumPy ints, in evaluation mode, batch by batch."""
        self.check_input(X)
        batch_size = integer("batch_size", batch_size, 1)
        training = self.training
        self.eval()
        try:
            return np.concatenate([ops.argmax_rows(self.forward(X[i:i + batch_size]))
                                   for i in range(0, len(X), batch_size)])
        finally:
            self.training = training

    def num_params(self):
        """The number of learnable values."""
        return sum(layer.count_params().total for layer in self.layers)

    def summary(self, input_shape=None, bytes_per_value=None):
        """A table of the layers: output volume, parameters, activations and memory.

        Shape arithmetic only (nothing is run or allocated). input_shape
        defaults to the net's; bytes_per_value to its dtype's (4 for float32).
        """
        layers = self.layers
        input_shape = self.input_shape if input_shape is None else volume(input_shape)
        if input_shape != self.input_shape:
            layers = [copy.copy(layer) for layer in self.layers]
        shapes = infer_shapes(layers, input_shape)
        return Summary(layers, shapes[0], bytes_per_value or self.dtype.itemsize)

    def save(self, path):
        """Save parameters and buffers to an .npz file (see convkit.checkpoint)."""
        checkpoint.save(self, path)

    def load(self, path):
        """Load parameters and buffers saved by save() or Trainer.save(); returns the net.

        A trainer's checkpoint also holds the optimizer's and trainer's state,
        which the net ignores.
        """
        checkpoint.load(self, path)
        return self

    def __repr__(self):
        lines = [f"Net(input {volume_str(self.input_shape)}, {self.dtype.name}, "
                 f"{self.num_params():,} parameters)"]
        lines += [f"  {layer.name}: {layer.describe()} -> {volume_str(layer.out_shape)}"
                  for layer in self.layers]
        lines.append(f"  loss: {self.loss_layer.kind}")
        return "\n".join(lines)
