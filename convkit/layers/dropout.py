"""Dropout layer (inverted dropout, as in the notes)."""
from .. import checks, ops
from .base import Layer


class Dropout(Layer):
    """DROPOUT: in training keep each unit with probability p and scale it by 1/p;
    at test time pass the input through. p is the probability of KEEPING a unit,
    as in the notes (p=0.5 by default). Any input shape; no parameters.
    """

    kind = "DROPOUT"

    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def output_shape(self, in_shape):
        checks.real("p (the probability of keeping a unit)", self.p, 0, 1, low_open=True)
        return in_shape

    def new_activations(self):
        return 0

    def forward(self, x, train=False, seed=None):
        out, self.cache = ops.dropout_forward(x, self.p, train, seed)
        return out

    def backward(self, dout):
        return ops.dropout_backward(dout, self.cache)

    def describe(self):
        return f"DROPOUT p={self.p}"
