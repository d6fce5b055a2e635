"""The CUDA backend on a real GPU: every op checked against the CPU backend, then timed.

    python benchmarks/gpu.py [--batches 128 256] [--repeats 20] [--no-check]

First every op (forward and backward) runs on the GPU and on the CPU backend
with the same float32 inputs, on the shapes of a small CIFAR-10 net; each row
gives the largest difference relative to the largest CPU value. Then the
convolutions, max pooling and a whole training step (conv32-relu-pool,
conv64-relu-pool, conv128-relu-pool, FC 10, softmax, SGD) are timed next to
PyTorch with cuDNN, when torch is installed (pip install "convkit[torch]").
Both run plain float32 math (TF32 off), take turns, and every timed call ends
with a synchronize, so the ratio of the two medians comes from the same run.
Without a GPU the script says so and exits 0; it exits 1 if an op disagrees.
"""
import argparse
import statistics
import sys
import time

import numpy as np

from convkit import backends, ops
from convkit.backends import cuda as cuda_backend

from cifar_net import kit_net, net_params, torch_net

try:
    import torch
    import torch.nn.functional as tF
except ImportError:
    torch = None

# name: (C, H, W, K), filters 3x3, stride 1, pad 1
CONVS = {"conv A": (3, 32, 32, 32), "conv B": (32, 16, 16, 64), "conv C": (64, 8, 8, 128)}
TOLERANCE = 1e-3  # float32: largest |gpu - cpu| / largest |cpu|


def synchronize():
    from numba import cuda
    cuda.synchronize()
    if torch is not None:
        torch.cuda.synchronize()


def race(contenders, repeats):
    """Median seconds of each contender, taking turns after one warm-up call each."""
    for fn in contenders.values():
        fn()
    synchronize()
    times = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            synchronize()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


class Checker:
    """Runs ops on the GPU and on the CPU backend and records how far apart they are."""

    def __init__(self, rng):
        self.gpu = backends.module("cuda")
        self.cpu = backends.module("cpu" if "cpu" in backends.available() else "numpy")
        self.rng = rng
        self.rows = []

    def random(self, *shape):
        return self.rng.standard_normal(shape).astype(np.float32)

    def record(self, name, gpu_arrays, cpu_arrays):
        worst = 0.0
        for on_gpu, on_cpu in zip(gpu_arrays, cpu_arrays):
            on_gpu, on_cpu = self.gpu.to_numpy(on_gpu), np.asarray(on_cpu)
            assert on_gpu.shape == on_cpu.shape and on_gpu.dtype == on_cpu.dtype, name
            scale = max(float(np.abs(on_cpu).max()), 1e-30)
            worst = max(worst, float(np.abs(on_gpu - on_cpu).max()) / scale)
        self.rows.append((name, worst))

    def layer(self, name, op, inputs, settings=()):
        """Check forward op(*inputs, *settings) and its backward with a random dout."""
        gpu_forward, cpu_forward = getattr(self.gpu, f"{op}_forward"), getattr(self.cpu, f"{op}_forward")
        out_gpu, cache_gpu = gpu_forward(*[self.gpu.asarray(a) for a in inputs], *settings)
        out_cpu, cache_cpu = cpu_forward(*inputs, *settings)
        self.record(f"{name} {op} forward", [out_gpu], [out_cpu])
        dout = self.random(*out_cpu.shape)
        grads_gpu = getattr(self.gpu, f"{op}_backward")(self.gpu.asarray(dout), cache_gpu)
        grads_cpu = getattr(self.cpu, f"{op}_backward")(dout, cache_cpu)
        if not isinstance(grads_cpu, tuple):
            grads_gpu, grads_cpu = (grads_gpu,), (grads_cpu,)
        self.record(f"{name} {op} backward", grads_gpu, grads_cpu)
        return out_cpu

    def volume_ops(self, name, N, C, H, W, K):
        x, w, b = self.random(N, C, H, W), self.random(K, C, 3, 3), self.random(K)
        out = self.layer(name, "conv", (x, w, b), (1, 1, 1))
        self.layer(name, "local", (x, self.random(H, W, K, C, 3, 3), self.random(H, W, K)), (1, 1))
        self.layer(name, "relu", (out,))
        for kind in ("max", "avg", "l2"):
            self.layer(name, f"{kind}_pool", (out,), (2, 2))
        gamma, beta = self.random(K), self.random(K)
        running = [np.zeros(K, np.float32), np.ones(K, np.float32)]
        self.layer(name, "batchnorm", (out, gamma, beta, *[r.copy() for r in running]), (True,))
        self.dropout(name, out)

    def dropout(self, name, x):
        """The masks differ from the CPU's: check out = x * mask, mask in {0, 1/p}, about p kept."""
        p = 0.5
        out, (mask,) = self.gpu.dropout_forward(self.gpu.asarray(x), p, True, 1)
        out, mask = self.gpu.to_numpy(out), self.gpu.to_numpy(mask)
        kept = float(np.mean(mask > 0))
        spread = 5 * np.sqrt(p * (1 - p) / mask.size)  # 5 standard deviations of the kept fraction
        valid = set(np.unique(mask)) <= {0, np.float32(1 / p)} and abs(kept - p) < spread
        self.record(f"{name} dropout forward", [out, np.float32(valid)], [x * mask, np.float32(1)])

    def classifier_ops(self, N, D=2048, M=10):
        x, w, b = self.random(N, D), self.random(D, M), self.random(M)
        scores = self.layer(f"FC {D}->{M}", "affine", (x, w, b))
        y = self.rng.integers(0, M, N)
        for loss in ("softmax_loss", "svm_loss"):
            value_gpu, d_gpu = getattr(self.gpu, loss)(self.gpu.asarray(scores), y)
            value_cpu, d_cpu = getattr(self.cpu, loss)(scores, y)
            self.record(loss, [np.float32(value_gpu), d_gpu], [np.float32(value_cpu), d_cpu])
        self.record("argmax_rows", [self.gpu.argmax_rows(self.gpu.asarray(scores))],
                    [self.cpu.argmax_rows(scores)])
        self.record("sum_squares", [np.float32(self.gpu.sum_squares(self.gpu.asarray(w)))],
                    [np.float32(self.cpu.sum_squares(w))])

    def update_ops(self, shape=(2048, 10)):
        updates = {"sgd_update": (0, {}), "momentum_update": (1, {"nesterov": True}),
                   "adagrad_update": (1, {}), "rmsprop_update": (1, {}),
                   "adam_update": (2, {"t": 5})}
        for update, (n_state, settings) in updates.items():
            arrays = [self.random(*shape), self.random(*shape)] + [
                np.abs(self.random(*shape)) for _ in range(n_state)]
            on_gpu = [self.gpu.asarray(a) for a in arrays]
            getattr(self.gpu, update)(*on_gpu, lr=1e-2, weight_decay=1e-3, **settings)
            getattr(self.cpu, update)(*arrays, lr=1e-2, weight_decay=1e-3, **settings)
            self.record(update, on_gpu, arrays)


def timing_cases(N, rng):
    """{case name: {"kit": fn, "torch": fn}} for batch N."""
    cases = {}
    for name, (C, H, W, K) in CONVS.items():
        x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((N, C, H, W), (K, C, 3, 3), (K,)))
        dout = rng.standard_normal((N, K, H, W)).astype(np.float32)
        gx, gw, gb, gdout = (ops.asarray(a) for a in (x, w, b, dout))
        _, cache = ops.conv_forward(gx, gw, gb, 1, 1)
        forward = {"kit": lambda gx=gx, gw=gw, gb=gb: ops.conv_forward(gx, gw, gb, 1, 1)}
        backward = {"kit": lambda gdout=gdout, cache=cache: ops.conv_backward(gdout, cache)}
        if torch is not None:
            tx, tw, tb, tdout = (torch.from_numpy(a).cuda() for a in (x, w, b, dout))
            forward["torch"] = lambda tx=tx, tw=tw, tb=tb: tF.conv2d(tx, tw, tb, 1, 1)
            backward["torch"] = lambda tx=tx, tw=tw, tdout=tdout, K=K: torch.ops.aten.convolution_backward(
                tdout, tx, tw, [K], [1, 1], [1, 1], [1, 1], False, [0, 0], 1, [True, True, True])
        cases[f"{name} {C}->{K} {H}x{W} forward, batch {N}"] = forward
        cases[f"{name} {C}->{K} {H}x{W} backward, batch {N}"] = backward

    x = ops.asarray(rng.standard_normal((N, 32, 32, 32)).astype(np.float32))
    dout = ops.asarray(rng.standard_normal((N, 32, 16, 16)).astype(np.float32))

    def kit_pool():
        _, cache = ops.max_pool_forward(x, 2, 2)
        ops.max_pool_backward(dout, cache)
    pool = {"kit": kit_pool}
    if torch is not None:
        tx = torch.as_tensor(x, device="cuda").requires_grad_()
        tdout = torch.as_tensor(dout, device="cuda")

        def torch_pool():
            tx.grad = None
            tF.max_pool2d(tx, 2, 2).backward(tdout)
        pool["torch"] = torch_pool
    cases[f"max pool 2x2/2 on {N}x32x32x32, forward + backward"] = pool

    params = net_params(rng)
    images = rng.standard_normal((N, 3, 32, 32)).astype(np.float32)
    labels = rng.integers(0, 10, N)
    gpu_params, gpu_images = [ops.asarray(p) for p in params], ops.asarray(images)
    step = {"kit": lambda: kit_net(ops, gpu_params, gpu_images, labels)}
    if torch is not None:
        tparams = [torch.from_numpy(p.copy()).cuda().requires_grad_() for p in params]
        timages, tlabels = torch.from_numpy(images).cuda(), torch.from_numpy(labels).cuda()
        step["torch"] = lambda: torch_net(tparams, timages, tlabels)
    cases[f"training step, batch {N}"] = step
    return cases


def check(batches, rng):
    checker = Checker(rng)
    for N in batches:
        for name, (C, H, W, K) in CONVS.items():
            checker.volume_ops(f"{name} N={N}", N, C, H, W, K)
        checker.classifier_ops(N)
    checker.update_ops()
    print(f"| op (float32, GPU vs '{checker.cpu.__name__.split('.')[-1]}' backend) "
          "| max error / max value | |")
    print("|---|---:|---|")
    for name, error in checker.rows:
        print(f"| {name} | {error:.1e} | {'ok' if error < TOLERANCE else 'WRONG'} |", flush=True)
    return all(error < TOLERANCE for _, error in checker.rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--repeats", type=int, default=20, help="timed runs per contender")
    parser.add_argument("--no-check", action="store_true", help="only time, skip the op checks")
    args = parser.parse_args()
    reason = cuda_backend.unavailable()
    if reason is None and cuda_backend.support.availability.simulated():
        reason = "numba's CUDA simulator is on (NUMBA_ENABLE_CUDASIM=1); unset it to use the GPU"
    if reason is not None:
        print(f"No GPU benchmark on this machine: {reason}.")
        return 0
    from numba import cuda
    backends.set_backend("cuda")
    if torch is not None:
        torch.backends.cudnn.benchmark = True
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    rng = np.random.default_rng(0)
    gpu_name = cuda.get_current_device().name
    gpu_name = gpu_name.decode() if isinstance(gpu_name, bytes) else gpu_name
    print(f"# convkit 'cuda' backend on {gpu_name}"
          + (f", torch {torch.__version__} with cuDNN {torch.backends.cudnn.version()}" if torch
             else ", torch not installed"))
    correct = True if args.no_check else check(args.batches, rng)

    print(f"\n# median ms of {args.repeats} runs, float32")
    print("| case | PyTorch ms | kit ms | kit / PyTorch |")
    print("|---|---:|---:|---:|")
    for N in args.batches:
        for name, contenders in timing_cases(N, rng).items():
            medians = race(contenders, args.repeats)
            torch_ms, ratio = "-", "-"
            if "torch" in medians:
                torch_ms = f"{medians['torch'] * 1e3:.2f}"
                ratio = f"{medians['kit'] / medians['torch']:.2f}"
            print(f"| {name} | {torch_ms} | {medians['kit'] * 1e3:.2f} | {ratio} |", flush=True)
    if not correct:
        print("\nSome ops disagree with the CPU backend (rows marked WRONG).")
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())
