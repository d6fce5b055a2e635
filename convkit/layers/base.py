"""The Layer base class: shapes first, then parameters, then forward and backward.

A layer of a Net knows its input volume before it has any parameters:
setup(in_shape) does the shape arithmetic only (so a summary of VGG-16
needs no memory), init_params(...) makes the arrays. Volumes are (D, H, W)
for images (C, H, W in array terms) and (D,) for feature vectors; batches
are NCHW arrays (N, C, H, W) or (N, D).
"""
import math

from ..shapes import Params


class Layer:
    """One layer of a Net.

    kind: the layer's token in a pattern string ("CONV", "POOL", ...).
    name: set by the Net ("conv1", "relu2", ...).
    params, grads: local name ("w", "b", ...) -> backend array.
    buffers: arrays that are saved but not learned (batchnorm's running stats).
    """

    kind = "LAYER"

    def __init__(self):
        self.name = None
        self.in_shape = None
        self.out_shape = None
        self.params = {}
        self.grads = {}
        self.buffers = {}
        self.cache = None

    def setup(self, in_shape):
        """Record the input volume and return the output volume (shape arithmetic only)."""
        self.in_shape = tuple(in_shape)
        self.out_shape = tuple(self.output_shape(self.in_shape))
        return self.out_shape

    def output_shape(self, in_shape):
        """The output volume for an input volume; raises ShapeError if it does not fit."""
        return in_shape

    def param_shapes(self):
        """Shapes of the learnable parameters (after setup): local name -> shape."""
        return {}

    def count_params(self):
        """A shapes.Params (weights, biases) for this layer (after setup)."""
        return Params(weights=0, biases=0)

    def new_activations(self):
        """Values this layer stores for one image, as counted in the notes' tables.

        Elementwise layers (ReLU, dropout, batchnorm) change a volume in place
        and add none, as the notes count CONV and its RELU as one volume.
        """
        return math.prod(self.out_shape)

    def init_params(self, rng, dtype, weight_scale=None):
        """Create the parameters (backend arrays); rng is a numpy Generator."""

    def forward(self, x, train=False, seed=None):
        """x (N, ...) backend array -> out; keeps what backward needs in self.cache."""
        raise NotImplementedError

    def backward(self, dout):
        """dout (shape of out) -> dx (shape of x); stores parameter gradients in self.grads."""
        raise NotImplementedError

    def backward_params(self, dout):
        """backward for the parameter gradients alone: a net's first layer with parameters needs no dx."""
        self.backward(dout)

    def describe(self):
        """The layer as a pattern token with its settings, e.g. "CONV K=32 F=3 S=1 P=1"."""
        return self.kind

    def __repr__(self):
        name = f"{self.name}: " if self.name else ""
        return f"<{name}{self.describe()}>"
