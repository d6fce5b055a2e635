"""Every CUDA kernel compiles to PTX for real GPUs, and assembles to machine code, without a GPU.

numba.cuda.compile_ptx runs the whole compiler (typing, LLVM, NVVM) for a
given compute capability: A100 (8.0) and H100 (9.0), for float32 and float64.
nvJitLink (from numba-cuda's CUDA libraries) then assembles that PTX for the
same GPU, as the driver would, which also checks registers and shared memory.
"""
import importlib
import importlib.util
import pkgutil
from types import SimpleNamespace
from unittest import mock

import pytest

pytest.importorskip("numba_cuda", reason='needs numba-cuda: pip install "convkit[cuda]"')

from convkit.backends import cuda as cuda_backend  # noqa: E402
from convkit.backends.cuda.support.availability import simulated  # noqa: E402

if simulated():
    pytest.skip("compiling to PTX needs the real numba.cuda, not the simulator",
                allow_module_level=True)

import numba.cuda.dispatcher  # noqa: E402
from numba import cuda  # noqa: E402

from convkit.backends.cuda import dropout  # noqa: E402
from convkit.backends.cuda.support.kernels import KERNELS  # noqa: E402

CAPABILITIES = [(8, 0), (9, 0)]
# numba's xoroshiro128p_uniform_float32 converts its random bits through float64
USES_FLOAT64 = {dropout.dropout_kernel}


def compile_ptx(kernel, signature, cc):
    """PTX of kernel for one signature and compute capability.

    Compiling a kernel that calls a device function (such as numba's random
    generators) asks the driver for the current GPU's compute capability; with
    no GPU here, answer with the one being compiled for.
    """
    gpu = SimpleNamespace(compute_capability=cc)
    with mock.patch.object(numba.cuda.dispatcher, "get_current_device", lambda: gpu):
        ptx, _ = cuda.compile_ptx(kernel, signature, cc=cc)
    return ptx


def assemble(ptx, cc):
    """The GPU machine code (cubin) of ptx for compute capability cc; raises with ptxas's log."""
    from cuda.bindings import nvjitlink
    handle = nvjitlink.create(1, [f"-arch=sm_{cc[0]}{cc[1]}"])
    try:
        data = ptx.encode()
        try:
            nvjitlink.add_data(handle, nvjitlink.InputType.PTX, data, len(data), "kernel.ptx")
            nvjitlink.complete(handle)
        except nvjitlink.nvJitLinkError:
            log = bytearray(nvjitlink.get_error_log_size(handle))
            nvjitlink.get_error_log(handle, log)
            raise AssertionError(log.decode(errors="replace")) from None
        cubin = bytearray(nvjitlink.get_linked_cubin_size(handle))
        nvjitlink.get_linked_cubin(handle, cubin)
        return bytes(cubin)
    finally:
        nvjitlink.destroy(handle)


@pytest.mark.parametrize("kernel, signatures", KERNELS, ids=[k.__name__ for k, _ in KERNELS])
def test_kernel_compiles_to_ptx(kernel, signatures):
    float32_signature, _ = signatures
    for cc in CAPABILITIES:
        for signature in signatures:
            ptx = compile_ptx(kernel, signature, cc)
            assert f".target sm_{cc[0]}{cc[1]}" in ptx
            assert ".entry" in ptx
            assert assemble(ptx, cc).startswith(b"\x7fELF")
            if signature == float32_signature and kernel not in USES_FLOAT64:
                assert ".f64" not in ptx, "the float32 kernel computes in float64"


def test_every_kernel_of_the_backend_is_listed():
    listed = {kernel for kernel, _ in KERNELS}
    defined = set()
    for module_info in pkgutil.walk_packages(cuda_backend.__path__, f"{cuda_backend.__name__}."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (isinstance(value, numba.cuda.dispatcher.CUDADispatcher)
                    and value.py_func.__module__ == module.__name__
                    and not value.targetoptions.get("device")):
                defined.add(value)
    assert len(defined) >= 30
    assert defined == listed, sorted(k.__name__ for k in defined ^ listed)


def test_assembling_broken_ptx_fails_with_the_assembler_log():
    kernel, (float32_signature, _) = KERNELS[0]
    ptx = compile_ptx(kernel, float32_signature, (9, 0))
    with pytest.raises(AssertionError, match="ptxas"):
        assemble(ptx.replace(".entry", ".entry_broken", 1), (9, 0))


# CPU kernels with no CUDA kernel of their name: the CUDA backend does their work otherwise
NO_CUDA_TWIN = {
    "dropout_backward_kernel",  # elementwise multiply_kernel(dout, mask)
    "batch_stats_kernel",       # reductions (support/reduce.py) and center_kernel
    "pad_kernel", "unpad_kernel",  # im2col_kernel and col2im_kernel read and skip the padding
    # the CPU backend's Winograd path for 3x3 stride-1 convs; the CUDA backend convolves directly
    "input_transform", "output_transform", "output_adjoint", "input_adjoint",
    # the CPU backend's pass for 2x2 windows of stride 2; CUDA's max_pool_kernel takes one
    # thread per output for every window size
    "max_pool_2x2_kernel",
}


def test_cpu_kernels_have_cuda_twins_of_the_same_name_in_the_same_file():
    from numba.core.dispatcher import Dispatcher as CPUDispatcher

    from convkit.backends import cpu

    twins = 0
    for module_info in pkgutil.walk_packages(cpu.__path__, f"{cpu.__name__}."):
        module = importlib.import_module(module_info.name)
        twin_name = module_info.name.replace(".cpu.", ".cuda.")
        cuda_module = importlib.import_module(twin_name) if importlib.util.find_spec(twin_name) else None
        for name, value in vars(module).items():
            kernel = getattr(value, "kernel", value)  # parallel ones are wrapped: one_caller_at_a_time
            inlined = isinstance(kernel, CPUDispatcher) and kernel.targetoptions.get("inline") == "always"
            if isinstance(kernel, CPUDispatcher) and name not in NO_CUDA_TWIN and not inlined:
                assert isinstance(getattr(cuda_module, name, None), numba.cuda.dispatcher.CUDADispatcher), \
                    f"{module_info.name}.{name} has no CUDA twin in {twin_name}"
                twins += 1
    assert twins == 18
