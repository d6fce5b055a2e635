"""ShapeExplorer: sliders W, F, S, P, D over the notes' 1-D picture, strict and floor side by side."""
import html

import ipywidgets

from ..viz import NeuronLine
from .shape import PRESETS, ShapeModel
from .view import CanvasImage, ModelView, guarded, red, slider


class ShapeExplorer(ModelView):
    """The Shape explorer: ShapeExplorer() in a notebook cell shows it.

    Top: the notes' strict rule; bottom: PyTorch's floor rule, unused inputs
    outlined in red. The example input's values and the outputs of the
    weights [1, 0, -1] (bias 0) are written in the neurons.
    """

    def __init__(self, model=None, **settings):
        model = model or ShapeModel(**settings)
        self.controls = {
            "W": slider("W (input)", model.W, 1, 256),
            "F": slider("F (filter)", model.F, 1, 15),
            "S": slider("S (stride)", model.S, 1, 8),
            "P": slider("P (padding)", model.P, 0, 8),
            "D": slider("D (dilation)", model.D, 1, 4),
            "depth": slider("D1 (input depth)", model.depth, 1, 512),
            "K": slider("K (filters)", model.K, 1, 512),
        }
        self.mode = ipywidgets.ToggleButtons(options=[("strict (the notes)", "strict"),
                                                      ("floor (PyTorch)", "floor")],
                                             value=model.mode)
        self.preset = ipywidgets.Dropdown(options=["(preset)", *PRESETS], value="(preset)",
                                          description="preset")
        self.neuron = slider("output neuron", 0, 0, 0)
        self.inputs = ipywidgets.Text(value=", ".join(map(str, model.inputs)),
                                      description="input values", continuous_update=False)
        self.image = CanvasImage(9, 3.4, dpi=80)
        figure = self.image.figure
        self.strict_line = NeuronLine(figure.add_subplot(2, 1, 1))
        self.floor_line = NeuronLine(figure.add_subplot(2, 1, 2))
        figure.subplots_adjust(left=0.02, right=0.98, top=0.9, bottom=0.02, hspace=0.35)
        sliders = list(self.controls.values())
        super().__init__(model, [
            ipywidgets.HBox([ipywidgets.VBox(sliders[:4]), ipywidgets.VBox(sliders[4:])]),
            ipywidgets.HBox([self.mode, self.preset]),
            ipywidgets.HBox([self.inputs, self.neuron]),
            self.image.widget])
        self.watch([*sliders, self.mode], self._on_settings)
        self.watch([self.preset], self._on_preset)
        self.watch([self.neuron], self._on_neuron)
        self.watch([self.inputs], self._on_inputs)
        self.draw()

    @guarded
    def _on_settings(self, change):
        self.model.set(mode=self.mode.value, **{k: c.value for k, c in self.controls.items()})
        self.draw()

    @guarded
    def _on_preset(self, change):
        if change["new"] in PRESETS:
            self.model.preset(change["new"])
            with self.quietly(), self.hold_sync():
                for name, control in self.controls.items():
                    control.value = getattr(self.model, name)
        self.draw()

    @guarded
    def _on_neuron(self, change):
        self.draw()

    @guarded
    def _on_inputs(self, change):
        try:
            values = [float(v) if "." in v else int(v) for v in change["new"].replace(",", " ").split()]
        except ValueError:
            raise ValueError(f"input values must be numbers separated by commas, "
                             f"got {change['new']!r}") from None
        self.model.inputs = values
        self.draw()

    def _line(self, line, mode):
        m = self.model
        size = m.strict_size if mode == "strict" else m.floor_size
        windows = m.strict_windows if mode == "strict" else m.floor_windows
        name = "strict (the notes)" if mode == "strict" else "floor (PyTorch)"
        if size is None:
            reason = (m.strict_reason if mode == "strict" else m.floor_reason).splitlines()[0]
            title, color = f"{name}: invalid: {reason.split(': the')[0]}", "#c00"
        else:
            unused = f", unused inputs (red) {m.unused}" if mode == "floor" and m.unused else ""
            title, color = f"{name}: {m.formula} -> output {size}{unused}", "black"
        outputs = None
        if windows:
            outputs = [sum(w * m.padded_inputs[t] for w, t in zip(m.weights, m.taps(win))) + m.bias
                       for win in windows]
        selected = self.neuron.value if windows and self.neuron.value < len(windows) else None
        line.show(m.padded_size if m.F_eff else 0, m.P, windows, m.taps,
                  unused=m.unused if mode == "floor" else (), values_in=m.padded_inputs,
                  values_out=outputs, selected=selected, title=title, title_color=color)

    def draw(self):
        """Redraw the picture and the readout from the model."""
        m = self.model
        with self.quietly():
            self.neuron.max = max(len(m.windows) - 1, 0)
        self._line(self.strict_line, "strict")
        self._line(self.floor_line, "floor")
        self.show()

    def _readout(self):
        m = self.model
        if not m.valid:  # the reason lists the settings that fit already
            return (f"<b>output size:</b> none ({m.mode}) <b style='color:#c00'>invalid</b><br>"
                    f"{red(m.reason)}")
        (W1, H1, D1), K, (W2, H2, D2) = m.volume
        i = self.neuron.value
        window = m.windows[i] if i < len(m.windows) else None
        example = ""
        if window is not None:
            terms = " + ".join(f"{w}*{m.padded_inputs[t]}" for w, t in zip(m.weights, m.taps(window)))
            example = (f"<br><b>neuron {i}:</b> window {window} (padded coordinates): "
                       f"{html.escape(terms)} + {m.bias} = {m.outputs[i]}")
        return (f"<b>output size:</b> {m.output_size} ({m.mode}) <b style='color:#080'>valid</b>: "
                f"{html.escape(m.formula)}<br><b>volume:</b> {W1}x{H1}x{D1} in, {K} filters of "
                f"{m.F}x{m.F}x{D1}, {W2}x{H2}x{D2} out; <b>parameters:</b> "
                f"F*F*D1*K + K = {m.F}*{m.F}*{D1}*{K} + {K} = {m.params}<br>"
                f"<b>weights</b> {m.weights}, bias {m.bias}; <b>outputs</b> {m.outputs}{example}")
