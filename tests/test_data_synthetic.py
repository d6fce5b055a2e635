"""The synthetic stand-in: says loudly it is not CIFAR-10, is reproducible, and is learnable."""

import numpy as np
import pytest

from convkit.data import Dataset, prepare, synthetic_cifar


@pytest.fixture(scope="module")
def synthetic():
    with pytest.warns(UserWarning, match="NOT CIFAR-10"):
        return synthetic_cifar(n_train=5000, n_test=1000, seed=0)


def test_it_warns_that_it_is_not_cifar10():
    with pytest.warns(UserWarning, match="NOT CIFAR-10"):
        synthetic_cifar(n_train=20, n_test=10)


def test_it_says_so_everywhere(synthetic):
    assert isinstance(synthetic, Dataset) and synthetic.synthetic is True
    assert synthetic.class_names == tuple(f"synthetic-{k}" for k in range(10))
    assert "NOT CIFAR-10" in repr(synthetic)
    assert "synthetic_cifar(n_train=5000, n_test=1000, seed=0)" in synthetic.source
    assert "NOT CIFAR-10" in repr(prepare(synthetic))


def test_cifar10_shapes_and_balanced_classes(synthetic):
    assert synthetic.X_train.shape == (5000, 32, 32, 3) and synthetic.X_train.dtype == np.uint8
    assert synthetic.X_test.shape == (1000, 32, 32, 3) and synthetic.X_test.dtype == np.uint8
    assert synthetic.y_train.dtype == np.int64 and synthetic.y_test.dtype == np.int64
    assert np.bincount(synthetic.y_train).tolist() == [500] * 10
    assert np.bincount(synthetic.y_test).tolist() == [100] * 10


def test_same_seed_same_images():
    with pytest.warns(UserWarning):
        a, b, c = (synthetic_cifar(100, 20, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.X_train, c.X_train)


def test_no_two_images_are_alike(synthetic):
    images = np.concatenate([synthetic.X_train, synthetic.X_test]).reshape(6000, -1)
    assert len(np.unique(images, axis=0)) == 6000


def test_averaging_each_class_is_far_from_enough(synthetic):
    """A nearest-class-mean classifier on the pixels: well above chance (0.1), far from perfect."""
    X = synthetic.X_train.reshape(5000, -1).astype(np.float64)
    T = synthetic.X_test.reshape(1000, -1).astype(np.float64)
    means = np.stack([X[synthetic.y_train == k].mean(axis=0) for k in range(10)])
    distances = (T ** 2).sum(1)[:, None] - 2 * T @ means.T + (means ** 2).sum(1)
    accuracy = np.mean(distances.argmin(axis=1) == synthetic.y_test)
    assert 0.18 < accuracy < 0.5


def test_a_linear_classifier_learns_it_in_300_steps(synthetic):
    """Softmax regression, minibatch SGD on the prepared batches: from chance to far above it."""
    data = prepare(synthetic, num_val=0)
    rng = np.random.default_rng(0)
    W = 1e-3 * rng.standard_normal((3072, 10)).astype(np.float32)

    def accuracy():
        return np.mean((data.X_test.reshape(1000, -1) @ W).argmax(axis=1) == data.y_test)
    assert accuracy() < 0.2
    steps = 0
    while steps < 300:
        for X, y in data.batches("train", 64, rng=rng):
            scores = X.reshape(len(X), -1) @ W
            p = np.exp(scores - scores.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(y)), y] -= 1
            W -= 1e-3 * X.reshape(len(X), -1).T @ p / len(y)
            steps += 1
            if steps == 300:
                break
    assert accuracy() > 0.4
