"""The layers of a Net, each a small class over the ops of convkit.ops.

Batches are NCHW arrays (N, C, H, W), or (N, D) after an FC layer.
"""
from .base import Layer
from .batchnorm import BatchNorm
from .conv import Conv
from .dropout import Dropout
from .fc import FC
from .flatten import Flatten
from .local import LocallyConnected
from .losses import SoftmaxLoss, SVMLoss
from .pool import AvgPool, L2Pool, MaxPool, Pool
from .relu import ReLU
from .whiten import Whiten

__all__ = ["Layer", "Conv", "LocallyConnected", "MaxPool", "AvgPool", "L2Pool", "Pool", "ReLU",
           "Flatten", "FC", "Dropout", "BatchNorm", "Whiten", "SoftmaxLoss", "SVMLoss"]
