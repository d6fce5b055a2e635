"""convkit.recipe: the class run's settings, and a timed run that ends with its schedule."""
import warnings

import pytest

from convkit import models, ops, recipe
from convkit.net import Net
from convkit import trainer as trainer_module
from convkit.backends import use_backend
from convkit.data import prepare, synthetic_cifar
from convkit.optim import CosineSchedule, Nesterov


@pytest.fixture(autouse=True)
def numpy_backend():
    with use_backend("numpy"):
        yield


@pytest.fixture(scope="module")
def data():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return prepare(synthetic_cifar(n_train=600, n_test=50, seed=1), num_val=88)


def test_the_class_run_trains_small_cifar_net_with_the_measured_settings(data):
    trainer = recipe.class_run(data, seed=3)
    assert [layer.describe() for layer in trainer.net.layers] == [
        layer.describe() for layer in models.small_cifar_net().layers]
    assert [layer.kind for layer in trainer.net.layers[:4]] == ["CONV", "POOL", "BN", "RELU"]
    optimizer = trainer.optimizer
    assert isinstance(optimizer, Nesterov) and isinstance(optimizer.schedule, CosineSchedule)
    assert (optimizer.base_lr, optimizer.mu, optimizer.weight_decay) == (0.4, 0.9, 1e-3)
    assert optimizer.schedule.warmup / optimizer.schedule.total_steps == 0.15
    assert (trainer.batch_size, trainer.augment, trainer.crop_padding) == (256, True, 2)
    assert trainer.steps_per_epoch == 2                        # 512 training images


def test_a_timed_class_run_warms_up_then_ends_at_a_zero_rate(data, monkeypatch):
    class Clock:                                               # every step takes 0.25 s
        now = 0.0

        def perf_counter(self):
            Clock.now += 0.25
            return Clock.now

    monkeypatch.setattr(trainer_module, "time", Clock())
    net = Net.from_pattern("INPUT -> CONV(K=4, F=8, S=8, P=0) -> BN -> RELU -> FC")
    trainer = recipe.class_run(data, net=net)
    trainer.eval_every = 1000
    history = trainer.run(seconds=10, progress=False)
    assert trainer.step_count == 40 and trainer.optimizer.schedule.total_steps == 40
    assert trainer.optimizer.schedule.warmup == 6              # 15% of 40
    peak = history.lr.index(max(history.lr))
    assert peak == 5 and history.lr[peak] == pytest.approx(0.4)
    assert history.lr[-1] < 1e-3


def test_the_long_run_fits_the_whitening_of_whitened_cifar_net_then_trains_as_the_class_run(data):
    trainer = recipe.long_run(data, seed=3)
    net = trainer.net
    assert [layer.describe() for layer in net.layers] == [
        layer.describe() for layer in models.whitened_cifar_net().layers]
    images = data.preprocess(data.raw_train[:recipe.WHITENING_IMAGES])
    fitted = models.whitened_cifar_net()
    fitted.fit_whitening(images)
    for name in ("whiten1.w", "whiten1.b"):
        assert (ops.to_numpy(net.buffers[name]) == ops.to_numpy(fitted.buffers[name])).all()
    optimizer = trainer.optimizer
    assert (optimizer.base_lr, optimizer.mu, optimizer.weight_decay) == (0.4, 0.9, 1e-3)
    assert (trainer.batch_size, trainer.augment, trainer.crop_padding) == (256, True, 2)
