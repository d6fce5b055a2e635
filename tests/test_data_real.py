"""The real CIFAR-10, read from $CONVKIT_DATA (CI sets it; skipped when unset)."""

import os

import numpy as np
import pytest

from convkit.data import load_cifar10, prepare

pytestmark = pytest.mark.skipif(
    not os.environ.get("CONVKIT_DATA"),
    reason="CONVKIT_DATA is not set: point it at the folder holding cifar-10-batches-py/ "
           "(or cifar-10-python.tar.gz) to check the real CIFAR-10")


@pytest.fixture(scope="module")
def cifar():
    return load_cifar10(download=False)


@pytest.fixture(scope="module")
def prepared(cifar):
    return prepare(cifar)


def test_shapes_and_types(cifar):
    assert cifar.X_train.shape == (50_000, 32, 32, 3) and cifar.X_train.dtype == np.uint8
    assert cifar.X_test.shape == (10_000, 32, 32, 3) and cifar.X_test.dtype == np.uint8
    assert cifar.y_train.shape == (50_000,) and cifar.y_train.dtype == np.int64
    assert cifar.y_test.shape == (10_000,) and cifar.y_test.dtype == np.int64
    assert cifar.class_names == ("airplane", "automobile", "bird", "cat", "deer",
                                 "dog", "frog", "horse", "ship", "truck")
    assert not cifar.synthetic and "NOT CIFAR-10" not in repr(cifar)


def test_official_order(cifar):
    assert cifar.y_train[:10].tolist() == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]
    assert cifar.y_test[:10].tolist() == [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]


def test_balanced_classes(cifar):
    assert np.bincount(cifar.y_train).tolist() == [5000] * 10
    assert np.bincount(cifar.y_test).tolist() == [1000] * 10


def test_published_channel_statistics(cifar):
    full = prepare(cifar, num_val=0)
    np.testing.assert_array_equal(full.mean.round(2), [125.31, 122.95, 113.87])
    np.testing.assert_array_equal(full.std.round(2), [62.99, 62.09, 66.70])


def test_cs231n_split(cifar, prepared):
    assert (len(prepared.y_train), len(prepared.y_val), len(prepared.y_test)) == (49_000, 1_000, 10_000)
    np.testing.assert_array_equal(prepared.y_val, cifar.y_train[49_000:])
    np.testing.assert_array_equal(prepared.raw_val, cifar.X_train[49_000:])
    assert np.all(np.abs(prepared.mean - [125.31, 122.95, 113.87]) < 0.2)


def test_normalised_validation_split(prepared):
    X = prepared.X_val
    assert X.shape == (1_000, 3, 32, 32) and X.dtype == np.float32
    assert np.all(np.abs(X.mean(axis=(0, 2, 3))) < 0.1)
    assert np.all(np.abs(X.std(axis=(0, 2, 3)) - 1) < 0.1)
