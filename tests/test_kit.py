"""kit.py, the two set-up commands: pip runs only when the pins or the extras change."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import kit  # noqa: E402


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder with a pyproject.toml and a .venv; pip calls are recorded, not run."""
    (tmp_path / "pyproject.toml").write_text('dependencies = ["numpy==2.4.6"]\n')
    (tmp_path / ".venv").mkdir()
    monkeypatch.setattr(kit, "ROOT", tmp_path)
    monkeypatch.setattr(kit, "VENV", tmp_path / ".venv")
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda command, **kw: calls.append(command) or 0)
    return tmp_path, calls


def test_a_second_run_installs_nothing(project):
    root, calls = project
    kit.install("lab,test")
    kit.install("lab,test")
    kit.install("lab")
    assert len(calls) == 1
    assert calls[0][-1] == f"{root}[lab,test]"


def test_a_new_extra_or_changed_pins_install_again(project):
    root, calls = project
    kit.install("lab")
    kit.install("lab,torch")
    assert [c[-1] for c in calls] == [f"{root}[lab]", f"{root}[lab,torch]"]
    kit.install("lab")
    assert len(calls) == 2
    (root / "pyproject.toml").write_text('dependencies = ["numpy==2.4.5"]\n')
    kit.install("lab")
    assert len(calls) == 3


def test_a_failed_pip_install_is_not_remembered(project, monkeypatch):
    root, calls = project
    monkeypatch.setattr(subprocess, "call", lambda command, **kw: 1)
    with pytest.raises(SystemExit, match="pip install failed"):
        kit.install("lab")
    assert not (root / ".venv" / "convkit-installed.txt").exists()


def test_the_test_command_sets_a_numba_cache_folder(monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    assert kit.environment()["NUMBA_CACHE_DIR"] == str(kit.ROOT / ".numba_cache")


def test_an_unknown_command_says_how_to_call_it():
    with pytest.raises(SystemExit, match=re.escape("usage: python3 kit.py lab | test")):
        kit.main(["serve"])


def test_lab_puts_the_kits_jupyterlab_defaults_first():
    env = kit.lab_environment({"JUPYTER_CONFIG_PATH": "/etc/mine"})
    assert env["JUPYTER_CONFIG_PATH"] == f"{kit.LAB_CONFIG}{os.pathsep}/etc/mine"
    defaults = json.loads((kit.LAB_CONFIG / "labconfig" / "default_setting_overrides.json").read_text())
    assert defaults["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false",
                                                                      "checkForUpdates": False}
    command = kit.lab_command("python", "/lessons")
    assert command[:5] == ["python", "-m", "jupyterlab", "--ip=127.0.0.1", "--notebook-dir=/lessons"]


def test_the_browser_tests_run_last_in_a_serial_pytest(monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda command, **kw: calls.append(command) or 0)
    assert kit.test(["-x"]) == 0
    main, simulated, browser = calls
    assert "--ignore=tests/browser" in main and "-n" in main
    assert browser == [str(kit.PYTHON), "-m", "pytest", "tests/browser", "-x"]


def test_the_test_command_runs_the_training_lesson_on_a_short_budget(monkeypatch):
    envs = []
    monkeypatch.delenv("CONVKIT_LESSON_SECONDS", raising=False)
    monkeypatch.setattr(subprocess, "call", lambda command, env, **kw: envs.append(env) or 0)
    kit.test([])
    assert {env["CONVKIT_LESSON_SECONDS"] for env in envs} == {"30"}
    monkeypatch.setenv("CONVKIT_LESSON_SECONDS", "600")
    kit.test([])
    assert envs[-1]["CONVKIT_LESSON_SECONDS"] == "600"


@pytest.mark.parametrize("flag", ["--help", "-h", "help"])
def test_help_describes_both_commands_and_exits_0(flag, capsys, monkeypatch):
    monkeypatch.setattr(kit, "create_venv", lambda: pytest.fail("--help must set up nothing"))
    assert kit.main([flag]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python3 kit.py lab | test")
    assert "\n  lab    set up .venv" in out and "\n  test   set up .venv" in out


def test_help_runs_as_a_script():
    done = subprocess.run([sys.executable, str(Path(kit.__file__)), "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "JupyterLab" in done.stdout and done.stderr == ""
