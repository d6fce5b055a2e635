"""The CPU backend's worker threads, its BLAS thread setting and its scratch buffers."""
import subprocess
import sys
import threading

import numpy as np
import pytest

from convkit.backends import cpu
from convkit.backends.cpu import blas, threads, workspace


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


def test_import_convkit_leaves_numba_unloaded():
    """The registry imports the CPU backend (and Numba, ~0.3 s) only when it is first used."""
    code = "import sys, convkit; print('numba' in sys.modules, 'convkit.backends.cpu' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
