"""Train/val/test splits, normalisation, minibatches and augmentation on a small made-up Dataset."""

import numpy as np
import pytest

from convkit.data import Dataset, channel_stats, crop, prepare, random_crop, random_flip


def make_dataset(n_train=50, n_test=10, seed=0):
    """Random uint8 images; image i of the training set has label i % 10."""
    rng = np.random.default_rng(seed)
    return Dataset(
        X_train=rng.integers(0, 256, size=(n_train, 32, 32, 3), dtype=np.uint8),
        y_train=np.arange(n_train, dtype=np.int64) % 10,
        X_test=rng.integers(0, 256, size=(n_test, 32, 32, 3), dtype=np.uint8),
        y_test=np.arange(n_test, dtype=np.int64) % 10,
        class_names=tuple(f"c{k}" for k in range(10)), source="test")


@pytest.fixture
def data():
    return make_dataset()


def test_the_last_training_images_are_the_validation_split(data):
    p = prepare(data, num_val=10)
    np.testing.assert_array_equal(p.raw_train, data.X_train[:40])
    np.testing.assert_array_equal(p.raw_val, data.X_train[40:])
    np.testing.assert_array_equal(p.raw_test, data.X_test)
    np.testing.assert_array_equal(p.y_train, data.y_train[:40])
    np.testing.assert_array_equal(p.y_val, data.y_train[40:])
    np.testing.assert_array_equal(p.y_test, data.y_test)
    assert (len(p.X_train), len(p.X_val), len(p.X_test)) == (40, 10, 10)
    np.testing.assert_array_equal(prepare(data, num_val=10).X_val, p.X_val)


def test_num_val_zero_keeps_every_training_image(data):
    p = prepare(data, num_val=0)
    assert len(p.y_train) == 50 and len(p.y_val) == 0 and p.X_val.shape == (0, 3, 32, 32)


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_val=50), r"num_val must be an int in 0..49"),
    (dict(num_val=-1), r"num_val must be an int in 0..49"),
    (dict(num_val=10, dtype=np.int32), "dtype must be float32 or float64"),
    (dict(num_val=10, dtype=np.float16), "dtype must be float32 or float64"),
])
def test_bad_settings(data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        prepare(data, **kwargs)


def test_statistics_come_from_the_training_split_only(data):
    data.X_train[40:] = 255                      # the validation images would pull the mean up
    p = prepare(data, num_val=10)
    pixels = data.X_train[:40].astype(np.float64)
    np.testing.assert_allclose(p.mean, pixels.mean(axis=(0, 1, 2)), rtol=1e-12)
    np.testing.assert_allclose(p.std, pixels.std(axis=(0, 1, 2)), rtol=1e-12)
    assert np.all(p.mean < 140)


def test_channel_stats_of_known_values():
    images = np.zeros((2, 1, 2, 3), dtype=np.uint8)
    images[..., 0] = [[[0, 255]], [[0, 255]]]    # red: half 0, half 255
    images[..., 1] = 7                           # green: constant
    images[..., 2] = [[[1, 2]], [[3, 4]]]        # blue: 1, 2, 3, 4
    mean, std = channel_stats(images)
    np.testing.assert_allclose(mean, [127.5, 7, 2.5])
    np.testing.assert_allclose(std, [127.5, 0, np.sqrt(1.25)])


def test_float_arrays_are_normalised_nchw(data):
    p = prepare(data, num_val=10)
    X = p.X_train
    assert X.shape == (40, 3, 32, 32) and X.dtype == np.float32 and X.flags.c_contiguous
    np.testing.assert_allclose(X.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(X.std(axis=(0, 2, 3)), 1, atol=1e-5)
    i, c, h, w = 7, 2, 30, 4
    expected = (data.X_train[i, h, w, c] - p.mean[c]) / p.std[c]
    assert X[i, c, h, w] == pytest.approx(expected, rel=1e-6)
    assert p.X_train is X                        # computed once, then kept


def test_without_normalisation_the_pixels_stay_0_to_255(data):
    p = prepare(data, num_val=10, dtype=np.float64, normalize=False)
    assert p.X_test.dtype == np.float64
    np.testing.assert_array_equal(p.X_test, data.X_test.transpose(0, 3, 1, 2))


def test_batches_in_order_cover_the_split(data):
    p = prepare(data, num_val=10)
    batches = list(p.batches("train", 16, shuffle=False))
    assert [len(y) for _, y in batches] == [16, 16, 8]
    np.testing.assert_array_equal(np.concatenate([X for X, _ in batches]), p.X_train)
    np.testing.assert_array_equal(np.concatenate([y for _, y in batches]), p.y_train)
    X, y = batches[0]
    assert X.shape == (16, 3, 32, 32) and X.dtype == np.float32 and y.dtype == np.int64


def image_ids(p, X):
    """Which training image each float image of a batch is (by its first pixel row)."""
    keys = {p.X_train[i, :, 0].tobytes(): i for i in range(len(p.X_train))}
    return [keys[x[:, 0].tobytes()] for x in X]


def test_shuffled_batches_hold_every_image_once_with_its_label(data):
    p = prepare(data, num_val=10)
    ids, labels = [], []
    for X, y in p.batches("train", 16, rng=3):
        ids += image_ids(p, X)
        labels += y.tolist()
    assert sorted(ids) == list(range(40)) and ids != list(range(40))
    assert labels == [p.y_train[i] for i in ids]


def test_same_seed_same_batches(data):
    p = prepare(data, num_val=10)

    def epoch(seed, augment):
        return [X for X, _ in p.batches("train", 16, augment=augment, rng=seed)]
    for augment in (False, True):
        for a, b in zip(epoch(5, augment), epoch(5, augment)):
            np.testing.assert_array_equal(a, b)
        assert not np.array_equal(epoch(5, augment)[0], epoch(6, augment)[0])
    generator = np.random.default_rng(5)
    np.testing.assert_array_equal(next(p.batches("train", 16, rng=generator))[0], epoch(5, False)[0])


def test_val_and_test_batches(data):
    p = prepare(data, num_val=10)
    X, y = next(p.batches("val", 100, shuffle=False))
    np.testing.assert_array_equal(X, p.X_val)
    X, y = next(p.batches("test", 100, shuffle=False))
    np.testing.assert_array_equal(y, p.y_test)
    with pytest.raises(ValueError, match="split must be one of 'train', 'val', 'test'"):
        next(p.batches("validation", 10))
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        next(p.batches("train", 0))


def test_crop_cuts_one_window_per_image():
    images = np.arange(2 * 6 * 7 * 1).reshape(2, 6, 7, 1)
    out = crop(images, np.array([0, 2]), np.array([3, 1]), 4, 3)
    np.testing.assert_array_equal(out[0], images[0, 0:4, 3:6])
    np.testing.assert_array_equal(out[1], images[1, 2:6, 1:4])


def test_flips_really_flip():
    images = np.random.default_rng(0).integers(0, 256, size=(200, 32, 32, 3), dtype=np.uint8)
    out = random_flip(images, np.random.default_rng(1))
    flipped = np.array([np.array_equal(o, x[:, ::-1]) for o, x in zip(out, images)])
    kept = np.array([np.array_equal(o, x) for o, x in zip(out, images)])
    assert np.all(flipped ^ kept)
    assert 70 < flipped.sum() < 130                # about half
    assert np.array_equal(out[flipped][:, :, 0], images[flipped][:, :, -1])


def test_crops_shift_the_content_with_black_borders():
    images = np.full((300, 32, 32, 3), 200, dtype=np.uint8)
    images[:, 10, 20] = 50                       # one marked pixel per image
    out = random_crop(images, 4, np.random.default_rng(0))
    assert out.shape == images.shape
    rows, cols = [], []
    for o in out:
        (r,), (c,) = np.nonzero(o[..., 0] == 50)
        rows.append(r)
        cols.append(c)
        dy, dx = r - 10, c - 20                  # the shift of the content
        black = np.all(o == 0, axis=2)
        expected = np.zeros((32, 32), dtype=bool)
        expected[:max(dy, 0)] = expected[32 + min(dy, 0):] = True
        expected[:, :max(dx, 0)] = expected[:, 32 + min(dx, 0):] = True
        np.testing.assert_array_equal(black, expected)
    assert set(rows) == set(range(6, 15)) and set(cols) == set(range(16, 25))


def test_augmented_batches_are_crops_and_flips_of_the_raw_images(data):
    p = prepare(data, num_val=10, dtype=np.float64, normalize=False)
    X, _ = next(p.batches("train", 40, shuffle=False, augment=True, rng=0))
    padded = np.pad(p.raw_train, ((0, 0), (4, 4), (4, 4), (0, 0)))
    found = []
    for i, x in enumerate(X.transpose(0, 2, 3, 1)):
        matches = [(top, left, flip) for top in range(9) for left in range(9) for flip in (0, 1)
                   if np.array_equal(x, padded[i, top:top + 32, left:left + 32][:, ::-1 if flip else 1])]
        assert len(matches) == 1
        found += matches
    tops, lefts, flips = zip(*found)
    assert len(set(tops)) > 3 and len(set(lefts)) > 3 and 0 < sum(flips) < 40


@pytest.mark.parametrize("change, error, words", [
    (lambda X: X.transpose(0, 3, 1, 2), "ShapeError",
     "X_train has shape (50, 3, 32, 32), which looks like NCHW (N, C, H, W); prepare takes raw "
     "images (N, H, W, C), channels last: X_train.transpose(0, 2, 3, 1)"),
    (lambda X: X / 255.0, "TypeError", "X_train must hold raw uint8 pixels (0-255), got dtype "
     "float64; they look like floats in [0, 1]: (255 * x).round().astype(np.uint8)"),
    (lambda X: X.astype(np.int64), "TypeError", "got dtype int64"),
    (lambda X: X[..., 0], "ShapeError",
     "X_train must be images (N, H, W, C), got shape (50, 32, 32)"),
    (lambda X: X.tolist(), "TypeError", "X_train must be a NumPy array of uint8 images"),
])
def test_images_that_are_not_uint8_nhwc_are_refused(data, change, error, words):
    bad = Dataset(change(data.X_train), data.y_train, data.X_test, data.y_test,
                  data.class_names, "test")
    with pytest.raises(Exception) as caught:
        prepare(bad, num_val=10)
    assert type(caught.value).__name__ == error and words in str(caught.value)


def test_a_constant_channel_is_centred_not_divided_by_zero(data):
    data.X_train[..., 1] = 200
    data.X_test[..., 1] = 7
    p = prepare(data, num_val=10)
    assert p.std[1] == 0
    assert np.all(np.isfinite(p.X_train)) and np.all(np.isfinite(p.X_test))
    np.testing.assert_array_equal(p.X_train[:, 1], 0)
    np.testing.assert_array_equal(p.X_test[:, 1], 7 - 200)
