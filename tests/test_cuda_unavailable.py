"""Without a GPU the CUDA backend says what is missing, and "auto" falls back quietly."""
import os
import subprocess
import sys

import pytest

from convkit import backends
from convkit.backends import cuda as cuda_backend
from convkit.errors import BackendError

if cuda_backend.unavailable() is None:
    pytest.skip("a CUDA GPU answers here", allow_module_level=True)


def test_set_backend_cuda_raises_a_clear_error():
    with pytest.raises(BackendError, match="backend 'cuda' cannot run here") as error:
        backends.set_backend("cuda")
    assert cuda_backend.unavailable() in str(error.value)
    assert any(word in str(error.value) for word in ("GPU", "install"))


def test_auto_falls_back_to_the_numba_cpu_backend():
    with backends.use_backend("auto") as name:
        assert name == "cpu"
        assert backends.get_backend() == "cpu"


def test_the_quick_device_check_agrees_with_the_full_probe():
    if backends._no_nvidia_device():
        assert cuda_backend.unavailable() is not None


def run_python(code, **env):
    """Run code in a fresh Python; returns (stdout, stderr)."""
    environment = {key: value for key, value in os.environ.items() if key != "NUMBA_ENABLE_CUDASIM"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**environment, **env}, check=True)
    return result.stdout, result.stderr


def test_probing_for_cuda_prints_nothing():
    stdout, stderr = run_python("from convkit.backends import cuda; assert cuda.unavailable()")
    assert stdout == "" and stderr == ""


def test_without_numba_cuda_the_backend_imports_and_says_how_to_install_it():
    # sys.modules entries of None make those imports fail as if the packages were not installed
    stdout, _ = run_python(
        "import sys; sys.modules['numba_cuda'] = None; sys.modules['numba.cuda'] = None\n"
        "from convkit.backends import cuda\n"
        "print(cuda.unavailable())")
    assert "numba-cuda" in stdout and 'pip install "convkit[cuda]"' in stdout
