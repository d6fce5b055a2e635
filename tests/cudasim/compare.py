"""Checking the CUDA backend against the NumPy reference, on the simulator."""
import numpy as np

from convkit.backends import cuda as gpu
from convkit.backends import numpy as ref
from convkit.backends.cuda.support.device import is_device

__all__ = ["DTYPES", "assert_device_close", "device", "gpu", "random", "ref"]

DTYPES = (np.float32, np.float64)
TOLERANCE = {np.dtype(np.float32): dict(rtol=1e-4, atol=1e-4),
             np.dtype(np.float64): dict(rtol=1e-9, atol=1e-10)}


def device(*arrays):
    """Device copies of NumPy arrays."""
    return [gpu.asarray(a) for a in arrays]


def assert_device_close(actual, expected):
    """actual is a device array with the shape, dtype and values of the NumPy array expected."""
    assert is_device(actual), f"expected a device array, got {type(actual).__name__}"
    host = actual.copy_to_host()
    expected = np.asarray(expected)
    assert host.shape == expected.shape
    assert host.dtype == expected.dtype
    np.testing.assert_allclose(host, expected, **TOLERANCE[expected.dtype])


def random(rng, shape, dtype):
    """Standard normal values of the given shape and dtype."""
    return rng.standard_normal(shape).astype(dtype)
