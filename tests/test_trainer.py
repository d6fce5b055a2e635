"""Trainer: the stages of one step, epochs, evaluation, determinism, learning, checkpoints."""
import importlib
import math
import warnings

import numpy as np
import pytest

from convkit import ops
from convkit.backends import use_backend
from convkit.checkpoint import CheckpointError
from convkit.data import prepare, synthetic_cifar
from convkit.errors import SettingsError, ShapeError, TrainingError
from convkit.net import Net
from convkit.optim import SGD, Adam, CosineSchedule, Momentum
from convkit import notebook
from convkit import trainer as trainer_module
from convkit.trainer import Trainer

prepare_module = importlib.import_module("convkit.data.prepare")

FAST = "INPUT -> CONV(K=8, F=4, S=4, P=0) -> RELU -> FC"


@pytest.fixture(autouse=True)
def numpy_backend():
    with use_backend("numpy"):
        yield


def shapes_data(n_train, num_val, n_test=50):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return prepare(synthetic_cifar(n_train=n_train, n_test=n_test, seed=1), num_val=num_val)


@pytest.fixture(scope="module")
def data():
    return shapes_data(1100, 100)


def test_step_stages_are_consistent(data):
    net = Net.from_pattern("INPUT -> CONV(K=4, F=4, S=4, P=0) -> RELU -> DROPOUT(0.8) -> FC",
                           seed=3)
    trainer = Trainer(net, data, optimizer=SGD(lr=0.05), batch_size=16, seed=0)
    stage = trainer.step()
    assert (stage.step, stage.epoch, stage.lr) == (0, 0, 0.05)
    assert stage.X.shape == (16, 3, 32, 32) and stage.images.shape == (16, 32, 32, 3)
    np.testing.assert_array_equal(stage.images, data.raw_train[stage.indices])
    np.testing.assert_array_equal(stage.X, data.preprocess(stage.images))
    np.testing.assert_array_equal(stage.y, data.y_train[stage.indices])
    assert stage.scores.shape == (16, 10)
    assert stage.loss == pytest.approx(ops.softmax_loss(stage.scores, stage.y)[0], rel=1e-6)
    assert stage.accuracy == np.mean(np.argmax(stage.scores, axis=1) == stage.y)
    grads = net.grads
    assert set(stage.grad_norms) == set(stage.update_ratios) == set(net.params)
    for name, g in grads.items():
        assert stage.grad_norms[name] == pytest.approx(np.linalg.norm(g), rel=1e-6)
    w_after = net.params["fc1.w"]
    w_before = w_after + 0.05 * grads["fc1.w"]
    assert stage.update_ratios["fc1.w"] == pytest.approx(
        0.05 * np.linalg.norm(grads["fc1.w"]) / np.linalg.norm(w_before), rel=1e-4)
    assert stage.update_ratios["fc1.b"] == 0.0  # biases start at zero
    assert trainer.step().step == 1
    assert trainer.history.loss[0] == stage.loss and len(trainer.history.loss) == 2


def test_epochs_visit_every_image_once(data):
    trainer = Trainer(Net.from_pattern("INPUT -> FC"), data, batch_size=300, seed=0)
    assert trainer.steps_per_epoch == 4
    stages = [trainer.step(details=False) for _ in range(5)]
    assert [s.epoch for s in stages] == [0, 0, 0, 0, 1]
    assert [len(s.indices) for s in stages] == [300, 300, 300, 100, 300]
    seen = np.concatenate([s.indices for s in stages[:4]])
    np.testing.assert_array_equal(np.sort(seen), np.arange(1000))
    assert stages[0].grad_norms == {} and stages[0].update_ratios == {}


def test_augmented_batches(data):
    trainer = Trainer(Net.from_pattern("INPUT -> FC"), data, batch_size=32, augment=True)
    stage = trainer.step()
    assert not np.array_equal(stage.images, data.raw_train[stage.indices])
    np.testing.assert_array_equal(stage.X, data.preprocess(stage.images))


def test_crops_move_images_by_at_most_crop_padding(data):
    trainer = Trainer(Net.from_pattern("INPUT -> FC"), data, batch_size=64, augment=True,
                      crop_padding=0)
    stage = trainer.step()
    raw = data.raw_train[stage.indices]
    flipped = np.array([not np.array_equal(a, b) for a, b in zip(stage.images, raw)])
    np.testing.assert_array_equal(stage.images[flipped], raw[flipped, :, ::-1])
    assert 10 < flipped.sum() < 54
    with pytest.raises(SettingsError, match="crop_padding must be an int in 0..16, got 17"):
        Trainer(Net.from_pattern("INPUT -> FC"), data, crop_padding=17)


def test_flip_evaluation_averages_the_scores_of_both_mirror_images(data):
    net = Net.from_pattern("INPUT -> CONV(K=4, F=4, S=4, P=0) -> RELU -> FC", seed=2)
    trainer = Trainer(net, data, eval_batch_size=30)
    result = trainer.evaluate("val", flip=True)
    X = data.X_val
    scores = (net.forward(X) + net.forward(np.ascontiguousarray(X[..., ::-1]))) / 2
    np.testing.assert_array_equal(result.predicted, np.argmax(scores, axis=1))
    assert result.loss == pytest.approx(ops.softmax_loss(scores, data.y_val)[0], rel=1e-5)
    assert result.accuracy != trainer.evaluate("val").accuracy or not np.array_equal(
        result.predicted, trainer.evaluate("val").predicted)


def test_evaluate_is_batched_in_eval_mode(data):
    net = Net.from_pattern("INPUT -> FC(20) -> DROPOUT(0.5) -> RELU -> FC", seed=2)
    trainer = Trainer(net, data, eval_batch_size=30)
    result = trainer.evaluate("val")
    assert result.count == 100 and result.split == "val"
    scores = net.eval().forward(data.X_val)
    assert result.accuracy == np.mean(np.argmax(scores, axis=1) == data.y_val)
    assert result.loss == pytest.approx(ops.softmax_loss(scores, data.y_val)[0], rel=1e-5)
    assert trainer.evaluate("test").count == 50
    assert trainer.evaluate("train", indices=np.arange(10)).count == 10


def history_of(seed):
    net = Net.from_pattern("INPUT -> CONV(K=4, F=4, S=4, P=0) -> RELU -> DROPOUT -> FC", seed=5)
    trainer = Trainer(net, shapes_data(200, 50), optimizer=Momentum(lr=0.02), batch_size=40,
                      augment=True, seed=seed, train_samples=50)
    return trainer.run(epochs=2, progress=False)


def test_same_seed_same_history():
    a, b, c = history_of(0), history_of(0), history_of(1)
    assert a.loss == b.loss and a.train_acc == b.train_acc and a.val_acc == b.val_acc
    assert a.val_loss == b.val_loss and a.eval_step == b.eval_step == [4, 8]
    assert a.loss != c.loss


def test_run_records_history_and_calls_back(data, capsys):
    seen = []
    trainer = Trainer(Net.from_pattern("INPUT -> FC"), data, batch_size=100, eval_every=3,
                      train_samples=100)
    history = trainer.run(steps=7, callbacks=[lambda t, stage: seen.append(stage.step)])
    assert seen == list(range(7))
    assert len(history.loss) == len(history.lr) == 7
    assert history.eval_step == [3, 6, 7]
    assert history.eval_epoch == pytest.approx([0.3, 0.6, 0.7])
    assert len(history.train_acc) == len(history.val_acc) == len(history.seconds) == 3
    out = capsys.readouterr().out
    assert "step 7/7" in out and "val acc" in out


def test_a_callback_may_only_watch_the_evaluations(data):
    class Evaluations:
        def __init__(self):
            self.seen = []

        def on_evaluation(self, trainer, train, val):
            self.seen.append((trainer.step_count, val.accuracy))

    watcher = Evaluations()
    trainer = Trainer(Net.from_pattern("INPUT -> FC"), data, batch_size=100, eval_every=2,
                      train_samples=10)
    history = trainer.run(steps=5, callbacks=[watcher], progress=False)
    assert watcher.seen == list(zip([2, 4, 5], history.val_acc))


def stop_at(step):
    def callback(trainer, stage):
        if stage.step == step:
            raise KeyboardInterrupt
    return callback


def test_an_interrupted_run_says_where_it_stopped(data, capsys):
    trainer = Trainer(Net.from_pattern("INPUT -> FC"), data, batch_size=100, train_samples=10)
    with pytest.raises(KeyboardInterrupt):
        trainer.run(steps=5, callbacks=[stop_at(1)])
    assert capsys.readouterr().out.endswith("stopped after step 2/5\n")
    trainer.run(steps=1)
    assert "stopped" not in capsys.readouterr().out


def fail(trainer, stage):
    raise RuntimeError("a callback failed")


def test_the_widget_bar_turns_green_or_red(data, monkeypatch):
    bars = []

    class Recorded(trainer_module.Progress):
        def __init__(self, *args):
            super().__init__(*args)
            bars.append(self)

    monkeypatch.setattr(notebook, "in_notebook", lambda: True)
    monkeypatch.setattr(trainer_module, "Progress", Recorded)
    monkeypatch.setattr("IPython.display.display", lambda *widgets: None)
    trainer = Trainer(Net.from_pattern("INPUT -> FC"), data, batch_size=100, train_samples=10)
    trainer.run(steps=2)
    with pytest.raises(RuntimeError):
        trainer.run(steps=3, callbacks=[fail])
    done, stopped = bars
    assert (done.bar.bar_style, done.bar.value) == ("success", 2)
    assert stopped.bar.bar_style == "danger"
    assert stopped.label.value.endswith("(stopped after step 1/3)")


def test_run_and_batch_size_are_validated(data):
    trainer = Trainer(Net.from_pattern("INPUT -> FC"), data)
    with pytest.raises(ValueError, match="one of steps, epochs or seconds, not none"):
        trainer.run()
    with pytest.raises(ValueError, match="one of steps, epochs or seconds, not steps and epochs"):
        trainer.run(steps=1, epochs=1)
    with pytest.raises(SettingsError, match="seconds must be > 0, got 0.0"):
        trainer.run(seconds=0)
    with pytest.raises(TypeError, match=r"epochs must be an int, got 0.5 \(float\); for part "
                                        r"of an epoch give steps \(an epoch is 16 steps\)"):
        trainer.run(epochs=0.5)
    with pytest.raises(SettingsError, match="epochs must be an int >= 1, got -1"):
        trainer.run(epochs=-1)
    with pytest.raises(SettingsError, match="steps must be an int >= 1, got -3"):
        trainer.run(steps=-3)
    assert trainer.step_count == 0
    for size, error in ((0, ValueError), (-2, ValueError), (2.5, TypeError)):
        with pytest.raises(error, match="batch_size must be"):
            Trainer(Net.from_pattern("INPUT -> FC"), data, batch_size=size)


def test_num_val_goes_to_the_data_preparation(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = synthetic_cifar(n_train=60, n_test=10, seed=1)
        trainer = Trainer(Net.from_pattern("INPUT -> FC"), dataset, num_val=15)
    assert (len(trainer.data.y_train), len(trainer.data.y_val)) == (45, 15)
    with pytest.raises(ValueError, match="prepared already.*give num_val to prepare"):
        Trainer(Net.from_pattern("INPUT -> FC"), data, num_val=15)


def test_training_on_synthetic_data_learns(data):
    trainer = Trainer(Net.from_pattern(FAST, seed=0), data, optimizer=Adam(lr=2e-3),
                      batch_size=50, seed=0, train_samples=200, eval_every=100)
    history = trainer.run(steps=100, progress=False)
    assert history.loss[-1] < history.loss[0] - 0.5
    assert history.val_acc[-1] > 0.3  # chance is 0.1


def test_overfits_100_images():
    small = shapes_data(100, 0, n_test=10)
    net = Net.from_pattern("INPUT -> CONV(K=16, F=4, S=4, P=0) -> RELU -> FC(50) -> RELU -> FC")
    trainer = Trainer(net, small, optimizer=Adam(lr=1e-3), batch_size=25, seed=0)
    trainer.run(epochs=20, progress=False)
    assert trainer.evaluate("train").accuracy >= 0.99


def test_trainer_checkpoint_round_trip(tmp_path, data):
    net = Net.from_pattern(FAST, seed=0)
    trainer = Trainer(net, data, optimizer=Adam(lr=1e-3), batch_size=20)
    trainer.run(steps=3, progress=False)
    trainer.save(tmp_path / "run.npz")
    other = Trainer(Net.from_pattern(FAST, seed=9), data, optimizer=Adam(lr=1e-3))
    other.load(tmp_path / "run.npz")
    assert other.step_count == 3 and other.optimizer.t == 3
    for name, w in net.params.items():
        np.testing.assert_array_equal(other.net.params[name], w)
        for key in ("m", "v"):
            np.testing.assert_array_equal(other.optimizer.state[name][key],
                                          trainer.optimizer.state[name][key])
    wrong = Trainer(Net.from_pattern("INPUT -> CONV(K=8, F=4, S=4, P=0) -> RELU -> FC(20) -> FC"),
                    data, optimizer=Adam(lr=1e-3))
    with pytest.raises(CheckpointError, match="shape of fc1.w: net \\(512, 20\\), checkpoint "
                                              "\\(512, 10\\)"):
        wrong.load(tmp_path / "run.npz")


def test_resumed_training_continues_as_if_uninterrupted(tmp_path):
    small = shapes_data(60, 10, n_test=10)
    pattern = "INPUT -> CONV(K=4, F=4, S=4, P=0) -> RELU -> DROPOUT(0.7) -> FC"

    def trainer(seed):
        return Trainer(Net.from_pattern(pattern, seed=seed), small, optimizer=Adam(lr=1e-3),
                       batch_size=25, augment=True, seed=seed, train_samples=20, eval_every=2)

    whole = trainer(0)
    whole.run(steps=3, progress=False)  # 2 steps an epoch: stops in the middle of the second
    whole.save(tmp_path / "run.npz")
    whole.run(steps=4, progress=False)
    resumed = trainer(5).load(tmp_path / "run.npz")
    assert (resumed.step_count, resumed.epoch, resumed.position) == (3, 1, 25)
    assert len(resumed.history.loss) == 3 and resumed.history.eval_step == [2, 3]
    resumed.run(steps=4, progress=False)
    assert resumed.history.loss == whole.history.loss
    assert resumed.history.val_acc == whole.history.val_acc
    for name, w in whole.net.params.items():
        np.testing.assert_array_equal(resumed.net.params[name], w)


def test_a_checkpoint_of_another_optimizer_does_not_load(tmp_path, data):
    trainer = Trainer(Net.from_pattern(FAST, seed=0), data, optimizer=Adam(lr=1e-3))
    trainer.step()
    trainer.save(tmp_path / "adam.npz")
    momentum = Trainer(Net.from_pattern(FAST, seed=1), data, optimizer=Momentum(lr=1e-3))
    before = momentum.net.params["conv1.w"].copy()
    with pytest.raises(CheckpointError, match=r"saved by the optimizer Adam\(lr=0.001, .*beta1"
                                              r".*this trainer's is Momentum\(lr=0.001, .*mu=0.9"):
        momentum.load(tmp_path / "adam.npz")
    np.testing.assert_array_equal(momentum.net.params["conv1.w"], before)
    assert momentum.optimizer.state == {} and momentum.step_count == 0
    other_lr = Trainer(Net.from_pattern(FAST, seed=1), data, optimizer=Adam(lr=1e-2))
    with pytest.raises(CheckpointError, match=r"Adam\(lr=0.001.*Adam\(lr=0.01"):
        other_lr.load(tmp_path / "adam.npz")


def test_a_net_loads_a_trainer_checkpoint_for_inference(tmp_path, data):
    trainer = Trainer(Net.from_pattern(FAST, seed=0), data, optimizer=Momentum(lr=1e-2))
    trainer.run(steps=2, progress=False)
    trainer.save(tmp_path / "run.npz")
    net = Net.from_pattern(FAST, seed=7).load(tmp_path / "run.npz")
    X = data.X_val[:5]
    np.testing.assert_array_equal(net.predict(X), trainer.net.predict(X))
    net.save(tmp_path / "net.npz")
    with pytest.raises(CheckpointError, match="no trainer state .* trainer.net.load"):
        Trainer(Net.from_pattern(FAST), data).load(tmp_path / "net.npz")


def test_the_data_must_fit_the_net(data):
    with pytest.raises(ShapeError, match=r"images are 32x32x3, input volume \(3, 32, 32\), but "
                                         r"the net takes input_shape \(1, 28, 28\)"):
        Trainer(Net.from_pattern("INPUT -> FC", input_shape=(1, 28, 28)), data)


def test_update_ratio_is_about_1e3_for_a_sensible_learning_rate(data):
    trainer = Trainer(Net.from_pattern(FAST, seed=0), data, optimizer=SGD(lr=1e-3))
    ratio = trainer.step().update_ratios["conv1.w"]
    assert 1e-4 < ratio < 1e-2
    assert math.isfinite(ratio)


class Interrupt:
    """Wraps a function: its call number `at` (from 1) raises KeyboardInterrupt."""

    def __init__(self, function, at):
        self.function, self.at, self.calls = function, at, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        return self.function(*args, **kwargs)


def interruptible_trainer(data):
    net = Net.from_pattern("INPUT -> CONV(K=4, F=4, S=4, P=0) -> BN -> RELU -> DROPOUT(0.7) "
                           "-> FC", seed=0)
    return Trainer(net, data, optimizer=Momentum(lr=0.01), batch_size=100, augment=True,
                   seed=0, train_samples=20)


def everything(trainer):
    """What a step changes: arrays by name, counters, generator state and history."""
    arrays = {name: np.array(a) for name, a in {**trainer.net.params,
                                                  **trainer.net.buffers}.items()}
    arrays.update((f"{p}.{k}", np.array(a)) for p, state in trainer.optimizer.state.items()
                  for k, a in state.items())
    counters = (trainer.step_count, trainer.epoch, trainer.position, trainer.optimizer.t,
                trainer.rng.bit_generator.state, list(trainer.history.loss),
                list(trainer.history.lr), trainer.order.tolist())
    return arrays, counters


# (where, at): the interrupt comes at that function's call number `at`, in the third step.
INTERRUPTS = {
    "drawing the batch": (lambda t: (t.data, "batch"), 3),
    "augmenting": (lambda t: (prepare_module, "random_flip"), 3),
    "preprocessing": (lambda t: (t.data, "preprocess"), 3),
    "forward": (lambda t: (t.net.layers[3], "forward"), 3),
    "loss": (lambda t: (t.net, "loss_layer"), 3),
    "backward": (lambda t: (t.net.layers[0], "backward_params"), 3),  # training needs no dX
    "first update": (lambda t: (ops, "momentum_update"), 2 * 6 + 1),
    "middle of the update": (lambda t: (ops, "momentum_update"), 2 * 6 + 4),
    "last update": (lambda t: (ops, "momentum_update"), 3 * 6),
    "after the update": (lambda t: (trainer_module, "Stage"), 3),
}


@pytest.mark.parametrize("where", INTERRUPTS)
def test_an_interrupted_step_changes_nothing_and_the_run_resumes_exactly(data, monkeypatch,
                                                                         where):
    whole = interruptible_trainer(data)
    whole.run(steps=5, progress=False)
    trainer = interruptible_trainer(data)
    target, at = INTERRUPTS[where]
    owner, name = target(trainer)
    monkeypatch.setattr(owner, name, Interrupt(getattr(owner, name), at))
    with pytest.raises(KeyboardInterrupt):
        trainer.run(steps=5, progress=False)
    assert trainer.step_count == 2
    stopped = everything(trainer)
    monkeypatch.undo()
    assert len(trainer.history.loss) == 2 and trainer.optimizer.t == 2
    assert trainer.position == 200 and trainer.epoch == 0
    trainer.run(steps=3, progress=False)
    arrays, counters = everything(trainer)
    expected_arrays, expected_counters = everything(whole)
    assert counters == expected_counters
    for key, a in expected_arrays.items():
        np.testing.assert_array_equal(arrays[key], a, err_msg=key)
    assert stopped[1][0] == 2


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid:RuntimeWarning")
def test_training_that_diverges_stops_with_one_clear_message(data, capsys):
    trainer = Trainer(Net.from_pattern(FAST, seed=0), data, optimizer=SGD(lr=1e4),
                      batch_size=50, seed=0, train_samples=20)
    with pytest.raises(TrainingError) as caught:
        trainer.run(steps=30)
    message = str(caught.value)
    assert "training diverged: the loss of step" in message
    assert "learning rate too high (lr=10000 here" in message and "weight_scale=He" in message
    assert "stopped after step" in capsys.readouterr().out
    n = trainer.step_count
    assert 0 < n < 30 and len(trainer.history.loss) == n == trainer.optimizer.t
    assert all(math.isfinite(loss) for loss in trainer.history.loss)
    assert all(np.all(np.isfinite(w)) for w in trainer.net.params.values())
    trainer.evaluate("val")
    trainer.net = Net.from_pattern(FAST, seed=0)
    trainer.optimizer.base_lr = 1e-3
    trainer.run(steps=2, progress=False)
    assert trainer.step_count == n + 2


class FakeClock:
    """time.perf_counter for the trainer: each call is `tick` seconds after the last."""

    def __init__(self, tick):
        self.now, self.tick = 0.0, tick

    def perf_counter(self):
        self.now += self.tick
        return self.now


def test_a_run_for_seconds_ends_with_its_schedule_when_the_time_is_up(data, monkeypatch, capsys):
    clock = FakeClock(0.125)                   # every step takes 0.125 s of training time
    monkeypatch.setattr(trainer_module, "time", clock)
    schedule = CosineSchedule(total_steps=100, warmup=10)
    trainer = Trainer(Net.from_pattern("INPUT -> FC"), data, optimizer=SGD(0.1, schedule=schedule),
                      batch_size=100, eval_every=30, train_samples=10)
    history = trainer.run(seconds=10)
    assert trainer.step_count == 80 and trainer.seconds == 10.0
    assert (schedule.total_steps, schedule.warmup) == (80, 8)      # warmup keeps its 10% share
    assert history.lr[7] == 0.1 and history.lr[-1] < 1e-3
    assert history.eval_step == [30, 60, 80]
    assert capsys.readouterr().out.splitlines()[-1].startswith("10/10 s: epoch 8.00")


def test_a_run_for_seconds_resizes_its_schedule_when_steps_slow_down(data, monkeypatch):
    clock = FakeClock(0.125)
    monkeypatch.setattr(trainer_module, "time", clock)
    schedule = CosineSchedule(total_steps=10)
    trainer = Trainer(Net.from_pattern("INPUT -> FC"), data, optimizer=SGD(0.1, schedule=schedule),
                      batch_size=100, train_samples=10)

    def slow_down(trainer, stage):
        if stage.step == 19:
            clock.tick = 0.25                  # another program starts: steps take twice as long
    history = trainer.run(seconds=20, callbacks=[slow_down], progress=False)
    assert trainer.seconds == 20.0 and history.lr[-1] < 1e-3
    assert trainer.step_count == schedule.total_steps == 20 + 70     # 17.5 s left at 0.25 s a step
