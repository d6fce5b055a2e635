"""Speed of the Numba CPU backend next to PyTorch on the CPU and the NumPy reference.

    python benchmarks/cpu.py [--repeats 15] [--threads N] [--quick]

Prints one table row per case: the median time of each contender and the
ratio of this backend's time to PyTorch's, measured in the same run (the
contenders take turns, so a busy machine slows both alike). PyTorch is an
optional extra (pip install torch==2.13.0); without it only the kit's times
are shown. The reference backend is slow, so it runs once on a small batch
and its time is scaled up linearly to the full batch (marked "~").
All arrays are NCHW float32; both libraries use every core, or N threads
with --threads N (--threads 1 compares the work per core, which a machine
busy with other programs disturbs least).
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

from convkit.backends import cpu
from convkit.backends import numpy as ref

from cifar_net import kit_net, net_params, torch_net

try:
    import torch
    import torch.nn.functional as tF
except ImportError:
    torch = None

CONVS = {
    "conv A 64x3x32x32, 32 3x3/1/1": (64, 3, 32, 32, 32, 3, 1, 1),
    "conv B 64x32x16x16, 64 3x3/1/1": (64, 32, 16, 16, 64, 3, 1, 1),
    "conv C 64x64x8x8, 128 3x3/1/1": (64, 64, 8, 8, 128, 3, 1, 1),
    "AlexNet conv1 8x3x227x227, 96 11x11/4/0": (8, 3, 227, 227, 96, 11, 4, 0),
}
REFERENCE_BATCH = 2


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def race(contenders, repeats, rounds=3):
    """Median seconds of each contender's calls.

    The contenders take turns in rounds, so that a machine that gets busier
    or quieter meanwhile affects them alike; each turn starts with an untimed
    call and a pause, so that no contender inherits the other's warm caches
    or still-spinning threads.
    """
    times = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            time.sleep(0.05)
            fn()
            times[name] += [timed(fn) for _ in range(-(-repeats // rounds))]
    return {name: statistics.median(ts) for name, ts in times.items()}


def conv_case(N, C, H, W, K, F, S, P, rng):
    """fwd+bwd callables for the kit, PyTorch and the reference (on REFERENCE_BATCH images)."""
    x = rng.standard_normal((N, C, H, W), dtype=np.float32)
    w = rng.standard_normal((K, C, F, F), dtype=np.float32)
    b = rng.standard_normal(K, dtype=np.float32)
    dout = rng.standard_normal(cpu.conv_forward(x[:1], w, b, S, P)[0].shape[1:], dtype=np.float32)
    dout = np.ascontiguousarray(np.broadcast_to(dout, (N,) + dout.shape))

    def kit():
        _, cache = cpu.conv_forward(x, w, b, S, P)
        cpu.conv_backward(dout, cache)

    def reference():
        _, cache = ref.conv_forward(x[:REFERENCE_BATCH], w, b, S, P)
        ref.conv_backward(dout[:REFERENCE_BATCH], cache)

    contenders = {"kit": kit}
    if torch is not None:
        tx = torch.from_numpy(x).requires_grad_()
        tw, tb = (torch.from_numpy(a).requires_grad_() for a in (w, b))
        tdout = torch.from_numpy(dout)

        def pytorch():
            tx.grad = tw.grad = tb.grad = None
            tF.conv2d(tx, tw, tb, S, P).backward(tdout)
        contenders["torch"] = pytorch
    return contenders, reference, N / REFERENCE_BATCH


def pool_case(rng):
    x = rng.standard_normal((64, 32, 32, 32), dtype=np.float32)
    dout = rng.standard_normal((64, 32, 16, 16), dtype=np.float32)

    def kit():
        _, cache = cpu.max_pool_forward(x, 2, 2)
        cpu.max_pool_backward(dout, cache)

    def reference():
        _, cache = ref.max_pool_forward(x[:REFERENCE_BATCH], 2, 2)
        ref.max_pool_backward(dout[:REFERENCE_BATCH], cache)

    contenders = {"kit": kit}
    if torch is not None:
        tx, tdout = torch.from_numpy(x).requires_grad_(), torch.from_numpy(dout)

        def pytorch():
            tx.grad = None
            tF.max_pool2d(tx, 2, 2).backward(tdout)
        contenders["torch"] = pytorch
    return contenders, reference, 64 / REFERENCE_BATCH


def net_case(rng, train):
    x = rng.standard_normal((64, 3, 32, 32), dtype=np.float32)
    y = rng.integers(0, 10, 64)
    params = net_params(rng)

    def kit():
        kit_net(cpu, params, x, y, train)

    def reference():
        kit_net(ref, [p.copy() for p in params], x[:REFERENCE_BATCH], y[:REFERENCE_BATCH], train)

    contenders = {"kit": kit}
    if torch is not None:
        tparams = [torch.from_numpy(p.copy()).requires_grad_() for p in params]
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)

        def pytorch():
            torch_net(tparams, tx, ty, train)
        contenders["torch"] = pytorch
    return contenders, reference, 64 / REFERENCE_BATCH


def startup():
    """Seconds for `import convkit`, and for the first conv in a fresh process (warm kernel cache)."""
    script = ("import time; t = time.perf_counter(); import convkit; t1 = time.perf_counter(); "
              "import numpy as np; from convkit import ops; convkit.set_backend('cpu'); "
              "x = np.ones((2, 3, 8, 8), np.float32); w = np.ones((4, 3, 3, 3), np.float32); "
              "ops.conv_forward(x, w, np.ones(4, np.float32), 1, 1); "
              "print(t1 - t, time.perf_counter() - t1)")
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
            for _ in range(4)]
    numbers = [tuple(map(float, r.stdout.split())) for r in runs[1:]]
    return statistics.median(n[0] for n in numbers), statistics.median(n[1] for n in numbers)


def machine():
    model = platform.processor() or "unknown CPU"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next(line.split(":", 1)[1].strip() for line in out.splitlines()
                     if line.startswith("Model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} cores"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed runs per contender")
    parser.add_argument("--threads", type=int, default=None, help="threads for both (default: all cores)")
    parser.add_argument("--quick", action="store_true", help="skip the slow reference backend")
    args = parser.parse_args()
    if args.threads:
        cpu.set_num_threads(args.threads)
        if torch is not None:
            torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    cases = {name: conv_case(*shape, rng) for name, shape in CONVS.items()}
    cases["max pool 2x2/2 on 64x32x32x32"] = pool_case(rng)
    cases["net training step, batch 64"] = net_case(rng, train=True)
    cases["net inference, batch 64"] = net_case(rng, train=False)

    print(f"# convkit 'cpu' backend, {machine()}, load average {os.getloadavg()[0]:.1f}, "
          f"kit threads {cpu.get_num_threads()}"
          + (f", torch {torch.__version__} threads {torch.get_num_threads()}" if torch else ""))
    print("# fwd+bwd unless said; median ms of", args.repeats, "runs; ~ = reference timed on",
          REFERENCE_BATCH, "images and scaled to the batch")
    print("| case | PyTorch ms | kit ms | kit / PyTorch | reference ms |")
    print("|---|---:|---:|---:|---:|")
    for name, (contenders, reference, scale) in cases.items():
        medians = race(contenders, args.repeats)
        ref_ms = "" if args.quick else f"~{timed(reference) * scale * 1e3:.0f}"
        if "torch" in medians:
            ratio = f"{medians['kit'] / medians['torch']:.2f}"
            torch_ms = f"{medians['torch'] * 1e3:.2f}"
        else:
            ratio = torch_ms = "-"
        print(f"| {name} | {torch_ms} | {medians['kit'] * 1e3:.2f} | {ratio} | {ref_ms} |", flush=True)
    import_s, first_conv_s = startup()
    print(f"\nstartup: import convkit {import_s:.2f} s; first conv in a new process "
          f"(warm cache) {first_conv_s:.2f} s")


if __name__ == "__main__":
    main()
