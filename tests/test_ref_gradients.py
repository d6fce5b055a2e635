"""Every backward of the NumPy reference against centered-difference gradients (float64)."""
import numpy as np
import pytest

from conftest import conv_inputs, random_conv_cases
from convkit.backends import numpy as ref
from convkit.gradcheck import check_op, numerical_gradient, rel_error

TOL = 1e-7

CONV_CASES = [
    # non-square input, stride 2, P > 0
    dict(x_shape=(2, 3, 5, 7), w_shape=(4, 3, 3, 3), stride=2, pad=1, dilation=1),
    # F = 1
    dict(x_shape=(2, 3, 4, 5), w_shape=(2, 3, 1, 1), stride=1, pad=0, dilation=1),
    # C = 1, rectangular filter
    dict(x_shape=(3, 1, 6, 4), w_shape=(2, 1, 3, 2), stride=1, pad=0, dilation=1),
    # dilation 2, rectangular filter
    dict(x_shape=(2, 2, 7, 6), w_shape=(3, 2, 3, 2), stride=1, pad=1, dilation=2),
    # stride 2, P = 2, dilation 2
    dict(x_shape=(1, 2, 7, 9), w_shape=(2, 2, 3, 3), stride=2, pad=2, dilation=2),
] + random_conv_cases(6, seed=1)


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv_backward(case):
    x, w, b = conv_inputs(case)
    S, P, D = case["stride"], case["pad"], case["dilation"]
    errors = check_op(lambda x, w, b: ref.conv_forward(x, w, b, S, P, D), ref.conv_backward,
                      [x, w, b])
    assert max(errors) < TOL, errors


@pytest.mark.parametrize("x_shape, F, S, P, out_size", [
    ((2, 2, 5, 4), (3, 2), 1, 1, (5, 5)),
    ((2, 3, 5, 5), (3, 3), 2, 0, (2, 2)),
    ((1, 1, 3, 4), (1, 1), 1, 0, (3, 4)),
])
def test_local_backward(rng, x_shape, F, S, P, out_size):
    K, C = 3, x_shape[1]
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(out_size + (K, C) + F)
    b = rng.standard_normal(out_size + (K,))
    errors = check_op(lambda x, w, b: ref.local_forward(x, w, b, S, P), ref.local_backward,
                      [x, w, b])
    assert max(errors) < TOL, errors


POOL_CASES = [((2, 3, 4, 6), 2, 2), ((1, 2, 5, 4), 3, 1), ((1, 2, 7, 5), 3, 2), ((2, 1, 3, 3), 1, 1)]


@pytest.mark.parametrize("pool", ["max_pool", "avg_pool", "l2_pool"])
@pytest.mark.parametrize("shape, size, stride", POOL_CASES)
def test_pool_backward(rng, pool, shape, size, stride):
    # distinct values at least 0.1 apart: no ties, so the max is differentiable
    x = 0.1 * rng.permutation(np.prod(shape)).reshape(shape) - 1.0
    forward, backward = getattr(ref, pool + "_forward"), getattr(ref, pool + "_backward")
    errors = check_op(lambda x: forward(x, size, stride), backward, [x])
    assert max(errors) < TOL, errors


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4, 3)])
def test_relu_backward(rng, shape):
    # values away from the kink at 0
    x = rng.uniform(0.1, 1.0, shape) * rng.choice([-1.0, 1.0], shape)
    assert max(check_op(ref.relu_forward, ref.relu_backward, [x])) < TOL


@pytest.mark.parametrize("x_shape, M", [((4, 6), 3), ((3, 2, 4), 5), ((2, 2, 3, 2), 1)])
def test_affine_backward(rng, x_shape, M):
    D = int(np.prod(x_shape[1:]))
    inputs = [rng.standard_normal(x_shape), rng.standard_normal((D, M)), rng.standard_normal(M)]
    errors = check_op(ref.affine_forward, ref.affine_backward, inputs)
    assert max(errors) < TOL, errors


@pytest.mark.parametrize("loss", ["softmax_loss", "svm_loss"])
@pytest.mark.parametrize("N, C", [(5, 4), (3, 10), (1, 2)])
def test_loss_gradient(rng, loss, N, C):
    scores = rng.standard_normal((N, C))
    y = rng.integers(0, C, N)
    f = getattr(ref, loss)
    _, dscores = f(scores, y)
    assert rel_error(dscores, numerical_gradient(lambda s: f(s, y)[0], scores)) < TOL


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("x_shape", [(6, 4), (3, 2, 4, 3)])
def test_batchnorm_backward(rng, x_shape, train):
    D = x_shape[1]
    x = 2 + 3 * rng.standard_normal(x_shape)
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    running_mean, running_var = rng.standard_normal(D), rng.uniform(0.5, 2, D)

    def forward(x, gamma, beta):
        return ref.batchnorm_forward(x, gamma, beta, running_mean, running_var, train=train)

    errors = check_op(forward, ref.batchnorm_backward, [x, gamma, beta])
    assert max(errors) < TOL, errors


@pytest.mark.parametrize("train", [True, False])
def test_dropout_backward(rng, train):
    x = rng.standard_normal((4, 3, 5))
    errors = check_op(lambda x: ref.dropout_forward(x, 0.6, train, seed=3), ref.dropout_backward, [x])
    assert max(errors) < TOL, errors
