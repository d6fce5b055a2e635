"""Binder / repo2docker: environment.yml installs before the repository is there; postBuild adds the kit."""
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_names_no_local_path():
    pip_lines = re.findall(r"^\s+- (.+)$", (ROOT / "environment.yml").read_text(), re.M)
    local = [line for line in pip_lines if line.startswith(("-e", ".", "/", "file:")) or line == "."]
    assert local == []


def test_post_build_installs_the_kit_and_its_lab_defaults():
    post_build = ROOT / "postBuild"
    assert os.access(post_build, os.X_OK)
    text = post_build.read_text()
    assert "pip install --no-deps --editable ." in text
    copied = re.search(r"^cp (\S+) ", text, re.M).group(1)
    assert (ROOT / copied).is_file()
