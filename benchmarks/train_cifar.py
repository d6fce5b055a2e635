"""Training on CIFAR-10 with the CPU backend: accuracy against wall-clock time.

    CONVKIT_DATA=/path/to/data python benchmarks/train_cifar.py [--budget 180] [--skip-three-layer]

Three parts, each printed as it goes:
1. Determinism: a short run of the class run's trainer twice with one seed;
   the two histories (losses, accuracies) must be identical.
2. CS231n's bar: three_layer_convnet, one epoch with Adam (lr 1e-3, batch 50,
   as in assignment 2), should reach over 40% training accuracy (measured,
   as the assignment's Solver does, on 1,000 training images).
3. A timed run, with the test accuracy after every epoch and at the end,
   plain and with flip test-time augmentation: by default lesson 11's class
   run (convkit.recipe.class_run: small_cifar_net, Nesterov lr 0.4, batch
   256, 2-pixel crops and flips, a one-cycle schedule sized to end after
   --budget seconds of training), and from 600 s on recipe.long_run (the
   same with whitened_cifar_net); --recipe chooses. Targets: 80% within
   180 s, 90% within 600 s (the budget decides which; other budgets have
   none).
Training time excludes the evaluations. The data is read where
$CONVKIT_DATA points (see convkit.data.load_cifar10) and never copied.
Exits with status 1 when a target is missed.
"""
import argparse
import os
import platform
import time

from convkit import models, recipe
from convkit.backends import set_backend
from convkit.data import load_cifar10, prepare
from convkit.optim import Adam
from convkit.recipe import class_run
from convkit.trainer import Trainer

TARGETS = {180: 0.80, 600: 0.90}


def cpu_name():
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def check_determinism(data, steps=20):
    histories = []
    for _ in range(2):
        trainer = class_run(data, seed=7)
        trainer.eval_every = 10
        history = trainer.run(steps=steps, progress=False)
        histories.append((history.loss, history.train_acc, history.val_acc, history.val_loss))
    same = histories[0] == histories[1]
    print(f"determinism: two runs of {steps} steps with seed 7 give "
          f"{'identical' if same else 'DIFFERENT'} histories "
          f"(last loss {histories[0][0][-1]:.6f} vs {histories[1][0][-1]:.6f})", flush=True)
    return same


def three_layer_epoch(data):
    trainer = Trainer(models.three_layer_convnet(seed=0), data, optimizer=Adam(lr=1e-3),
                      batch_size=50, seed=0)
    history = trainer.run(epochs=1, progress=False)
    train_acc = history.train_acc[-1]
    print(f"three_layer_convnet, 1 epoch: {history.seconds[-1]:.0f} s, train acc "
          f"{train_acc:.3f}, val acc {history.val_acc[-1]:.3f} "
          f"({'over' if train_acc > 0.4 else 'NOT over'} 40%)", flush=True)
    return train_acc


class TestEvery:
    """Callback of run(): the test accuracy, plain and with flips, at every evaluation."""

    def __init__(self):
        self.rows = []

    def on_evaluation(self, trainer, train, val):
        plain, flip = trainer.evaluate("test").accuracy, trainer.evaluate("test", flip=True).accuracy
        self.rows.append((trainer.seconds, plain, flip))
        print(f"{trainer.step_count / trainer.steps_per_epoch:5.2f}  {trainer.seconds:7.0f}  "
              f"{train.accuracy:9.3f}  {val.accuracy:7.3f}  {plain:8.3f}  {flip:10.3f}", flush=True)


def timed_run(data, budget, name):
    """recipe.<name> for budget seconds; returns [(seconds, test acc, test acc with flips)]."""
    trainer = getattr(recipe, name)(data)
    print(f"recipe.{name}: {trainer.net.num_params():,} parameters", flush=True)
    tests = TestEvery()
    print("epoch  train s  train acc  val acc  test acc  with flips", flush=True)
    trainer.run(seconds=budget, callbacks=[tests], progress=False)
    return tests.rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=180,
                        help="seconds of training of the timed run (default 180)")
    parser.add_argument("--backend", default="cpu")
    parser.add_argument("--recipe", choices=("class_run", "long_run"),
                        help="default: class_run below 600 s, long_run from 600 s")
    parser.add_argument("--skip-three-layer", action="store_true")
    parser.add_argument("--skip-determinism", action="store_true")
    args = parser.parse_args()
    set_backend(args.backend)
    print(f"backend {args.backend}, {cpu_name()}, {os.cpu_count()} cores, "
          f"CONVKIT_DATA={os.environ.get('CONVKIT_DATA')}", flush=True)
    start = time.perf_counter()
    data = prepare(load_cifar10(download=False))
    print(f"data: {data} ({time.perf_counter() - start:.0f} s to load)", flush=True)
    ok = True
    if not args.skip_determinism:
        ok &= check_determinism(data)
    if not args.skip_three_layer:
        ok &= three_layer_epoch(data) > 0.4
    name = args.recipe or ("long_run" if args.budget >= 600 else "class_run")
    rows = timed_run(data, args.budget, name)
    seconds, plain, flip = rows[-1]
    print(f"{name}: test accuracy {plain:.3f} ({flip:.3f} with flips) after {seconds:.0f} s "
          f"of training", flush=True)
    target = TARGETS.get(round(args.budget))
    if target is not None:
        met = flip >= target
        print(f"target {target:.0%} within {args.budget:.0f} s: {'met' if met else 'MISSED'}",
              flush=True)
        ok &= met
    print("all targets met" if ok else "some targets missed", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
