"""Batch normalization and dropout on the CUDA backend."""
import numpy as np
import pytest

from compare import DTYPES, assert_device_close, device, gpu, random, ref

# The simulator runs numba's xoroshiro128+ generator on NumPy uint64 scalars,
# which warn when they wrap around (as the generator means them to).
wrapping_uint64 = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("x_shape", [(6, 5), (3, 2, 3, 4)])
def test_batchnorm_matches_reference(rng, x_shape, train, dtype):
    C = x_shape[1]
    x = (3 * random(rng, x_shape, dtype) + 2).astype(dtype)
    gamma, beta = random(rng, C, dtype), random(rng, C, dtype)
    mean, var = random(rng, C, dtype), (1 + rng.random(C)).astype(dtype)
    running = device(mean, var)
    ref_running = (mean.copy(), var.copy())
    out, cache = gpu.batchnorm_forward(*device(x, gamma, beta), *running, train, 0.8, 1e-3)
    ref_out, ref_cache = ref.batchnorm_forward(x, gamma, beta, *ref_running, train, 0.8, 1e-3)
    assert_device_close(out, ref_out)
    for stat, ref_stat in zip(running, ref_running):  # updated in place in train mode
        assert_device_close(stat, ref_stat)
    dout = random(rng, x_shape, dtype)
    for grad, ref_grad in zip(gpu.batchnorm_backward(*device(dout), cache),
                              ref.batchnorm_backward(dout, ref_cache)):
        assert_device_close(grad, ref_grad)


def test_batchnorm_updates_numpy_running_stats_in_place(rng):
    x = random(rng, (8, 3), np.float64)
    mean, var = np.zeros(3), np.ones(3)
    out, _ = gpu.batchnorm_forward(x, np.ones(3), np.zeros(3), mean, var, True, 0.5)
    assert type(out) is np.ndarray
    np.testing.assert_allclose(mean, 0.5 * x.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(var, 0.5 + 0.5 * x.var(axis=0), rtol=1e-10)


@wrapping_uint64
@pytest.mark.parametrize("dtype", DTYPES)
def test_dropout_keeps_about_p_of_the_units_scaled_by_1_over_p(rng, dtype):
    p = 0.7
    x = random(rng, (4, 64), dtype)
    out, cache = gpu.dropout_forward(*device(x), p, True, 5)
    mask = cache.copy_to_host()
    assert mask.dtype == dtype
    assert set(np.unique(mask)) <= {0, dtype(1 / p)}
    assert 0.6 < np.mean(mask > 0) < 0.8
    assert_device_close(out, x * mask)
    dout = random(rng, x.shape, dtype)
    assert_device_close(gpu.dropout_backward(*device(dout), cache), dout * mask)


@wrapping_uint64
def test_dropout_repeats_its_mask_for_a_seed_only(rng):
    x = gpu.asarray(np.ones((3, 50)))
    first, again, other = (gpu.dropout_forward(x, 0.5, True, seed)[0].copy_to_host()
                           for seed in (1, 1, 2))
    np.testing.assert_array_equal(first, again)
    assert (first != other).any()
    unseeded = [gpu.dropout_forward(x, 0.5, True)[0].copy_to_host() for _ in range(2)]
    assert (unseeded[0] != unseeded[1]).any()


def test_dropout_in_eval_mode_passes_values_and_gradients_through(rng):
    x, dout = device(random(rng, (2, 3), np.float32), random(rng, (2, 3), np.float32))
    out, cache = gpu.dropout_forward(x, 0.5, False)
    assert out is x
    assert gpu.dropout_backward(dout, cache) is dout
