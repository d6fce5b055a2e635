"""The CUDA backend: every op as numba.cuda kernels on an NVIDIA GPU.

Arrays stay on the GPU: the ops take and return numba.cuda device arrays, so a
net's forward, backward and update run there, and only the loss value (and
what you print) comes back to the host. Ops also take NumPy arrays and then
return NumPy arrays (copied to the GPU and back). All arrays are NCHW.

Convolutions are im2col plus a tiled shared-memory matrix product
(support/gemm.py); everything else is one thread per output value. ``KERNELS``
in support/kernels.py lists every kernel with its float32 and float64 signatures.

Needs the numba-cuda package (``pip install "convkit[cuda]"``); this module
imports without it and ``unavailable()`` then says so.
"""
from .support.availability import HAVE_NUMBA_CUDA, unavailable

if HAVE_NUMBA_CUDA:
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
