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
from dataclasses import dataclass, field

import numpy as np

from . import checkpoint, ops
from .data.augment import random_crop, random_flip
from .data.prepare import prepare
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
    W_before|| / ||W_before|| per parameter (the notes want about 1e-3).
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

    @property
    def accuracy(self):
        """The fraction of the batch the net classified right (before the update)."""
        return float(np.mean(np.argmax(self.scores, axis=1) == self.y))


@dataclass
class Evaluation:
    """accuracy and mean loss of a net on count images of a split."""

    split: str
    accuracy: float
    loss: float
    count: int


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
    """

    def __init__(self, net, data, optimizer=None, seed=0, batch_size=64, augment=False,
                 eval_every=None, train_samples=1000, eval_batch_size=256):
        self.net, self.data = net, data if hasattr(data, "preprocess") else prepare(data)
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
        self.seconds += time.perf_counter() - start
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
        correct, total_loss = 0, 0.0
        try:
            for i in range(0, len(labels), self.eval_batch_size):
                y = labels[i:i + self.eval_batch_size]
                scores = net.forward(self.data.preprocess(raw[i:i + self.eval_batch_size]))
                total_loss += net.loss_layer(scores, y)[0] * len(y)
                correct += int(np.sum(ops.argmax_rows(scores) == y))
        finally:
            net.train()
        n = len(labels)
        return Evaluation(split, correct / max(1, n), total_loss / max(1, n), n)

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
        callback(trainer, stage) after every step. details: see step().
        """
        if (steps is None) == (epochs is None):
            raise ValueError("give either steps or epochs")
        total = steps if steps is not None else epochs * self.steps_per_epoch
        every = self.eval_every or self.steps_per_epoch
        bar = Progress(total, progress)
        for done in range(1, total + 1):
            stage = self.step(details)
            for callback in callbacks:
                callback(self, stage)
            text = f"epoch {self.step_count / self.steps_per_epoch:.2f}, loss {stage.loss:.3f}"
            evaluate = self.step_count % every == 0 or done == total
            if evaluate:
                train, val = self.record_accuracy()
                text += f", train acc {train.accuracy:.3f}, val acc {val.accuracy:.3f}"
            bar.update(done, text, force=evaluate)
        return self.history

    def save(self, path):
        """Save the net, the optimizer state and the step count to an .npz file."""
        extra = {"trainer.step": np.array(self.step_count), "optim.t": np.array(self.optimizer.t)}
        for name, state in self.optimizer.state.items():
            for key, a in state.items():
                extra[f"optim.{name}.{key}"] = np.array(ops.to_numpy(a))
        checkpoint.save(self.net, path, extra)

    def load(self, path):
        """Load what save() wrote; a checkpoint of another net raises CheckpointError."""
        extra = checkpoint.load(self.net, path, extra_prefixes=("optim.", "trainer."))
        self.step_count = int(extra.pop("trainer.step", 0))
        self.optimizer.t = int(extra.pop("optim.t", 0))
        self.optimizer.state = {}
        for name, a in extra.items():
            param, key = name[len("optim."):].rsplit(".", 1)
            self.optimizer.state.setdefault(param, {})[key] = ops.asarray(a, dtype=a.dtype)
        return self


def _ratio(after, before):
    """||after - before|| / ||before|| (0 when before is all zeros)."""
    scale = np.linalg.norm(before)
    return float(np.linalg.norm(after - before) / scale) if scale else 0.0
