"""The CPU backend's worker threads, its BLAS thread setting, its scratch buffers and its
malloc settings."""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from convkit.backends import cpu
from convkit.backends.cpu.support import blas, threads, winograd, winograd4, workspace


@pytest.fixture
def two_threads():
    before = cpu.get_num_threads()
    cpu.set_num_threads(2)
    yield
    cpu.set_num_threads(before)


def test_parallel_map_keeps_the_order_of_the_items(two_threads):
    assert threads.parallel_map(lambda i: i * i, range(50)) == [i * i for i in range(50)]
    assert threads.parallel_map(lambda i: i, []) == []


def test_parallel_map_uses_several_threads(two_threads):
    both_started = threading.Barrier(2, timeout=10)

    def task(_):
        both_started.wait()
        return threading.get_ident()

    assert len(set(threads.parallel_map(task, range(2)))) == 2


def test_parallel_map_passes_errors_on(two_threads):
    def task(i):
        if i == 5:
            raise ValueError("item 5")
        return i

    with pytest.raises(ValueError, match="item 5"):
        threads.parallel_map(task, range(10))


@pytest.mark.skipif(not blas.found(), reason="NumPy's BLAS is not OpenBLAS from NumPy's wheels")
def test_blas_runs_on_one_thread_inside_the_workers_and_is_restored_after(two_threads):
    get, set_ = blas._functions
    before = get()
    set_(2)
    try:
        assert threads.parallel_map(lambda _: get(), range(4)) == [1] * 4
        assert get() == 2
    finally:
        set_(before)


def test_conv_gives_the_same_results_on_one_and_two_threads():
    rng = np.random.default_rng(40)
    x, w, b = rng.standard_normal((9, 3, 11, 10)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    dout = rng.standard_normal((9, 4, 6, 5))
    results = []
    before = cpu.get_num_threads()
    for n in (1, 2):
        cpu.set_num_threads(n)
        out, cache = cpu.conv_forward(x, w, b, 2, 1)
        results.append((out,) + cpu.conv_backward(dout, cache))
    cpu.set_num_threads(before)
    for one, two in zip(*results):
        np.testing.assert_allclose(one, two, rtol=1e-12, atol=1e-12)


def test_batchnorm_and_pooling_give_the_same_numbers_on_one_and_two_threads():
    rng = np.random.default_rng(42)
    x = rng.standard_normal((7, 5, 9, 11)).astype(np.float32)
    dout = rng.standard_normal(x.shape).astype(np.float32)
    gamma, beta = rng.standard_normal(5).astype(np.float32), rng.standard_normal(5).astype(np.float32)
    results = []
    before = cpu.get_num_threads()
    for n in (1, 2):
        cpu.set_num_threads(n)
        running = [np.zeros(5, np.float32), np.ones(5, np.float32)]
        out, cache = cpu.batchnorm_forward(x, gamma, beta, *running, True, 0.9, 1e-5)
        pooled, pool_cache = cpu.max_pool_forward(x[:, :, :8, :10], 2, 2)
        results.append((out, *cpu.batchnorm_backward(dout, cache), *running, pooled,
                        cpu.max_pool_backward(dout[:, :, :4, :5], pool_cache)))
    cpu.set_num_threads(before)
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)     # each channel, each plane, on one thread


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("N, H, W, kernels", [(13, 9, 7, winograd), (40, 13, 10, winograd4)])
def test_winograd_conv_gives_the_same_results_on_one_and_two_threads(dtype, N, H, W, kernels):
    rng = np.random.default_rng(41)
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in ((N, 33, H, W), (6, 33, 3, 3), (6,)))
    dout = rng.standard_normal((N, 6, H, W)).astype(dtype)
    results = []
    before = cpu.get_num_threads()
    for n in (1, 2, 2):
        cpu.set_num_threads(n)
        out, cache = cpu.conv_forward(x, w, b, 1, 1)
        assert cache[2].winograd and cache[2].kernels is kernels
        results.append((out,) + cpu.conv_backward(dout, cache))
    cpu.set_num_threads(before)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for one, two, again in zip(*results):
        np.testing.assert_allclose(one, two, rtol=tolerance, atol=tolerance * np.abs(one).max())
        np.testing.assert_array_equal(two, again)


def test_scratch_buffers_are_reused_per_key_and_thread():
    a = workspace.scratch("test", (3, 4), np.float32)
    assert workspace.scratch("test", (3, 4), np.float32) is a
    assert workspace.scratch("test", (3, 4), np.float64) is not a
    assert workspace.scratch("test", (4, 3), np.float32) is not a
    other = []
    thread = threading.Thread(target=lambda: other.append(workspace.scratch("test", (3, 4), np.float32)))
    thread.start()
    thread.join()
    assert other[0] is not a


def test_scratch_keeps_only_the_latest_buffers():
    first = workspace.scratch("oldest", (2,), np.float32)
    for i in range(workspace.KEEP):
        workspace.scratch("newer", (i + 1,), np.float32)
    assert workspace.scratch("oldest", (2,), np.float32) is not first


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_large_arrays_are_reused_without_page_faults():
    import resource
    from convkit.backends.cpu.support import memory
    assert memory.keep_freed_memory()
    size = 48 * 2 ** 20 // 4                   # over glibc's default limit of 32 MiB
    for _ in range(2):
        np.ones(size, np.float32)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    total = sum(float(np.ones(size, np.float32)[-1]) for _ in range(5))
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert total == 5 and faults < 20          # fresh pages would be 12,288 (or 24 huge pages) each


def test_import_convkit_leaves_numba_unloaded():
    """The registry imports the CPU backend (and Numba, ~0.3 s) only when it is first used."""
    code = "import sys, convkit; print('numba' in sys.modules, 'convkit.backends.cpu' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_one_thread_blocks_that_overlap_restore_the_blas_setting_once_all_have_ended():
    if not blas.found():
        pytest.skip("NumPy's BLAS is not OpenBLAS from NumPy's wheels")
    get, set_ = blas._functions
    before = get()
    set_(2)
    try:
        first, second = blas.one_thread(), blas.one_thread()
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)  # the first to start ends first, as threads may
        assert get() == 1  # the second block still runs its workers
        second.__exit__(None, None, None)
        assert get() == 2
    finally:
        set_(before)


def test_convs_in_two_threads_leave_numpy_blas_as_it_was(two_threads):
    if not blas.found():
        pytest.skip("NumPy's BLAS is not OpenBLAS from NumPy's wheels")
    get, set_ = blas._functions
    before = get()
    set_(2)
    rng = np.random.default_rng(41)
    x, w, b = rng.standard_normal((6, 3, 9, 9)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)

    def convs():
        for _ in range(30):
            _, cache = cpu.conv_forward(x, w, b, 1, 1)
            cpu.conv_backward(np.ones((6, 4, 9, 9)), cache)

    try:
        workers = [threading.Thread(target=convs) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert get() == 2
    finally:
        set_(before)


def every_op(seed):
    """Every op of convkit.ops, forward and backward, on small random inputs: all results, as NumPy arrays."""
    from convkit import ops
    from every_backend import LAYERS

    rng = np.random.default_rng(seed)
    results = []
    for forward, backward, shapes in LAYERS.values():
        out, cache = forward(ops, *(rng.standard_normal(shape) for shape in shapes))
        grads = getattr(ops, backward)(rng.standard_normal(out.shape), cache)
        results += [out, *(grads if isinstance(grads, tuple) else (grads,))]
    scores, y = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    for loss in (ops.softmax_loss, ops.svm_loss):
        value, dscores = loss(scores, y)
        results += [np.array(value), dscores]
    w, dw = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    ops.sgd_update(w, dw, 0.1)
    ops.momentum_update(w, dw, np.zeros_like(w), 0.1)
    ops.adagrad_update(w, dw, np.ones_like(w), 0.1)
    ops.rmsprop_update(w, dw, np.ones_like(w), 0.1)
    ops.adam_update(w, dw, np.zeros_like(w), np.ones_like(w), 2, 0.1)
    return results + [w, np.array(ops.sum_squares(w)), ops.argmax_rows(scores)]


CONCURRENT_CALLS = """
import sys, threading
import numpy as np
sys.path.insert(0, sys.argv[1])
from convkit import backends
from convkit.net import Net
from test_cpu_threads import every_op

backends.set_backend("cpu")
net = Net.from_pattern("INPUT -> [CONV(K=4) -> RELU -> BN -> POOL]*2 -> DROPOUT(p=0.5) -> FC",
                       input_shape=(3, 8, 8), num_classes=3, seed=0)
net.eval()
X = np.random.default_rng(1).standard_normal((5, 3, 8, 8))
expected = {seed: every_op(seed) for seed in range(4)}
expected_scores = net.forward(X)
failures = []

def calls(seed):
    for _ in range(15):
        if any(not np.array_equal(a, e) for a, e in zip(every_op(seed), expected[seed], strict=True)):
            failures.append(f"ops, thread {seed}")
        if not np.array_equal(net.forward(X), expected_scores):
            failures.append(f"Net.forward, thread {seed}")

threads = [threading.Thread(target=calls, args=(seed,)) for seed in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(failures), "wrong results", failures[:3])
"""


def test_every_op_and_net_forward_in_four_threads_at_once():
    """Numba's workqueue layer aborted the process (SIGABRT) here: run it in a process of its own."""
    tests = os.path.dirname(os.path.abspath(__file__))
    result = subprocess.run([sys.executable, "-c", CONCURRENT_CALLS, tests], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "0 wrong results []"


FORKED_CHILD = """
import multiprocessing
import numpy as np
from convkit.backends import cpu

def pooled_relu(scale):
    x = np.arange(-32, 32, dtype=np.float32).reshape(1, 4, 4, 4) * scale
    out, _ = cpu.max_pool_forward(cpu.relu_forward(x)[0], 2, 2)
    return float(out.sum())

parent = pooled_relu(1.0)
with multiprocessing.get_context("fork").Pool(2) as pool:
    print(parent, *pool.map(pooled_relu, [1.0, 2.0]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's fork-based multiprocessing pools")
def test_a_process_forked_after_parallel_kernels_can_still_run_them():
    """Numba's GNU OpenMP layer terminates such a child (multiprocessing's default on Linux); workqueue does not."""
    result = subprocess.run([sys.executable, "-c", FORKED_CHILD], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    x = np.maximum(np.arange(-32, 32, dtype=np.float32).reshape(4, 2, 2, 2, 2), 0)
    expected = float(x.max(axis=(2, 4)).sum())                  # each 2x2 window's max, summed
    assert [float(v) for v in result.stdout.split()] == [expected, expected, 2 * expected]
