"""Training a Net on a dataset, one inspectable step at a time.

    trainer = Trainer(net, data, optimizer=Momentum(lr=0.05), batch_size=64, seed=0)
    stage = trainer.step()          # one iteration: batch, scores, loss, gradients, update
    trainer.run(epochs=2)           # many, with a progress bar and a history
    trainer.evaluate("val")         # accuracy and loss, in evaluation mode

data is what convkit.data.prepare() returns (a Dataset is prepared first).
The same seeds (the net's and the trainer's) give the same history on the
same backend: the trainer's generator draws the batches, the augmentations
and the dropout masks.
"""
import math
import time
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from . import checkpoint, ops
from .data.prepare import prepare
from .errors import CheckpointError, SettingsError, ShapeError, TrainingError
from .notebook import Progress
from .optim import Momentum, Optimizer
from .net import channels_last_hint
from .values import integer, number


@dataclass
class Stage:
    """What one training step did, stage by stage.

    step: its number (from 0); epoch: the epoch it belongs to (from 0).
    indices: the batch's rows of data.raw_train / data.y_train; images:
    the raw uint8 images (B, H, W, C) after augmentation; X: what the net
    saw (B, C, H, W); y: labels (B,). scores: class scores (B, classes),
    NumPy; loss: the data loss of the batch; lr: the learning rate used.
    grad_norms: ||dW|| per parameter name; update_ratios: ||W_after -
    W_before|| / ||W_before|| per parameter (CS231n's "Neural Networks 3" page suggests about 1e-3);
    seconds: the step's wall-clock time.
    """

    step: int
    epoch: int
    indices: np.ndarray
    images: np.ndarray
    X: np.ndarray
    y: np.ndarray
    scores: np.ndarray
    loss: float
    lr: float
    grad_norms: dict
    update_ratios: dict
    seconds: float = 0.0

    @property
    def accuracy(self):
        """The fraction of the batch the net classified right (before the update)."""
        return float(np.mean(np.argmax(self.scores, axis=1) == self.y))


@dataclass
class Evaluation:
    """accuracy and mean loss of a net on count images of a split; predicted: the
    predicted class of each image (count,), in the split's order."""

    split: str
    accuracy: float
    loss: float
    count: int
    predicted: np.ndarray = None


@dataclass
class History:
    """loss and lr per step; at every evaluation its step, epoch, the accuracy on
    a fixed training subset and on the validation split, the validation loss,
    and seconds, the training time so far (evaluations not counted)."""

    loss: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    eval_step: list = field(default_factory=list)
    eval_epoch: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    seconds: list = field(default_factory=list)


class Trainer:
    """Minibatch training of a net on data.raw_train, evaluated on the val split.

    optimizer: from convkit.optim (default Momentum(lr=0.01)); batch_size;
    augment: random crops and flips (convkit.data.augment), the crops moving
    the image by up to crop_padding pixels (4, torchvision's convention; 0:
    flips only; a run of a few epochs learns faster with 2); seed: batches,
    augmentations and dropout masks. eval_every: steps between evaluations
    in run() (default: once per epoch); train_samples: the size of the fixed
    training subset whose accuracy is recorded (as CS231n's Solver does).
    data: a prepared dataset, or a Dataset that is prepared with num_val
    validation images (prepare()'s default when num_val is None).

    >>> import warnings, convkit
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")        # "synthetic_cifar() ... is NOT CIFAR-10"
    ...     data = convkit.data.synthetic_cifar(n_train=300, n_test=50)
    >>> net = convkit.Net.from_pattern("INPUT -> CONV(K=8) -> RELU -> POOL -> FC")
    >>> trainer = Trainer(net, data, optimizer=convkit.Adam(lr=1e-3), batch_size=50,
    ...                   num_val=100, train_samples=100)
    >>> stage = trainer.step()                     # one iteration, every stage kept
    >>> stage.X.shape, stage.scores.shape, stage.step
    ((50, 3, 32, 32), (50, 10), 0)
    >>> stage.loss > 0 and sorted(stage.grad_norms)[:2]
    ['conv1.b', 'conv1.w']
    >>> trainer.run(steps=4, progress=False)       # doctest: +ELLIPSIS
    History(...)
    >>> trainer.step_count, len(trainer.history.loss)
    (5, 5)
    """

    def __init__(self, net, data, optimizer=None, seed=0, batch_size=64, augment=False,
                 eval_every=None, train_samples=1000, eval_batch_size=256, num_val=None,
                 crop_padding=4):
        batch_size = integer("batch_size", batch_size, 1)
        crop_padding = integer("crop_padding", crop_padding, 0, 16)
        eval_batch_size = integer("eval_batch_size", eval_batch_size, 1)
        train_samples = integer("train_samples", train_samples, 1)
        if eval_every is not None:
            eval_every = integer("eval_every", eval_every, 1, hint=" (None: once per epoch)")
        if not isinstance(augment, (bool, np.bool_)):
            raise TypeError(f"augment must be True or False, got {augment!r}")
        if seed is not None:
            seed = integer("seed", seed, 0)
        if optimizer is not None and not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must be one of convkit.optim (SGD, Momentum, Adam, ...), "
                            f"got {type(optimizer).__name__}")
        if hasattr(data, "preprocess"):
            if num_val is not None:
                raise SettingsError("data is prepared already, so its validation split is fixed: "
                                    "give num_val to prepare(), or give the Trainer the "
                                    "Dataset")
        else:
            data = prepare(data) if num_val is None else prepare(data, num_val=num_val)
        self.net, self.data = net, data
        _, H, W, C = self.data.raw_train.shape
        if (C, H, W) != net.input_shape:
            raise ShapeError(f"the data's images are {H}x{W}x{C}, input volume {(C, H, W)}, "
                             f"but the net takes input_shape {net.input_shape}"
                             + (f"; {channels_last_hint(net.input_shape)}"
                                if channels_last_hint(net.input_shape) else ""))
        self.optimizer = optimizer or Momentum(lr=0.01)
        self.batch_size, self.augment, self.crop_padding = batch_size, augment, crop_padding
        self.eval_every, self.eval_batch_size = eval_every, eval_batch_size
        self.rng = np.random.default_rng(seed)
        n = len(self.data.y_train)
        self.train_subset = np.sort(self.rng.choice(n, min(train_samples, n), replace=False))
        self.steps_per_epoch = math.ceil(n / batch_size)
        self.step_count, self.epoch = 0, -1
        self.order, self.position = np.arange(0), 0
        self.history = History()
        self.seconds = 0.0
        self._backup = {}

    def next_batch(self):
        """Indices, raw images, net input X and labels y of the next batch.

        Each epoch visits the training split once in a new random order;
        its last batch may be smaller.
        """
        if self.position >= len(self.order):
            self.order, self.position = self.rng.permutation(len(self.data.y_train)), 0
            self.epoch += 1
        indices = self.order[self.position:self.position + self.batch_size]
        self.position += len(indices)
        images, X, y = self.data.batch("train", indices, self.augment, self.rng, self.crop_padding)
        return indices, images, X, y

    def step(self, details=True):
        """One iteration: batch, forward, loss, backward, update. Returns its Stage.

        details=False skips the gradient norms and update ratios (they need
        a copy of every parameter), for speed. A step is all or nothing: an
        error or an interrupt (Ctrl-C) anywhere in it leaves the net, the
        optimizer and the trainer as they were, so that training resumes with
        the history of an uninterrupted run. A loss of inf or NaN raises
        TrainingError (that step is not applied).
        """
        start = time.perf_counter()
        lr = number("the learning rate (optimizer.lr)", self.optimizer.lr, 0)
        saved = self._snapshot()
        try:
            indices, images, X, y = self.next_batch()
            net = self.net.train()
            params = net.params
            before, grad_norms = {}, {}
            if details:
                before = {name: np.array(ops.to_numpy(w)) for name, w in params.items()}
            loss, scores = net.loss(X, y, seed=int(self.rng.integers(2 ** 31)))
            if not math.isfinite(loss):
                raise TrainingError(self._diverged(loss, lr))
            grads = net.grads
            if details:
                grad_norms = {name: math.sqrt(ops.sum_squares(g)) for name, g in grads.items()}
            self.optimizer.step(params, grads)
            ratios = {name: _ratio(ops.to_numpy(params[name]), w) for name, w in before.items()}
            stage = Stage(self.step_count, self.epoch, indices, images, X, y,
                          ops.to_numpy(scores), loss, lr, grad_norms, ratios)
            self.history.loss.append(loss)
            self.history.lr.append(lr)
            self.step_count += 1
            stage.seconds = time.perf_counter() - start
            self.seconds += stage.seconds
        except BaseException:
            self._restore(saved)
            raise
        return stage

    def _arrays(self):
        """The arrays a step changes in place: parameters, buffers, optimizer state."""
        named = {**self.net.params, **self.net.buffers}
        named.update((f"optim.{param}.{key}", a) for param, state in self.optimizer.state.items()
                     for key, a in state.items())
        return named

    def _snapshot(self):
        """Copy what a step changes (into buffers kept from step to step)."""
        for name, a in self._arrays().items():
            copy = self._backup.get(name)
            if copy is None or (copy.shape, copy.dtype, type(copy)) != (a.shape, a.dtype, type(a)):
                copy = self._backup[name] = ops.zeros(a.shape, a.dtype)
            copy[...] = a
        return dict(rng=self.rng.bit_generator.state, order=self.order, position=self.position,
                    epoch=self.epoch, step=self.step_count, seconds=self.seconds,
                    losses=len(self.history.loss), t=self.optimizer.t,
                    state=dict(self.optimizer.state))

    def _restore(self, saved):
        """Undo a step that failed or was interrupted: back to the snapshot."""
        self.optimizer.t, self.optimizer.state = saved["t"], saved["state"]
        for name, a in self._arrays().items():
            a[...] = self._backup[name]
        self.rng.bit_generator.state = saved["rng"]
        self.order, self.position, self.epoch = saved["order"], saved["position"], saved["epoch"]
        self.step_count, self.seconds = saved["step"], saved["seconds"]
        del self.history.loss[saved["losses"]:], self.history.lr[saved["losses"]:]

    def _diverged(self, loss, lr):
        """The message of a step whose loss is inf or NaN."""
        last = self.history.loss[-3:]
        before = f" (the last losses: {', '.join(f'{v:.4g}' for v in last)})" if last else ""
        scale = self.net.weight_scale
        return (f"training diverged: the loss of step {self.step_count} is {loss}{before}. "
                f"The likely cause is a learning rate too high (lr={lr:g} here; try 10 times "
                f"lower) or initial weights too large (weight_scale="
                f"{'He' if scale is None else scale}). This step was not applied; the net "
                f"keeps the weights of the last step, which may be far off already: "
                f"make a new net (or load a checkpoint) before training on")

    def evaluate(self, split="val", indices=None, flip=False):
        """Accuracy and mean loss on a split ("train", "val" or "test"), in eval mode.

        indices: only these images of the split. Images are normalised batch
        by batch, so evaluating the whole training split needs little memory.
        flip=True scores each image as the mean of its scores and those of its
        mirror image (test-time augmentation, not in the notes: the net has
        seen mirrored images in training, and two looks err less than one).
        """
        raw, labels = self.data.split(split)
        if indices is not None:
            raw, labels = raw[indices], labels[indices]
        net = self.net.eval()
        correct, total_loss, predicted = 0, 0.0, [np.zeros(0, dtype=np.int64)]
        try:
            for i in range(0, len(labels), self.eval_batch_size):
                y = labels[i:i + self.eval_batch_size]
                X = self.data.preprocess(raw[i:i + self.eval_batch_size])
                scores = net.forward(X)
                if flip:
                    mirrored = ops.to_numpy(net.forward(np.ascontiguousarray(X[..., ::-1])))
                    scores = ops.asarray((ops.to_numpy(scores) + mirrored) / 2)
                total_loss += net.loss_layer(scores, y)[0] * len(y)
                predicted.append(ops.argmax_rows(scores))
                correct += int(np.sum(predicted[-1] == y))
        finally:
            net.train()
        n = len(labels)
        return Evaluation(split, correct / max(1, n), total_loss / max(1, n), n,
                          np.concatenate(predicted))

    def record_accuracy(self):
        """Evaluate the training subset and the val split, add them to the history."""
        train = self.evaluate("train", self.train_subset)
        val = self.evaluate("val")
        h = self.history
        h.eval_step.append(self.step_count)
        h.eval_epoch.append(self.step_count / self.steps_per_epoch)
        h.train_acc.append(train.accuracy)
        h.val_acc.append(val.accuracy)
        h.val_loss.append(val.loss)
        h.seconds.append(self.seconds)
        return train, val

    def run(self, steps=None, epochs=None, callbacks=(), progress=True, details=False,
            seconds=None):
        """Train for steps iterations, epochs epochs or seconds of training; returns the history.

        Accuracies are recorded every eval_every steps (default: at the end of
        every epoch) and at the end. Each callback is called as
        callback(trainer, stage) after every step (details=True fills the
        stage's grad_norms and update_ratios; see step()); a callback with an
        on_evaluation method (it need not be callable) is also called as
        callback.on_evaluation(trainer, train, val) after each evaluation,
        with the Evaluations of the training subset and the val split.

        seconds: train until the training time (trainer.seconds, evaluations
        not counted) has grown by that much. A schedule with a length
        (CosineSchedule) is then sized to the time as the run goes: after 5
        and 20 steps and every 25 after, its total_steps becomes the steps
        taken plus those the time left allows at the pace of the last steps
        (warmup keeping its share of total_steps), so the learning rate
        reaches its end when the time runs out, on a fast machine or a busy
        one. The run also ends when the schedule does. Such a run depends
        on the machine's speed, so two runs need not give the same history.
        """
        given = [name for name, value in (("steps", steps), ("epochs", epochs),
                                          ("seconds", seconds)) if value is not None]
        if len(given) != 1:
            raise SettingsError(f"give one of steps, epochs or seconds, not "
                                f"{' and '.join(given) if given else 'none'} (an epoch is "
                                f"{self.steps_per_epoch} steps)")
        if steps is not None:
            total = integer("steps", steps, 1)
        elif epochs is not None:
            total = integer("epochs", epochs, 1, hint=f"; for part of an epoch give steps (an "
                                                      f"epoch is {self.steps_per_epoch} steps)")
            total *= self.steps_per_epoch
        else:
            seconds = number("seconds", seconds, 0, low_open=True)
            budget = _TimeBudget(self, seconds)
        callbacks = _functions("callbacks", callbacks)
        every = self.eval_every or self.steps_per_epoch
        timed = seconds is not None
        bar = Progress(max(1, round(seconds)) if timed else total, progress, "s" if timed else "step")
        done = 0
        try:
            while (not budget.over()) if timed else (done < total):
                stage = self.step(details)
                done += 1
                if timed:
                    budget.fit(done)
                for callback in callbacks:
                    if callable(callback):
                        callback(self, stage)
                text = f"epoch {self.step_count / self.steps_per_epoch:.2f}, loss {stage.loss:.3f}"
                last = budget.over() if timed else done == total
                evaluate = self.step_count % every == 0 or last
                if evaluate:
                    train, val = self.record_accuracy()
                    for callback in callbacks:
                        if hasattr(callback, "on_evaluation"):
                            callback.on_evaluation(self, train, val)
                    text += f", train acc {train.accuracy:.3f}, val acc {val.accuracy:.3f}"
                bar.update(budget.spent() if timed else done, text, force=evaluate)
        finally:
            bar.close((bar.total if budget.over() else budget.spent()) if timed else done)
        return self.history

    def save(self, path):
        """Save the net, the optimizer and where training stands to an .npz file.

        Besides the net's arrays (net.load reads those alone), the file holds
        the optimizer's class, settings, step count t and state arrays
        ("optim.<param>.<key>"), and "trainer.state": the step count, epoch,
        position in the epoch's order, training seconds, history, the size of
        the training split and the state of the generator that draws batches,
        augmentations and dropout seeds; "trainer.order" and
        "trainer.train_subset" are arrays of indices. The path is as in
        convkit.checkpoint (".npz" added when missing); an older file there is
        replaced only once the new one is complete.
        """
        state = {"step": self.step_count, "epoch": self.epoch, "position": self.position,
                 "seconds": self.seconds, "rng": self.rng.bit_generator.state,
                 "history": asdict(self.history), "train_size": len(self.data.y_train)}
        checkpoint.save_trainer(path, self.net, self.optimizer, state, self.order,
                                self.train_subset)

    def load(self, path):
        """Resume from what save() wrote; returns the trainer.

        Restores the net's parameters and buffers, the optimizer's step count
        and state, and the trainer's step count, epoch, place in the epoch,
        history, training seconds and generator, so that run() goes on with
        the batches, augmentations and dropout masks an uninterrupted run would
        have had. The data is not saved: the trainer must have the same data.
        Everything is read and checked before anything changes: CheckpointError,
        leaving the trainer as it was, for a checkpoint of another net, one
        saved by another optimizer class or with other settings (naming both),
        one saved with a training split of another size, one without a
        trainer's state, or one incomplete or corrupt.
        """
        found, state, optimizer_state = checkpoint.read_trainer(path, self.net, self.optimizer)
        order, subset = found["trainer.order"], found["trainer.train_subset"]
        n = len(self.data.y_train)
        size = state.get("train_size", len(order) or n)
        if size != n or not _indices_below(order, n) or not _indices_below(subset, n):
            raise CheckpointError(f"{path} was saved training on {size} images, but this "
                                  f"trainer's data has {n}: load it into a trainer with the "
                                  f"same data")
        if len(order) not in (0, n) or not 0 <= state["position"] <= len(order):
            raise CheckpointError(f"{path}: its trainer.order or position is corrupt")
        try:
            rng = np.random.default_rng()
            rng.bit_generator.state = state["rng"]
            history = History(**{f.name: list(state["history"][f.name]) for f in fields(History)})
        except (TypeError, ValueError, KeyError) as e:
            raise CheckpointError(f"{path}: its trainer.state is corrupt ({e!r})") from None
        checkpoint.set_net(self.net, found)
        self.optimizer.t = state["optimizer"]["t"]
        self.optimizer.state = {param: {key: ops.asarray(a, dtype=a.dtype)
                                        for key, a in arrays.items()}
                                for param, arrays in optimizer_state.items()}
        self.step_count, self.epoch = state["step"], state["epoch"]
        self.position, self.seconds = state["position"], state["seconds"]
        self.order, self.train_subset = order, subset
        self.rng = rng
        self.history = history
        return self


class _TimeBudget:
    """The clock of run(seconds=...): when to stop, and the schedule sized to the time left."""

    def __init__(self, trainer, seconds):
        self.trainer, self.seconds = trainer, seconds
        self.start = trainer.seconds
        self.schedule = trainer.optimizer.schedule
        self.sized = getattr(self.schedule, "total_steps", None) is not None
        self.share = self.schedule.warmup / max(1, self.schedule.total_steps) if self.sized else 0
        self.mark, self.fitted = None, False

    def spent(self):
        """Whole seconds of this run so far (at most the budget)."""
        return min(round(self.trainer.seconds - self.start), round(self.seconds))

    def over(self):
        t = self.trainer
        return (t.seconds - self.start >= self.seconds
                or (self.fitted and t.optimizer.t >= self.schedule.total_steps))

    def fit(self, done):
        """After step done of the run: size the schedule from the pace of the steps since
        the last sizing (the first step, which may include compiling kernels, left out)."""
        t = self.trainer
        if done == 1:
            self.mark = (t.optimizer.t, t.seconds)
        if not self.sized or not (done in (5, 20) or done % 25 == 0):
            return
        pace = (t.seconds - self.mark[1]) / max(1, t.optimizer.t - self.mark[0])
        self.mark = (t.optimizer.t, t.seconds)
        left = max(0.0, self.seconds - (t.seconds - self.start))
        total = t.optimizer.t + max(1, int(left / max(pace, 1e-9)))
        self.schedule.total_steps = total
        self.schedule.warmup = round(self.share * total)
        self.fitted = True


def _functions(name, functions):
    """functions as a list of callables or objects with an on_evaluation method; else
    TypeError naming the setting."""
    try:
        functions = None if callable(functions) else list(functions)
    except TypeError:
        functions = None
    if functions is None or not all(callable(f) or hasattr(f, "on_evaluation")
                                    for f in functions):
        raise TypeError(f"{name} must be a list of functions called as f(trainer, stage) after "
                        f"every step (or of objects with an on_evaluation method), e.g. {name}=[f]")
    return functions


def _indices_below(indices, n):
    """True when indices is a 1-d array of ints in [0, n)."""
    return (indices.ndim == 1 and np.issubdtype(indices.dtype, np.integer)
            and (len(indices) == 0 or (indices.min() >= 0 and indices.max() < n)))


def _ratio(after, before):
    """||after - before|| / ||before|| (0 when before is all zeros)."""
    scale = np.linalg.norm(before)
    return float(np.linalg.norm(after - before) / scale) if scale else 0.0
