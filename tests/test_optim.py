"""Optimizers against steps computed by hand, and the learning-rate schedules."""
import math

import numpy as np
import pytest

from convkit.backends import use_backend
from convkit.optim import (SGD, Adagrad, Adam, ConstantSchedule, CosineSchedule, Momentum,
                           Nesterov, RMSProp, StepSchedule)


@pytest.fixture(autouse=True)
def numpy_backend():
    with use_backend("numpy"):
        yield


W0 = np.array([[1.0, -2.0], [0.5, 3.0]])
B0 = np.array([0.25, -0.5])
G1 = {"fc1.w": np.array([[0.1, -0.2], [0.3, 0.0]]), "fc1.b": np.array([1.0, -1.0])}
G2 = {"fc1.w": np.array([[-0.4, 0.1], [0.2, 0.5]]), "fc1.b": np.array([0.5, 2.0])}


def two_steps(optimizer):
    params = {"fc1.w": W0.copy(), "fc1.b": B0.copy()}
    lrs = []
    for grads in (G1, G2):
        lrs.append(optimizer.lr)
        optimizer.step(params, grads)
    return params, lrs


def by_hand(rule, lr, weight_decay=0.0):
    """Two steps of rule(w, dw, state, t) -> (w, state) on both parameters."""
    out = {}
    for name, w in (("fc1.w", W0), ("fc1.b", B0)):
        decay = weight_decay if name == "fc1.w" else 0.0
        state = None
        for t, grads in enumerate((G1, G2), 1):
            dw = grads[name] + decay * w
            w, state = rule(w, dw, state, t, lr)
        out[name] = w
    return out


def check(optimizer, rule, lr, weight_decay=0.0):
    params, _ = two_steps(optimizer)
    expected = by_hand(rule, lr, weight_decay)
    for name in params:
        np.testing.assert_allclose(params[name], expected[name], rtol=1e-12)
    assert optimizer.t == 2


def test_sgd():
    check(SGD(lr=0.1), lambda w, dw, s, t, lr: (w - lr * dw, s), 0.1)


def test_sgd_weight_decay_skips_biases():
    check(SGD(lr=0.1, weight_decay=0.5), lambda w, dw, s, t, lr: (w - lr * dw, s), 0.1, 0.5)


def test_momentum():
    def rule(w, dw, v, t, lr, mu=0.8):
        v = mu * (0 if v is None else v) - lr * dw
        return w + v, v
    check(Momentum(lr=0.1, mu=0.8), rule, 0.1)


def test_nesterov():
    def rule(w, dw, v, t, lr, mu=0.9):
        v_prev = 0 if v is None else v
        v = mu * v_prev - lr * dw
        return w - mu * v_prev + (1 + mu) * v, v
    check(Nesterov(lr=0.05, weight_decay=0.1), rule, 0.05, 0.1)


def test_adagrad():
    def rule(w, dw, cache, t, lr):
        cache = (0 if cache is None else cache) + dw ** 2
        return w - lr * dw / (np.sqrt(cache) + 1e-8), cache
    check(Adagrad(lr=0.3), rule, 0.3)


def test_rmsprop():
    def rule(w, dw, cache, t, lr, decay=0.9):
        cache = decay * (0 if cache is None else cache) + (1 - decay) * dw ** 2
        return w - lr * dw / (np.sqrt(cache) + 1e-8), cache
    check(RMSProp(lr=0.01, decay=0.9), rule, 0.01)


def test_adam():
    def rule(w, dw, state, t, lr, b1=0.9, b2=0.999):
        m, v = state or (0, 0)
        m = b1 * m + (1 - b1) * dw
        v = b2 * v + (1 - b2) * dw ** 2
        mt, vt = m / (1 - b1 ** t), v / (1 - b2 ** t)
        return w - lr * mt / (np.sqrt(vt) + 1e-8), (m, v)
    check(Adam(lr=1e-2, weight_decay=0.01), rule, 1e-2, 0.01)


def test_state_is_kept_per_parameter_name():
    opt = Momentum(lr=0.1)
    two_steps(opt)
    assert set(opt.state) == {"fc1.w", "fc1.b"}
    np.testing.assert_allclose(opt.state["fc1.b"]["v"], 0.9 * -0.1 * G1["fc1.b"] - 0.1 * G2["fc1.b"])


def test_schedule_scales_the_learning_rate_of_each_step():
    params, lrs = two_steps(SGD(lr=0.1, schedule=StepSchedule(step_size=1, gamma=0.5)))
    assert lrs == [0.1, 0.05]
    np.testing.assert_allclose(params["fc1.b"], B0 - 0.1 * G1["fc1.b"] - 0.05 * G2["fc1.b"])


def test_step_schedule():
    s = StepSchedule(step_size=3, gamma=0.1)
    assert [s(t) for t in range(7)] == pytest.approx([1, 1, 1, 0.1, 0.1, 0.1, 0.01])


def test_cosine_schedule_with_warmup():
    s = CosineSchedule(total_steps=12, warmup=2, final=0.1)
    assert s(0) == pytest.approx(0.5) and s(1) == pytest.approx(1.0)
    assert s(2) == pytest.approx(1.0)
    assert s(7) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 5 / 10)))
    assert s(12) == pytest.approx(0.1) and s(50) == pytest.approx(0.1)
    values = [s(t) for t in range(2, 13)]
    assert all(a >= b for a, b in zip(values, values[1:]))


def test_constant_schedule_warmup():
    s = ConstantSchedule(warmup=4)
    assert [s(t) for t in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
