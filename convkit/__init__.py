"""convkit: a Jupyter teaching kit for convolutional neural networks.

Layers, shape arithmetic and training after the CS231n notes "Convolutional
Neural Networks", with a readable NumPy reference and fast Numba backends for
the CPU and CUDA GPUs. Batches of images are NCHW arrays: (N, C, H, W).
"""
from .errors import (BackendError, CheckpointError, DatasetError, PatternError, SettingsError,
                     ShapeError, TrainingError)
from .shapes import *  # noqa: F401,F403  (conv_output_size, pool_output_size, ...)
from .backends import available as available_backends
from .backends import get_backend, set_backend, use_backend
from . import data, gradcheck, layers, models, ops, optim, widgets
from .net import Net
from .optim import SGD, Adagrad, Adam, Momentum, Nesterov, RMSProp
from .trainer import Trainer

__version__ = "0.1.0"


def set_num_threads(n):
    """Run the cpu backend's kernels on n threads (1 to the number of cores)."""
    from .backends.cpu import set_num_threads as set_cpu_threads
    set_cpu_threads(n)


def get_num_threads():
    """The number of threads the cpu backend's kernels run on."""
    from .backends.cpu import get_num_threads as get_cpu_threads
    return get_cpu_threads()
