"""The training dashboard's overhead: a run with the dashboard against the bare Trainer.

    python benchmarks/dashboard.py [--steps 100] [--eval-every 100] [--backend cpu]
                                   [--data synthetic] [--repeats 3]

Both train small_cifar_net (seed 0, Momentum lr 0.01, batch 64) for the same
steps on the same data, evaluating every --eval-every steps:
- bare: Trainer.run(steps, progress=False), no details;
- dashboard: TrainingDashboard's model.run(steps) with the view updating
  at its default refresh (every refresh_every steps: the stage table, the
  batch, the curves, filters, activation maps, predictions re-rendered to
  PNG; the confusion matrix at every evaluation), plus the details (grad
  norms and update ratios) of every step.
Each runs --repeats times, taking turns, and the fastest of each counts.
Prints both wall-clock times, the overhead, (dashboard - bare) / bare
(target: under 15%), the same in CPU time of the process, the time spent
in the view's updates (measured directly: on a machine busy with other
work the wall-clock difference is noisy), and whether
both runs had the same losses and accuracies.
--data cifar reads CIFAR-10 where $CONVKIT_DATA points. The first run of the
cpu backend compiles its kernels; a warm-up step is taken before timing.
"""
import argparse
import os
import time
import warnings

from convkit import models
from convkit.backends import set_backend
from convkit.data import load_cifar10, prepare, synthetic_cifar
from convkit.optim import Momentum
from convkit.trainer import Trainer
from convkit.widgets import TrainingDashboard, TrainingModel
from widgets import cpu_name  # benchmarks/widgets.py


def _times(seconds):
    return ", ".join(f"{s:.2f}" for s in seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--backend", default="cpu")
    parser.add_argument("--data", choices=("synthetic", "cifar"), default="synthetic")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    set_backend(args.backend)
    if args.data == "cifar":
        data = prepare(load_cifar10(download=False))
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = prepare(synthetic_cifar())
    settings = dict(seed=0, batch_size=64, eval_every=args.eval_every)

    warm = Trainer(models.small_cifar_net(seed=0), data, Momentum(lr=0.01), **settings)
    warm.run(steps=2, progress=False)                        # compile the kernels

    bare_times, dash_times, draw_times, bare_cpu, dash_cpu = [], [], [], [], []
    for _ in range(args.repeats):                            # taking turns: the same load
        bare = Trainer(models.small_cifar_net(seed=0), data, Momentum(lr=0.01), **settings)
        start, cpu = time.perf_counter(), time.process_time()
        bare.run(steps=args.steps, progress=False)
        bare_times.append(time.perf_counter() - start)
        bare_cpu.append(time.process_time() - cpu)

        model = TrainingModel(net=models.small_cifar_net(seed=0), data=data,
                              optimizer="Momentum", lr=0.01, **settings)
        view = TrainingDashboard(model=model)
        drawing = []

        def update(model, view=view, drawing=drawing):
            began = time.perf_counter()
            view.update(model)
            drawing.append(time.perf_counter() - began)
        start, cpu = time.perf_counter(), time.process_time()
        model.run(args.steps, on_update=update)
        dash_times.append(time.perf_counter() - start)
        dash_cpu.append(time.process_time() - cpu)
        draw_times.append(sum(drawing))
    bare_seconds, dash_seconds = min(bare_times), min(dash_times)
    draw_seconds = min(draw_times)

    same = bare.history.loss == model.history.loss and bare.history.val_acc == model.history.val_acc
    print(f"small_cifar_net, {args.steps} steps of batch 64 on {args.data} data, backend "
          f"{args.backend}, evaluations every {args.eval_every} steps, dashboard refresh every "
          f"{model.refresh_every} steps; {cpu_name()}, {os.cpu_count()} cores")
    print(f"bare Trainer.run:   {bare_seconds:7.2f} s  (runs: {_times(bare_times)})")
    print(f"with the dashboard: {dash_seconds:7.2f} s  (runs: {_times(dash_times)})")
    print(f"overhead: {100 * (dash_seconds - bare_seconds) / bare_seconds:+.1f}% (target < 15%)")
    cpu_bare, cpu_dash = min(bare_cpu), min(dash_cpu)
    print(f"CPU time (all threads): bare {cpu_bare:.2f} s, dashboard {cpu_dash:.2f} s, "
          f"overhead {100 * (cpu_dash - cpu_bare) / cpu_bare:+.1f}%")
    print(f"drawing ({len(drawing)} view updates): {draw_seconds:.2f} s, "
          f"{100 * draw_seconds / bare_seconds:.1f}% of the bare run")
    print(f"same losses and accuracies: {same}")


if __name__ == "__main__":
    main()
