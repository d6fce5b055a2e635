"""Fixtures of the browser tests: one Chromium and one JupyterLab for the session."""
import re
import shutil

import pytest
from harness import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    ROOT,
    Console,
    ensure_chromium,
    lab_server,
    voila_server,
)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (never `playwright install`)."""
    from playwright.sync_api import sync_playwright
    executable = ensure_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """A copy of notebooks/ and tests/browser/fixtures/ that the servers may run and rewrite."""
    folder = tmp_path_factory.mktemp("served")
    shutil.copytree(ROOT / "notebooks", folder / "notebooks")
    shutil.copytree(ROOT / "tests" / "browser" / "fixtures", folder / "fixtures")
    return folder


@pytest.fixture(scope="session")
def lab(served, tmp_path_factory):
    """JupyterLab serving `served`; yields a function: path -> URL of that notebook."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    running, url, token = lab_server(served, tmp_path_factory.mktemp("lab"), ARTIFACTS / "jupyterlab.log")
    with running:
        yield lambda path: f"{url}/lab/tree/{path}?reset&token={token}"   # reset: no tabs restored


@pytest.fixture
def voila(served):
    """Voila serving the spatial-arrangement lesson; yields the app's URL."""
    running, url = voila_server(served / "notebooks" / "03_spatial_arrangement.ipynb",
                                ARTIFACTS / "voila.log")
    with running:
        yield url


@pytest.fixture
def page(browser, request):
    """A fresh page (1400x3000) whose console errors are collected in page.console.

    Its last state is saved as test-artifacts/browser/<test>_last.png and every console
    error in <test>_console.txt, pass or fail.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 3000})
    page = context.new_page()
    page.console = Console(page)
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        try:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            (ARTIFACTS / f"{name}_console.txt").write_text("\n".join(page.console.errors))
            page.screenshot(path=str(ARTIFACTS / f"{name}_last.png"), full_page=True)
        finally:
            context.close()
