"""convkit.gradcheck on functions whose gradients are known."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from convkit.gradcheck import check_op, numerical_gradient, numerical_gradient_array, rel_error


def test_numerical_gradient_of_a_cubic(rng):
    x = rng.standard_normal((3, 4))
    x_before = x.copy()
    grad = numerical_gradient(lambda x: np.sum(x ** 3), x)
    assert_allclose(grad, 3 * x ** 2, rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(x, x_before)


def test_numerical_gradient_array_is_dout_times_the_jacobian(rng):
    x, a, dout = rng.standard_normal((3, 2, 5))
    grad = numerical_gradient_array(lambda x: np.sin(x) * a, x, dout)
    assert_allclose(grad, dout * np.cos(x) * a, rtol=1e-8, atol=1e-12)


def test_rel_error():
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([1.0, 3.0], [1.0, 1.0]) == pytest.approx(0.5)
    assert rel_error([0.0], [1e-9]) == pytest.approx(0.1)


def test_check_op_finds_a_wrong_backward(rng):
    x = rng.standard_normal(6)

    def forward(x):
        return x ** 2, x

    assert check_op(forward, lambda dout, x: dout * 2 * x, [x])[0] < 1e-9
    assert check_op(forward, lambda dout, x: dout * x, [x])[0] > 0.3


def test_check_op_refuses_a_backward_that_forgets_a_gradient(rng):
    x, w = rng.standard_normal((2, 3)), rng.standard_normal(3)
    with pytest.raises(ValueError, match="returned 1 gradients for 2 inputs"):
        check_op(lambda x, w: (x * w, (x, w)), lambda dout, cache: dout * cache[1], [x, w])
