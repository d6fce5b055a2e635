"""TrainingModel: a Trainer taken step by step, with the numbers a dashboard shows.

    model = TrainingModel()            # small_cifar_net on CIFAR-10, or synthetic shapes
    stage = model.step()               # one iteration: batch, scores, loss, gradients, update
    model.run(20)                      # 20 more, evaluating every eval_every steps
    model.confusion()                  # panels: loss, accuracies, filters, activations, ...

A run in a notebook is an asyncio task on the kernel's event loop:
model.start(steps, on_update) takes a step, calls on_update(model) every
refresh_every steps and yields (await asyncio.sleep(0)), so Pause (model.pause())
and the other widgets work while it trains. An exception in a step, or a
loss that is not finite, stops the run and sets model.error to a message
saying what to try; the model stays usable (Reset starts over).
"""
import asyncio
import math
import time
import warnings

import numpy as np

from .. import models, ops, optim
from ..backends import get_backend
from ..data import default_root, load_cifar10, prepare, synthetic_cifar
from ..errors import DatasetError
from ..trainer import Trainer

OPTIMIZERS = {"SGD": optim.SGD, "Momentum": optim.Momentum, "Nesterov": optim.Nesterov,
              "Adagrad": optim.Adagrad, "RMSProp": optim.RMSProp, "Adam": optim.Adam}
# CS231n's rule of thumb for the update/weight ratio, from its "Neural Networks 3" notes
# (not from the convolutional networks notes): about 1e-3; here "far" is 10x either way.
RATIO_TARGET, RATIO_FACTOR = 1e-3, 10.0


def default_data(num_val=1000):
    """(prepared data, where it came from): CIFAR-10 if it is on disk, else synthetic shapes."""
    try:
        data, title = load_cifar10(download=False), "CIFAR-10"
    except DatasetError:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = synthetic_cifar()
        title = (f"SYNTHETIC shapes, NOT CIFAR-10 (CIFAR-10 not found in {default_root()}; "
                 f"set CONVKIT_DATA to the folder that holds cifar-10-batches-py)")
    return prepare(data, num_val=num_val), title


def smooth(values, beta=0.9):
    """The exponential moving average of values with bias correction (as Adam's)."""
    out, average = [], 0.0
    for t, v in enumerate(values, 1):
        average = beta * average + (1 - beta) * v
        out.append(average / (1 - beta ** t))
    return np.array(out)


def ratio_flag(ratio):
    """"" when an update/weight ratio is within 10x of 1e-3, else "low" or "high"
    (CS231n's rule of thumb, "Neural Networks 3"); "n/a" for weights that were all 0."""
    if ratio == 0:
        return "n/a"
    if ratio < RATIO_TARGET / RATIO_FACTOR:
        return "low"
    return "high" if ratio > RATIO_TARGET * RATIO_FACTOR else ""


def filter_images(w):
    """Filters w (K, 3, F, F) as RGB images (K, F, F, 3) in [0, 1], each scaled to its
    own min..max (a constant filter is grey)."""
    images = np.asarray(w, dtype=np.float64).transpose(0, 2, 3, 1)
    low = images.min(axis=(1, 2, 3), keepdims=True)
    span = images.max(axis=(1, 2, 3), keepdims=True) - low
    return np.where(span > 0, (images - low) / np.where(span > 0, span, 1), 0.5)


class TrainingModel:
    """A Trainer with settings, a step-by-step run, and the panels' numbers.

    trainer: an existing Trainer; else one is made from net (default
    small_cifar_net), data (a Dataset or prepared data; default CIFAR-10
    from disk, or synthetic_cifar() when it is not there) and the settings:
    optimizer (a name of OPTIMIZERS), lr, batch_size, augment, seed.
    eval_every: steps between evaluations (training subset of train_samples
    images and the val split); refresh_every: steps between on_update calls during
    a run; max_draw_share: a refresh is skipped while the run's time in on_update
    exceeds this share of its training time (so drawing costs at most about 10%).
    title says which data it trains on.
    """

    def __init__(self, trainer=None, net=None, data=None, optimizer="Momentum", lr=0.01,
                 batch_size=64, augment=False, seed=0, eval_every=100, refresh_every=25,
                 max_draw_share=0.1, train_samples=1000, num_val=1000, samples=8):
        if trainer is not None:
            net, data = trainer.net, trainer.data
            optimizer, lr = type(trainer.optimizer).__name__, trainer.optimizer.base_lr
            batch_size, augment = trainer.batch_size, trainer.augment
            train_samples = len(trainer.train_subset)
        if data is None:
            data, title = default_data(num_val)
        else:
            data = data if hasattr(data, "preprocess") else prepare(data, num_val=num_val)
            title = ("SYNTHETIC shapes, NOT CIFAR-10" if data.synthetic else "CIFAR-10")
        self.data, self.title = data, title
        self.net = net or models.small_cifar_net(seed=seed)
        self.seed, self.train_samples = seed, train_samples
        self.eval_every, self.refresh_every = eval_every, refresh_every
        self.max_draw_share = max_draw_share
        self.settings = {}
        self.configure(optimizer=optimizer, lr=lr, batch_size=batch_size, augment=augment,
                       rebuild=False)
        self.net.build()
        self.initial = {name: np.array(ops.to_numpy(a))
                        for name, a in {**self.net.params, **self.net.buffers}.items()}
        self.trainer = trainer or self._new_trainer()
        self.samples = self._sample_indices(samples)
        self.image_index = int(self.samples[0])
        self.layer = self.image_layers()[0] if self.image_layers() else None
        self.stage, self.error = None, None
        self.running, self.pause_requested, self.task = False, False, None
        self.last_confusion = None

    # Settings, reset, checkpoints

    def configure(self, optimizer=None, lr=None, batch_size=None, augment=None, rebuild=True):
        """Change the settings for the next steps. Before the first step they make a
        new Trainer; later, lr, batch_size and augment apply from the next step, and
        a new optimizer starts with empty state (velocities, caches)."""
        new = dict(self.settings)
        for key, value in (("optimizer", optimizer), ("lr", lr), ("batch_size", batch_size),
                           ("augment", augment)):
            if value is not None:
                new[key] = value
        if new["optimizer"] not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, "
                             f"got {new['optimizer']!r}")
        if not (isinstance(new["lr"], (int, float)) and math.isfinite(new["lr"])
                and new["lr"] > 0):
            raise ValueError(f"lr (the learning rate) must be a number > 0, got {new['lr']!r}")
        if isinstance(new["batch_size"], bool) or not isinstance(new["batch_size"], int) \
                or new["batch_size"] < 1:
            raise ValueError(f"batch_size must be a whole number >= 1, got {new['batch_size']!r}")
        old, self.settings = self.settings, new
        if not rebuild:
            return
        t = self.trainer
        if t.step_count == 0:
            self.trainer = self._new_trainer()
            return
        if new["optimizer"] != old["optimizer"]:
            t.optimizer = OPTIMIZERS[new["optimizer"]](lr=new["lr"])
        t.optimizer.base_lr = new["lr"]
        t.batch_size, t.augment = new["batch_size"], new["augment"]
        t.steps_per_epoch = math.ceil(len(self.data.y_train) / t.batch_size)

    def _new_trainer(self):
        s = self.settings
        return Trainer(self.net, self.data, optimizer=OPTIMIZERS[s["optimizer"]](lr=s["lr"]),
                       seed=self.seed, batch_size=s["batch_size"], augment=s["augment"],
                       eval_every=self.eval_every, train_samples=self.train_samples)

    def reset(self):
        """The net's first weights, a new Trainer with the current settings, no history."""
        if self.running:
            raise RuntimeError("a run is going on: Pause it first, then Reset")
        for layer in self.net.layers:
            for store in (layer.params, layer.buffers):
                for key in store:
                    store[key] = ops.asarray(self.initial[f"{layer.name}.{key}"],
                                             dtype=self.net.dtype)
        self.trainer = self._new_trainer()
        self.stage, self.error, self.last_confusion = None, None, None

    def save(self, path):
        """Trainer.save(path): the net, the optimizer and where training stands."""
        self.trainer.save(path)

    def load(self, path):
        """Trainer.load(path); the optimizer setting follows the checkpoint's class."""
        self.trainer.load(path)
        self.stage, self.error = None, None
        self.last_confusion = self.confusion() if self.history.eval_step else None

    @property
    def backend(self):
        return get_backend()

    @property
    def step_count(self):
        return self.trainer.step_count

    @property
    def history(self):
        return self.trainer.history

    # Steps and runs

    def step(self):
        """One training step; returns its Stage, or None when it failed (see error)."""
        if self.error is not None and self.error.startswith("diverged"):
            return None
        lr = self.trainer.optimizer.lr
        try:
            stage = self.trainer.step(details=True)
            if not math.isfinite(stage.loss):
                return self._fail(
                    f"diverged: the loss is {stage.loss} at step {stage.step}, so the weights "
                    f"are no longer numbers. Try: a smaller learning rate (now {lr:g}, e.g. "
                    f"{lr / 10:g}), then Reset.")
            self.stage, self.error = stage, None
            if self.trainer.step_count % self.eval_every == 0:
                self.evaluate()
        except Exception as e:
            return self._fail(self._message(e, lr))
        return stage

    def _message(self, error, lr):
        text = f"{type(error).__name__}: {error}"
        if isinstance(error, FloatingPointError) or "nan" in str(error).lower() \
                or "finite" in str(error).lower():
            return (f"diverged: {text}. Try: a smaller learning rate (now {lr:g}, e.g. "
                    f"{lr / 10:g}), then Reset.")
        return f"the step failed: {text}. Try: change the setting it names, then Step or Reset."

    def _fail(self, message):
        """Stop: keep message in error, ask a run to pause; returns None (no stage)."""
        self.error, self.pause_requested = message, True

    def evaluate(self):
        """Record train-subset and val accuracy in the history, and the confusion matrix
        of that val evaluation (no second pass over the split)."""
        _, val = self.trainer.record_accuracy()
        self.last_confusion = self.confusion(val.predicted)

    def _run_steps(self, steps, on_update):
        """Yield after each step of a run of steps steps (fewer when paused or failed).

        on_update(self) is called every refresh_every steps, unless the time spent in
        it during this run, with one more call as long as the last, would pass
        max_draw_share of the run's training time (then that refresh is skipped),
        and once at the end.
        """
        self.running, done, shown = True, 0, -1
        trained, drawing, last = self.trainer.seconds, 0.0, 0.0
        try:
            while done < steps and not self.pause_requested:
                if self.step() is None:
                    break
                done += 1
                budget = self.max_draw_share * (self.trainer.seconds - trained)
                if on_update is not None and done % self.refresh_every == 0 \
                        and drawing + last <= budget:
                    began = time.perf_counter()
                    on_update(self)
                    last = time.perf_counter() - began
                    drawing, shown = drawing + last, done
                yield done
        finally:
            self.running = False
            if on_update is not None and shown != done:
                on_update(self)

    def run(self, steps, on_update=None):
        """Take steps steps now (for tests and scripts); returns the history."""
        self.pause_requested = False
        for _ in self._run_steps(steps, on_update):
            pass
        return self.history

    async def run_async(self, steps, on_update=None):
        """The run as a coroutine: yields to the event loop after every step."""
        for _ in self._run_steps(steps, on_update):
            await asyncio.sleep(0)
        return self.history

    def start(self, steps, on_update=None):
        """Start run_async as a task on the running event loop; returns the task."""
        if self.running:
            raise RuntimeError("a run is going on: Pause it first")
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError("start() runs on a running asyncio event loop (a Jupyter "
                               "kernel has one); in a script call run(steps)") from None
        self.running, self.pause_requested = True, False
        self.task = asyncio.ensure_future(self.run_async(steps, on_update))
        return self.task

    def pause(self):
        """Stop a run after its current step."""
        self.pause_requested = True

    # The panels' numbers

    def stage_rows(self, stage=None):
        """Per parameter of the last (or given) stage: (name, grad norm, update/weight
        ratio, flag); flag is ratio_flag's word."""
        stage = stage or self.stage
        if stage is None:
            return []
        return [(name, stage.grad_norms[name], ratio, ratio_flag(ratio))
                for name, ratio in stage.update_ratios.items()]

    def batch_view(self, n=8, stage=None):
        """The first n images of the stage's batch: raw images (n, H, W, C), labels,
        predicted classes (from the scores before the update)."""
        stage = stage or self.stage
        return stage.images[:n], stage.y[:n], np.argmax(stage.scores[:n], axis=1)

    def loss_curve(self):
        """(steps, losses, smoothed losses) as arrays."""
        loss = np.array(self.history.loss, dtype=np.float64)
        return np.arange(len(loss)), loss, smooth(loss)

    def accuracy_curve(self):
        """(eval steps, train-subset accuracies, val accuracies) as arrays."""
        h = self.history
        return np.array(h.eval_step), np.array(h.train_acc), np.array(h.val_acc)

    def filters(self):
        """The first layer's filters as RGB images (K, F, F, 3) in [0, 1], or None when
        the first layer with weights is not a conv on 3 channels."""
        for layer in self.net.layers:
            if "w" in layer.params:
                w = ops.to_numpy(layer.params["w"])
                return filter_images(w) if w.ndim == 4 and w.shape[1] == 3 else None
        return None

    def image_layers(self):
        """Names of the layers whose outputs are image volumes (D, H, W)."""
        return [layer.name for layer in self.net.layers if len(layer.out_shape) == 3]

    def activation_maps(self, layer=None, index=None):
        """(raw test image (H, W, C), maps (D, H', W')) of the chosen layer for the test image
        index (defaults: self.layer, self.image_index)."""
        layer, index = layer or self.layer, self.image_index if index is None else index
        if layer not in self.image_layers():
            raise ValueError(f"layer must be one of {', '.join(self.image_layers())} "
                             f"(the layers with image volumes), got {layer!r}")
        raw = self.data.raw_test[index:index + 1]
        return raw[0], self.net.activations(self.data.preprocess(raw))[layer][0]

    def _sample_indices(self, n):
        """n test images, one per class in turn (the first of each)."""
        y = self.data.y_test
        firsts = [np.flatnonzero(y == c)[:1] for c in range(len(self.data.class_names))]
        picked = np.concatenate([f for f in firsts if len(f)])
        return picked[:n] if len(picked) >= n else np.arange(min(n, len(y)))

    def predictions(self):
        """For the sample test images: raw images, labels, top-3 classes (n, 3) and
        their softmax probabilities (n, 3)."""
        idx = self.samples
        raw = self.data.raw_test[idx]
        training = self.net.training
        try:
            scores = np.asarray(ops.to_numpy(self.net.eval().forward(self.data.preprocess(raw))),
                                dtype=np.float64)
        finally:
            self.net.training = training
        probs = np.exp(scores - scores.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        top = np.argsort(-probs, axis=1)[:, :3]
        return raw, self.data.y_test[idx], top, np.take_along_axis(probs, top, axis=1)

    def confusion(self, predicted=None):
        """The val split's confusion matrix (classes, classes): row = true class, column =
        predicted; and the accuracy per class (NaN for a class with no images).
        predicted: the classes predicted for the val split (default: predict them now)."""
        raw, y = self.data.split("val")
        if predicted is None:
            predicted = self.net.predict(self.data.preprocess(raw)) if len(y) else y
        k = len(self.data.class_names)
        matrix = np.zeros((k, k), dtype=np.int64)
        np.add.at(matrix, (y, predicted), 1)
        counts = matrix.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_class = np.where(counts > 0, np.diag(matrix) / counts, np.nan)
        return matrix, per_class
