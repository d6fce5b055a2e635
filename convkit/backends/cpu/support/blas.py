"""The thread count of NumPy's BLAS (the OpenBLAS inside NumPy's wheels).

The convolution splits a batch over the kit's own worker threads, and each
worker multiplies its slice's matrices with BLAS.  If BLAS also started its own
threads for every product, 2 workers would run 4 threads on 2 cores and stall
each other.  So while the workers run, BLAS is held to one thread
(``one_thread()``), and NumPy's setting is restored afterwards.  OpenBLAS's
thread count is one setting for the whole process, which is why the kit
changes it only around its own parallel sections; when several Python
threads run such sections at once, the first one in saves the setting and
the last one out restores it.  Where NumPy uses another BLAS that cannot be
found here, nothing changes.
"""
import contextlib
import ctypes
import glob
import os
import threading

import numpy as np

# (get, set) function names: NumPy's wheels rename OpenBLAS's symbols with scipy_ ... 64_
_NAMES = [("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
          ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
          ("openblas_get_num_threads", "openblas_set_num_threads")]


def _find():
    """NumPy's OpenBLAS (get, set) thread functions, or None when they are not there."""
    folder = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in sorted(glob.glob(os.path.join(folder, "*openblas*"))):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for get_name, set_name in _NAMES:
            if hasattr(library, get_name) and hasattr(library, set_name):
                get, set_ = getattr(library, get_name), getattr(library, set_name)
                get.restype, set_.argtypes = ctypes.c_int, [ctypes.c_int]
                return get, set_
    return None


_functions = _find()
_lock = threading.Lock()
_sections = {"open": 0, "before": None}  # one_thread() blocks running now, NumPy's setting before them


def found():
    """Whether the kit can set the thread count of NumPy's BLAS."""
    return _functions is not None


@contextlib.contextmanager
def one_thread():
    """Run BLAS on one thread inside the ``with`` block; restore its thread count once no block is open."""
    if _functions is None:
        yield
        return
    get, set_ = _functions
    with _lock:
        if _sections["open"] == 0:
            _sections["before"] = get()
            set_(1)
        _sections["open"] += 1
    try:
        yield
    finally:
        with _lock:
            _sections["open"] -= 1
            if _sections["open"] == 0:
                set_(_sections["before"])
