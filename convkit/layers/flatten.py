"""Flatten layer: an image volume as one feature vector."""
import math

from .base import Layer


class Flatten(Layer):
    """FLATTEN: (N, C, H, W) -> (N, C*H*W). FC flattens its input itself,
    so this layer is only needed to make the step explicit."""

    kind = "FLATTEN"

    def output_shape(self, in_shape):
        return (math.prod(in_shape),)

    def new_activations(self):
        return 0

    def forward(self, x, train=False, seed=None):
        self.cache = tuple(x.shape)
        return x.reshape(x.shape[0], math.prod(x.shape[1:]))

    def backward(self, dout):
        return dout.reshape(self.cache)
