"""Speed of the Numba CPU backend next to PyTorch on the CPU and the NumPy reference.

    python benchmarks/cpu.py [--repeats 15] [--threads N] [--quick] [--profile] [--scaling]

Prints one table row per case: the median time of each contender and the
ratio of this backend's time to PyTorch's, measured in the same run (the
contenders take turns, so a busy machine slows both alike). PyTorch is an
optional extra (pip install torch==2.13.0); without it only the kit's times
are shown. The reference backend is slow, so it runs once on a small batch
and its time is scaled up linearly to the full batch (marked "~").
All arrays are NCHW float32; both libraries use every core, or N threads
with --threads N (--threads 1 compares the work per core, which a machine
busy with other programs disturbs least). --profile prints, for each conv
case, where the kit's time goes instead (see profile_conv); --scaling, how
much faster N threads (default: all cores) run the training step than 1
(see print_scaling).
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
from convkit.backends.cpu import conv as kit_conv
from convkit.backends.cpu.support import blas, im2col, threads

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


def profile_conv(N, C, H, W, K, F, S, P, rng, repeats):
    """Milliseconds of each phase of the kit's conv forward+backward, and of the whole call.

    The phases are the steps conv.py runs on each slice of the batch, timed
    one at a time on one thread (BLAS too) and summed over the slices: the
    work a single core does.  "whole call" is conv_forward + conv_backward as
    the kit runs them on its threads; with T threads, whole call x T minus the
    sum of the phases is what the threads lose to hand-offs, waiting and
    shared memory bandwidth.
    """
    x = rng.standard_normal((N, C, H, W), dtype=np.float32)
    w = rng.standard_normal((K, C, F, F), dtype=np.float32)
    b = rng.standard_normal(K, dtype=np.float32)
    out, cache = cpu.conv_forward(x, w, b, S, P)
    dout = rng.standard_normal(out.shape, dtype=np.float32)
    conv = cache[2]
    times = {}
    with blas.one_thread():
        for _ in range(2):  # the first pass warms the caches and the scratch buffers
            times = {}
            phases = _winograd_phases if conv.winograd else _im2col_phases
            for name, fn in phases(conv, x, w, b, dout):
                times[name] = min(timed(fn) for _ in range(repeats)) * 1e3
    whole = min(timed(lambda: cpu.conv_backward(dout, cpu.conv_forward(x, w, b, S, P)[1]))
                              for _ in range(repeats)) * 1e3
    return times, whole


def _im2col_phases(conv, x, w, b, dout):
    """(name, callable) of the im2col path's steps, each over every slice of the batch."""
    K, L, R = conv.K, conv.L, conv.R
    wb = np.concatenate([w.reshape(K, R), b.reshape(K, 1)], axis=1)
    w_t = np.ascontiguousarray(w.reshape(K, R).T)
    out = np.empty(dout.shape, np.float32)
    bufs = {}
    for start, stop in conv.slices:
        n = stop - start
        bufs[start] = {
            "xp": np.zeros((n, conv.C, conv.Hp * conv.Wp), np.float32),
            "cols": np.empty((R + 1, n * L), np.float32), "rows": np.empty((K, n * L), np.float32),
            "dcols": np.empty((R, n * L), np.float32), "dx": np.empty((n, conv.C, conv.H, conv.W), np.float32)}

    def each(step, one_image=True):
        """step over every slice; one_image=False skips the slices of one image, as conv.py does."""
        return lambda: [step(start, stop, bufs[start]) for start, stop in conv.slices
                        if one_image or stop - start > 1]

    return [
        ("pad", each(lambda a, z, m: im2col.pad_kernel(x[a:z], m["xp"], conv.P))),
        ("im2col", each(lambda a, z, m: im2col.im2col_kernel(
            m["xp"], m["cols"], conv.HH, conv.WW, conv.S, conv.D, conv.Wp, conv.Ho, conv.Wo))),
        ("GEMM out = W cols", each(lambda a, z, m: np.matmul(wb, m["cols"], out=m["rows"]))),
        ("reorder out", each(lambda a, z, m: out[a:z].__setitem__(Ellipsis, conv.images(m["rows"])), False)),
        ("reorder dout", each(lambda a, z, m: conv.images(m["rows"]).__setitem__(Ellipsis, dout[a:z]), False)),
        ("GEMM dW = dout cols^T", each(lambda a, z, m: m["cols"] @ m["rows"].T)),
        ("GEMM dcols = W^T dout", each(lambda a, z, m: np.matmul(w_t, m["rows"], out=m["dcols"]))),
        ("col2im", each(lambda a, z, m: im2col.col2im_kernel(
            m["dcols"], m["xp"], conv.HH, conv.WW, conv.S, conv.D, conv.Wp, conv.Ho, conv.Wo))),
        ("unpad", each(lambda a, z, m: im2col.unpad_kernel(m["xp"], m["dx"], conv.P))),
        ("fresh out+dx arrays", lambda: (np.empty_like(dout).fill(0), np.empty_like(x).fill(0))),
    ]


def _winograd_phases(conv, x, w, b, dout):
    """(name, callable) of the Winograd path's steps, each over every slice of the batch."""
    out, dx = np.empty(dout.shape, np.float32), np.empty(x.shape, np.float32)
    th, tw = conv.th, conv.tw
    bufs = {}
    for start, stop in conv.slices:
        tiles = (stop - start) * conv.T
        bufs[start] = {"V": np.empty((conv.E, tiles, conv.C), np.float32),
                       "M": np.empty((conv.E, tiles, conv.K), np.float32)}
    kernels = conv.kernels
    U = kernels.filter_transform(w)
    U_t = kernels.filter_transform(w, transposed=True)
    dU = []
    db = np.zeros(conv.K)

    def each(step):
        return lambda: [step(start, stop, bufs[start]) for start, stop in conv.slices]

    return [
        ("filter transforms U, U^T",
         lambda: (kernels.filter_transform(w), kernels.filter_transform(w, transposed=True))),
        ("input transform V", each(lambda a, z, m: kernels.input_transform(x[a:z], m["V"], conv.P, th, tw))),
        (f"{conv.E} GEMMs M = V U^T", each(lambda a, z, m: np.matmul(m["V"], U_t, out=m["M"]))),
        ("output transform", each(lambda a, z, m: kernels.output_transform(m["M"], b, out[a:z], th, tw))),
        ("dout transform dM, db", each(lambda a, z, m: kernels.output_adjoint(dout[a:z], m["M"], db, th, tw))),
        (f"{conv.E} GEMMs dU = dM^T V", each(lambda a, z, m: dU.append(
            np.matmul(m["M"].transpose(0, 2, 1), m["V"])))),
        (f"{conv.E} GEMMs dV = dM U", each(lambda a, z, m: np.matmul(m["M"], U, out=m["V"]))),
        ("input adjoint dx", each(lambda a, z, m: kernels.input_adjoint(m["V"], dx[a:z], conv.P, th, tw))),
        ("dW = G^T dU G", lambda: kernels.filter_gradient(dU[0])),
        ("fresh out+dx arrays", lambda: (np.empty_like(dout).fill(0), np.empty_like(x).fill(0))),
    ]


def print_profile(repeats):
    """The --profile table: per conv case, ms per phase on one core, and the whole call."""
    rng = np.random.default_rng(0)
    threads = cpu.get_num_threads()
    for name, shape in CONVS.items():
        times, whole = profile_conv(*shape, rng, repeats)
        work = sum(times.values())
        path = f"Winograd {_conv(shape).kernels.NAME}" if _conv(shape).winograd else "im2col"
        print(f"\n## {name}: {path}, slices of {shape[0] // len(_conv(shape).slices)} images")
        print("| phase (one core, all slices) | ms | share |")
        print("|---|---:|---:|")
        for phase, ms in times.items():
            print(f"| {phase} | {ms:.2f} | {ms / work:.0%} |")
        print(f"| sum of phases | {work:.2f} | 100% |")
        print(f"| whole call on {threads} thread(s) | {whole:.2f} | "
              f"threads lose {max(whole * threads - work, 0):.2f} ms-core |")


def _conv(shape):
    N, C, H, W, K, F, S, P = shape
    return kit_conv._Conv(np.zeros((N, C, H, W), np.float32), np.zeros((K, C, F, F), np.float32), S, P, 1)


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


def print_scaling(repeats, n, rounds=6):
    """The --scaling table: the training step's median ms on 1 and on n threads, and the speed-up.

    1 and n threads take turns (race), so both see the same machine.
    Beside the kit and PyTorch, two yardsticks run 2n tasks on the kit's
    worker threads: "BLAS alone" single-threaded 384x384 float32 matrix
    products, work bound by arithmetic, and "copies alone" copies of 8 MB
    arrays (the size of the net's first activations), work bound by memory.
    Their speed-ups are about the best the cores give each kind of work this
    minute (on a virtual machine, other guests share them).
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((384, 384), dtype=np.float32)
    b = rng.standard_normal((384, 384), dtype=np.float32)
    arrays = [(rng.standard_normal(2 ** 21, dtype=np.float32), np.empty(2 ** 21, np.float32))
              for _ in range(2 * n)]

    def products(_):
        for _ in range(10):
            a @ b

    def copies(i):
        for _ in range(10):
            np.copyto(arrays[i][1], arrays[i][0])

    step = net_case(rng, train=True)[0]
    contenders = {"convkit cpu": step["kit"]}
    if "torch" in step:
        contenders["PyTorch"] = step["torch"]
    contenders["BLAS alone"] = lambda: threads.parallel_map(products, range(2 * n))
    contenders["copies alone"] = lambda: threads.parallel_map(copies, range(2 * n))

    def on(t, fn):
        """fn on t threads (setting the count takes microseconds)."""
        def run():
            cpu.set_num_threads(t)
            if torch is not None:
                torch.set_num_threads(t)
            fn()
        return run

    medians = race({(name, t): on(t, fn) for name, fn in contenders.items() for t in (1, n)}, repeats, rounds)
    print(f"| training step, batch 64 | 1 thread ms | {n} threads ms | speed-up |")
    print("|---|---:|---:|---:|")
    for name in contenders:
        one, many = medians[name, 1], medians[name, n]
        print(f"| {name} | {one * 1e3:.2f} | {many * 1e3:.2f} | {one / many:.2f}x |")


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
    parser.add_argument("--profile", action="store_true", help="where the time of each conv case goes")
    parser.add_argument("--scaling", action="store_true",
                        help="the training step on 1 thread against N (--threads, default all cores)")
    args = parser.parse_args()
    if args.threads:
        try:
            cpu.set_num_threads(args.threads)
        except ValueError as error:
            parser.error(f"--threads: {error}")
        if torch is not None:
            torch.set_num_threads(args.threads)
    if args.scaling:
        n = cpu.get_num_threads()
        if n < 2:
            parser.error(f"--scaling compares 1 thread with 2 or more, and here there are {n}")
        print(f"# convkit 'cpu' backend, {machine()}, load average {os.getloadavg()[0]:.1f}"
              + (f", torch {torch.__version__}" if torch else "")
              + f"; median of {args.repeats} runs, 1 and {n} threads taking turns")
        print_scaling(args.repeats, n)
        return
    if args.profile:
        print(f"# convkit 'cpu' backend, {machine()}, load average {os.getloadavg()[0]:.1f}, "
              f"kit threads {cpu.get_num_threads()}; min ms of {args.repeats} runs per phase")
        print_profile(args.repeats)
        return
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
