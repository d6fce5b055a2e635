"""Layer objects: shapes, parameters, initialization, and agreement with the ops."""
import math

import numpy as np
import pytest

from convkit import ops
from convkit.backends import use_backend
from convkit.errors import ShapeError
from convkit.layers import (FC, AvgPool, BatchNorm, Conv, Dropout, Flatten, L2Pool,
                            LocallyConnected, MaxPool, ReLU)


@pytest.fixture(autouse=True)
def numpy_backend():
    with use_backend("numpy"):
        yield


def built(layer, in_shape, seed=0, dtype=np.float64, weight_scale=None):
    layer.setup(in_shape)
    layer.init_params(np.random.default_rng(seed), dtype, weight_scale)
    return layer


def test_conv_defaults_keep_the_size_and_count_params():
    layer = Conv(K=16)
    assert layer.setup((3, 32, 32)) == (16, 32, 32)
    assert (layer.F, layer.S, layer.P) == (3, 1, 1)
    assert layer.param_shapes() == {"w": (16, 3, 3, 3), "b": (16,)}
    assert (layer.count_params().weights, layer.count_params().biases) == (432, 16)
    assert Conv(K=4, F=5).setup((2, 9, 9)) == (4, 9, 9)
    assert Conv(K=4, F=3, dilation=2).setup((2, 9, 9)) == (4, 9, 9)
    assert layer.describe() == "CONV K=16 F=3 S=1 P=1"


def test_conv_output_size_error_shows_the_arithmetic():
    with pytest.raises(ShapeError, match=r"\(32 - 5 \+ 2\*0\)/2 \+ 1 = 14.5"):
        Conv(K=8, F=5, S=2, P=0).setup((3, 32, 32))


def test_image_layers_reject_feature_vectors():
    for layer in (Conv(4), LocallyConnected(4), MaxPool()):
        with pytest.raises(ShapeError, match="needs an image volume"):
            layer.setup((100,))


def test_conv_layer_matches_the_op(rng):
    layer = built(Conv(K=4, F=3, S=2, P=1), (3, 7, 7))
    x = rng.standard_normal((2, 3, 7, 7))
    out = layer.forward(x)
    expected, cache = ops.conv_forward(x, layer.params["w"], layer.params["b"], 2, 1)
    np.testing.assert_array_equal(out, expected)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    dx_ref, dw_ref, db_ref = ops.conv_backward(dout, cache)
    np.testing.assert_array_equal(dx, dx_ref)
    np.testing.assert_array_equal(layer.grads["w"], dw_ref)
    np.testing.assert_array_equal(layer.grads["b"], db_ref)


def test_floor_mode_pool_skips_the_unused_rows(rng):
    layer = built(MaxPool(F=3, S=2, mode="floor"), (2, 8, 7))
    assert layer.out_shape == (2, 3, 3)
    x = rng.standard_normal((1, 2, 8, 7))
    out = layer.forward(x)
    expected, _ = ops.max_pool_forward(np.ascontiguousarray(x[:, :, :7, :7]), 3, 2)
    np.testing.assert_array_equal(out, expected)
    dx = layer.backward(np.ones_like(out))
    assert dx.shape == x.shape
    assert np.all(dx[:, :, 7, :] == 0)
    assert dx.sum() == out.size
    with pytest.raises(ShapeError, match="mode='floor'"):
        MaxPool(F=3, S=2).setup((2, 8, 8))
    for forward in (ops.max_pool_forward, ops.avg_pool_forward, ops.l2_pool_forward):
        with pytest.raises(ShapeError, match="mode='floor'"):
            forward(x, 3, 2)
        out, _ = forward(x, 3, 2, mode="floor")
        np.testing.assert_array_equal(out, forward(np.ascontiguousarray(x[:, :, :7, :7]), 3, 2)[0])


def test_floor_mode_conv_leaves_the_bottom_padding_unread_as_pytorch():
    # The convolution arithmetic guide's 6x6 input, F=3, S=2, P=1: the last row and
    # column of the PADDED input go unread; every input row and column is read.
    layer = built(Conv(K=1, F=3, S=2, P=1, mode="floor"), (1, 6, 6))
    layer.params["w"][...] = 1.0
    x = np.ones((1, 1, 6, 6))
    out = layer.forward(x)
    np.testing.assert_array_equal(out[0, 0], [[4, 6, 6], [6, 9, 9], [6, 9, 9]])
    dx = layer.backward(np.ones_like(out))
    np.testing.assert_array_equal(dx[0, 0, :, 5], [1, 2, 1, 2, 1, 1])
    np.testing.assert_array_equal(dx[0, 0, 5, :], [1, 2, 1, 2, 1, 1])


def test_floor_mode_conv_with_more_unused_rows_than_padding_cuts_input_rows(rng):
    layer = built(Conv(K=2, F=2, S=4, P=1, mode="floor"), (1, 7, 5))   # 3 rows unused, 1 col
    x = rng.standard_normal((1, 1, 7, 5))
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))[:, :, :-3, :-1]
    expected, cache = ops.conv_forward(np.ascontiguousarray(padded), layer.params["w"],
                                       layer.params["b"], 4, 0)
    np.testing.assert_allclose(layer.forward(x), expected)
    dout = rng.standard_normal(expected.shape)
    dpadded = ops.conv_backward(dout, cache)[0]
    dx = layer.backward(dout)
    np.testing.assert_allclose(dx[:, :, :5, :], dpadded[:, :, 1:, 1:])
    assert np.all(dx[:, :, 5:, :] == 0)


FLOOR_CASES = [((2, 3, 6, 6), 4, 3, 2, 1, 1), ((1, 2, 9, 7), 3, 3, 2, 2, 1),
               ((2, 1, 8, 11), 2, 3, 3, 1, 2), ((1, 2, 10, 9), 3, 2, 4, 1, 1),
               ((1, 1, 5, 6), 2, 1, 3, 0, 1)]


@pytest.mark.parametrize("x_shape, K, F, S, P, D", FLOOR_CASES)
def test_floor_mode_conv_equals_pytorch(x_shape, K, F, S, P, D, rng):
    torch = pytest.importorskip("torch")
    layer = built(Conv(K=K, F=F, S=S, P=P, dilation=D, mode="floor"), x_shape[1:])
    x = rng.standard_normal(x_shape)
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(np.array(layer.params["w"]), requires_grad=True)
    tout = torch.nn.functional.conv2d(tx, tw, torch.tensor(np.array(layer.params["b"])),
                                      stride=S, padding=P, dilation=D)
    tout.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.grads["w"], tw.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_locally_connected_params_grow_with_the_output():
    layer = LocallyConnected(K=4, F=3, S=1, P=0)
    assert layer.setup((2, 6, 5)) == (4, 4, 3)
    assert layer.param_shapes() == {"w": (4, 3, 4, 2, 3, 3), "b": (4, 3, 4)}
    counts = layer.count_params()
    assert (counts.weights, counts.biases) == (4 * 3 * 4 * 2 * 9, 4 * 3 * 4)


def test_locally_connected_matches_the_op(rng):
    layer = built(LocallyConnected(K=3, F=2, S=2, P=0), (2, 4, 4))
    x = rng.standard_normal((2, 2, 4, 4))
    expected, _ = ops.local_forward(x, layer.params["w"], layer.params["b"], 2, 0)
    np.testing.assert_array_equal(layer.forward(x), expected)


@pytest.mark.parametrize("cls, op", [(MaxPool, ops.max_pool_forward),
                                     (AvgPool, ops.avg_pool_forward),
                                     (L2Pool, ops.l2_pool_forward)])
def test_pools_match_their_ops(rng, cls, op):
    layer = built(cls(F=3, S=2), (3, 7, 7))
    assert layer.out_shape == (3, 3, 3)
    x = rng.standard_normal((2, 3, 7, 7))
    np.testing.assert_array_equal(layer.forward(x), op(x, 3, 2)[0])
    assert layer.count_params().total == 0


def test_fc_flattens_and_counts_params(rng):
    layer = built(FC(5), (4, 3, 3))
    assert layer.out_shape == (5,)
    assert layer.param_shapes() == {"w": (36, 5), "b": (5,)}
    assert layer.count_params().total == 36 * 5 + 5
    x = rng.standard_normal((2, 4, 3, 3))
    out = layer.forward(x)
    np.testing.assert_allclose(out, x.reshape(2, 36) @ layer.params["w"])
    assert layer.backward(np.ones((2, 5))).shape == x.shape


def test_flatten_round_trip(rng):
    layer = built(Flatten(), (2, 3, 4))
    assert layer.out_shape == (24,)
    x = rng.standard_normal((5, 2, 3, 4))
    out = layer.forward(x)
    assert out.shape == (5, 24)
    np.testing.assert_array_equal(layer.backward(out), x)


def test_relu_and_dropout(rng):
    x = rng.standard_normal((4, 50))
    relu = built(ReLU(), (50,))
    np.testing.assert_array_equal(relu.forward(x), np.maximum(x, 0))
    drop = built(Dropout(p=0.8), (50,))
    np.testing.assert_array_equal(drop.forward(x, train=False), x)
    out = drop.forward(np.ones((200, 50)), train=True, seed=3)
    assert set(np.unique(out)) == {0.0, 1.25}
    assert abs((out > 0).mean() - 0.8) < 0.02
    again = drop.forward(np.ones((200, 50)), train=True, seed=3)
    np.testing.assert_array_equal(out, again)


def test_batchnorm_params_buffers_and_modes(rng):
    layer = built(BatchNorm(momentum=0.5), (3, 4, 4))
    assert layer.param_shapes() == {"gamma": (3,), "beta": (3,)}
    np.testing.assert_array_equal(layer.params["gamma"], np.ones(3))
    np.testing.assert_array_equal(layer.buffers["running_var"], np.ones(3))
    x = 2 + 3 * rng.standard_normal((8, 3, 4, 4))
    out = layer.forward(x, train=True)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), 1, atol=1e-5)
    np.testing.assert_allclose(layer.buffers["running_mean"], 0.5 * x.mean(axis=(0, 2, 3)))
    out_eval = layer.forward(x, train=False)
    mean, var = layer.buffers["running_mean"], layer.buffers["running_var"]
    np.testing.assert_allclose(out_eval, (x - mean[:, None, None]) / np.sqrt(
        var[:, None, None] + 1e-5))


def test_he_initialization_and_weight_scale():
    layer = built(FC(500), (2000,))
    assert abs(layer.params["w"].std() / math.sqrt(2 / 2000) - 1) < 0.01
    assert np.all(layer.params["b"] == 0)
    conv = built(Conv(K=64, F=5), (16, 8, 8))
    assert abs(conv.params["w"].std() / math.sqrt(2 / (16 * 25)) - 1) < 0.02
    small = built(FC(500), (2000,), weight_scale=1e-3)
    assert abs(small.params["w"].std() / 1e-3 - 1) < 0.01


def test_float32_and_float64_start_from_the_same_weights():
    a = built(Conv(K=4), (3, 5, 5), seed=7, dtype=np.float32)
    b = built(Conv(K=4), (3, 5, 5), seed=7, dtype=np.float64)
    assert a.params["w"].dtype == np.float32 and b.params["w"].dtype == np.float64
    np.testing.assert_array_equal(a.params["w"], b.params["w"].astype(np.float32))
