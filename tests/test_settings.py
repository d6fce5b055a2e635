"""Bad settings get a clear error naming the setting before any work is done;
the kit's exceptions live in convkit.errors; one validator for numbers."""
import warnings

import numpy as np
import pytest
from conftest import small_cifar

import convkit
from convkit import checkpoint, errors, pattern, values
from convkit.backends import use_backend
from convkit.data import load_cifar10, prepare, synthetic_cifar
from convkit.errors import SettingsError, ShapeError
from convkit.net import Net
from convkit.optim import SGD, Adam, CosineSchedule, Momentum, RMSProp, StepSchedule
from convkit.trainer import Trainer


pytestmark = pytest.mark.usefixtures("numpy_backend")


@pytest.fixture(scope="module")
def data():
    return small_cifar(n_train=120, n_test=20, num_val=20, seed=1)


def small_net():
    return Net.from_pattern("INPUT -> CONV(K=2, F=4, S=4, P=0) -> RELU -> FC", seed=0)


def test_every_exception_lives_in_errors_and_old_imports_still_work():
    assert checkpoint.CheckpointError is errors.CheckpointError is convkit.CheckpointError
    assert pattern.PatternError is errors.PatternError is convkit.PatternError
    for name in ("ShapeError", "SettingsError", "CheckpointError", "PatternError"):
        assert issubclass(getattr(errors, name), ValueError)
    assert not issubclass(SettingsError, ShapeError)


def test_one_validator_for_whole_numbers_and_numbers():
    assert values.integer("n", np.int64(3), 1) == 3
    with pytest.raises(TypeError, match=r"n must be an int, got 3.0 \(float\); write 3"):
        values.integer("n", 3.0, 1)
    with pytest.raises(SettingsError, match=r"n must be an int in 1..5, got 6"):
        values.integer("n", 6, 1, 5)
    with pytest.raises(ShapeError, match=r"W must be an int >= 1, got 0"):
        convkit.conv_output_size(0, 3)
    with pytest.raises(SettingsError, match=r"lr must be finite, got nan"):
        values.number("lr", float("nan"), 0)
    for bad in (True, "0.1", 1j, None):
        with pytest.raises(TypeError, match="x must be a number"):
            values.number("x", bad)


@pytest.mark.parametrize("make, error, words", [
    (lambda: SGD(lr="0.1"), TypeError, "lr must be a number, got '0.1'"),
    (lambda: SGD(lr=-0.1), SettingsError, "lr must be >= 0, got -0.1"),
    (lambda: Momentum(lr=0.1, mu=1.5), SettingsError, "mu must be in [0, 1), got 1.5"),
    (lambda: Adam(beta1=1.0), SettingsError, "beta1 must be in [0, 1), got 1.0"),
    (lambda: RMSProp(lr=0.1, eps=0), SettingsError, "eps must be > 0, got 0.0"),
    (lambda: SGD(lr=0.1, weight_decay=float("inf")), SettingsError, "weight_decay must be finite"),
    (lambda: StepSchedule(0), SettingsError, "step_size must be an int >= 1, got 0"),
    (lambda: StepSchedule(10, gamma=-1), SettingsError, "gamma must be >= 0, got -1.0"),
    (lambda: CosineSchedule(total_steps=2.5), TypeError, "total_steps must be an int, got 2.5"),
    (lambda: SGD(lr=0.1, schedule=5), TypeError, "schedule must be a schedule"),
])
def test_optimizer_settings_are_checked_when_made(make, error, words):
    with pytest.raises(error) as caught:
        make()
    assert words in str(caught.value)


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(eval_batch_size=0), SettingsError, "eval_batch_size must be an int >= 1, got 0"),
    (dict(eval_batch_size=-5), SettingsError, "eval_batch_size must be an int >= 1, got -5"),
    (dict(eval_every=0), SettingsError, "eval_every must be an int >= 1, got 0"),
    (dict(eval_every=-2), SettingsError, "eval_every must be an int >= 1"),
    (dict(eval_every=1.5), TypeError, "eval_every must be an int, got 1.5"),
    (dict(train_samples=-1), SettingsError, "train_samples must be an int >= 1, got -1"),
    (dict(batch_size=0), SettingsError, "batch_size must be an int >= 1, got 0"),
    (dict(augment="yes"), TypeError, "augment must be True or False"),
    (dict(optimizer="adam"), TypeError, "optimizer must be one of convkit.optim"),
])
def test_trainer_settings_are_checked_when_made(data, kwargs, error, words):
    with pytest.raises(error) as caught:
        Trainer(small_net(), data, **kwargs)
    assert words in str(caught.value)


def test_a_bare_callback_is_refused_before_any_step(data):
    trainer = Trainer(small_net(), data, batch_size=10)
    with pytest.raises(TypeError, match=r"callbacks must be a list of functions .*=\[f\]"):
        trainer.run(steps=2, callbacks=lambda trainer, stage: None, progress=False)
    assert trainer.step_count == 0 and trainer.position == 0 and trainer.history.loss == []


def test_an_invalid_learning_rate_is_refused_before_a_batch_is_drawn(data):
    trainer = Trainer(small_net(), data, optimizer=SGD(lr=0.1), batch_size=10)
    rng_state = trainer.rng.bit_generator.state
    trainer.optimizer.base_lr = float("nan")
    with pytest.raises(SettingsError, match=r"learning rate .* must be finite, got nan"):
        trainer.step()
    trainer.optimizer.base_lr = "0.1"
    with pytest.raises(TypeError):
        trainer.step()
    assert trainer.rng.bit_generator.state == rng_state
    assert (trainer.step_count, trainer.position, trainer.optimizer.t) == (0, 0, 0)


def test_predict_batch_size_and_inputs_are_checked():
    net = Net.from_pattern("INPUT -> FC", input_shape=(4,))
    X = np.zeros((3, 4), dtype=np.float32)
    for size in (0, -1):
        with pytest.raises(SettingsError, match=f"batch_size must be an int >= 1, got {size}"):
            net.predict(X, batch_size=size)
    with pytest.raises(TypeError, match=r"X must be an array .* got list"):
        net.forward([[0.0] * 4] * 3)
    with pytest.raises(TypeError, match="X must hold real numbers, got dtype complex128"):
        net.forward(np.zeros((3, 4), dtype=complex))


def test_download_timeout_and_num_val_are_checked(tmp_path):
    for timeout in (0, -1):
        with pytest.raises(SettingsError, match=rf"timeout \(seconds the download waits\) "
                                                rf"must be > 0, got {float(timeout)}"):
            load_cifar10(tmp_path, timeout=timeout)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = synthetic_cifar(n_train=30, n_test=5)
    with pytest.raises(TypeError, match=r"num_val must be an int, got 100.0 \(float\); write 100"):
        prepare(dataset, num_val=100.0)


def test_a_conv_with_too_many_filters_is_refused_before_anything_is_made():
    from convkit.layers import FC, Conv
    with pytest.raises(ShapeError, match=r"K \(the number of filters\) must be an int <= "
                                         r"2147483647, got 100000000000000000000"):
        Net([Conv(10 ** 20), FC(10)])
    with pytest.raises(errors.PatternError, match=r"sizes in a pattern go up to 65536"):
        Net.from_pattern("INPUT -> CONV(K=100000000000000000000) -> FC")


def test_backend_names_are_read_in_any_case():
    from convkit.backends import get_backend, set_backend
    from convkit.errors import BackendError
    with use_backend("numpy"):
        set_backend("NumPy")
        assert get_backend() == "numpy"
        with use_backend("CPU") as name:
            assert name == "cpu"
        for bad in ("tpu", 5):
            with pytest.raises(BackendError, match=r"unknown backend .*'numpy', 'cpu', 'cuda'"):
                set_backend(bad)
        assert get_backend() == "numpy"
