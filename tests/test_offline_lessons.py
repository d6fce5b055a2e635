"""Offline, without CIFAR-10: every lesson still runs (on the labelled synthetic stand-in)."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from convkit.data import load_cifar10
from convkit.errors import DatasetError

ROOT = Path(__file__).resolve().parents[1]


def offline(data_dir):
    """An environment with an empty data folder, downloads off and every proxy a closed port."""
    closed = "http://127.0.0.1:9"
    return dict(os.environ, CONVKIT_DATA=str(data_dir), CONVKIT_OFFLINE="1",
                http_proxy=closed, https_proxy=closed, HTTP_PROXY=closed, HTTPS_PROXY=closed,
                no_proxy="", NO_PROXY="")


def test_offline_switch_fails_at_once_and_says_how_to_get_the_data(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVKIT_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(DatasetError) as error:
        load_cifar10(root=tmp_path)
    assert time.monotonic() - start < 1.0
    message = str(error.value)
    assert "downloads are turned off (CONVKIT_OFFLINE=1)" in message
    assert ("To place CIFAR-10 by hand, download "
            "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz") in message
    assert list(tmp_path.iterdir()) == []


def test_every_lesson_runs_offline_without_the_data(tmp_path):
    lessons = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert lessons
    empty = tmp_path / "no-data"
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--nbval-lax", *map(str, lessons)],
        cwd=ROOT, env=offline(empty), capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert list(empty.iterdir()) == [], "nothing is downloaded into the data folder"
