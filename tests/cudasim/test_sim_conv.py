"""Convolution and locally-connected layers on the CUDA backend vs the NumPy reference."""
import numpy as np
import pytest

from compare import DTYPES, assert_device_close, device, gpu, random, ref

# x shape, w shape, stride, pad, dilation
CONV_CASES = [
    ((2, 3, 5, 4), (4, 3, 3, 3), 1, 1, 1),   # non-square input
    ((2, 2, 7, 5), (3, 2, 3, 3), 2, 1, 1),   # stride 2
    ((2, 1, 4, 3), (2, 1, 1, 1), 1, 0, 1),   # F = 1, C = 1
    ((1, 2, 6, 6), (2, 2, 3, 3), 1, 2, 2),   # dilation 2
    ((2, 2, 5, 6), (3, 2, 2, 3), 1, 0, 1),   # rectangular filter
    ((1, 3, 7, 7), (2, 3, 2, 2), 2, 1, 2),   # stride, padding and dilation
    ((3, 2, 3, 3), (1, 2, 3, 3), 1, 2, 1),   # K = 1, padding wider than the filter's reach
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape, w_shape, stride, pad, dilation", CONV_CASES)
def test_conv_matches_reference(rng, x_shape, w_shape, stride, pad, dilation, dtype):
    x, w, b = (random(rng, s, dtype) for s in (x_shape, w_shape, w_shape[:1]))
    out, cache = gpu.conv_forward(*device(x, w, b), stride, pad, dilation)
    ref_out, ref_cache = ref.conv_forward(x, w, b, stride, pad, dilation)
    assert_device_close(out, ref_out)
    dout = random(rng, ref_out.shape, dtype)
    for grad, ref_grad in zip(gpu.conv_backward(*device(dout), cache),
                              ref.conv_backward(dout, ref_cache)):
        assert_device_close(grad, ref_grad)


# x shape, K, F, stride, pad
LOCAL_CASES = [
    ((2, 2, 5, 4), 3, 3, 1, 1),
    ((1, 2, 5, 5), 2, 3, 2, 0),
    ((2, 1, 4, 4), 1, 2, 2, 1),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape, K, F, stride, pad", LOCAL_CASES)
def test_local_matches_reference(rng, x_shape, K, F, stride, pad, dtype):
    N, C, H, W = x_shape
    Ho = (H + 2 * pad - F) // stride + 1
    Wo = (W + 2 * pad - F) // stride + 1
    x = random(rng, x_shape, dtype)
    w = random(rng, (Ho, Wo, K, C, F, F), dtype)
    b = random(rng, (Ho, Wo, K), dtype)
    out, cache = gpu.local_forward(*device(x, w, b), stride, pad)
    ref_out, ref_cache = ref.local_forward(x, w, b, stride, pad)
    assert_device_close(out, ref_out)
    dout = random(rng, ref_out.shape, dtype)
    for grad, ref_grad in zip(gpu.local_backward(*device(dout), cache),
                              ref.local_backward(dout, ref_cache)):
        assert_device_close(grad, ref_grad)


def test_conv_with_numpy_arrays_returns_numpy_arrays(rng):
    x, w, b = random(rng, (2, 2, 4, 4), np.float64), random(rng, (3, 2, 3, 3), np.float64), np.zeros(3)
    out, cache = gpu.conv_forward(x, w, b, 1, 1, 1)
    ref_out, ref_cache = ref.conv_forward(x, w, b, 1, 1, 1)
    assert type(out) is np.ndarray
    np.testing.assert_allclose(out, ref_out, rtol=1e-10)
    dout = random(rng, out.shape, np.float64)
    grads = gpu.conv_backward(dout, cache)
    assert all(type(g) is np.ndarray for g in grads)
    for grad, ref_grad in zip(grads, ref.conv_backward(dout, ref_cache)):
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("x_shape, w_shape, stride, pad, dilation", CONV_CASES[:2])
def test_conv_backward_without_dx_gives_the_same_dw_and_db(rng, x_shape, w_shape, stride, pad, dilation):
    x, w, b = (random(rng, s, np.float32) for s in (x_shape, w_shape, w_shape[:1]))
    out, cache = gpu.conv_forward(*device(x, w, b), stride, pad, dilation)
    dout = device(random(rng, out.shape, np.float32))[0]
    dx, dw, db = gpu.conv_backward(dout, cache, False)
    _, full_dw, full_db = gpu.conv_backward(dout, cache)
    assert dx is None
    np.testing.assert_array_equal(dw.copy_to_host(), full_dw.copy_to_host())
    np.testing.assert_array_equal(db.copy_to_host(), full_db.copy_to_host())
