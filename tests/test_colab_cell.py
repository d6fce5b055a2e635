"""The Colab set-up cell: first in every lesson, a no-op elsewhere, an install on Colab."""
import json
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import colab_cell  # noqa: E402


def test_every_lesson_starts_with_the_current_colab_cell():
    """Fails after a lesson is added or the cell changes: run python3 tools/colab_cell.py."""
    expected = colab_cell.lines(colab_cell.cell_source())
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        first = json.loads(path.read_text())["cells"][0]
        assert colab_cell.TAG in first["metadata"].get("tags", []), f"{path.name}: no Colab cell first"
        assert first["source"] == expected, f"{path.name}: an old Colab cell"


def test_outside_colab_the_cell_does_nothing():
    before = set(sys.modules)
    namespace = {}
    exec(colab_cell.cell_source("https://git.example/convkit"), namespace)
    assert set(sys.modules) - before == set()
    assert set(namespace) - {"__builtins__"} == {"sys"}


@pytest.fixture
def fake_colab(monkeypatch):
    """google.colab in sys.modules; pip calls and the widget manager switch are recorded."""
    calls = []
    output = types.SimpleNamespace(enable_custom_widget_manager=lambda: calls.append("widgets"))
    colab = types.ModuleType("google.colab")
    colab.output = output
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setattr(subprocess, "check_call", lambda command: calls.append(command))
    return calls


def test_on_colab_it_installs_the_kit_and_enables_the_widget_manager(fake_colab, monkeypatch):
    import importlib.util
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "convkit" else find_spec(name, *a))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    exec(colab_cell.cell_source("https://git.example/convkit"), {})
    assert fake_colab == [[sys.executable, "-m", "pip", "install", "--quiet",
                           "convkit @ git+https://git.example/convkit"], "widgets"]


def test_on_colab_with_a_gpu_it_adds_the_cuda_extra_and_installs_once(fake_colab, monkeypatch):
    import importlib.util
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "convkit" else find_spec(name, *a))
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/nvidia-smi")
    exec(colab_cell.cell_source("https://git.example/convkit"), {})
    assert fake_colab[0][-1] == "convkit[cuda] @ git+https://git.example/convkit"
    monkeypatch.setattr(importlib.util, "find_spec", find_spec)   # now installed: no second pip call
    exec(colab_cell.cell_source("https://git.example/convkit"), {})
    assert fake_colab[1:] == ["widgets", "widgets"]


def test_on_colab_without_a_repository_it_says_who_sets_it(fake_colab):
    with pytest.raises(RuntimeError, match=r"\[tool.convkit\] repository in pyproject.toml"):
        exec(colab_cell.cell_source(""), {})
    assert fake_colab == []


def test_the_script_inserts_once_then_updates_in_place(tmp_path):
    lesson = tmp_path / "lesson.ipynb"
    shutil.copy(sorted((ROOT / "notebooks").glob("*.ipynb"))[0], lesson)
    original = json.loads(lesson.read_text())["cells"]
    assert colab_cell.update(lesson, "print('v1')") is True
    assert colab_cell.update(lesson, "print('v1')") is False
    assert colab_cell.update(lesson, "print('v2')") is True
    cells = json.loads(lesson.read_text())["cells"]
    assert cells[0]["source"] == ["print('v2')"] and colab_cell.TAG in cells[0]["metadata"]["tags"]
    assert cells[1:] == [c for c in original if colab_cell.TAG not in c["metadata"].get("tags", [])]
