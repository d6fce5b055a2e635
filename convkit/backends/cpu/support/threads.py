"""How many threads the CPU kernels use, and how they share the cores with BLAS.

Two kinds of parallel work run here:

- Numba's ``prange`` loops (pooling, ReLU, batchnorm, ...), on Numba's own
  threads.  The kit selects Numba's ``workqueue`` threading layer, whose idle
  threads sleep.  With the default OpenMP layer, idle threads keep spinning for
  a while after each loop, taking the cores from the BLAS and worker threads
  that run next; on a 2-core machine that made 2 threads slower than 1 (stalls
  of multiples of the 4 ms scheduler tick).  A layer chosen with the
  NUMBA_THREADING_LAYER environment variable is left alone.  workqueue
  aborts the whole process when two Python threads run parallel kernels at
  once, so every parallel kernel is wrapped in ``one_caller_at_a_time``: a
  second thread waits for the first one's kernel to end (a kernel is short;
  the ops of two threads still interleave).
- The convolution, which mixes Numba kernels and BLAS matrix products.  It
  cuts the batch into slices and ``parallel_map`` hands them to worker threads,
  each running its slice from start to end (im2col, matrix product, ...) while
  the slice sits in that core's cache; BLAS runs on one thread inside each
  worker (see blas.py), so there is one busy thread per core.

Both use ``get_num_threads()`` threads: by default the number of cores,
capped by NUMBA_NUM_THREADS, changed at run time with ``set_num_threads``.

On a 2-core virtual machine (benchmarks/cpu.py --scaling), 2 threads ran the
benchmark's training step 1.37-1.79x faster than 1, and plain BLAS products,
one per thread, 1.33-2.00x in the same runs.  A sleeping virtual core can be
slow to wake: a ReLU of 2M numbers (1 ms) ran 1.0-1.3x faster on 2 threads
alone, and 1.8x while another thread kept the second core busy.  Measured
there against this design and not kept:

- Numba's OpenMP layer with a short spin (GOMP_SPINCOUNT=10000): the step
  took about 0.8x the time on 2 threads (faster in 16 of 17 runs, old and new
  in turns).  But GNU OpenMP kills a process forked after a parallel kernel
  ran once the child runs one too (multiprocessing's default on Linux hangs),
  the spin count must be in the environment before any OpenMP library loads
  (PyTorch's shares the same one), and other systems have other OpenMPs.
- TBB as Numba's layer: faster in some runs and slower in others, and a pip
  install in a virtual environment is not found without LD_LIBRARY_PATH.
- ReLU and pooling run on batch slices by ``parallel_map``: no faster.
- An idle-priority thread spinning to keep the second core awake: 1.10-1.15x
  slower, on 1 thread as well (the two virtual cores seem to share hardware).
- On one thread, the kernels compiled without ``parallel=True`` and run on
  the calling thread: 0.79-1.02x the step time.  But Numba's disk cache keys
  a kernel by its source and signature, not by that option, so such a twin
  would need a copy of each kernel's source.
"""
import functools
import itertools
import numbers
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numba

from . import blas

if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"

_state = {"threads": numba.config.NUMBA_NUM_THREADS, "pool": None}
_kernel_lock = threading.Lock()
_pool_lock = threading.Lock()


def one_caller_at_a_time(kernel):
    """Decorator: a parallel Numba kernel, run by one Python thread at a time.

    The kernel itself stays reachable as ``.kernel``.
    """
    @functools.wraps(kernel.py_func)
    def run(*args):
        with _kernel_lock:
            return kernel(*args)

    run.kernel = kernel
    return run


def set_num_threads(n):
    """Run the CPU kernels on n threads, 1 <= n <= NUMBA_NUM_THREADS (by default the number of cores)."""
    limit = numba.config.NUMBA_NUM_THREADS
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 1 <= n <= limit:
        raise ValueError(f"set_num_threads needs an int from 1 to {limit} (NUMBA_NUM_THREADS), got {n!r}")
    numba.set_num_threads(int(n))
    _state["threads"] = int(n)


def get_num_threads():
    """The number of threads the CPU kernels run on."""
    return _state["threads"]


def _pool():
    with _pool_lock:
        if _state["pool"] is None:
            workers = max(numba.config.NUMBA_NUM_THREADS - 1, 1)
            _state["pool"] = ThreadPoolExecutor(workers, thread_name_prefix="convkit")
        return _state["pool"]


def parallel_map(task, items):
    """[task(item) for item in items], computed by get_num_threads() threads, BLAS on one thread each.

    The calling thread is one of the workers; each worker takes the next
    item not yet taken, so a worker slowed down by other programs simply
    takes fewer.  task must release the GIL for its heavy work (NumPy's
    matrix products and ``nogil`` Numba kernels do), and run no parallel
    Numba kernel.  Several Python threads may call parallel_map at once:
    they share the pool, and each finishes its own items.
    """
    items = list(items)
    results = [None] * len(items)
    counter = itertools.count()

    def work():
        while (i := next(counter)) < len(items):
            results[i] = task(items[i])

    others = min(get_num_threads(), len(items)) - 1
    with blas.one_thread():
        futures = [_pool().submit(work) for _ in range(others)]
        try:
            work()
        finally:
            for future in futures:
                future.result()
    return results
