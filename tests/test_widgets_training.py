"""The training dashboard: engine hooks, the model (steps, runs, pause, NaN, panels), the view."""
import warnings

import numpy as np
import pytest

from convkit import ops
from convkit.backends import use_backend
from convkit.data import prepare, synthetic_cifar
from convkit.net import Net
from convkit.optim import SGD
from convkit.trainer import Trainer

TINY = "INPUT -> CONV(K=4, F=3) -> RELU -> POOL(F=4, S=4) -> BN -> DROPOUT(0.8) -> FC"


@pytest.fixture(autouse=True)
def numpy_backend():
    with use_backend("numpy"):
        yield


@pytest.fixture(scope="module")
def data():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return prepare(synthetic_cifar(n_train=300, n_test=40, seed=1), num_val=60)


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
    quiet = Recorder()
    trainer.run(steps=1, callbacks=[quiet], progress=False)
    assert quiet.stages[0].grad_norms == {} and len(quiet.evaluations) == 1
