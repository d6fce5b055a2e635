"""Training on CIFAR-10 with the CPU backend: accuracy against wall-clock time.

    CONVKIT_DATA=/path/to/data python benchmarks/train_cifar.py [--budget 570] [--skip-three-layer]

Three parts, each printed as it goes:
1. Determinism: a short run of small_cifar_net twice with one seed; the two
   histories (losses, accuracies) must be identical.
2. CS231n's bar: three_layer_convnet, one epoch with Adam (lr 1e-3, batch 50,
   as in assignment 2), should reach over 40% training accuracy (measured,
   as the assignment's Solver does, on 1,000 training images).
3. small_cifar_net with random crops and flips, Nesterov momentum SGD
   (lr 0.1, batch 128, weight decay 5e-4) and a one-cycle schedule (linear
   warmup over half an epoch, then cosine decay to zero) sized to end after
   --budget seconds of training; test accuracy after every epoch. Target:
   75% test accuracy within 10 minutes (600 s) of training.
Training time excludes the evaluations. The data is read where
$CONVKIT_DATA points (see convkit.data.load_cifar10) and never copied.
Exits with status 1 when a target is missed.
"""
import argparse
import os
import platform
import time

from convkit import models
from convkit.backends import set_backend
from convkit.data import load_cifar10, prepare
from convkit.optim import Adam, CosineSchedule, Nesterov
from convkit.trainer import Trainer


def small_trainer(data, seed=0, lr=0.1, schedule=None, batch_size=128):
    net = models.small_cifar_net(seed=seed)
    optimizer = Nesterov(lr=lr, mu=0.9, weight_decay=5e-4, schedule=schedule)
    return Trainer(net, data, optimizer=optimizer, seed=seed, batch_size=batch_size,
                   augment=True)


def check_determinism(data, steps=20):
    histories = []
    for _ in range(2):
        trainer = small_trainer(data, seed=7, schedule=CosineSchedule(steps, warmup=5))
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


def small_net_run(data, budget):
    """Train small_cifar_net for budget seconds; returns [(seconds, test accuracy)] per epoch.

    The one-cycle schedule needs its length in steps: it is re-estimated
    every 50 steps from the recent step time, so the cosine reaches zero
    when the budget runs out even when the machine is busy.
    """
    schedule = CosineSchedule(total_steps=10 ** 9)
    trainer = small_trainer(data, schedule=schedule)
    schedule.warmup = trainer.steps_per_epoch // 2
    tests, mark = [], (0, 0.0)
    print("epoch  train s  train acc  val acc  test acc", flush=True)
    while trainer.seconds < budget and trainer.step_count < schedule.total_steps:
        trainer.step(details=False)
        if trainer.step_count % 50 == 0:
            per_step = (trainer.seconds - mark[1]) / (trainer.step_count - mark[0])
            schedule.total_steps = trainer.step_count + int((budget - trainer.seconds) / per_step)
            mark = (trainer.step_count, trainer.seconds)
        done = trainer.seconds >= budget or trainer.step_count >= schedule.total_steps
        if trainer.step_count % trainer.steps_per_epoch == 0 or done:
            tests.append((trainer.seconds, trainer.evaluate("test").accuracy))
            train = trainer.evaluate("train", trainer.train_subset).accuracy
            print(f"{trainer.step_count / trainer.steps_per_epoch:5.2f}  {trainer.seconds:7.0f}  "
                  f"{train:9.3f}  {trainer.evaluate('val').accuracy:7.3f}  {tests[-1][1]:8.3f}",
                  flush=True)
    return tests


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=570,
                        help="seconds of training for small_cifar_net (default 570)")
    parser.add_argument("--backend", default="cpu")
    parser.add_argument("--skip-three-layer", action="store_true")
    parser.add_argument("--skip-determinism", action="store_true")
    args = parser.parse_args()
    set_backend(args.backend)
    print(f"backend {args.backend}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, CONVKIT_DATA={os.environ.get('CONVKIT_DATA')}", flush=True)
    start = time.perf_counter()
    data = prepare(load_cifar10(download=False))
    print(f"data: {data} ({time.perf_counter() - start:.0f} s to load)", flush=True)
    ok = True
    if not args.skip_determinism:
        ok &= check_determinism(data)
    if not args.skip_three_layer:
        ok &= three_layer_epoch(data) > 0.4
    test = small_net_run(data, args.budget)
    best_in_10 = max((acc for seconds, acc in test if seconds <= 600), default=0.0)
    print(f"small_cifar_net: test accuracy {test[-1][1]:.3f} after {test[-1][0]:.0f} s of "
          f"training; best within 600 s: {best_in_10:.3f} "
          f"({'meets' if best_in_10 >= 0.75 else 'MISSES'} the 75% target)", flush=True)
    ok &= best_in_10 >= 0.75
    print("all targets met" if ok else "some targets missed", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
