"""Set up convkit and run it: ``python3 kit.py lab`` or ``python3 kit.py test``.

Both commands create (or reuse) the virtual environment ``.venv`` next to this file,
install the pinned dependencies from ``pyproject.toml`` into it when they changed,
and then either open the lessons in JupyterLab or run the whole test suite.
Only the Python standard library is used here, so a fresh machine needs nothing
but Python >= 3.10. ``CONVKIT_EXTRAS=torch`` (or ``cuda``) adds optional extras.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
EXTRAS = {"lab": "lab", "test": "lab,test"}
USAGE = """usage: python3 kit.py lab | test [extra pytest or jupyter arguments]

  lab    set up .venv (Python packages pinned in pyproject.toml) and open the
         lessons in JupyterLab on this machine only (127.0.0.1)
  test   set up .venv with the test packages too, then run the tests and the
         lessons (nbval), the CUDA simulator tests, then the browser tests

Set CONVKIT_EXTRAS=torch (or cuda) to install optional extras as well."""
# JupyterLab defaults of the kit (no news pop-up, no update checks); a user's own settings still win.
LAB_CONFIG = ROOT / "jupyter-config"


def fail(message):
    sys.exit(f"kit.py: {message}")


def create_venv():
    """Make .venv; without ensurepip (Debian's python3 lacking python3-venv) fetch pip from PyPI."""
    if PYTHON.exists() and subprocess.call([str(PYTHON), "-m", "pip", "--version"],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
        return
    print(f"Creating the virtual environment {VENV} ...", flush=True)
    shutil.rmtree(VENV, ignore_errors=True)
    try:
        venv.EnvBuilder(with_pip=True).create(VENV)
    except (OSError, subprocess.CalledProcessError):
        shutil.rmtree(VENV, ignore_errors=True)
        venv.EnvBuilder(with_pip=False).create(VENV)
        bootstrap_pip()


def bootstrap_pip():
    """Install pip into .venv from PyPI's pip wheel, checking its SHA-256."""
    index = "https://pypi.org/pypi/pip/json"
    try:
        with urllib.request.urlopen(index, timeout=60) as response:
            wheel = next(f for f in json.load(response)["urls"] if f["filename"].endswith(".whl"))
        path = VENV / wheel["filename"]
        with urllib.request.urlopen(urllib.parse.urljoin(index, wheel["url"]), timeout=60) as response:
            path.write_bytes(response.read())
    except (OSError, ValueError, StopIteration) as error:
        fail(f"this Python has no ensurepip and pip could not be fetched from PyPI ({error}).\n"
             "Check the network, or install the venv module: sudo apt-get install python3-venv")
    if hashlib.sha256(path.read_bytes()).hexdigest() != wheel["digests"]["sha256"]:
        fail("the pip wheel from PyPI failed its SHA-256 check; run again")
    if subprocess.call([str(PYTHON), f"{path}/pip", "install", "--quiet", str(path)]) != 0:
        fail("installing pip into .venv failed (see above)")
    path.unlink()


def install(extras):
    """pip-install convkit with ``extras`` unless they are installed from this pyproject.toml."""
    pins = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / "convkit-installed.txt"
    done = stamp.read_text().split() if stamp.exists() and stamp.read_text().startswith(pins) else [pins]
    if set(extras.split(",")) <= set(done[1:]):
        return
    print(f"Installing convkit[{extras}] and its pinned dependencies into .venv ...", flush=True)
    command = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check",
               "--quiet", "--editable", f"{ROOT}[{extras}]"]
    if subprocess.call(command) != 0:
        fail("pip install failed (see above). Check the network connection and run again.")
    stamp.write_text(" ".join(done + extras.split(",")) + "\n")


def environment():
    env = dict(os.environ)
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))
    return env


def lab_environment(env=None):
    """The environment JupyterLab runs in: the kit's JupyterLab defaults first on JUPYTER_CONFIG_PATH."""
    env = dict(environment() if env is None else env)
    paths = [str(LAB_CONFIG), env.get("JUPYTER_CONFIG_PATH")]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(filter(None, paths))
    return env


def lab_command(python=PYTHON, notebook_dir=ROOT / "notebooks"):
    """The JupyterLab command line of `kit.py lab`: this machine only (127.0.0.1), root allowed."""
    command = [str(python), "-m", "jupyterlab", "--ip=127.0.0.1", f"--notebook-dir={notebook_dir}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return command


def lab(args):
    """Open the lessons in JupyterLab on this machine only (127.0.0.1)."""
    return subprocess.call(lab_command() + args, env=lab_environment(), cwd=ROOT)


def test(args):
    """Run the package tests and the lessons (nbval), the CUDA simulator tests, then the browser tests.

    The browser tests (tests/browser: JupyterLab and Voila in a headless Chromium) run last,
    one at a time, in a pytest of their own: each starts servers and a browser.
    """
    env = environment()
    env.setdefault("CONVKIT_LESSON_SECONDS", "30")  # the training lesson's class run, shortened
    pytest = [str(PYTHON), "-m", "pytest"]
    parallel = pytest + ["-n", "2", "--dist", "loadfile"]
    main = parallel + ["tests", "--ignore=tests/browser", "--nbval", "notebooks",
                       "--nbval-sanitize-with", "tests/nbval_sanitize.cfg"]
    code = subprocess.call(main + args, env=env, cwd=ROOT)
    simulated = subprocess.call(parallel + ["tests/cudasim"] + args,
                                env=dict(env, NUMBA_ENABLE_CUDASIM="1"), cwd=ROOT)
    browser = subprocess.call(pytest + ["tests/browser"] + args, env=env, cwd=ROOT)
    return code or simulated or browser


def main(argv):
    if argv[:1] in (["-h"], ["--help"], ["help"]):
        print(USAGE)
        return 0
    if len(argv) < 1 or argv[0] not in EXTRAS:
        fail(USAGE)
    if sys.version_info < (3, 10):
        fail(f"convkit needs Python >= 3.10, this is {sys.version.split()[0]}")
    create_venv()
    extras = ",".join(filter(None, [EXTRAS[argv[0]], os.environ.get("CONVKIT_EXTRAS", "")]))
    install(extras)
    return {"lab": lab, "test": test}[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
