"""The NumPy reference against known values: CS231n assignment numbers and hand computations."""
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from convkit.backends import numpy as ref


def test_conv_forward_matches_cs231n():
    x = np.linspace(-0.1, 0.5, 2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    w = np.linspace(-0.2, 0.3, 3 * 3 * 4 * 4).reshape(3, 3, 4, 4)
    b = np.linspace(-0.1, 0.2, 3)
    out, _ = ref.conv_forward(x, w, b, stride=2, pad=1)
    assert out.shape == (2, 3, 2, 2)
    assert_allclose(out[0, 0], [[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]], rtol=1e-7)
    assert_allclose(out[1, 2], [[2.36270298, 2.36904306], [2.38090835, 2.38247847]], rtol=1e-7)


def test_conv_1x1_is_a_matrix_product_over_channels(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    w = rng.standard_normal((6, 3, 1, 1))
    b = rng.standard_normal(6)
    out, _ = ref.conv_forward(x, w, b)
    expected = np.einsum("nchw,kc->nkhw", x, w[:, :, 0, 0]) + b[None, :, None, None]
    assert_allclose(out, expected, rtol=1e-12)


def test_dilated_conv_equals_conv_with_zeros_inserted_in_the_filter(rng):
    x = rng.standard_normal((2, 2, 9, 8))
    w = rng.standard_normal((3, 2, 3, 2))
    b = rng.standard_normal(3)
    spread = np.zeros((3, 2, 5, 3))
    spread[:, :, ::2, ::2] = w
    out, _ = ref.conv_forward(x, w, b, stride=2, pad=1, dilation=2)
    expected, _ = ref.conv_forward(x, spread, b, stride=2, pad=1)
    assert out.shape == (2, 3, 4, 4)
    assert_allclose(out, expected, rtol=1e-12)


def test_local_layer_with_the_same_filters_everywhere_is_a_conv(rng):
    x = rng.standard_normal((2, 3, 5, 6))
    w = rng.standard_normal((4, 3, 3, 2))
    b = rng.standard_normal(4)
    conv_out, _ = ref.conv_forward(x, w, b, stride=2, pad=1)
    Ho, Wo = conv_out.shape[2:]
    local_w = np.broadcast_to(w, (Ho, Wo) + w.shape).copy()
    local_b = np.broadcast_to(b, (Ho, Wo, 4)).copy()
    out, _ = ref.local_forward(x, local_w, local_b, stride=2, pad=1)
    assert_allclose(out, conv_out, rtol=1e-12)


def test_local_layer_uses_the_filter_of_each_position():
    x = np.ones((1, 1, 2, 2))
    w = np.arange(4.0).reshape(2, 2, 1, 1, 1, 1)
    b = np.full((2, 2, 1), 0.5)
    out, _ = ref.local_forward(x, w, b)
    assert_array_equal(out[0, 0], [[0.5, 1.5], [2.5, 3.5]])


def test_max_pool_matches_cs231n():
    x = np.linspace(-0.3, 0.4, 2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    out, _ = ref.max_pool_forward(x, size=2, stride=2)
    assert out.shape == (2, 3, 2, 2)
    assert_allclose(out[0, 0], [[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]], rtol=1e-7)


def test_pools_of_a_counting_grid():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    assert_array_equal(ref.max_pool_forward(x)[0][0, 0], [[5, 7], [13, 15]])
    assert_array_equal(ref.avg_pool_forward(x)[0][0, 0], [[2.5, 4.5], [10.5, 12.5]])
    l2 = [[math.sqrt(0 + 1 + 16 + 25), math.sqrt(4 + 9 + 36 + 49)],
          [math.sqrt(64 + 81 + 144 + 169), math.sqrt(100 + 121 + 196 + 225)]]
    assert_allclose(ref.l2_pool_forward(x)[0][0, 0], l2, rtol=1e-14)
    overlapping, _ = ref.max_pool_forward(x, size=3, stride=1)
    assert_array_equal(overlapping[0, 0], [[10, 11], [14, 15]])


@pytest.mark.parametrize("window, first_max", [
    ([[1.0, 1.0], [1.0, 1.0]], (0, 0)),
    ([[0.0, 3.0], [3.0, 1.0]], (0, 1)),
    ([[0.0, 1.0], [2.0, 2.0]], (1, 0)),
])
def test_max_pool_tie_sends_the_gradient_to_the_first_max(window, first_max):
    x = np.array(window).reshape(1, 1, 2, 2)
    _, cache = ref.max_pool_forward(x)
    dx = ref.max_pool_backward(np.full((1, 1, 1, 1), 7.0), cache)
    expected = np.zeros((2, 2))
    expected[first_max] = 7.0
    assert_array_equal(dx[0, 0], expected)


def test_l2_pool_of_zeros_has_zero_gradient():
    _, cache = ref.l2_pool_forward(np.zeros((1, 2, 2, 2)))
    dx = ref.l2_pool_backward(np.ones((1, 2, 1, 1)), cache)
    assert_array_equal(dx, np.zeros((1, 2, 2, 2)))


def test_relu_matches_cs231n():
    x = np.linspace(-0.5, 0.5, 12).reshape(3, 4)
    out, cache = ref.relu_forward(x)
    assert_allclose(out, [[0, 0, 0, 0], [0, 0, 0.04545455, 0.13636364],
                          [0.22727273, 0.31818182, 0.40909091, 0.5]], rtol=1e-7, atol=1e-12)
    dx = ref.relu_backward(np.ones_like(x), cache)
    assert_array_equal(dx, x > 0)


def test_relu_gradient_is_zero_at_zero():
    _, cache = ref.relu_forward(np.array([-1.0, 0.0, 2.0]))
    assert_array_equal(ref.relu_backward(np.array([5.0, 5.0, 5.0]), cache), [0, 0, 5])


def test_affine_forward_matches_cs231n():
    x = np.linspace(-0.1, 0.5, 240).reshape(2, 4, 5, 6)
    w = np.linspace(-0.2, 0.3, 360).reshape(120, 3)
    b = np.linspace(-0.3, 0.1, 3)
    out, cache = ref.affine_forward(x, w, b)
    assert_allclose(out, [[1.49834967, 1.70660132, 1.91485297],
                          [3.25553199, 3.5141327, 3.77273342]], rtol=1e-7)
    dx, dw, db = ref.affine_backward(np.ones((2, 3)), cache)
    assert dx.shape == (2, 4, 5, 6) and dw.shape == (120, 3)
    assert_allclose(db, [2, 2, 2])


@pytest.mark.parametrize("C", [2, 10])
def test_softmax_loss_of_zero_scores_is_log_C(C):
    y = np.arange(4) % C
    loss, dscores = ref.softmax_loss(np.zeros((4, C)), y)
    assert loss == pytest.approx(math.log(C), rel=1e-12)
    expected = (np.full((4, C), 1 / C) - np.eye(C)[y]) / 4
    assert_allclose(dscores, expected, rtol=1e-12)


def test_softmax_loss_by_hand():
    loss, dscores = ref.softmax_loss(np.array([[0.0, math.log(3.0)]]), np.array([1]))
    assert isinstance(loss, float)
    assert loss == pytest.approx(-math.log(0.75), rel=1e-12)
    assert_allclose(dscores, [[0.25, -0.25]], rtol=1e-12)


def test_softmax_loss_is_stable_for_huge_scores():
    loss, dscores = ref.softmax_loss(np.array([[1000.0, 0.0]]), np.array([1]))
    assert loss == pytest.approx(1000.0)
    assert np.all(np.isfinite(dscores))


@pytest.mark.parametrize("C, delta", [(3, 1.0), (10, 0.5)])
def test_svm_loss_of_zero_scores_is_C_minus_1_times_delta(C, delta):
    y = np.arange(5) % C
    loss, dscores = ref.svm_loss(np.zeros((5, C)), y, delta)
    assert loss == pytest.approx((C - 1) * delta, rel=1e-12)
    expected = (np.ones((5, C)) - C * np.eye(C)[y]) / 5
    assert_allclose(dscores, expected, rtol=1e-12)


def test_svm_loss_by_hand():
    scores = np.array([[1.0, 2.0, 3.0], [4.0, 0.0, 2.0]])
    loss, dscores = ref.svm_loss(scores, np.array([0, 0]))
    # row 0: (2 - 1 + 1) + (3 - 1 + 1) = 5; row 1: all margins negative, 0
    assert loss == pytest.approx(2.5, rel=1e-12)
    assert_allclose(dscores, [[-1.0, 0.5, 0.5], [0.0, 0.0, 0.0]], rtol=1e-12)


def test_batchnorm_by_hand():
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    running_mean, running_var = np.zeros(2), np.ones(2)
    out, _ = ref.batchnorm_forward(x, np.array([2.0, 3.0]), np.array([0.5, -1.0]),
                                   running_mean, running_var, eps=1e-12)
    assert_allclose(out, [[-1.5, -4.0], [2.5, 2.0]], rtol=1e-9)
    assert_allclose(running_mean, [0.2, 0.4], rtol=1e-12)
    assert_allclose(running_var, [1.0, 1.3], rtol=1e-12)


def test_batchnorm_eval_mode_uses_the_running_statistics():
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    running_mean, running_var = np.array([1.0, 2.0]), np.array([4.0, 16.0])
    out, _ = ref.batchnorm_forward(x, np.ones(2), np.zeros(2), running_mean, running_var,
                                   train=False, eps=0.0)
    assert_allclose(out, [[0.0, 0.0], [1.0, 1.0]])
    assert_array_equal(running_mean, [1.0, 2.0])
    assert_array_equal(running_var, [4.0, 16.0])


def test_spatial_batchnorm_normalizes_each_channel(rng):
    x = 3 + 2 * rng.standard_normal((4, 3, 5, 6))
    running_mean, running_var = np.zeros(3), np.zeros(3)
    out, _ = ref.batchnorm_forward(x, np.ones(3), np.zeros(3), running_mean, running_var,
                                   momentum=0.0, eps=0.0)
    assert out.shape == x.shape
    assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    assert_allclose(out.var(axis=(0, 2, 3)), 1, rtol=1e-12)
    assert_allclose(running_mean, x.mean(axis=(0, 2, 3)), rtol=1e-12)
    assert_allclose(running_var, x.var(axis=(0, 2, 3)), rtol=1e-12)


def test_dropout_keeps_a_fraction_p_scaled_by_1_over_p():
    x = np.ones((200, 100))
    out, cache = ref.dropout_forward(x, 0.8, seed=0)
    assert set(np.unique(out)) == {0.0, 1.25}
    assert abs(np.mean(out > 0) - 0.8) < 0.01
    assert_array_equal(ref.dropout_backward(2 * x, cache), 2 * out)


def test_dropout_seed_repeats_the_mask():
    x = np.arange(1.0, 101.0)
    assert_array_equal(ref.dropout_forward(x, 0.5, seed=4)[0], ref.dropout_forward(x, 0.5, seed=4)[0])
    assert not np.array_equal(ref.dropout_forward(x, 0.5, seed=4)[0],
                              ref.dropout_forward(x, 0.5, seed=5)[0])


def test_dropout_is_the_identity_in_eval_mode_and_for_p_1():
    x = np.arange(6.0).reshape(2, 3)
    out, cache = ref.dropout_forward(x, 0.5, train=False, seed=0)
    assert_array_equal(out, x)
    assert_array_equal(ref.dropout_backward(x, cache), x)
    assert_array_equal(ref.dropout_forward(x, 1.0, seed=0)[0], x)


def _float32_outputs(rng):
    """(name, arrays) for every op run on float32 inputs."""
    def f32(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    x4, dout = f32(2, 3, 4, 4), f32(2, 3, 2, 2)
    results = {}
    out, cache = ref.conv_forward(x4, f32(3, 3, 3, 3), f32(3), stride=2, pad=1)
    results["conv"] = (out,) + ref.conv_backward(dout, cache)
    out, cache = ref.local_forward(x4, f32(2, 2, 3, 3, 3, 3), f32(2, 2, 3), stride=2, pad=1)
    results["local"] = (out,) + ref.local_backward(dout, cache)
    for pool in ("max_pool", "avg_pool", "l2_pool"):
        out, cache = getattr(ref, pool + "_forward")(x4)
        results[pool] = (out, getattr(ref, pool + "_backward")(dout, cache))
    out, cache = ref.relu_forward(x4)
    results["relu"] = (out, ref.relu_backward(x4, cache))
    out, cache = ref.affine_forward(x4, f32(48, 5), f32(5))
    results["affine"] = (out,) + ref.affine_backward(f32(2, 5), cache)
    y = np.array([0, 4])
    results["softmax"] = ref.softmax_loss(f32(2, 5), y)[1:]
    results["svm"] = ref.svm_loss(f32(2, 5), y)[1:]
    stats = [np.zeros(3, np.float32), np.ones(3, np.float32)]
    out, cache = ref.batchnorm_forward(x4, f32(3), f32(3), *stats)
    results["batchnorm"] = (out,) + ref.batchnorm_backward(x4, cache) + tuple(stats)
    out, cache = ref.dropout_forward(x4, 0.5, seed=0)
    results["dropout"] = (out, ref.dropout_backward(x4, cache))
    return results


def test_float32_stays_float32(rng):
    for name, arrays in _float32_outputs(rng).items():
        assert [a.dtype for a in arrays] == [np.float32] * len(arrays), name


def test_array_functions():
    a = ref.asarray([[1, 2], [3, 4]], dtype=np.float32)
    assert a.dtype == np.float32
    assert ref.sum_squares(a) == 30.0 and isinstance(ref.sum_squares(a), float)
    assert_array_equal(ref.to_numpy(a), [[1, 2], [3, 4]])
    assert_array_equal(ref.zeros((2, 3), np.float64), np.zeros((2, 3)))
    assert_array_equal(ref.argmax_rows(np.array([[0.1, 0.9], [0.7, 0.3]])), [1, 0])
