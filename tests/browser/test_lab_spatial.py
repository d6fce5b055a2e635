"""The spatial-arrangement lesson in JupyterLab: run all, then move the sliders as a student does."""
import re

from harness import (
    Shots,
    find_output,
    run_all_and_wait,
    set_slider,
    slider,
    slider_value,
)

from convkit.widgets.shape import ShapeModel

LESSON = "notebooks/03_spatial_arrangement.ipynb"
RED = "rgb(204, 0, 0)"


def shape_text(W, F, S, P, D, mode):
    """What the Shape explorer's readout says for these settings (from ShapeModel)."""
    m = ShapeModel(W=W, F=F, S=S, P=P, D=D, mode=mode)
    if m.valid:
        return m, f"output size: {m.output_size} ({mode}) valid: {m.formula}"
    return m, f"output size: none ({mode}) invalid"


def parse_cell(text):
    """The FilterSlider readout's cell, position, window, arithmetic and totals, as numbers."""
    cell = re.search(r"cell (\d+) of (\d+): filter (\d+), row (\d+), column (\d+), "
                     r"window at \((\d+), (\d+)\)", text)
    channels = re.findall(r"channel \d+: (.*) = (-?[\d.e+-]+)", text)
    total = re.search(r"total (-?[\d.e+-]+), ops\.conv_forward (-?[\d.e+-]+)", text)
    bias = re.search(r"bias (-?[\d.e+-]+) = ", text)
    assert cell and channels and total and bias, f"unexpected readout: {text}"
    return ([int(v) for v in cell.groups()], channels, float(bias.group(1)),
            float(total.group(1)), float(total.group(2)))


def check_arithmetic(channels, bias, total, reference):
    """Each channel's products add up to its sum, the sums and bias to the total, and
    the total is ops.conv_forward's value."""
    sums = []
    for terms, shown in channels:
        products = [float(a) * float(b) for a, b in re.findall(r"(-?[\d.]+)\*(-?[\d.]+)", terms)]
        assert abs(sum(products) - float(shown)) < 1e-6, (terms, shown)
        sums.append(float(shown))
    assert abs(sum(sums) + bias - total) < 1e-6
    assert total == reference


def test_shape_explorer_and_filter_slider_respond(page, lab):
    shots = Shots("lab_spatial")
    page.goto(lab(LESSON))
    cells = run_all_and_wait(page)
    assert cells >= 2
    shots(page, "ran_all")
    assert page.get_by_text("official Jupyter news").count() == 0, "kit.py lab turns the news prompt off"

    explorer = find_output(page, "W (input)")
    explorer.scroll_into_view_if_needed()
    readout = explorer.locator(".widget-html-content", has_text="output size").first
    picture = explorer.locator("img").first
    D = slider_value(slider(explorer, "D (dilation)"))
    mode = "floor" if "floor" in explorer.locator(".mod-active").all_inner_texts()[0] else "strict"
    shots(explorer, "shape_explorer_start")

    steps = [("notes_S1", dict(W=5, F=3, P=1, S=1)), ("notes_S2", dict(S=2)),
             ("notes_S3_invalid", dict(S=3)), ("recovered_S2", dict(S=2)),
             ("W10_invalid_4.5", dict(W=10, P=0)), ("W10_S1", dict(S=1))]
    settings, pictures = {}, {}
    for name, change in steps:
        for label, value in change.items():
            set_slider(slider(explorer, f"{label} ("), value)
        settings.update(change)
        model, text = shape_text(**settings, D=D, mode=mode)
        readout.filter(has_text=text).filter(has_text=model.formula).wait_for(timeout=60_000)
        shown = readout.inner_text()
        assert text in shown, shown
        if model.valid:
            assert "invalid" not in shown
            assert f"{model.volume[2][0]}x" in shown
        else:
            assert model.formula in shown   # the arithmetic that fails, e.g. ... = 4.5
            assert readout.locator("b", has_text="invalid").evaluate("b => getComputedStyle(b).color") == RED
        shots(explorer, name)
        pictures[name] = picture.screenshot()
    assert len(set(pictures.values())) == 5, "each setting draws its own picture"
    assert pictures["recovered_S2"] == pictures["notes_S2"], "back to S=2, the same picture"

    demo = find_output(page, "output cell")
    demo.scroll_into_view_if_needed()
    readout = demo.locator(".widget-html-content", has_text="output size").first
    S = slider_value(slider(demo, "S"))
    before = readout.inner_text()
    (cell, n, k, i, j, _, _), channels, bias, total, reference = parse_cell(before)
    check_arithmetic(channels, bias, total, reference)
    image_before = shots(demo, f"filter_slider_cell_{cell}").read_bytes()

    demo.locator("button", has_text=re.compile("^step$")).click()
    readout.filter(has_text=f"cell {cell % n + 1} of {n}").wait_for(timeout=60_000)
    after = readout.inner_text()
    (cell2, n2, k2, i2, j2, r2, c2), channels2, bias2, total2, reference2 = parse_cell(after)
    check_arithmetic(channels2, bias2, total2, reference2)
    assert (cell2, n2) == (cell % n + 1, n)
    assert (r2, c2) == (i2 * S, j2 * S), "the window sits at the output position times S"
    assert (k2, i2, j2) != (k, i, j)
    assert channels2 != channels, "the products changed with the window"
    image_after = shots(demo, f"filter_slider_cell_{cell2}").read_bytes()
    assert image_after != image_before, "the highlighted window and products are redrawn"
    assert slider_value(slider(demo, "output cell")) == cell2 - 1

    assert page.console.widget_errors() == []
