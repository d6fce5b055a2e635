"""Softmax and SVM losses, and the parameter updates, on the CUDA backend vs the reference."""
import numpy as np
import pytest

from compare import DTYPES, assert_device_close, device, gpu, random, ref


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", ["softmax_loss", "svm_loss"])
def test_loss_matches_reference(rng, loss, dtype):
    scores = (3 * random(rng, (7, 4), dtype)).astype(dtype)
    y = rng.integers(0, 4, size=7)
    value, dscores = getattr(gpu, loss)(*device(scores), y)
    ref_value, ref_dscores = getattr(ref, loss)(scores, y)
    assert type(value) is float
    assert value == pytest.approx(ref_value, rel=1e-5 if dtype == np.float32 else 1e-12)
    assert_device_close(dscores, ref_dscores)


def test_svm_loss_of_a_hand_worked_example():
    # CS231n notes: scores [13, -7, 11], correct class 0, delta 10 -> max(0, -20+10) + max(0, -2+10) = 8
    value, dscores = gpu.svm_loss(*device(np.array([[13.0, -7.0, 11.0]])), np.array([0]), 10.0)
    assert value == 8.0
    np.testing.assert_array_equal(dscores.copy_to_host(), [[-1.0, 0.0, 1.0]])


def state(rng, dtype, n):
    """w, dw and n optimizer arrays (positive, as a cache of squares would be)."""
    return [random(rng, (3, 4), dtype) for _ in range(2)] + [rng.random((3, 4)).astype(dtype)
                                                              for _ in range(n)]


UPDATES = [
    ("sgd_update", 0, dict(lr=0.1, weight_decay=0.01)),
    ("momentum_update", 1, dict(lr=0.1, mu=0.9, weight_decay=0.01)),
    ("momentum_update", 1, dict(lr=0.1, mu=0.8, nesterov=True)),
    ("adagrad_update", 1, dict(lr=0.1, eps=1e-6, weight_decay=0.01)),
    ("rmsprop_update", 1, dict(lr=0.01, decay=0.9, eps=1e-6, weight_decay=0.01)),
    ("adam_update", 2, dict(t=3, lr=0.01, beta1=0.8, beta2=0.95, eps=1e-6, weight_decay=0.01)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("update, n_state, settings", UPDATES)
def test_update_matches_reference_in_place(rng, update, n_state, settings, dtype):
    arrays = state(rng, dtype, n_state)
    on_gpu = device(*arrays)
    assert getattr(gpu, update)(*on_gpu, **settings) is None
    getattr(ref, update)(*arrays, **settings)
    for changed, expected in zip(on_gpu, arrays):
        assert_device_close(changed, expected)


def test_update_of_numpy_arrays_changes_them_in_place(rng):
    w, dw, m, v = state(rng, np.float64, 2)
    expected = [a.copy() for a in (w, dw, m, v)]
    ref.adam_update(*expected, t=1, lr=0.1)
    gpu.adam_update(w, dw, m, v, t=1, lr=0.1)
    for changed, want in zip((w, dw, m, v), expected):
        np.testing.assert_allclose(changed, want, rtol=1e-10)
