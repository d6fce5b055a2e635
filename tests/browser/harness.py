"""What the browser tests share: Chromium, servers that always stop, and page helpers.

Servers (JupyterLab as `kit.py lab` starts it, Voila) bind to 127.0.0.1 on a free
port with a token and run from the Python running the tests (the kit's .venv).
Screenshots go to test-artifacts/browser/ in the repository root (git-ignored; CI keeps it).
"""
import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
# A console error is the widget manager's when it names one of these.
WIDGET_WORDS = re.compile(r"widget|ipywidgets|\bcomms?\b|model class|view class", re.I)

sys.path.insert(0, str(ROOT))
import kit  # noqa: E402


def ensure_chromium():
    """The path of Debian's chromium; installed with apt-get when missing and we are root."""
    if not Path(CHROMIUM).exists() and hasattr(os, "geteuid") and os.geteuid() == 0 \
            and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
                       env=env, check=False)
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"the browser tests need Chromium at {CHROMIUM}: as root they install it "
                           f"themselves; otherwise run: sudo apt-get install chromium")
    return CHROMIUM


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(command, env, ready_url, log, cwd=ROOT, timeout=180):
    """Run command until the block ends; wait until ready_url answers 200. Always stopped."""
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{command[2]} exited with {process.returncode}; see {log}")
                try:
                    with urllib.request.urlopen(ready_url, timeout=5) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{command[2]} did not answer {ready_url} in {timeout} s; see {log}")
                time.sleep(0.5)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def lab_server(notebook_dir, state_dir, log):
    """JupyterLab started as `kit.py lab` starts it, on a free port with a token.

    state_dir: this server's own user settings (state_dir/settings: windowing `defer`,
    so cells off screen render; no autosave, so the copies served are never rewritten)
    and workspaces (state_dir/workspaces: no tabs restored from an earlier session).
    Yields the base URL with the token: f"{url}/lab/tree/...?token=..." pages.
    """
    port, token = free_port(), secrets.token_hex(16)
    env = kit.lab_environment(os.environ)
    env["JUPYTERLAB_SETTINGS_DIR"] = str(write_lab_settings(Path(state_dir) / "settings"))
    command = kit.lab_command(sys.executable, notebook_dir) + [
        "--no-browser", f"--port={port}", f"--IdentityProvider.token={token}",
        "--ServerApp.port_retries=0", f"--LabApp.workspaces_dir={Path(state_dir) / 'workspaces'}"]
    url = f"http://127.0.0.1:{port}"
    return server(command, env, f"{url}/api/status?token={token}", log), url, token


def voila_server(notebook, log):
    """Voila serving one notebook as an app, on a free port with a token.

    Returns (the server's context manager, the app's URL with the token).
    """
    port, token = free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
               "--Voila.ip=127.0.0.1", f"--token={token}", "--Voila.port_retries=0"]
    url = f"http://127.0.0.1:{port}"
    running = server(command, kit.environment(), f"{url}/voila/static/favicon.ico", log,
                     cwd=Path(notebook).parent)
    return running, f"{url}/?token={token}"


def write_lab_settings(folder):
    """User settings for the test server (JUPYTERLAB_SETTINGS_DIR)."""
    import json
    settings = {
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "defer"},
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    }
    for name, value in settings.items():
        path = Path(folder) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    return folder


class Console:
    """Collects the page's console errors, uncaught exceptions and failed requests."""

    def __init__(self, page):
        self.errors = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url} ({r.failure})"))

    def widget_errors(self):
        return [e for e in self.errors if WIDGET_WORDS.search(e)]


class Shots:
    """Numbered screenshots of a test into test-artifacts/browser/<name>/."""

    def __init__(self, name):
        self.folder = ARTIFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.n = 0

    def __call__(self, target, label):
        self.n += 1
        path = self.folder / f"{self.n:02d}_{label}.png"
        if hasattr(target, "goto"):          # a whole page, not only what the window shows
            target.screenshot(path=str(path), full_page=True)
        else:
            target.screenshot(path=str(path))
        return path


def run_all_and_wait(page, timeout=600):
    """Run All Cells from the Run menu; wait until every code cell ran and the kernel is Idle."""
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
    notebook.locator(".jp-Cell").first.wait_for(timeout=120_000)
    page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=120_000)
    notebook.click()
    page.keyboard.press("Escape")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    deadline = time.monotonic() + timeout
    # A cell's prompt is [*]: while queued or running, [n]: once it ran.
    while time.monotonic() < deadline:
        prompts = notebook.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
        done = prompts and all(re.fullmatch(r"\[\d+\]:", p.strip()) for p in prompts)
        idle = page.locator("#jp-main-statusbar >> text=Idle").count() > 0
        if done and idle:
            return len(prompts)
        time.sleep(1)
    raise AssertionError(f"the notebook did not finish in {timeout} s: prompts {prompts}")


def run_through(page, marker, timeout=600):
    """Run the code cells up to and including the first whose source holds marker
    (Run > Run All Above Selected Cell, then Ctrl+Enter); wait until it ran and the kernel is Idle."""
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
    notebook.locator(".jp-Cell").first.wait_for(timeout=120_000)
    page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=120_000)
    cell = notebook.locator(".jp-CodeCell").filter(
        has=page.locator(".cm-content", has_text=marker)).first
    cell.locator(".jp-InputArea-prompt").click()
    page.keyboard.press("Escape")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Above Selected Cell$")).click()
    prompt = cell.locator(".jp-InputArea-prompt")
    prompt.click()
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")      # the selected cell itself, staying on it
    deadline = time.monotonic() + timeout
    while not (re.fullmatch(r"\[\d+\]:", prompt.inner_text().strip())
               and page.locator("#jp-main-statusbar >> text=Idle").count() > 0):
        assert time.monotonic() < deadline, f"the cells up to {marker!r} did not finish in {timeout} s"
        time.sleep(1)
    return cell


def set_slider(slider, value):
    """Type value into an ipywidgets slider's readout and press Enter."""
    readout = slider.locator(".widget-readout")
    readout.click()
    readout.press("Control+A")
    readout.type(str(value))
    readout.press("Enter")


def slider_value(slider):
    return int(slider.locator(".widget-readout").inner_text().strip())


def find_output(page, label):
    """The first cell output that holds a widget label starting with `label`."""
    return page.locator(".jp-OutputArea-output").filter(
        has=page.locator(".widget-label", has_text=re.compile("^" + re.escape(label)))).first


def slider(output, label):
    return output.locator(".widget-slider").filter(
        has=output.page.locator(".widget-label", has_text=re.compile("^" + re.escape(label)))).first
