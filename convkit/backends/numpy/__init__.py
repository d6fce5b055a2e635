"""The NumPy reference backend: every op as plain loops and array math, easy to read.

Slow, but the Numba CPU and CUDA backends are checked against it. All arrays are NCHW.
"""
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
    """None: NumPy runs everywhere."""
    return None
