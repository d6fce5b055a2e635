"""How long a widget takes to answer a control change: model update, and the full view redraw.

For each widget, one control is moved back and forth programmatically:
- "model": the model's update alone (plain Python and NumPy);
- "view": the whole callback as a notebook runs it: model update, artists
  updated in place, the figure rendered to PNG and handed to the Image widget.
Median of 20 changes each (after 2 warm-up changes), in milliseconds: "wall"
(what a user waits for in the kernel) and "cpu" (the CPU time of this
process, which on a machine busy with other programs says more about the code
than the wall time does). The browser's work (decoding the PNG) is not counted.

    CONVKIT_DATA=/path/to/data python benchmarks/widgets.py
"""
import argparse
import os
import platform
import statistics
import time


def cpu_name():
    """The CPU's model name (as lscpu gives it), else the machine type."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def median_ms(change, repeats):
    """Median (wall, cpu) time of change(i) over repeats calls (after two warm-up calls), in ms."""
    change(0)
    change(1)
    wall, cpu = [], []
    for i in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        change(i)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return 1000 * statistics.median(wall), 1000 * statistics.median(cpu)


def cases():
    """(widget, control, model change, view change) for each widget."""
    from convkit.widgets import (BackpropModel, BackpropViewer, ConvDemoModel, FilterSlider,
                                 PoolingExplorer, PoolModel, ReceptiveFieldExplorer,
                                 ReceptiveFieldModel, ShapeExplorer, ShapeModel)

    shape, shape_view = ShapeModel(), ShapeExplorer()
    demo, demo_view = ConvDemoModel(), FilterSlider()
    demo2, demo2_view = ConvDemoModel(), FilterSlider()
    pool, pool_view = PoolModel(W=8), PoolingExplorer(W=8)
    back, back_view = BackpropModel(), BackpropViewer()
    field, field_view = ReceptiveFieldModel(), ReceptiveFieldExplorer()

    def shape_model(i):
        shape.set(S=1 + i % 2)

    def shape_ui(i):
        shape_view.controls["S"].value = 1 + i % 2

    def demo_model(i):
        demo.cell = i % demo.n_cells

    def demo_ui(i):
        demo_view.cell.value = i % demo_view.model.n_cells

    def demo_w_model(i):
        demo2.set(W=5 + 2 * (i % 2))

    def demo_w_ui(i):
        demo2_view.controls["W"].value = 5 + 2 * (i % 2)

    filters = ["blur", "sharpen"]

    def image_model(i):
        demo.filter_name = filters[i % 2]
        demo.activation_map()

    def image_ui(i):
        demo_view.filter.value = filters[i % 2]

    pool_image, pool_image_view = PoolModel(source="image"), PoolingExplorer(source="image")

    def pool_image_model(i):
        pool_image.set(image_index=i % 2)

    def pool_image_ui(i):
        pool_image_view.image_index.value = i % 2

    def pool_model(i):
        pool.set(F=2 + i % 2)

    def pool_ui(i):
        pool_view.controls["F"].value = 2 + i % 2

    def back_model(i):
        back.cell = i % back.n_cells
        back.arithmetic()

    def back_ui(i):
        back_view.cell.value = i % back_view.model.n_cells

    def field_model(i):
        field.set_layer(0, F=3 + 2 * (i % 2))

    def field_ui(i):
        field_view.controls["F"].value = 3 + 2 * (i % 2)

    return [
        ("ShapeExplorer", "S slider (W=5, F=3, P=1)", shape_model, shape_ui),
        ("FilterSlider", "output cell (5x5x3, 2 filters)", demo_model, demo_ui),
        ("FilterSlider", "W slider (new values, conv_forward)", demo_w_model, demo_w_ui),
        ("FilterSlider", "filter over an image (activation map)", image_model, image_ui),
        ("PoolingExplorer", "F slider (8x8 grid)", pool_model, pool_ui),
        ("PoolingExplorer", "image (32x32, F=2, S=2)", pool_image_model, pool_image_ui),
        ("BackpropViewer", "cell (dX of 7x7 padded input)", back_model, back_ui),
        ("ReceptiveFieldExplorer", "F of layer 0 (three layers)", field_model, field_ui),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    import convkit
    convkit.set_backend("numpy")  # the widgets' ops run on the reference backend anyway
    print(f"CPU: {cpu_name()} ({os.cpu_count()} cores visible), Python {platform.python_version()}")
    print(f"load average: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"median of {args.repeats} control changes, milliseconds\n")
    print(f"{'':<64}{'model update':>16}{'full view redraw':>20}")
    print(f"{'widget':<24}{'control':<40}{'wall':>8}{'cpu':>8}{'wall':>10}{'cpu':>10}")
    for widget, control, model_change, view_change in cases():
        model_wall, model_cpu = median_ms(model_change, args.repeats)
        view_wall, view_cpu = median_ms(view_change, args.repeats)
        print(f"{widget:<24}{control:<40}{model_wall:8.2f}{model_cpu:8.2f}{view_wall:10.1f}"
              f"{view_cpu:10.1f}")


if __name__ == "__main__":
    main()
