"""On the CUDA backend: a padded floor-mode conv equals NumPy's, and an interrupted Trainer
step puts back the parameters and the optimizer state on the device."""
import numpy as np
import pytest

from convkit import ops
from convkit.backends import use_backend
from convkit.data import Dataset, prepare
from convkit.layers import Conv
from convkit.net import Net
from convkit.optim import Momentum
from convkit.trainer import Trainer


def floor_conv(x, dout):
    layer = Conv(K=2, F=2, S=4, P=1, mode="floor")    # 7x5 input: 3 rows, 1 column unread
    layer.setup(x.shape[1:])
    layer.init_params(np.random.default_rng(0), np.float64)
    out = layer.forward(ops.asarray(x))
    dx = layer.backward(ops.asarray(dout))
    return ops.to_numpy(out), ops.to_numpy(dx), ops.to_numpy(layer.grads["w"])


def test_a_padded_floor_conv_matches_numpy(rng):
    x = rng.standard_normal((1, 1, 7, 5))
    dout = rng.standard_normal((1, 2, 2, 2))
    with use_backend("numpy"):
        expected = floor_conv(x, dout)
    with use_backend("cuda"):
        found = floor_conv(x, dout)
    for a, b in zip(found, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_an_interrupted_step_puts_everything_back_on_the_device(monkeypatch):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (6, 8, 8, 1), dtype=np.uint8)
    data = prepare(Dataset(images[:4], np.arange(4) % 2, images[4:], np.arange(2) % 2,
                           ("a", "b"), "random", synthetic=True), num_val=0)
    with use_backend("cuda"):
        net = Net.from_pattern("INPUT -> CONV(K=2, F=8, S=8, P=0) -> FC", input_shape=(1, 8, 8),
                               num_classes=2, seed=0)
        trainer = Trainer(net, data, optimizer=Momentum(lr=0.1), batch_size=2, seed=0)
        trainer.step(details=False)
        params = {k: ops.to_numpy(w).copy() for k, w in net.params.items()}
        velocity = {k: ops.to_numpy(s["v"]).copy() for k, s in trainer.optimizer.state.items()}
        update, calls = ops.momentum_update, []

        def interrupted(*args, **kwargs):
            calls.append(1)
            if len(calls) == 3:
                raise KeyboardInterrupt
            return update(*args, **kwargs)
        monkeypatch.setattr(ops, "momentum_update", interrupted)
        with pytest.raises(KeyboardInterrupt):
            trainer.step(details=False)
        monkeypatch.undo()
        assert (trainer.step_count, trainer.optimizer.t, trainer.position) == (1, 1, 2)
        for name, w in net.params.items():
            np.testing.assert_array_equal(ops.to_numpy(w), params[name], err_msg=name)
        for name, state in trainer.optimizer.state.items():
            np.testing.assert_array_equal(ops.to_numpy(state["v"]), velocity[name], err_msg=name)
