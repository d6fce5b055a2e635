"""Optimizers of the notes (SGD, momentum, Nesterov, Adagrad, RMSProp, Adam) and
learning-rate schedules.

An optimizer updates a net's parameters in place with the ops' update rules:

    opt = Momentum(lr=0.05, weight_decay=5e-4, schedule=CosineSchedule(total_steps=1000))
    loss, _ = net.loss(X, y)
    opt.step(net.params, net.grads)

Its state (velocities, caches) is kept per parameter name, as backend arrays.
weight_decay (L2 regularization, the gradient of 0.5*weight_decay*||w||^2)
applies to the weights (names ending in ".w"), not to biases or batchnorm's
gamma and beta. The learning rate of step t (from 0) is lr * schedule(t).
Every setting is checked when the object is made: a wrong type raises
TypeError, a value out of range SettingsError, both naming the setting.
"""
import math

from . import ops
from .values import integer, number


class ConstantSchedule:
    """The same learning rate every step (after an optional linear warmup)."""

    def __init__(self, warmup=0):
        self.warmup = integer("warmup", warmup, 0)

    def __call__(self, t):
        """The factor on the base learning rate at step t (from 0)."""
        if t < self.warmup:
            return (t + 1) / self.warmup
        return self.factor(t - self.warmup)

    def factor(self, t):
        return 1.0


class StepSchedule(ConstantSchedule):
    """Step decay: multiply the learning rate by gamma every step_size steps."""

    def __init__(self, step_size, gamma=0.1, warmup=0):
        super().__init__(warmup)
        self.step_size = integer("step_size", step_size, 1)
        self.gamma = number("gamma", gamma, 0)

    def factor(self, t):
        return self.gamma ** (t // self.step_size)


class CosineSchedule(ConstantSchedule):
    """Cosine decay from lr to final*lr over total_steps (warmup included), then flat.

    With a warmup this is a one-cycle schedule: up linearly, down along a cosine.
    """

    def __init__(self, total_steps, final=0.0, warmup=0):
        super().__init__(warmup)
        self.total_steps = integer("total_steps", total_steps, 1)
        self.final = number("final", final, 0)

    def factor(self, t):
        span = max(1, self.total_steps - self.warmup)
        progress = min(t, span) / span
        return self.final + (1 - self.final) * 0.5 * (1 + math.cos(math.pi * progress))


class Optimizer:
    """Base class: learning rate, schedule, weight decay, per-parameter state.

    t counts the steps taken. Subclasses list their state arrays in
    state_names, their own hyperparameters in setting_names, and apply one
    update rule in update().
    """

    state_names = ()
    setting_names = ()

    def __init__(self, lr, weight_decay=0.0, schedule=None):
        self.base_lr = number("lr", lr, 0)
        self.weight_decay = number("weight_decay", weight_decay, 0)
        if schedule is not None and not callable(schedule):
            raise TypeError(f"schedule must be a schedule of convkit.optim (StepSchedule, "
                            f"CosineSchedule, ...), got {schedule!r}")
        self.schedule = schedule or ConstantSchedule()
        self.t = 0
        self.state = {}

    @property
    def lr(self):
        """The learning rate of the next step."""
        return self.base_lr * self.schedule(self.t)

    def step(self, params, grads):
        """Update every parameter in place from its gradient (dicts by name)."""
        lr = number("the learning rate (lr * schedule)", self.lr, 0)
        self.t += 1
        for name, w in params.items():
            decay = self.weight_decay if name.endswith(".w") else 0.0
            if name not in self.state:
                self.state[name] = {key: ops.zeros(w.shape, w.dtype) for key in self.state_names}
            self.update(w, grads[name], self.state[name], lr, decay)

    def update(self, w, dw, state, lr, weight_decay):
        raise NotImplementedError

    def settings(self):
        """The hyperparameters by name, e.g. {"lr": 0.01, "weight_decay": 0.0, "mu": 0.9, ...}.

        The schedule appears as text, e.g. "StepSchedule(step_size=100, gamma=0.1, warmup=0)".
        """
        values = {"lr": self.base_lr, "weight_decay": self.weight_decay}
        values.update((name, getattr(self, name)) for name in self.setting_names)
        schedule = ", ".join(f"{k}={v}" for k, v in vars(self.schedule).items())
        values["schedule"] = f"{type(self.schedule).__name__}({schedule})"
        return values

    def __repr__(self):
        settings = ", ".join(f"{k}={v}" for k, v in self.settings().items())
        return f"{type(self).__name__}({settings})"


class SGD(Optimizer):
    """Vanilla update: w += -lr * dw."""

    def update(self, w, dw, state, lr, weight_decay):
        ops.sgd_update(w, dw, lr, weight_decay)


class Momentum(Optimizer):
    """Momentum update: v = mu*v - lr*dw; w += v (mu, the "friction", 0.9 by default)."""

    state_names = ("v",)
    setting_names = ("mu",)
    nesterov = False

    def __init__(self, lr, mu=0.9, weight_decay=0.0, schedule=None):
        super().__init__(lr, weight_decay, schedule)
        self.mu = number("mu", mu, 0, 1, high_open=True)

    def update(self, w, dw, state, lr, weight_decay):
        ops.momentum_update(w, dw, state["v"], lr, self.mu, weight_decay, self.nesterov)


class Nesterov(Momentum):
    """Nesterov momentum, the notes' form:
    v_prev = v; v = mu*v - lr*dw; w += -mu*v_prev + (1 + mu)*v."""

    nesterov = True


class Adagrad(Optimizer):
    """Adagrad: cache += dw**2; w += -lr * dw / (sqrt(cache) + eps)."""

    state_names = ("cache",)
    setting_names = ("eps",)

    def __init__(self, lr, eps=1e-8, weight_decay=0.0, schedule=None):
        super().__init__(lr, weight_decay, schedule)
        self.eps = number("eps", eps, 0, low_open=True)

    def update(self, w, dw, state, lr, weight_decay):
        ops.adagrad_update(w, dw, state["cache"], lr, self.eps, weight_decay)


class RMSProp(Optimizer):
    """RMSProp: cache = decay*cache + (1-decay)*dw**2; w += -lr * dw / (sqrt(cache) + eps)."""

    state_names = ("cache",)
    setting_names = ("decay", "eps")

    def __init__(self, lr, decay=0.99, eps=1e-8, weight_decay=0.0, schedule=None):
        super().__init__(lr, weight_decay, schedule)
        self.decay = number("decay", decay, 0, 1, high_open=True)
        self.eps = number("eps", eps, 0, low_open=True)

    def update(self, w, dw, state, lr, weight_decay):
        ops.rmsprop_update(w, dw, state["cache"], lr, self.decay, self.eps, weight_decay)


class Adam(Optimizer):
    """Adam with bias correction (beta1=0.9, beta2=0.999, eps=1e-8 as the notes recommend)."""

    state_names = ("m", "v")
    setting_names = ("beta1", "beta2", "eps")

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
                 schedule=None):
        super().__init__(lr, weight_decay, schedule)
        self.beta1 = number("beta1", beta1, 0, 1, high_open=True)
        self.beta2 = number("beta2", beta2, 0, 1, high_open=True)
        self.eps = number("eps", eps, 0, low_open=True)

    def update(self, w, dw, state, lr, weight_decay):
        ops.adam_update(w, dw, state["m"], state["v"], self.t, lr, self.beta1, self.beta2,
                        self.eps, weight_decay)
