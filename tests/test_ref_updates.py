"""Each parameter update of the NumPy reference against one step worked out by hand."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from convkit.backends import numpy as ref

RTOL = 1e-7  # eps = 1e-8 in the denominators shifts the last digits


def test_sgd():
    w = np.array([1.0, -2.0])
    assert ref.sgd_update(w, np.array([0.5, 0.25]), lr=0.1) is None
    assert_allclose(w, [0.95, -2.025], rtol=1e-15)


def test_sgd_weight_decay():
    # dw + 0.1 * w = [0.5 + 0.1, 0.25 - 0.2] = [0.6, 0.05]
    w = np.array([1.0, -2.0])
    ref.sgd_update(w, np.array([0.5, 0.25]), lr=0.1, weight_decay=0.1)
    assert_allclose(w, [0.94, -2.005], rtol=1e-15)


@pytest.mark.parametrize("nesterov, w_new", [
    (False, [1.04, -2.205]),   # w += v
    (True, [0.986, -2.2095]),  # w += -0.9 * [0.1, -0.2] + 1.9 * [0.04, -0.205]
])
def test_momentum(nesterov, w_new):
    # v = 0.9 * [0.1, -0.2] - 0.1 * [0.5, 0.25] = [0.04, -0.205]
    w, v = np.array([1.0, -2.0]), np.array([0.1, -0.2])
    ref.momentum_update(w, np.array([0.5, 0.25]), v, lr=0.1, mu=0.9, nesterov=nesterov)
    assert_allclose(v, [0.04, -0.205], rtol=1e-14)
    assert_allclose(w, w_new, rtol=1e-14)


def test_momentum_weight_decay():
    # dw + 0.5 * w = [0.5, -1]; v = 0 - 0.1 * [0.5, -1] = [-0.05, 0.1]
    w, v = np.array([1.0, -2.0]), np.zeros(2)
    ref.momentum_update(w, np.zeros(2), v, lr=0.1, weight_decay=0.5)
    assert_allclose(v, [-0.05, 0.1], rtol=1e-14)
    assert_allclose(w, [0.95, -1.9], rtol=1e-14)


def test_adagrad():
    # cache = [0.25, 4]; w += -0.1 * [0.5 / 0.5, -2 / 2]
    w, cache = np.array([1.0, -2.0]), np.zeros(2)
    ref.adagrad_update(w, np.array([0.5, -2.0]), cache, lr=0.1)
    assert_allclose(cache, [0.25, 4.0], rtol=1e-14)
    assert_allclose(w, [0.9, -1.9], rtol=RTOL)


def test_adagrad_weight_decay():
    # dw + 0.5 * w = [0 + 0.5, -1.5 - 0.5] = [0.5, -2]: the step of test_adagrad
    w, cache = np.array([1.0, -1.0]), np.zeros(2)
    ref.adagrad_update(w, np.array([0.0, -1.5]), cache, lr=0.1, weight_decay=0.5)
    assert_allclose(cache, [0.25, 4.0], rtol=1e-14)
    assert_allclose(w, [0.9, -0.9], rtol=RTOL)


def test_rmsprop():
    # cache = 0.75 * [4, 0] + 0.25 * [4, 16] = [4, 4]; w += -0.1 * [2 / 2, -4 / 2]
    w, cache = np.array([1.0, -2.0]), np.array([4.0, 0.0])
    ref.rmsprop_update(w, np.array([2.0, -4.0]), cache, lr=0.1, decay=0.75)
    assert_allclose(cache, [4.0, 4.0], rtol=1e-14)
    assert_allclose(w, [0.9, -1.8], rtol=RTOL)


def test_rmsprop_weight_decay():
    # dw + 1.0 * w = [1 + 1, -4 + 0] = [2, -4]: the gradient of test_rmsprop
    w, cache = np.array([1.0, 0.0]), np.array([4.0, 0.0])
    ref.rmsprop_update(w, np.array([1.0, -4.0]), cache, lr=0.1, decay=0.75, weight_decay=1.0)
    assert_allclose(cache, [4.0, 4.0], rtol=1e-14)
    assert_allclose(w, [0.9, 0.2], rtol=RTOL)


def test_adam_two_steps():
    # step 1: m = 0.1 * dw = [0.05, -0.2], v = 0.001 * dw**2 = [0.00025, 0.004],
    #   mt = m / 0.1 = dw, vt = v / 0.001 = dw**2, so w += -0.1 * sign(dw)
    # step 2: m = [0.095, -0.38], v = [0.00049975, 0.007996], mt = m / 0.19 = dw,
    #   vt = v / 0.001999 = dw**2: the same step again
    w, m, v = np.array([1.0, -2.0]), np.zeros(2), np.zeros(2)
    dw = np.array([0.5, -2.0])
    ref.adam_update(w, dw, m, v, t=1, lr=0.1)
    assert_allclose(m, [0.05, -0.2], rtol=1e-14)
    assert_allclose(v, [0.00025, 0.004], rtol=1e-12)
    assert_allclose(w, [0.9, -1.9], rtol=RTOL)
    ref.adam_update(w, dw, m, v, t=2, lr=0.1)
    assert_allclose(m, [0.095, -0.38], rtol=1e-14)
    assert_allclose(v, [0.00049975, 0.007996], rtol=1e-12)
    assert_allclose(w, [0.8, -1.8], rtol=RTOL)


def test_adam_weight_decay():
    # dw + 0.5 * w = [0.5, -1]; m = [0.05, -0.1]; the first step is -0.1 * sign
    w, m, v = np.array([1.0, -2.0]), np.zeros(2), np.zeros(2)
    ref.adam_update(w, np.zeros(2), m, v, t=1, lr=0.1, weight_decay=0.5)
    assert_allclose(m, [0.05, -0.1], rtol=1e-14)
    assert_allclose(w, [0.9, -1.9], rtol=RTOL)

