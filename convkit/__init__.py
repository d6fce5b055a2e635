"""convkit: a Jupyter teaching kit for convolutional neural networks.

Layers, shape arithmetic and training after the CS231n notes "Convolutional
Neural Networks", with a readable NumPy reference and fast Numba backends for
the CPU and CUDA GPUs. Batches of images are NCHW arrays: (N, C, H, W).
"""
from .errors import BackendError, DatasetError, ShapeError
from .shapes import *  # noqa: F401,F403  (conv_output_size, pool_output_size, ...)
from .backends import available as available_backends
from .backends import get_backend, set_backend, use_backend
from . import gradcheck, ops

__version__ = "0.1.0"
