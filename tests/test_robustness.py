"""Random bad values thrown at the public functions: only the kit's own errors come out.

Allowed: the exceptions of convkit.errors (ShapeError, SettingsError,
PatternError, CheckpointError, DatasetError, BackendError, TrainingError)
and TypeError, which the kit raises, naming the setting, for a value of the
wrong type. Anything else (a bare ValueError, IndexError, KeyError,
OverflowError, MemoryError, RecursionError...) is a bug. 60 examples per
test keep it to seconds; SWEEP=1000 in the environment runs a longer sweep.
"""
import os

import numpy as np
import pytest
from conftest import small_cifar
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convkit import errors, optim
from convkit.data import Dataset, prepare
from convkit.net import Net
from convkit.pattern import parse
from convkit.trainer import Trainer

ALLOWED = (errors.ShapeError, errors.SettingsError, errors.PatternError, errors.CheckpointError,
           errors.DatasetError, errors.BackendError, errors.TrainingError, TypeError)
QUICK = settings(max_examples=int(os.environ.get("SWEEP", 60)), deadline=None, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])

anything = st.one_of(
    st.none(), st.booleans(), st.integers(-10 ** 30, 10 ** 30), st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True), st.complex_numbers(),
    st.text(max_size=4), st.lists(st.integers(-2, 40), max_size=4),
    st.tuples(st.integers(-2, 40), st.floats(-2, 40)), st.just(np.int64(-1)),
    st.just(np.float32(0.5)))


def only_the_kits_errors(call):
    """Run call; any exception must be one of ALLOWED and say something."""
    try:
        call()
    except ALLOWED as e:
        assert str(e)
    except Exception as e:  # noqa: BLE001  (the point of the test)
        pytest.fail(f"{type(e).__name__} escaped: {e}")


pytestmark = pytest.mark.usefixtures("numpy_backend")


@pytest.fixture(scope="module")
def data():
    return small_cifar(n_train=40, n_test=10, num_val=10, seed=0)


OPTIMIZERS = {optim.SGD: ("lr", "weight_decay"), optim.Momentum: ("lr", "mu", "weight_decay"),
              optim.Nesterov: ("lr", "mu"), optim.Adagrad: ("lr", "eps"),
              optim.RMSProp: ("lr", "decay", "eps"), optim.Adam: ("lr", "beta1", "beta2", "eps")}
SCHEDULES = {optim.StepSchedule: ("step_size", "gamma", "warmup"),
             optim.CosineSchedule: ("total_steps", "final", "warmup"),
             optim.ConstantSchedule: ("warmup",)}


@QUICK
@given(st.sampled_from(sorted({**OPTIMIZERS, **SCHEDULES}, key=lambda c: c.__name__)),
       st.data())
def test_optimizers_and_schedules(cls, draw):
    names = {**OPTIMIZERS, **SCHEDULES}[cls]
    kwargs = {name: draw.draw(anything) for name in draw.draw(st.sets(st.sampled_from(names)))}
    kwargs.setdefault(names[0], 1)

    def make_and_use():
        made = cls(**kwargs)
        if isinstance(made, optim.Optimizer):
            w = {"fc1.w": np.ones((2, 2))}
            made.step(w, {"fc1.w": np.ones((2, 2))})
        else:
            made(0), made(7)
    only_the_kits_errors(make_and_use)


TRAINER_SETTINGS = ("batch_size", "eval_every", "train_samples", "eval_batch_size", "augment",
                    "seed", "num_val", "optimizer")


@QUICK
@given(st.data())
def test_trainer_settings_run_and_predict(data, draw):
    kwargs = {name: draw.draw(anything)
              for name in draw.draw(st.sets(st.sampled_from(TRAINER_SETTINGS), max_size=2))}
    steps = draw.draw(anything.filter(lambda v: not isinstance(v, (int, np.integer)) or v < 3))
    batch = draw.draw(anything)
    net = Net.from_pattern("INPUT -> CONV(K=2, F=8, S=8, P=0) -> FC", seed=0)

    def train():
        trainer = Trainer(net, data, **kwargs)
        trainer.run(steps=steps, progress=False)

    only_the_kits_errors(train)
    only_the_kits_errors(lambda: net.predict(data.X_val[:3], batch_size=batch))


TOKENS = ["INPUT", "->", "CONV", "POOL", "FC", "RELU", "BN", "DROPOUT", "SOFTMAX", "SVM", "LC",
          "FLATTEN", "[", "]", "*", "(", ")", ",", "=", "K", "F", "S", "P", "p", "mode",
          "floor", "2", "3", "0", ".5", "1e999", "100000000", "-1", "'strict'", " ", "AVGPOOL"]


@QUICK
@given(st.lists(st.sampled_from(TOKENS), max_size=14), st.booleans())
def test_pattern_strings(tokens, prefix):
    pattern = ("INPUT -> " if prefix else "") + " ".join(tokens)
    only_the_kits_errors(lambda: parse(pattern))
    only_the_kits_errors(lambda: Net.from_pattern(pattern, input_shape=(3, 8, 8)))


@QUICK
@given(st.data())
def test_net_input_shapes_and_inputs(draw):
    shape = draw.draw(st.one_of(anything, st.lists(anything, max_size=4).map(tuple)))
    only_the_kits_errors(lambda: Net.from_pattern("INPUT -> CONV(K=2) -> POOL -> FC",
                                                  input_shape=shape))
    kwargs = {name: draw.draw(anything)
              for name in draw.draw(st.sets(st.sampled_from(["seed", "weight_scale", "dtype"])))}
    only_the_kits_errors(lambda: Net.from_pattern("INPUT -> FC", input_shape=(2,),
                                                  **kwargs).forward(np.ones((1, 2))))
    net = Net.from_pattern("INPUT -> CONV(K=2) -> POOL -> FC", input_shape=(2, 4, 4))
    dtype = draw.draw(st.sampled_from([np.float32, np.float64, np.int8, np.complex64, bool,
                                       object]))
    dims = draw.draw(st.lists(st.integers(0, 5), max_size=5))
    X = np.zeros(dims, dtype=dtype)
    only_the_kits_errors(lambda: net.forward(X))
    only_the_kits_errors(lambda: net.forward(X.tolist()))


@QUICK
@given(st.data())
def test_prepare(draw):
    dtype = draw.draw(st.sampled_from([np.uint8, np.float32, np.int64, bool]))
    dims = draw.draw(st.lists(st.integers(0, 6), min_size=1, max_size=5))
    X = np.zeros(dims, dtype=dtype)
    y = np.zeros(dims[0], dtype=np.int64)
    dataset = Dataset(X, y, X, y, ("a", "b"), "random")
    num_val = draw.draw(anything)
    only_the_kits_errors(lambda: prepare(dataset, num_val=num_val))
