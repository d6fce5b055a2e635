"""No forward cache shares memory with the out it returns: changing out leaves the backward alone."""
import numpy as np
import pytest

from convkit import backends, ops
from every_backend import LAYERS, backward_before_and_after_changing_out

HERE = backends.available()  # cuda where a GPU answers; tests/cudasim runs it on the simulator


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("backend", HERE)
def test_changing_out_in_place_leaves_the_backward_unchanged(backend, layer):
    before, after = backward_before_and_after_changing_out(backends.module(backend), layer)
    assert len(before) == len(after)
    for grad, again in zip(before, after):
        np.testing.assert_array_equal(again, grad)


@pytest.mark.parametrize("backend", HERE)
def test_relu_gradient_after_out_is_shifted(backend):
    """The case a student met: out -= 2.5 after relu_forward."""
    with backends.use_backend(backend):
        out, cache = ops.relu_forward(np.array([-1.0, 2.0, 3.0, -4.0]))
        out -= 2.5
        dx = ops.relu_backward(np.ones(4), cache)
    np.testing.assert_array_equal(dx, [0.0, 1.0, 1.0, 0.0])
