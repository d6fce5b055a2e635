"""Put the Colab set-up cell first in every lesson: ``python3 tools/colab_cell.py``.

The cell does nothing outside Google Colab. On Colab it pip-installs convkit from
the repository named in pyproject.toml (``[tool.convkit] repository``; with the
``cuda`` extra when the machine has an NVIDIA GPU) unless it is installed already,
and turns on Colab's custom widget manager (ipywidgets 8). Running this script
again replaces the cell with the current one (it is found by its tag); a
lesson that has it already is not rewritten.
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TAG = "convkit-colab"

SOURCE = '''\
# Google Colab only: install convkit and turn on Colab's widget manager. Elsewhere this does nothing.
import sys

if "google.colab" in sys.modules:
    import importlib.util
    import shutil
    import subprocess

    REPOSITORY = {repository!r}   # pyproject.toml, [tool.convkit] repository
    if not REPOSITORY:
        raise RuntimeError("convkit: the kit's repository is not set: the instructor sets "
                           "[tool.convkit] repository in pyproject.toml and runs tools/colab_cell.py")
    if importlib.util.find_spec("convkit") is None:
        extra = "[cuda]" if shutil.which("nvidia-smi") else ""
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet",
                               f"convkit{{extra}} @ git+{{REPOSITORY}}"])
        print("convkit installed. If Colab asks to restart the session, restart it and run the lesson again.")
    from google.colab import output
    output.enable_custom_widget_manager()'''


def repository(pyproject=ROOT / "pyproject.toml"):
    """The URL of ``[tool.convkit] repository`` in pyproject.toml ("" when unset)."""
    text = Path(pyproject).read_text()
    table = re.search(r"^\[tool\.convkit\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    found = table and re.search(r'^repository\s*=\s*"([^"]*)"', table.group(1), re.M)
    return found.group(1) if found else ""


def cell_source(url=None):
    """The set-up cell's code for the repository url (default: pyproject.toml's)."""
    return SOURCE.format(repository=repository() if url is None else url)


def lines(text):
    """Notebook JSON keeps source as a list of lines, each but the last ending in a newline."""
    return text.splitlines(keepends=True)


def update(path, source):
    """Make the tagged set-up cell the first cell of the notebook at path; True if it changed."""
    text = Path(path).read_text()
    notebook = json.loads(text)
    cells = notebook["cells"]
    old = [c for c in cells if TAG in c.get("metadata", {}).get("tags", [])]
    cell = old[0] if old else {"cell_type": "code", "execution_count": None,
                               "metadata": {"tags": [TAG]}, "outputs": []}
    if notebook.get("nbformat_minor", 0) >= 5:      # cell ids exist from nbformat 4.5 on
        cell.setdefault("id", "convkit-colab-setup")
    cell.update(source=lines(source), outputs=[], execution_count=None)
    notebook["cells"] = [cell] + [c for c in cells if c not in old]
    new = json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    if new == text:
        return False
    Path(path).write_text(new)
    return True


def main(argv):
    paths = [Path(p) for p in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    source = cell_source()
    for path in paths:
        print(f"{path}: {'updated' if update(path, source) else 'already current'}")
    if not repository():
        print("Note: [tool.convkit] repository in pyproject.toml is empty: on Colab the cell "
              "says so instead of installing.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
