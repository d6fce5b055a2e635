"""ReLU layer: max(0, x) elementwise."""
from .. import ops
from .base import Layer


class ReLU(Layer):
    """RELU: out = max(0, x), any input shape; no parameters."""

    kind = "RELU"

    def new_activations(self):
        return 0

    def forward(self, x, train=False, seed=None):
        out, self.cache = ops.relu_forward(x)
        return out

    def backward(self, dout):
        return ops.relu_backward(dout, self.cache)
