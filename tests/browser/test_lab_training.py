"""The training dashboard in JupyterLab: Step shows a loss and a step count, Run then Pause."""
import math
import re
import time
from pathlib import Path

import pytest

from harness import Shots, run_through

# The training lesson, and the dashboard on a small synthetic stand-in. Only the cells up to
# the dashboard's are run (the lesson trains for minutes after it).
NOTEBOOKS = ["notebooks/11_training.ipynb", "fixtures/training_dashboard.ipynb"]
RUN_STEPS = 100_000   # more than run before Pause is pressed


def step_count(dashboard):
    title = dashboard.locator(".widget-html-content", has_text="backend:").first.inner_text()
    return int(re.search(r"steps taken: (\d+), epoch", title).group(1))


def button(dashboard, text):
    return dashboard.locator("button", has_text=re.compile("^" + re.escape(text) + "$")).first


def wait_until(condition, timeout=120, message=""):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.25)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: Path(path).stem)
def test_step_then_run_and_pause(page, lab, notebook):
    shots = Shots("lab_training_" + Path(notebook).stem)
    page.goto(lab(notebook))
    cell = run_through(page, "TrainingDashboard(")
    dashboard = cell.locator(".jp-OutputArea-output").filter(
        has=page.locator("button", has_text="Run N")).first
    dashboard.scroll_into_view_if_needed()
    stage = dashboard.locator(".widget-html-content", has_text=re.compile("press Step|loss")).first
    assert step_count(dashboard) == 0
    assert "no step yet" in stage.inner_text()
    shots(dashboard, "before_step")

    button(dashboard, "Step").click()
    wait_until(lambda: step_count(dashboard) == 1, message="Step did not show step 1")
    stage.filter(has_text="loss").wait_for()
    loss = float(re.search(r"loss (\S+),", stage.inner_text()).group(1))
    assert math.isfinite(loss) and loss > 0
    assert re.search(r"^step 1 \(epoch 1\)", stage.inner_text())   # the view counts from 1
    shots(dashboard, "after_step")

    pause = button(dashboard, "Pause")
    assert pause.is_disabled()
    steps = dashboard.locator(".widget-inline-hbox",
                              has=page.locator(".widget-label", has_text="N")).locator("input")
    steps.fill(str(RUN_STEPS))
    steps.press("Tab")
    button(dashboard, "Run N").click()
    wait_until(lambda: pause.is_enabled(), message="Run did not enable Pause")
    wait_until(lambda: step_count(dashboard) >= 5, message="Run did not advance the step count")
    shots(dashboard, "running")
    pause.click()
    wait_until(lambda: pause.is_disabled() and button(dashboard, "Step").is_enabled(),
               message="Pause did not stop the run")
    paused_at = step_count(dashboard)
    assert 5 <= paused_at < 1 + RUN_STEPS, paused_at
    time.sleep(3)
    assert step_count(dashboard) == paused_at, "training went on after Pause"
    last_loss = float(re.search(r"loss (\S+),", stage.inner_text()).group(1))
    assert math.isfinite(last_loss)
    assert re.search(rf"^step {paused_at} ", stage.inner_text())
    shots(dashboard, "paused")

    assert page.console.widget_errors() == []
