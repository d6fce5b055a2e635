"""Weight initialization: He (Kaiming) by default, or a fixed weight_scale as in CS231n."""
import math

import numpy as np

from .. import ops


def init_weights(rng, shape, fan_in, dtype, weight_scale=None):
    """Gaussian weights as a backend array.

    The standard deviation is sqrt(2 / fan_in) (He et al., for ReLU nets), or
    weight_scale when given (the assignments' weight_scale=1e-3). fan_in is
    the number of inputs of one neuron: C*F*F for a conv filter, D for FC.
    The values are drawn in float64 and then cast, so float32 and float64
    nets with one seed start from the same weights.
    """
    std = math.sqrt(2.0 / fan_in) if weight_scale is None else float(weight_scale)
    return ops.asarray(rng.standard_normal(shape) * std, dtype=dtype)


def constant(shape, value, dtype):
    """A backend array of one value (zeros for biases, ones for batchnorm's gamma)."""
    return ops.asarray(np.full(shape, value), dtype=dtype)
