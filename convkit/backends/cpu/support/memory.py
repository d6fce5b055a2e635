"""Large arrays without page faults: glibc's malloc keeps freed blocks for reuse.

By default glibc's malloc takes every block over its limit (at most 32 MiB)
straight from the operating system and gives it back when it is freed, so a
training step that allocates its largest arrays again (the first layer's
activations are 32 MiB at batch 256) pays each time for the system to zero
fresh pages: about 3 ms per 32 MiB here, as long as a pooling layer's work.
keep_freed_memory() raises the two limits (M_MMAP_THRESHOLD, M_TRIM_THRESHOLD)
so that such blocks stay with the process and are reused; the process then
keeps up to TRIM bytes of freed memory. The cpu backend calls it once, when it
is imported. Other C libraries (macOS, Windows) are left as they are.
"""
import ctypes
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP = 256 * 2 ** 20
TRIM = 512 * 2 ** 20


def keep_freed_memory():
    """Raise glibc malloc's limits (see above); True when both were changed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM))
