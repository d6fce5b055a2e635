"""The Numba CPU backend: the reference's ops as compiled, multi-threaded kernels.

Same functions, same signatures and the same results as convkit.backends.numpy
(to float rounding); all arrays are C-contiguous NumPy arrays, NCHW for image
batches. Kernels are compiled on first use and cached on disk (cache=True).
support/threads.py tells how the work is spread over the cores, conv.py how a
convolution becomes matrix products, support/memory.py why large arrays are
reused rather than taken fresh from the system.
"""
try:
    import numba  # noqa: F401
except ImportError as error:
    _MISSING = f"Numba is not installed ({error}); install it with: pip install numba"
else:
    _MISSING = None
    from .support.threads import get_num_threads, set_num_threads  # first: picks the threading layer
    from .support.memory import keep_freed_memory
    keep_freed_memory()
    from .affine import affine_backward, affine_forward
    from .arrays import argmax_rows, asarray, sum_squares, to_numpy, zeros
    from .batchnorm import batchnorm_backward, batchnorm_forward
    from .conv import conv_backward, conv_forward
    from .dropout import dropout_backward, dropout_forward
    from .local import local_backward, local_forward
    from .losses import softmax_loss, svm_loss
    from .pool import (avg_pool_backward, avg_pool_forward, l2_pool_backward, l2_pool_forward,
                       max_pool_backward, max_pool_forward)
    from .relu import relu_backward, relu_forward
    from .updates import adagrad_update, adam_update, momentum_update, rmsprop_update, sgd_update


def unavailable():
    """None when Numba imports, else the reason the backend cannot run."""
    return _MISSING
