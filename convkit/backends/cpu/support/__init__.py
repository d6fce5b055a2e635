"""What the CPU backend's op files build on: worker threads, NumPy's BLAS threads, scratch buffers, im2col.

The op files one level up (conv.py, pool.py, ...) bear the same names as the
NumPy reference's and the CUDA backend's; the helpers they share live here.
"""
