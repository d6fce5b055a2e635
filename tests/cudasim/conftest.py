"""The CUDA backend's tests on numba's CUDA simulator, which runs kernels as Python threads.

Run them in a process of their own: ``NUMBA_ENABLE_CUDASIM=1 pytest tests/cudasim``.
numba reads the variable when it is first imported, so it cannot be set from here.
"""
import os

if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
    raise RuntimeError(
        "tests/cudasim runs the CUDA kernels on numba's simulator and needs the variable set "
        "before Python starts: NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/cudasim "
        "(run the rest of the tests without it)")


def pytest_configure(config):
    # Under the simulator numba.cuda.random builds its generators with numba.jit in
    # object mode, and numba warns about both the option and the mode.
    for message in ("The keyword argument 'nopython=False'",
                    r"\s*Compilation is falling back to object mode"):
        config.addinivalue_line("filterwarnings", f"ignore:{message}")
