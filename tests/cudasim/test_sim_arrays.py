"""Array functions, the matrix product and the reductions of the CUDA backend."""
import numpy as np
import pytest

from compare import assert_device_close, device, gpu, random
from convkit.backends.cuda.support.gemm import matmul
from convkit.backends.cuda.support.reduce import channel_dots, channel_sums


def test_asarray_copies_to_the_device_once(rng):
    a = random(rng, (2, 3), np.float64)
    on_gpu = gpu.asarray(a)
    assert_device_close(on_gpu, a)
    assert gpu.asarray(on_gpu) is on_gpu
    assert_device_close(gpu.asarray(on_gpu, np.float32), a.astype(np.float32))
    assert_device_close(gpu.asarray([[1, 2]], np.float32), np.array([[1, 2]], np.float32))


def test_to_numpy_and_zeros():
    zeros = gpu.zeros((2, 3), np.float32)
    assert_device_close(zeros, np.zeros((2, 3), np.float32))
    host = gpu.to_numpy(zeros)
    assert type(host) is np.ndarray and host.dtype == np.float32


def test_sum_squares_over_several_blocks(rng):
    a = random(rng, (5000,), np.float64)
    assert gpu.sum_squares(gpu.asarray(a)) == pytest.approx(np.sum(a * a), rel=1e-12)
    assert gpu.sum_squares(a[:7]) == pytest.approx(np.sum(a[:7] ** 2), rel=1e-12)


def test_argmax_rows_picks_the_first_largest_score():
    scores = np.array([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0], [-3.0, -2.0, -1.0]], np.float32)
    result = gpu.argmax_rows(gpu.asarray(scores))
    assert type(result) is np.ndarray
    np.testing.assert_array_equal(result, [1, 0, 2])


# M, K, N, trans_a, trans_b, splits of the inner dimension
PRODUCTS = [
    (70, 20, 9, False, False, 1),    # two tiles of rows
    (5, 40, 7, True, False, 3),      # chunks of the inner dimension, added up
    (4, 33, 66, True, True, 2),      # two tiles of columns, an uneven last chunk
    (3, 18, 5, False, True, None),
]


@pytest.mark.parametrize("M, K, N, trans_a, trans_b, splits", PRODUCTS)
def test_matmul_matches_numpy(rng, M, K, N, trans_a, trans_b, splits):
    a = random(rng, (K, M) if trans_a else (M, K), np.float64)
    b = random(rng, (N, K) if trans_b else (K, N), np.float64)
    expected = (a.T if trans_a else a) @ (b.T if trans_b else b)
    assert_device_close(matmul(*device(a, b), trans_a, trans_b, splits), expected)


@pytest.mark.parametrize("groups", [1, 3])
def test_channel_sums_and_dots(rng, groups):
    x, y = random(rng, (3, 2, 30), np.float64), random(rng, (3, 2, 30), np.float64)
    assert_device_close(channel_sums(*device(x), 0.5, groups), 0.5 * x.sum(axis=(0, 2)))
    assert_device_close(channel_dots(*device(x, y), 2.0, groups), 2 * (x * y).sum(axis=(0, 2)))
