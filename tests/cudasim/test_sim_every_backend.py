"""The backend-generic checks (tests/every_backend.py) on the CUDA backend: NaN, ties, caches."""
import numpy as np
import pytest

from compare import DTYPES, gpu, ref
from every_backend import LAYERS, NAN_OPS, backward_before_and_after_changing_out, nan_outputs, tied_max_pool

# numba's xoroshiro128+ generator (dropout) wraps NumPy uint64 scalars around under the simulator
wrapping_uint64 = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", NAN_OPS)
def test_nan_inputs_give_nan_where_the_reference_does(op, dtype):
    actual, expected = nan_outputs(gpu, op, dtype), nan_outputs(ref, op, dtype)
    assert np.isnan(expected[0]).any()
    tolerance = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-10)
    for a, e in zip(actual, expected, strict=True):
        nan = np.isnan(e)
        np.testing.assert_array_equal(np.isnan(a), nan)
        np.testing.assert_allclose(np.where(nan, 0, a), np.where(nan, 0, e), **tolerance)


@pytest.mark.parametrize("x_shape, size, stride", [
    ((2, 2, 5, 7), 2, 1), ((1, 3, 6, 6), 3, 3), ((2, 1, 7, 5), 3, 2), ((1, 2, 4, 4), 1, 1),
    ((1, 1, 9, 6), 4, 2),
])
def test_max_pool_ties_go_to_the_first_max(x_shape, size, stride):
    for got, expected in zip(tied_max_pool(gpu, x_shape, size, stride),
                             tied_max_pool(ref, x_shape, size, stride), strict=True):
        np.testing.assert_array_equal(got, expected)


@wrapping_uint64
@pytest.mark.parametrize("layer", LAYERS)
def test_changing_out_in_place_leaves_the_backward_unchanged(layer):
    before, after = backward_before_and_after_changing_out(gpu, layer)
    for grad, again in zip(before, after, strict=True):
        np.testing.assert_array_equal(again, grad)
