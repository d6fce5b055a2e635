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
import json
import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from . import checkpoint, ops
from .data.augment import random_crop, random_flip
from .data.prepare import prepare
from .errors import ShapeError
from .checkpoint import CheckpointError
from .optim import Momentum


@dataclass
class Stage:
    """What one training step did, stage by stage.

    step: its number (from 0); epoch: the epoch it belongs to (from 0).
    indices: the batch's rows of data.raw_train / data.y_train; images:
    the raw uint8 images (B, H, W, C) after augmentation; X: what the net
    saw (B, C, H, W); y: labels (B,). scores: class scores (B, classes),
    NumPy; loss: the data loss of the batch; lr: the learning rate used.
    grad_norms: ||dW|| per parameter name; update_ratios: ||W_after -
    W_before|| / ||W_before|| per parameter (the notes want about 1e-3);
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


class Progress:
    """A progress bar: ipywidgets in a notebook, lines of text elsewhere."""

    def __init__(self, total, enabled=True):
        self.total, self.enabled = total, enabled
        self.bar = self.label = None
        self.printed = 0
        if enabled and _in_notebook():
            import ipywidgets
            from IPython.display import display
            self.bar = ipywidgets.IntProgress(min=0, max=total, value=0)
            self.label = ipywidgets.Label()
            display(ipywidgets.HBox([self.bar, self.label]))

    def update(self, done, text, force=False):
        """Show done/total steps and text (printed every 10% or when forced)."""
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.value, self.label.value = done, text
            return
        tenth = 10 * done // max(1, self.total)
        if force or tenth > self.printed or done == self.total:
            self.printed = tenth
            print(f"step {done}/{self.total}: {text}", flush=True)

    def close(self, done):
        """Green when all total steps were done, red when the run stopped early
        (an error or an interrupt) after done steps; the text says where."""
        if not self.enabled:
            return
        stopped = f"stopped after step {done}/{self.total}"
        if self.bar is not None:
            self.bar.bar_style = "success" if done == self.total else "danger"
            if done < self.total:
                self.label.value += f" ({stopped})"
        elif done < self.total:
            print(stopped, flush=True)


def _in_notebook():
    """True inside a Jupyter kernel with ipywidgets installed."""
    try:
        from IPython import get_ipython
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in shell.config


class Trainer:
    """Minibatch training of a net on data.raw_train, evaluated on the val split.

    optimizer: from convkit.optim (default Momentum(lr=0.01)); batch_size;
    augment: random crops and flips (convkit.data.augment); seed: batches,
    augmentations and dropout masks. eval_every: steps between evaluations
    in run() (default: once per epoch); train_samples: the size of the fixed
    training subset whose accuracy is recorded (as CS231n's Solver does).
    data: a prepared dataset, or a Dataset that is prepared with num_val
    validation images (prepare()'s default when num_val is None).
    """

    def __init__(self, net, data, optimizer=None, seed=0, batch_size=64, augment=False,
                 eval_every=None, train_samples=1000, eval_batch_size=256, num_val=None):
        batch_size = _count("batch_size", batch_size)
        if hasattr(data, "preprocess"):
            if num_val is not None:
                raise ValueError("data is prepared already, so its validation split is fixed: "
                                 "give num_val to prepare(), or give the Trainer the Dataset")
        else:
            data = prepare(data) if num_val is None else prepare(data, num_val=num_val)
        self.net, self.data = net, data
        _, H, W, C = self.data.raw_train.shape
        if (C, H, W) != net.input_shape:
            raise ShapeError(f"the data's images are {H}x{W}x{C}, input volume {(C, H, W)}, "
                             f"but the net takes input_shape {net.input_shape}")
        self.optimizer = optimizer or Momentum(lr=0.01)
        self.batch_size, self.augment = batch_size, augment
        self.eval_every, self.eval_batch_size = eval_every, eval_batch_size
        self.rng = np.random.default_rng(seed)
        n = len(self.data.y_train)
        self.train_subset = np.sort(self.rng.choice(n, min(train_samples, n), replace=False))
        self.steps_per_epoch = math.ceil(n / batch_size)
        self.step_count, self.epoch = 0, -1
        self.order, self.position = np.arange(0), 0
        self.history = History()
        self.seconds = 0.0

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
        images = self.data.raw_train[indices]
        if self.augment:
            images = random_flip(random_crop(images, 4, self.rng), self.rng)
        return indices, images, self.data.preprocess(images), self.data.y_train[indices]

    def step(self, details=True):
        """One iteration: batch, forward, loss, backward, update. Returns its Stage.

        details=False skips the gradient norms and update ratios (they need
        a copy of every parameter), for speed.
        """
        start = time.perf_counter()
        indices, images, X, y = self.next_batch()
        net, lr = self.net.train(), self.optimizer.lr
        params = net.params
        before, grad_norms = {}, {}
        if details:
            before = {name: np.array(ops.to_numpy(w)) for name, w in params.items()}
        loss, scores = net.loss(X, y, seed=int(self.rng.integers(2 ** 31)))
        grads = net.grads
        if details:
            grad_norms = {name: math.sqrt(ops.sum_squares(g)) for name, g in grads.items()}
        self.optimizer.step(params, grads)
        ratios = {name: _ratio(ops.to_numpy(params[name]), w) for name, w in before.items()}
        stage = Stage(self.step_count, self.epoch, indices, images, X, y, ops.to_numpy(scores),
                      loss, lr, grad_norms, ratios)
        self.history.loss.append(loss)
        self.history.lr.append(lr)
        self.step_count += 1
        stage.seconds = time.perf_counter() - start
        self.seconds += stage.seconds
        return stage

    def evaluate(self, split="val", indices=None):
        """Accuracy and mean loss on a split ("train", "val" or "test"), in eval mode.

        indices: only these images of the split. Images are normalised batch
        by batch, so evaluating the whole training split needs little memory.
        """
        raw, labels = self.data.split(split)
        if indices is not None:
            raw, labels = raw[indices], labels[indices]
        net = self.net.eval()
        correct, total_loss, predicted = 0, 0.0, [np.zeros(0, dtype=np.int64)]
        try:
            for i in range(0, len(labels), self.eval_batch_size):
                y = labels[i:i + self.eval_batch_size]
                scores = net.forward(self.data.preprocess(raw[i:i + self.eval_batch_size]))
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

    def run(self, steps=None, epochs=None, callbacks=(), progress=True, details=False):
        """Train for steps iterations or epochs epochs; returns the history.

        Accuracies are recorded every eval_every steps (default: at the end of
        every epoch) and at the end. Each callback is called as
        callback(trainer, stage) after every step (details=True fills the
        stage's grad_norms and update_ratios; see step()); a callback with an
        on_evaluation method is also called as
        callback.on_evaluation(trainer, train, val) after each evaluation,
        with the Evaluations of the training subset and the val split.
        """
        if (steps is None) == (epochs is None):
            raise ValueError(f"give either steps or epochs, not {'both' if steps else 'neither'}"
                             f" (an epoch is {self.steps_per_epoch} steps)")
        if steps is not None:
            total = _count("steps", steps)
        else:
            total = _count("epochs", epochs, f"; for part of an epoch give steps (an epoch is "
                                             f"{self.steps_per_epoch} steps)")
            total *= self.steps_per_epoch
        every = self.eval_every or self.steps_per_epoch
        bar, ran = Progress(total, progress), 0
        try:
            for done in range(1, total + 1):
                stage = self.step(details)
                ran = done
                for callback in callbacks:
                    callback(self, stage)
                text = f"epoch {self.step_count / self.steps_per_epoch:.2f}, loss {stage.loss:.3f}"
                evaluate = self.step_count % every == 0 or done == total
                if evaluate:
                    train, val = self.record_accuracy()
                    for callback in callbacks:
                        if hasattr(callback, "on_evaluation"):
                            callback.on_evaluation(self, train, val)
                    text += f", train acc {train.accuracy:.3f}, val acc {val.accuracy:.3f}"
                bar.update(done, text, force=evaluate)
        finally:
            bar.close(ran)
        return self.history

    def save(self, path):
        """Save the net, the optimizer and where training stands to an .npz file.

        Besides the net's arrays (net.load reads those alone), the file holds
        the optimizer's class, settings, step count t and state arrays
        ("optim.<param>.<key>"), and "trainer.state": the step count, epoch,
        position in the epoch's order, training seconds, history and the state
        of the generator that draws batches, augmentations and dropout seeds;
        "trainer.order" and "trainer.train_subset" are arrays of indices.
        """
        state = {"step": self.step_count, "epoch": self.epoch, "position": self.position,
                 "seconds": self.seconds, "rng": self.rng.bit_generator.state,
                 "history": asdict(self.history),
                 "optimizer": {"class": type(self.optimizer).__name__,
                               "settings": self.optimizer.settings(), "t": self.optimizer.t}}
        extra = {"trainer.state": np.array(json.dumps(state, default=float)),
                 "trainer.order": self.order, "trainer.train_subset": self.train_subset}
        for name, arrays in self.optimizer.state.items():
            for key, a in arrays.items():
                extra[f"optim.{name}.{key}"] = np.array(ops.to_numpy(a))
        checkpoint.save(self.net, path, extra)

    def load(self, path):
        """Resume from what save() wrote; returns the trainer.

        Restores the net's parameters and buffers, the optimizer's step count
        and state, and the trainer's step count, epoch, place in the epoch,
        history, training seconds and generator, so that run() goes on with
        the batches, augmentations and dropout masks an uninterrupted run would
        have had. The data is not saved: the trainer must have the same data.
        Raises CheckpointError, leaving everything unchanged, for a checkpoint
        of another net, one saved by another optimizer class or with other
        settings (naming both), or one without a trainer's state.
        """
        found = checkpoint.read(path)
        if "trainer.state" not in found:
            raise CheckpointError(f"{path} holds a net but no trainer state (it was saved by "
                                  f"Net.save); load it with trainer.net.load(path)")
        state = json.loads(str(found["trainer.state"]))
        saved = state["optimizer"]
        mine = {"class": type(self.optimizer).__name__, "settings": self.optimizer.settings()}
        mine = json.loads(json.dumps(mine, default=float))  # as saved: tuples become lists
        if (saved["class"], saved["settings"]) != (mine["class"], mine["settings"]):
            raise CheckpointError(
                f"{path} was saved by the optimizer {_describe(saved)}, but this trainer's is "
                f"{_describe(mine)}; make the trainer with the same optimizer and settings")
        extra = checkpoint.load(self.net, path)
        self.optimizer.t = saved["t"]
        self.optimizer.state = {}
        for name, a in extra.items():
            if name.startswith("optim."):
                param, key = name[len("optim."):].rsplit(".", 1)
                self.optimizer.state.setdefault(param, {})[key] = ops.asarray(a, dtype=a.dtype)
        self.step_count, self.epoch = state["step"], state["epoch"]
        self.position, self.seconds = state["position"], state["seconds"]
        self.order, self.train_subset = extra["trainer.order"], extra["trainer.train_subset"]
        self.rng.bit_generator.state = state["rng"]
        self.history = History(**state["history"])
        return self


def _describe(optimizer):
    """"Adam(lr=0.001, ...)" from {"class": ..., "settings": {...}}."""
    settings = ", ".join(f"{k}={v}" for k, v in optimizer["settings"].items())
    return f"{optimizer['class']}({settings})"


def _count(name, value, hint=""):
    """value if it is a whole number >= 1; else TypeError or ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number >= 1, got {value!r}{hint}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}{hint}")
    return int(value)


def _ratio(after, before):
    """||after - before|| / ||before|| (0 when before is all zeros)."""
    scale = np.linalg.norm(before)
    return float(np.linalg.norm(after - before) / scale) if scale else 0.0
