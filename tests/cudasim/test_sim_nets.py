"""A small Net, an Adam step and a Trainer step on the CUDA backend: NumPy's values, on the GPU.

The net has every kind of layer, one conv in floor mode (its input is cropped
on the device); dropout keeps every unit (p=1) so both backends agree.
"""
import numpy as np
import pytest

from convkit import ops
from convkit.backends import use_backend
from convkit.data import Dataset, prepare
from convkit.layers import FC, BatchNorm, Conv, Dropout, Flatten, MaxPool, ReLU, Whiten
from convkit.net import Net
from convkit.optim import Adam
from convkit.trainer import Trainer

X_SHAPE, CLASSES = (2, 3, 6, 6), 3


def tiny_net():
    """6x6x3 -> CONV F=3 S=2 floor (crops to 5x5) -> 2x2x4 -> POOL -> 1x1x4 -> 3 scores.

    BN comes after RELU here: right after the conv it would make the conv's
    bias gradient zero, and Adam would amplify its rounding noise.
    """
    layers = [Conv(4, F=3, S=2, P=0, mode="floor"), ReLU(), BatchNorm(), MaxPool(2, 2),
              Dropout(p=1.0), Flatten(), FC(CLASSES)]
    return Net(layers, input_shape=X_SHAPE[1:], seed=0, dtype=np.float64)


def host_copies(monkeypatch):
    """A list that records the shape of every device array copied to the host from now on."""
    copied = []
    device_type = type(ops.asarray(np.zeros(1)))
    copy_to_host = device_type.copy_to_host

    def counted(array, *args, **kwargs):
        copied.append(tuple(array.shape))
        return copy_to_host(array, *args, **kwargs)

    monkeypatch.setattr(device_type, "copy_to_host", counted)
    return copied


def loss_and_adam_step(X, y):
    """Net.loss then one Adam step; returns the loss, scores, gradients and parameters."""
    net = tiny_net()
    loss, scores = net.loss(X, y)
    grads = {name: g for name, g in net.grads.items()}
    Adam(lr=0.1).step(net.params, grads)
    return loss, scores, grads, net.params


def test_net_loss_and_adam_step_match_numpy_and_stay_on_the_device(rng, monkeypatch):
    X = rng.standard_normal(X_SHAPE)
    y = np.array([0, 2])
    with use_backend("numpy"):
        loss, scores, grads, params = loss_and_adam_step(X, y)
    with use_backend("cuda"):
        copied = host_copies(monkeypatch)
        gpu_loss, gpu_scores, gpu_grads, gpu_params = loss_and_adam_step(X, y)
        monkeypatch.undo()
        assert copied == [(1,)]  # the loss, nothing else
        assert gpu_loss == pytest.approx(loss, rel=1e-9)
        np.testing.assert_allclose(ops.to_numpy(gpu_scores), scores, rtol=1e-9, atol=1e-12)
        assert set(gpu_grads) == set(grads)
        for name in grads:
            np.testing.assert_allclose(ops.to_numpy(gpu_grads[name]), grads[name],
                                       rtol=1e-8, atol=1e-9, err_msg=name)
            np.testing.assert_allclose(ops.to_numpy(gpu_params[name]), params[name],
                                       rtol=1e-8, atol=1e-12, err_msg=name)


def tiny_data():
    """Eight 6x6 RGB training images and two test images of three classes."""
    rng = np.random.default_rng(4)
    images = rng.integers(0, 256, (10, 6, 6, 3), dtype=np.uint8)
    labels = np.arange(10) % CLASSES
    data = Dataset(images[:8], labels[:8], images[8:], labels[8:], ("a", "b", "c"), "random",
                   synthetic=True)
    return prepare(data, num_val=2, dtype=np.float64)


def trainer_step():
    trainer = Trainer(tiny_net(), tiny_data(), optimizer=Adam(lr=0.1), batch_size=2, seed=1)
    return trainer.step(details=False), trainer.net.params


def test_trainer_step_matches_numpy_and_brings_back_only_the_loss_and_scores(monkeypatch):
    with use_backend("numpy"):
        stage, params = trainer_step()
    with use_backend("cuda"):
        copied = host_copies(monkeypatch)
        gpu_stage, gpu_params = trainer_step()
        monkeypatch.undo()
        assert copied == [(1,), (2, CLASSES)]  # the loss, then the scores for the Stage
        assert gpu_stage.loss == pytest.approx(stage.loss, rel=1e-9)
        np.testing.assert_array_equal(gpu_stage.indices, stage.indices)
        np.testing.assert_allclose(gpu_stage.scores, stage.scores, rtol=1e-9, atol=1e-12)
        for name, w in params.items():
            np.testing.assert_allclose(ops.to_numpy(gpu_params[name]), w, rtol=1e-8, atol=1e-12,
                                       err_msg=name)


def test_a_whitening_layer_fitted_on_the_device_gives_numpy_values(rng):
    x = rng.standard_normal((3, 3, 4, 4))
    x[:, 1] += x[:, 0]
    y = np.array([0, 1, 2])
    results = []
    for backend in ("numpy", "cuda"):
        with use_backend(backend):
            net = Net([Whiten(F=2), ReLU(), FC(CLASSES)], input_shape=(3, 4, 4), seed=0,
                      dtype=np.float64)
            net.fit_whitening(x)
            loss, scores = net.loss(x, y)
            results.append([ops.to_numpy(net.buffers["whiten1.w"]), ops.to_numpy(scores),
                            ops.to_numpy(net.grads["fc1.w"]), np.array(loss)])
    for got, expected in zip(results[1], results[0]):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
