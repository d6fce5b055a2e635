"""The training dashboard: engine hooks, the model (steps, runs, pause, NaN, panels), the view."""
import warnings

import numpy as np
import pytest
from conftest import small_cifar

from convkit import ops
from convkit.net import Net
from convkit.optim import SGD
from convkit.trainer import Trainer

TINY = "INPUT -> CONV(K=4, F=4, S=4, P=0) -> RELU -> POOL -> BN -> DROPOUT(0.8) -> FC"


pytestmark = pytest.mark.usefixtures("numpy_backend")


@pytest.fixture(scope="module")
def data():
    return small_cifar(n_train=300, n_test=40, num_val=60, seed=1)


# Engine hooks

def test_activations_are_every_layer_output_in_eval_mode(data):
    net = Net.from_pattern(TINY, seed=2)
    X = data.X_val[:5]
    acts = net.activations(X)
    assert list(acts) == [layer.name for layer in net.layers]
    for layer in net.layers:
        assert acts[layer.name].shape == (5,) + layer.out_shape
        assert layer.cache is None
    assert net.training                                   # mode left as it was
    scores = ops.to_numpy(net.eval().forward(X))
    np.testing.assert_allclose(acts["fc1"], scores, rtol=1e-5)
    np.testing.assert_array_equal(acts["relu1"], np.maximum(acts["conv1"], 0))


def test_stage_has_its_seconds(data):
    trainer = Trainer(Net.from_pattern(TINY, seed=2), data, batch_size=16, seed=0)
    stages = [trainer.step() for _ in range(2)]
    assert all(s.seconds > 0 for s in stages)
    assert trainer.seconds == pytest.approx(sum(s.seconds for s in stages))


class Recorder:
    def __init__(self):
        self.stages, self.evaluations = [], []

    def __call__(self, trainer, stage):
        self.stages.append(stage)

    def on_evaluation(self, trainer, train, val):
        self.evaluations.append((trainer.step_count, train, val))


def test_run_callbacks_get_details_and_evaluations(data):
    trainer = Trainer(Net.from_pattern(TINY, seed=2), data, optimizer=SGD(lr=0.01),
                      batch_size=16, seed=0, eval_every=3)
    recorder, plain = Recorder(), []
    trainer.run(steps=7, callbacks=[recorder, lambda t, s: plain.append(s.step)],
                progress=False, details=True)
    assert plain == list(range(7))
    names = set(trainer.net.params)
    assert all(set(s.grad_norms) == names == set(s.update_ratios) for s in recorder.stages)
    assert all(v > 0 for v in recorder.stages[0].grad_norms.values())
    assert [e[0] for e in recorder.evaluations] == [3, 6, 7] == trainer.history.eval_step
    assert [e[2].accuracy for e in recorder.evaluations] == trainer.history.val_acc
    assert all(e[2].count == 60 and e[2].split == "val" for e in recorder.evaluations)
    last = recorder.evaluations[-1][2]
    np.testing.assert_array_equal(last.predicted, trainer.net.predict(data.X_val))
    assert np.mean(last.predicted == data.y_val) == last.accuracy
    quiet = Recorder()
    trainer.run(steps=1, callbacks=[quiet], progress=False)
    assert quiet.stages[0].grad_norms == {} and len(quiet.evaluations) == 1


# The model

def make_model(data, **kwargs):
    from convkit.widgets.training import TrainingModel
    settings = dict(net=Net.from_pattern(TINY, seed=2), data=data, batch_size=16, lr=0.01,
                    eval_every=5, refresh_every=3, train_samples=50)
    settings.update(kwargs)
    return TrainingModel(**settings)


def test_a_step_has_every_stage(data):
    model = make_model(data)
    assert "SYNTHETIC" in model.title and model.backend == "numpy"
    stage = model.step()
    assert stage is model.stage and model.error is None and np.isfinite(stage.loss)
    assert stage.images.shape == (16, 32, 32, 3) and stage.X.shape == (16, 3, 32, 32)
    assert stage.scores.shape == (16, 10) and stage.lr == 0.01 and stage.seconds > 0
    rows = model.stage_rows()
    assert [r[0] for r in rows] == list(model.net.params)
    assert all(r[1] > 0 for r in rows)
    flags = {name: flag for name, _, _, flag in rows}
    assert flags["conv1.b"] == "n/a"                      # biases start at 0
    images, labels, predicted = model.batch_view(4)
    assert images.shape == (4, 32, 32, 3)
    np.testing.assert_array_equal(labels, stage.y[:4])
    np.testing.assert_array_equal(predicted, np.argmax(stage.scores[:4], axis=1))


def test_ratio_flags_follow_the_rule_of_thumb():
    from convkit.widgets.training import ratio_flag
    assert [ratio_flag(r) for r in (1e-3, 2e-4, 5e-3, 5e-5, 0.2, 0.0)] == \
        ["", "", "", "low", "high", "n/a"]


def test_run_and_pause_resume_give_the_uninterrupted_history(data):
    whole = make_model(data)
    updates = []
    whole.run(20, on_update=lambda m: updates.append(m.step_count))
    assert whole.step_count == 20 and updates == [3, 6, 9, 12, 15, 18, 20]
    assert whole.history.eval_step == [5, 10, 15, 20]
    parts = make_model(data)
    parts.run(7)
    parts.run(13)
    for key in ("loss", "lr", "eval_step", "train_acc", "val_acc", "val_loss"):
        assert getattr(parts.history, key) == getattr(whole.history, key), key
    np.testing.assert_array_equal(ops.to_numpy(parts.net.params["conv1.w"]),
                                  ops.to_numpy(whole.net.params["conv1.w"]))


def test_refreshes_are_skipped_while_drawing_passes_its_share(data):
    import time
    model = make_model(data, refresh_every=1, max_draw_share=0.1)
    shown = []

    def slow(m):
        shown.append(m.step_count)
        time.sleep(0.2)                     # far more than 10% of a tiny step
    model.run(6, on_update=slow)
    assert shown[0] == 1 and shown[-1] == 6 and len(shown) < 6
    assert model.trainer.seconds < 1.0       # so the 10% budget was below one sleep


def test_reset_starts_over_with_the_same_weights(data):
    model = make_model(data)
    first = model.run(4).loss[:]
    model.reset()
    assert model.step_count == 0 and model.history.loss == []
    assert model.run(4).loss == first


def test_nan_loss_stops_with_a_message_and_reset_recovers(data):
    model = make_model(data, lr=1e9, optimizer="SGD")
    with np.errstate(all="ignore"):
        model.run(10)
    assert model.error.startswith("diverged") and "smaller learning rate" in model.error
    assert model.step_count < 10 and not model.running
    with np.errstate(all="ignore"):
        assert model.step() is None                           # refuses until Reset
    model.configure(lr=0.01)
    model.reset()
    assert model.error is None and np.isfinite(model.step().loss)


def test_a_failing_step_is_caught(data, monkeypatch):
    model = make_model(data)

    def broken(details=True):
        raise FloatingPointError("loss is not finite")
    monkeypatch.setattr(model.trainer, "step", broken)
    assert model.step() is None and model.error.startswith("diverged")
    model = make_model(data)
    monkeypatch.setattr(model.trainer, "step", lambda details=True: 1 / 0)
    model.run(3)
    assert "ZeroDivisionError" in model.error and model.step_count == 0


def test_settings_are_checked_and_applied(data):
    model = make_model(data)
    with pytest.raises(ValueError, match="optimizer"):
        model.configure(optimizer="Adamax")
    with pytest.raises(ValueError, match="lr"):
        model.configure(lr=-1)
    with pytest.raises(ValueError, match="batch_size"):
        model.configure(batch_size=0)
    model.configure(optimizer="Adam", lr=1e-3, batch_size=8, augment=True)
    assert type(model.trainer.optimizer).__name__ == "Adam" and model.trainer.augment
    assert model.step().images.shape[0] == 8
    model.configure(batch_size=4, lr=5e-4)
    assert model.step().images.shape[0] == 4 and model.stage.lr == 5e-4


def test_panel_data_shapes(data):
    model = make_model(data)
    model.run(5)
    filters = model.filters()
    assert filters.shape == (4, 4, 4, 3) and filters.min() == 0 and filters.max() == 1
    assert np.allclose(filters.reshape(4, -1).min(axis=1), 0)
    matrix, per_class = model.confusion()
    assert matrix.shape == (10, 10) and matrix.sum() == len(data.y_val) == 60
    np.testing.assert_array_equal(model.last_confusion[0], matrix)   # from the evaluation
    np.testing.assert_allclose(np.trace(matrix) / 60, model.history.val_acc[-1])
    np.testing.assert_allclose(per_class, np.diag(matrix) / matrix.sum(axis=1))
    image, maps = model.activation_maps("pool1", 3)
    assert image.shape == (32, 32, 3) and maps.shape == (4, 4, 4)
    assert model.image_layers() == ["conv1", "relu1", "pool1", "bn1", "dropout1"]
    with pytest.raises(ValueError, match="layer"):
        model.activation_maps("fc1")
    raw, labels, top, probs = model.predictions()
    assert raw.shape == (8, 32, 32, 3) and top.shape == probs.shape == (8, 3)
    assert list(labels) == list(range(8))                    # one image per class
    assert np.all(np.diff(probs, axis=1) <= 0) and np.all(probs.sum(axis=1) <= 1 + 1e-9)
    steps, loss, smoothed = model.loss_curve()
    assert len(steps) == len(loss) == len(smoothed) == 5 and smoothed[0] == pytest.approx(loss[0])
    assert model.accuracy_curve()[0].tolist() == [5]


def test_checkpoint_round_trip(data, tmp_path):
    model = make_model(data)
    model.run(3)
    model.save(tmp_path / "run.npz")
    expected = make_model(data).run(6).loss
    model.run(2)
    model.load(tmp_path / "run.npz")
    assert model.step_count == 3
    assert model.run(3).loss == expected


def test_from_a_trainer(data):
    from convkit.widgets.training import TrainingModel
    trainer = Trainer(Net.from_pattern(TINY, seed=2), data, optimizer=SGD(lr=0.02), batch_size=8)
    model = TrainingModel(trainer, eval_every=4)
    assert model.trainer is trainer and model.settings == dict(
        optimizer="SGD", lr=0.02, batch_size=8, augment=False)
    model.run(4)
    assert trainer.step_count == 4 and trainer.history.eval_step == [4]


def test_async_run_pauses_mid_run(data):
    import asyncio
    model = make_model(data)

    async def drive():
        task = model.start(50)
        while model.step_count < 4:
            await asyncio.sleep(0)
        model.pause()
        await task
        stopped = model.step_count
        for _ in range(5):
            await asyncio.sleep(0)
        return stopped

    stopped = asyncio.run(drive())
    assert 4 <= stopped < 50 and model.step_count == stopped and not model.running


def test_without_cifar_on_disk_it_trains_on_synthetic_data_and_says_so(tmp_path, monkeypatch):
    from convkit.widgets.training import default_data
    monkeypatch.setenv("CONVKIT_DATA", str(tmp_path))
    data, title = default_data(num_val=100)
    assert data.synthetic and len(data.y_val) == 100
    assert title.startswith("SYNTHETIC shapes, NOT CIFAR-10 (CIFAR-10 not found")


# The view

def make_view(data, **kwargs):
    from convkit.widgets import TrainingDashboard
    return TrainingDashboard(model=make_model(data, **kwargs))


def test_view_steps_and_redraws(data):
    view = make_view(data)
    assert "SYNTHETIC" in view.title.value and "numpy" in view.title.value
    before = (view.batch.widget.value, view.curves.widget.value, view.features.widget.value)
    view.step_button.click()
    assert view.model.step_count == 1 and "<b>step 1</b> (epoch 1)" in view.stage_html.value
    assert "Neural Networks 3" in view.stage_html.value
    assert view.batch.widget.value != before[0] and view.curves.widget.value != before[1]
    assert view.features.widget.value != before[2]            # the filters moved
    png = view.features.widget.value
    view.layer.value = "pool1"
    assert view.model.layer == "pool1" and view.features.widget.value != png
    view.image.value = 5
    assert view.model.image_index == 5
    conf = view.confusion_image.widget.value
    for _ in range(4):
        view.step_button.click()
    assert view.model.history.eval_step == [5] and view.confusion_image.widget.value != conf
    assert view.status.value == ""


def test_view_settings_reset_and_errors(data):
    view = make_view(data)
    view.optimizer.value = "Adam"
    view.lr.value = 0.002
    view.batch_size.value = 8
    assert view.model.settings == dict(optimizer="Adam", lr=0.002, batch_size=8, augment=False)
    view.step_button.click()
    assert view.model.stage.images.shape[0] == 8
    view.optimizer.value = "SGD"
    view.lr.value = 1e9
    with np.errstate(all="ignore"):
        for _ in range(6):
            view.step_button.click()
    assert "diverged" in view.status.value and "smaller learning rate" in view.status.value
    view.batch_size.value = 8
    view.optimizer.value = "SGD"
    assert "diverged" in view.status.value                   # still: Reset is needed
    view.lr.value = 0.01
    view.reset_button.click()
    assert view.model.step_count == 0 and view.status.value == ""
    view.step_button.click()
    assert np.isfinite(view.model.stage.loss)
    view.batch_size.min = 0
    view.batch_size.value = 0
    assert "ValueError: batch_size must be" in view.status.value
    view.batch_size.value = 8
    assert view.status.value == ""


def test_view_checkpoints(data, tmp_path):
    view = make_view(data)
    view.path.value = str(tmp_path / "run.npz")
    view.step_button.click()
    view.save_button.click()
    assert "saved step 1" in view.status.value
    view.step_button.click()
    view.load_button.click()
    assert view.model.step_count == 1 and "loaded" in view.status.value
    view.path.value = str(tmp_path / "missing.npz")
    view.load_button.click()
    assert "CheckpointError" in view.status.value or "Error" in view.status.value


def test_view_run_is_a_task_that_pauses(data):
    import asyncio
    view = make_view(data)

    async def drive():
        view.steps.value = 40
        view.run_button.click()
        assert view.pause_button.disabled is False and view.step_button.disabled
        while view.model.step_count < 7:
            await asyncio.sleep(0)
        view.pause_button.click()
        await view.model.task
        await asyncio.sleep(0)
        return view.model.step_count

    stopped = asyncio.run(drive())
    assert 7 <= stopped < 40 and view.model.step_count == stopped
    assert view.pause_button.disabled and not view.step_button.disabled
    assert f"steps taken: {stopped}," in view.title.value


def test_builder_hands_out_a_dashboard(data, tmp_path, monkeypatch):
    from convkit.widgets import ArchitectureBuilder
    monkeypatch.setenv("CONVKIT_DATA", str(tmp_path))
    builder = ArchitectureBuilder(pattern="INPUT -> CONV(K=4, F=4, S=4, P=0) -> RELU -> FC")
    assert not builder.train_button.disabled
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        builder.train_button.click()
    dashboard = builder.dashboard
    assert builder.dashboard_box.children == (dashboard,)
    assert dashboard.model.net.num_params() == builder.model.summary.params
    assert "SYNTHETIC" in dashboard.title.value


def test_start_needs_an_event_loop_and_reset_waits_for_pause(data):
    import asyncio
    model = make_model(data)
    with pytest.raises(RuntimeError, match="run\\(steps\\)"):
        model.start(3)
    assert not model.running

    async def drive():
        task = model.start(30)
        await asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="Pause"):
            model.reset()
        model.pause()
        await task
        model.reset()

    asyncio.run(drive())
    assert model.step_count == 0


def test_mosaic_tiles_and_scales_each_image():
    from convkit.viz import mosaic, normalise_each
    images = np.arange(5 * 2 * 3, dtype=float).reshape(5, 2, 3)
    tiles = mosaic(images, cols=3, pad=1, fill=-1)
    assert tiles.shape == (2 * 3 - 1, 3 * 4 - 1)
    np.testing.assert_array_equal(tiles[3:5, 4:7], images[4])     # row 1, column 1
    assert np.all(tiles[2, :] == -1) and np.all(tiles[3:, 8:] == -1)
    scaled = normalise_each(np.stack([images[0], np.full((2, 3), 7.0)]))
    np.testing.assert_allclose(scaled[0], images[0] / 5)
    assert np.all(scaled[1] == 0.5)
    assert mosaic(np.zeros((4, 3, 3, 3))).shape == (7, 7, 3)


def test_view_of_a_net_without_convs(data):
    from convkit.widgets import TrainingDashboard
    view = TrainingDashboard(net=Net.from_pattern("INPUT -> FC", seed=0), data=data,
                             batch_size=16)
    view.step_button.click()
    assert view.model.filters() is None and view.layer.options == ()
    assert view.status.value == "" and view.model.step_count == 1
