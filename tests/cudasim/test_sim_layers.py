"""Pooling, ReLU and affine layers on the CUDA backend vs the NumPy reference."""
import numpy as np
import pytest

from compare import DTYPES, assert_device_close, device, gpu, random, ref

POOLS = ["max", "avg", "l2"]
# x shape, size, stride
POOL_CASES = [
    ((2, 3, 4, 6), 2, 2),   # non-square, windows side by side
    ((1, 2, 5, 5), 3, 1),   # overlapping windows
    ((2, 1, 5, 7), 3, 2),   # overlapping, stride 2, C = 1
]


def pool_ops(kind, backend):
    return getattr(backend, f"{kind}_pool_forward"), getattr(backend, f"{kind}_pool_backward")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape, size, stride", POOL_CASES)
@pytest.mark.parametrize("kind", POOLS)
def test_pool_matches_reference(rng, kind, x_shape, size, stride, dtype):
    # small integers: many ties within a window, and all-zero windows for l2
    x = rng.integers(-1, 2, size=x_shape).astype(dtype)
    forward, backward = pool_ops(kind, gpu)
    ref_forward, ref_backward = pool_ops(kind, ref)
    out, cache = forward(*device(x), size, stride)
    ref_out, ref_cache = ref_forward(x, size, stride)
    assert_device_close(out, ref_out)
    dout = random(rng, ref_out.shape, dtype)
    assert_device_close(backward(*device(dout), cache), ref_backward(dout, ref_cache))


def test_max_pool_gives_a_tied_window_gradient_to_its_first_max():
    x = np.array([[[[1.0, 3.0], [3.0, 3.0]]]])
    out, cache = gpu.max_pool_forward(*device(x), 2, 2)
    dx = gpu.max_pool_backward(*device(np.array([[[[5.0]]]])), cache)
    np.testing.assert_array_equal(dx.copy_to_host(), [[[[0.0, 5.0], [0.0, 0.0]]]])


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_matches_reference(rng, dtype):
    x = random(rng, (3, 2, 5), dtype)
    x[0, 0, :2] = 0  # the gradient is 0 at x == 0
    out, cache = gpu.relu_forward(*device(x))
    ref_out, ref_cache = ref.relu_forward(x)
    assert_device_close(out, ref_out)
    dout = random(rng, x.shape, dtype)
    assert_device_close(gpu.relu_backward(*device(dout), cache), ref.relu_backward(dout, ref_cache))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape, M", [((3, 2, 2, 2), 5), ((4, 3), 7)])
def test_affine_matches_reference(rng, x_shape, M, dtype):
    D = int(np.prod(x_shape[1:]))
    x, w, b = random(rng, x_shape, dtype), random(rng, (D, M), dtype), random(rng, M, dtype)
    out, cache = gpu.affine_forward(*device(x, w, b))
    ref_out, ref_cache = ref.affine_forward(x, w, b)
    assert_device_close(out, ref_out)
    dout = random(rng, ref_out.shape, dtype)
    grads = gpu.affine_backward(*device(dout), cache)
    for grad, ref_grad in zip(grads, ref.affine_backward(dout, ref_cache)):
        assert_device_close(grad, ref_grad)
