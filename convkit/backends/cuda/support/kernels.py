"""Every kernel of the backend with the argument types it is launched with.

``KERNELS`` lists ``(kernel, [float32 signature, float64 signature])``. The
tests compile each signature to PTX for real GPUs (so a kernel that would not
compile fails on any machine), and check that no kernel is missing here.
"""
from numba import boolean, float32, float64, from_dtype, int32, int64, types
from numba.cuda.random import xoroshiro128p_dtype

from .. import arrays, batchnorm, dropout, local, losses, pool, relu, updates
from . import device, elementwise, gemm, im2col, layout, reduce

STATES = types.Array(from_dtype(xoroshiro128p_dtype), 1, "C")


def array(dtype, ndim):
    """The type of a C-ordered device array."""
    return types.Array(dtype, ndim, "C")


def strided(dtype, ndim):
    """The type of a device array of any layout (a view such as a[:, :, :-1, :-1])."""
    return types.Array(dtype, ndim, "A")


def _signatures(kernel, make):
    """kernel with make(float32) and make(float64): make gives the argument types for a float type."""
    return kernel, [make(float32), make(float64)]


WINDOW = (int64,) * 7  # HH, WW, stride, pad, dilation, Ho, Wo of im2col and col2im


KERNELS = [
    _signatures(gemm.matmul_kernel,
                lambda f: (array(f, 2), array(f, 2), array(f, 3), boolean, boolean, int64)),
    _signatures(gemm.sum_parts_kernel, lambda f: (array(f, 3), array(f, 2))),
    _signatures(im2col.im2col_kernel, lambda f: (array(f, 4), array(f, 2)) + WINDOW),
    _signatures(im2col.col2im_kernel, lambda f: (array(f, 2), array(f, 4)) + WINDOW),
    _signatures(layout.rows_to_nchw_kernel, lambda f: (array(f, 2), array(f, 1), array(f, 3))),
    _signatures(layout.nchw_to_rows_kernel, lambda f: (array(f, 3), array(f, 2))),
    _signatures(reduce.channel_sum_kernel, lambda f: (array(f, 3), array(f, 2), f)),
    _signatures(reduce.channel_dot_kernel, lambda f: (array(f, 3), array(f, 3), array(f, 2), f)),
    _signatures(local.local_kernel,
                lambda f: (array(f, 4), array(f, 6), array(f, 3), array(f, 4), int64, int64)),
    _signatures(local.local_dw_kernel, lambda f: (array(f, 4), array(f, 4), array(f, 6), int64, int64)),
    _signatures(local.local_db_kernel, lambda f: (array(f, 4), array(f, 3))),
    _signatures(local.local_dx_kernel, lambda f: (array(f, 4), array(f, 6), array(f, 4), int64, int64)),
    _signatures(pool.max_pool_kernel,
                lambda f: (array(f, 4), array(f, 4), array(int32, 4), int64, int64)),
    _signatures(pool.avg_pool_kernel, lambda f: (array(f, 4), array(f, 4), int64, int64, f)),
    _signatures(pool.l2_pool_kernel, lambda f: (array(f, 4), array(f, 4), int64, int64)),
    _signatures(pool.max_pool_backward_kernel,
                lambda f: (array(f, 4), array(int32, 4), array(f, 4), int64, int64)),
    _signatures(pool.avg_pool_backward_kernel, lambda f: (array(f, 4), array(f, 4), int64, int64, f)),
    _signatures(pool.l2_pool_backward_kernel,
                lambda f: (array(f, 4), array(f, 4), array(f, 4), array(f, 4), int64, int64)),
    _signatures(elementwise.fill_kernel, lambda f: (array(f, 1), f)),
    _signatures(elementwise.multiply_kernel, lambda f: (array(f, 1),) * 3),
    _signatures(elementwise.add_row_bias_kernel, lambda f: (array(f, 1), array(f, 1))),
    _signatures(relu.relu_kernel, lambda f: (array(f, 1),) * 2),
    _signatures(relu.relu_backward_kernel, lambda f: (array(f, 1),) * 3),
    _signatures(losses.softmax_rows_kernel,
                lambda f: (array(f, 2), array(int64, 1), f, array(f, 1), array(f, 2))),
    _signatures(losses.svm_rows_kernel,
                lambda f: (array(f, 2), array(int64, 1), f, f, array(f, 1), array(f, 2))),
    _signatures(batchnorm.center_kernel, lambda f: (array(f, 3), array(f, 1), array(f, 3))),
    _signatures(batchnorm.train_stats_kernel, lambda f: (array(f, 1),) * 4 + (f, f, array(f, 1))),
    _signatures(batchnorm.eval_stats_kernel, lambda f: (array(f, 1), f, array(f, 1))),
    _signatures(batchnorm.normalize_kernel, lambda f: (array(f, 3),) + (array(f, 1),) * 3
                + (array(f, 3), array(f, 3))),
    _signatures(batchnorm.batchnorm_backward_kernel,
                lambda f: (array(f, 3), array(f, 3)) + (array(f, 1),) * 4 + (f, array(f, 3))),
    _signatures(dropout.dropout_kernel,
                lambda f: (array(f, 1), STATES, float32, f, array(f, 1), array(f, 1))),
    _signatures(updates.sgd_kernel, lambda f: (array(f, 1),) * 2 + (f,) * 2),
    _signatures(updates.momentum_kernel, lambda f: (array(f, 1),) * 3 + (f,) * 3),
    _signatures(updates.nesterov_kernel, lambda f: (array(f, 1),) * 3 + (f,) * 3),
    _signatures(updates.adagrad_kernel, lambda f: (array(f, 1),) * 3 + (f,) * 3),
    _signatures(updates.rmsprop_kernel, lambda f: (array(f, 1),) * 3 + (f,) * 4),
    _signatures(updates.adam_kernel, lambda f: (array(f, 1),) * 4 + (f,) * 7),
    _signatures(device.copy4_kernel, lambda f: (strided(f, 4), array(f, 4))),
    _signatures(arrays.argmax_rows_kernel, lambda f: (array(f, 2), array(int64, 1))),
]
