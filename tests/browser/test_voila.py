"""The spatial-arrangement lesson as a Voila app: its widgets render and respond."""
import re

from harness import Shots, find_output, set_slider, slider
from test_lab_spatial import parse_cell, shape_text


def test_lesson_as_an_app(page, voila):
    shots = Shots("voila_spatial")
    page.goto(voila, timeout=300_000)
    explorer = find_output(page, "W (input)")
    explorer.wait_for(timeout=300_000)
    demo = find_output(page, "output cell")
    demo.wait_for(timeout=300_000)
    assert page.locator("[data-mime-type='application/vnd.jupyter.error']").count() == 0
    shots(page, "rendered")

    explorer.scroll_into_view_if_needed()
    readout = explorer.locator(".widget-html-content", has_text="output size").first
    settings = dict(W=5, F=3, P=1, S=3)
    for label, value in settings.items():
        set_slider(slider(explorer, f"{label} ("), value)
    model, text = shape_text(**settings, D=1, mode="strict")
    assert not model.valid
    readout.filter(has_text=text).filter(has_text=model.formula).wait_for(timeout=60_000)
    shots(explorer, "S3_invalid")
    set_slider(slider(explorer, "S ("), 2)
    model, text = shape_text(**dict(settings, S=2), D=1, mode="strict")
    readout.filter(has_text=text).wait_for(timeout=60_000)
    shots(explorer, "S2_recovered")

    demo.scroll_into_view_if_needed()
    readout = demo.locator(".widget-html-content", has_text="output size").first
    (cell, n, *_), *_ = parse_cell(readout.inner_text())
    demo.locator("button", has_text=re.compile("^step$")).click()
    readout.filter(has_text=f"cell {cell % n + 1} of {n}").wait_for(timeout=60_000)
    shots(demo, "filter_slider_stepped")

    assert page.console.widget_errors() == []
