"""Can the CUDA backend run here? One answer, with the fix when it cannot.

The checks go from the outside in: the numba-cuda package, its CUDA Python
bindings, an NVIDIA driver with a GPU, and the NVVM compiler from the CUDA
toolkit libraries. Under the CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) the
kernels run as Python threads on the CPU, so the backend counts as available.
Probing is quick and prints nothing, so ``"auto"`` can try CUDA first anywhere.
"""
import importlib.util

INSTALL = 'pip install "convkit[cuda]"'


def _import_error():
    """Why ``from numba import cuda`` fails here, or None when it works."""
    if importlib.util.find_spec("numba_cuda") is None:
        return f"the numba-cuda package is not installed; install it with {INSTALL}"
    try:
        from numba import cuda  # noqa: F401
    except ImportError as error:
        return (f"numba-cuda could not be imported ({error}); reinstall it with the CUDA "
                f"libraries that match the NVIDIA driver: pip install \"numba-cuda[cu13]\" "
                f"(or \"numba-cuda[cu12]\" for a CUDA 12 driver), or {INSTALL}")
    return None


IMPORT_ERROR = _import_error()
HAVE_NUMBA_CUDA = IMPORT_ERROR is None


def simulated():
    """True when numba.cuda runs kernels on its CPU simulator."""
    from numba.cuda.core import config
    return bool(config.ENABLE_CUDASIM)


def unavailable():
    """None if CUDA kernels can run here, else a sentence saying what is missing."""
    if not HAVE_NUMBA_CUDA:
        return IMPORT_ERROR
    if simulated():
        return None
    from numba import cuda
    from numba.cuda.cudadrv import driver, nvvm
    try:
        has_driver = driver.driver.is_available
    except Exception:
        has_driver = False
    if not has_driver:
        return ("no NVIDIA driver was found (libcuda); the CUDA backend needs an NVIDIA GPU with "
                "its driver installed. On Colab choose Runtime > Change runtime type > GPU; on a "
                "JupyterHub ask for a GPU server; elsewhere use the 'cpu' backend")
    if not cuda.gpus:
        return ("the NVIDIA driver is installed but no GPU answers (check nvidia-smi and "
                "CUDA_VISIBLE_DEVICES); use the 'cpu' backend meanwhile")
    if not nvvm.is_available():
        return ("the CUDA toolkit libraries (NVVM) were not found; install the ones that "
                "match the NVIDIA driver: pip install \"numba-cuda[cu13]\" "
                "(or \"numba-cuda[cu12]\" for a CUDA 12 driver)")
    return None
