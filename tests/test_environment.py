"""environment.yml (conda, Binder) and pyproject.toml must pin the same packages."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pyproject_pins():
    """Pins of the core, lab and test sets (the 3.11+ branch where markers split them)."""
    text = (ROOT / "pyproject.toml").read_text()
    sets = re.findall(r"^(?:dependencies|lab|test) = \[(.*?)^\]", text, re.M | re.S)
    pins = {}
    for name, version, marker in re.findall(r'"([\w.\-]+)(?:\[\w+\])?==([^";]+)(;[^"]*)?"', "".join(sets)):
        if "< '3.11'" not in marker:
            pins[name.lower()] = version
    return pins


def environment_pins():
    text = (ROOT / "environment.yml").read_text()
    pins = re.findall(r"^\s+- ([\w.\-\[\]]+)==(\S+)$", text, re.M)
    return {name.lower(): version for name, version in pins}


def test_environment_yml_mirrors_pyproject_pins():
    pins = pyproject_pins()
    pins.pop("numba-cuda")  # GPU toolkits: CUDA users add convkit[cuda]
    assert environment_pins() == pins


def test_python_version_is_one_the_pins_support():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s+- python=3\.11$", text, re.M)
