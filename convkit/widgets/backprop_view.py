"""BackpropViewer: a conv layer's dX and dW as convolutions, cell by cell, beside ops.conv_backward."""
import html

import ipywidgets
import numpy as np

from ..viz import NumberGrid
from .backprop import BackpropModel
from .view import CanvasImage, ModelView, guarded, red, slider


class BackpropViewer(ModelView):
    """The Backprop viewer: BackpropViewer() in a notebook cell shows it.

    Top row (dx): dout dilated by S and padded by F-1 with the window, the
    flipped filter, dX of the padded input being filled (the crop to the
    input outlined) and ops.conv_backward's dx. (dw): the input with the
    positions one weight meets, dout, dW being filled and the ops' dw.
    Bottom row: max pooling sends each upstream gradient to its winner.
    """

    def __init__(self, model=None, **settings):
        model = model or BackpropModel(**settings)
        self.controls = {
            "W": slider("W", model.W, 1, 9),
            "F": slider("F", model.F, 1, 5),
            "S": slider("S", model.S, 1, 3),
            "P": slider("P", model.P, 0, 2),
            "C": slider("C (input depth)", model.C, 1, 3),
            "K": slider("K (filters)", model.K, 1, 3),
        }
        self.target = ipywidgets.ToggleButtons(options=[("dX (full convolution)", "dx"),
                                                        ("dW (correlation)", "dw")], value=model.target)
        self.cell = slider("cell", 0, 0, max(model.n_cells - 1, 0))
        self.play = ipywidgets.Play(min=0, max=self.cell.max, interval=800, description="play")
        ipywidgets.jslink((self.play, "value"), (self.cell, "value"))
        ipywidgets.jslink((self.play, "max"), (self.cell, "max"))
        self.image = CanvasImage(10.0, 5.0, dpi=72)
        axes = self.image.figure.subplots(2, 4)
        self.grids = [NumberGrid(ax) for ax in axes[0]]
        self.pool_grids = [NumberGrid(ax, cmap="PiYG") for ax in axes[1][:3]]
        self.pool_grids[0] = NumberGrid(axes[1][0], cmap="Blues", symmetric=False)
        self.dots = axes[1][0].scatter([], [], s=40, color="#d62728", zorder=6)
        self.pool_text = axes[1][3].text(0, 0.5, "", fontsize=9, va="center")
        axes[1][3].set_axis_off()
        self.image.figure.subplots_adjust(left=0.02, right=0.98, top=0.92, bottom=0.02,
                                          wspace=0.15, hspace=0.25)
        sliders = list(self.controls.values())
        super().__init__(model, [
            ipywidgets.HBox([ipywidgets.VBox(sliders[:3]), ipywidgets.VBox(sliders[3:])]),
            self.target,
            ipywidgets.HBox([self.play, self.cell]),
            self.image.widget])
        self.watch(sliders, self._on_settings)
        self.watch([self.target], self._on_target)
        self.watch([self.cell], self._on_cell)
        self.draw_pool()
        self.draw()

    @guarded
    def _on_target(self, change):
        self.model.set_target(change["new"])
        self.draw()

    def draw_pool(self):
        """The max-pool row: input with winners, dout, dX routed, the ops' dX."""
        m = self.model
        self.pool_grids[0].show(m.pool_x[0, 0], title="max pool input (winners: dots)", vmax=15)
        self.dots.set_offsets(m.pool_winners.reshape(-1, 2)[:, ::-1] + [0.3, -0.3])
        self.pool_grids[1].show(m.pool_dout[0, 0], title="dout (2x2)")
        self.pool_grids[2].show(m.pool_dx[0, 0], title="dX: dout sent to the winners")
        same = np.array_equal(m.pool_dx, m.pool_dx_ref)
        self.pool_text.set_text(f"ops.max_pool_backward\ngives the same dX: {same}")

    def draw(self):
        """Redraw the conv row and the readout from the model."""
        m = self.model
        self.sync_cell()
        if not m.valid:
            for grid in self.grids:
                grid.show(np.zeros((1, 1)), title="invalid")
                grid.highlight([])
        elif m.target == "dx":
            self._draw_dx()
        else:
            self._draw_dw()
        self.show()

    def _draw_dx(self):
        m = self.model
        c, r, q = m.position
        F, P, W = m.F, m.P, m.W
        k = 0
        more = f" (+{m.K - 1} more filters)" if m.K > 1 else ""
        self.grids[0].show(m.dout_dilated[0, k], pad=F - 1,
                           title=f"dout[{k}] dilated (S={m.S}), padded F-1={F - 1}{more}")
        self.grids[0].highlight([(r, q, F, F)], color="#2ca02c")
        self.grids[1].show(m.w_flipped[c, k], title=f"w[{k}, {c}] flipped")
        filled = np.where(np.arange(m.dx_full[0, c].size).reshape(m.dx_full[0, c].shape)
                          <= r * m.dx_full.shape[3] + q, m.dx_full[0, c], 0)
        self.grids[2].show(filled, title=f"dX[{c}] of the padded input")
        self.grids[2].highlight([(r, q, 1, 1), (P, P, W, W)] if P else [(r, q, 1, 1)],
                                color="#d62728")
        self.grids[3].show(m.dx_ref[0, c], title=f"ops.conv_backward dx[{c}]")
        inside = P <= r < P + W and P <= q < P + W
        self.grids[3].highlight([(r - P, q - P, 1, 1)] if inside else [], color="#d62728")

    def _draw_dw(self):
        m = self.model
        k, c, a, b = m.position
        n, S = m.output_size, m.S
        self.grids[0].show(m.x[0, c], pad=m.P, title=f"x[{c}] (P={m.P}): what w[{k},{c},{a},{b}] meets")
        self.grids[0].highlight([(a + i * S, b + j * S, 1, 1) for i in range(n) for j in range(n)],
                                color="#2ca02c")
        self.grids[1].show(m.dout[0, k], title=f"dout[{k}]")
        self.grids[1].highlight([])
        flat = m.dw[k, c]
        filled = np.where(np.arange(flat.size).reshape(flat.shape) <= a * m.F + b, flat, 0)
        self.grids[2].show(filled, title=f"dW[{k}, {c}]")
        self.grids[2].highlight([(a, b, 1, 1)], color="#d62728")
        self.grids[3].show(m.dw_ref[k, c], title=f"ops.conv_backward dw[{k}, {c}]")
        self.grids[3].highlight([(a, b, 1, 1)], color="#d62728")

    def _readout(self):
        m = self.model
        if not m.valid:
            fits = "".join(f"<li>S={s.S}, P={s.P} -> output {s.output}</li>" for s in m.suggestions)
            return (f"<b>output size:</b> none <b style='color:#c00'>invalid</b><br>{red(m.reason)}"
                    + (f"<br>Settings that fit:<ul>{fits}</ul>" if fits else ""))
        equal_dx = np.allclose(m.dx, m.dx_ref)
        equal_dw = np.allclose(m.dw, m.dw_ref)
        return (f"<b>output size:</b> {m.output_size} <b style='color:#080'>valid</b>: "
                f"{html.escape(m.formula)}<br><b>cell</b> {m.cell + 1} of {m.n_cells}: "
                f"{html.escape(m.arithmetic())}<br>equal to ops.conv_backward: dx {equal_dx}, "
                f"dw {equal_dw}, db {np.allclose(m.db, m.db_ref)}")
