"""Scratch buffers that are kept between calls instead of allocated afresh.

A fresh array of many megabytes costs a page fault per 4 KB page the first
time it is written, which can take as long as the arithmetic of a whole
convolution.  Kernels therefore take their temporaries (im2col columns,
reordered gradients) from here: one buffer per (name, shape, dtype) and per
thread, reused by that thread's next call with the same key.  Only scratch
goes here: an array that is returned to the caller or kept in a forward cache
must be a fresh one, or a later call would overwrite it.  Each thread keeps
its most recent KEEP buffers.
"""
import threading

import numpy as np

KEEP = 24
_local = threading.local()


def scratch(name, shape, dtype):
    """An uninitialised array of ``shape`` and ``dtype``, reused by this thread's later calls
    with the same key."""
    buffers = _local.__dict__.setdefault("buffers", {})
    key = (name, tuple(shape), np.dtype(dtype))
    if key not in buffers:
        if len(buffers) == KEEP:
            del buffers[next(iter(buffers))]
        buffers[key] = np.empty(shape, dtype)
    return buffers[key]
