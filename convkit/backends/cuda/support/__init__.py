"""What the CUDA backend's op files build on: device arrays, the matrix product, reductions, im2col.

The op files one level up (conv.py, pool.py, ...) bear the same names as the
NumPy reference's and the CPU backend's; the helpers they share live here,
with availability.py (can the backend run here?) and kernels.py (every
kernel with its argument types, compiled to PTX by the tests).
"""
