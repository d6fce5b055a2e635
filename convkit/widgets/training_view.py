"""TrainingDashboard: the view of a TrainingModel: controls, one step's stages, live panels.

Runs are asyncio tasks on the kernel's event loop (model.start); the view
updates its artists in place and re-renders its PNGs every refresh_every
steps. No threads, no Output widgets, no display() in callbacks.
"""
import html

import ipywidgets as w
import numpy as np

from ..viz import (activation_mosaic, draw_loss_curve, filter_mosaic, normalise_each,
                   update_loss_curve, update_mosaic)
from .training import OPTIMIZERS, RATIO_FACTOR, RATIO_TARGET, TrainingModel
from .view import CanvasImage, guarded

RIGHT, WRONG = "#1a8a2a", "#c0262b"
SHOWN = 8   # images of the batch shown


class TrainingDashboard(w.VBox):
    """Step, Run N, Pause, Reset; settings; checkpoints; the stages of the last step;
    loss, accuracy, filters, activations, predictions and confusion panels.

    trainer: a convkit.Trainer, or None to make one from kwargs (see
    TrainingModel: net, data, optimizer, lr, batch_size, augment, seed,
    eval_every, refresh_every). model: an existing TrainingModel.
    """

    def __init__(self, trainer=None, model=None, **kwargs):
        self.model = model or TrainingModel(trainer, **kwargs)
        m = self.model
        s = m.settings
        self.title = w.HTML()
        self.step_button = w.Button(description="Step", tooltip="one training iteration")
        self.run_button = w.Button(description="Run N", button_style="primary")
        self.steps = w.BoundedIntText(value=100, min=1, max=10 ** 6, description="N",
                                      layout=w.Layout(width="150px"))
        self.pause_button = w.Button(description="Pause", disabled=True,
                                     tooltip="stops after the current step")
        self.reset_button = w.Button(description="Reset", button_style="warning")
        self.lr = w.BoundedFloatText(value=s["lr"], min=1e-12, max=1e12, step=None,
                                     description="lr", layout=w.Layout(width="180px"))
        self.optimizer = w.Dropdown(options=list(OPTIMIZERS), value=s["optimizer"],
                                    description="optimizer", layout=w.Layout(width="220px"))
        self.batch_size = w.BoundedIntText(value=s["batch_size"], min=1, max=100000,
                                           description="batch", layout=w.Layout(width="150px"))
        self.augment = w.Checkbox(value=s["augment"], description="augment (crops, flips)")
        self.path = w.Text(value="checkpoint.npz", description="path")
        self.save_button = w.Button(description="Save")
        self.load_button = w.Button(description="Load")
        self.status = w.HTML()
        self.stage_html = w.HTML()
        self.batch = CanvasImage(8.0, 1.6, dpi=80)
        self.curves = CanvasImage(8.0, 2.4, dpi=80)
        self.layer = w.Dropdown(options=m.image_layers(), value=m.layer, description="layer")
        self.image = w.BoundedIntText(value=m.image_index, min=0, max=len(m.data.y_test) - 1,
                                      description="test image", layout=w.Layout(width="180px"))
        self.features = CanvasImage(8.0, 3.0, dpi=80)
        self.predictions = CanvasImage(8.0, 2.0, dpi=80)
        self.confusion_image = CanvasImage(5.0, 4.2, dpi=80)
        self._build_figures()
        self.step_button.on_click(self._step)
        self.run_button.on_click(self._run)
        self.pause_button.on_click(self._pause)
        self.reset_button.on_click(self._reset)
        self.save_button.on_click(self._save)
        self.load_button.on_click(self._load)
        for control in (self.lr, self.optimizer, self.batch_size, self.augment):
            control.observe(self._settings_changed, names="value")
        self.layer.observe(self._features_changed, names="value")
        self.image.observe(self._features_changed, names="value")
        self._evaluations = -1
        super().__init__([
            self.title,
            w.HBox([self.step_button, self.steps, self.run_button, self.pause_button,
                    self.reset_button]),
            w.HBox([self.lr, self.optimizer, self.batch_size, self.augment]),
            w.HBox([self.path, self.save_button, self.load_button]),
            self.status, self.stage_html, self.batch.widget, self.curves.widget,
            w.HBox([self.layer, self.image]), self.features.widget, self.predictions.widget,
            self.confusion_image.widget])
        self.update(self.model)

    # Figures, made once

    def _build_figures(self):
        m = self.model
        H, W, C = m.data.raw_test.shape[1:]
        self.batch_art, self.batch_texts = _image_row(self.batch.figure, SHOWN, H, W, C, 0.7)

        fig = self.curves.figure
        self.loss_ax, self.acc_ax = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        self.loss_lines = draw_loss_curve(self.loss_ax)
        self.train_line, = self.acc_ax.plot([], [], "o-", color="#4c72b0", label="train subset")
        self.val_line, = self.acc_ax.plot([], [], "s-", color="#dd8452", label="val")
        self.acc_ax.set_ylim(0, 1)
        self.acc_ax.set_xlabel("step", fontsize=8)
        self.acc_ax.set_ylabel("accuracy", fontsize=8)
        self.acc_ax.legend(fontsize=7, loc="lower right")
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.2, top=0.95, wspace=0.25)

        fig = self.features.figure
        filters = m.filters()
        self.filter_ax, self.act_ax, self.test_ax = (fig.add_axes([0.01, 0.05, 0.32, 0.8]),
                                                    fig.add_axes([0.36, 0.05, 0.44, 0.8]),
                                                    fig.add_axes([0.83, 0.3, 0.16, 0.4]))
        self.filter_art = None
        if filters is not None:
            self.filter_art = filter_mosaic(self.filter_ax, filters,
                                            "first-layer filters (RGB, each scaled)")
        else:
            self.filter_ax.set_axis_off()
            self.filter_ax.set_title("first layer is not a conv on RGB", fontsize=9)
        raw, maps, _ = self._maps()
        self.act_art = activation_mosaic(self.act_ax, maps)
        self.test_ax.set_xticks([])
        self.test_ax.set_yticks([])
        self.test_art = self.test_ax.imshow(raw)

        n = len(m.samples)
        self.pred_art, self.pred_titles = _image_row(self.predictions.figure, n, H, W, C, 0.85)
        self.pred_art.set_data(_row_of(m.data.raw_test[m.samples], n))
        ax = self.pred_art.axes
        ax.set_position([0.01, 0.4, 0.98, 0.45])
        self.pred_texts = [ax.text((k + 0.5) / n, -0.05, "", transform=ax.transAxes,
                                   ha="center", va="top", fontsize=6) for k in range(n)]

        fig = self.confusion_image.figure
        k = len(m.data.class_names)
        self.conf_ax = fig.add_axes([0.3, 0.22, 0.62, 0.68])
        self.conf_art = self.conf_ax.imshow(np.zeros((k, k)), cmap="Blues", vmin=0, vmax=1)
        self.conf_ax.set_xticks(range(k), [str(c) for c in range(k)], fontsize=7)
        self.conf_ax.set_yticks(range(k), [""] * k, fontsize=7)
        self.conf_ax.set_xlabel("predicted class", fontsize=8)
        self.conf_ax.set_title("validation confusion (rows: true class, accuracy)", fontsize=8)

    # Updates, in place

    @guarded
    def update(self, model=None):
        """Show the model's state: text, stage, curves, features, predictions, confusion."""
        m = self.model
        self.title.value = (f"<h3>Training {html.escape(type(m.net).__name__)} on "
                            f"{html.escape(m.title)}</h3>backend: <b>{m.backend}</b>, steps taken: "
                            f"{m.step_count}, epoch {m.trainer.step_count / m.trainer.steps_per_epoch:.2f}"
                            f", {m.trainer.seconds:.1f} s of training")
        self._show_error()
        self._show_stage()
        self._show_curves()
        self._show_features()
        self._show_predictions()
        if len(m.history.eval_step) != self._evaluations:
            self._show_confusion()
        self._buttons()

    def _show_stage(self):
        m, stage = self.model, self.model.stage
        if stage is None:
            self.stage_html.value = "<i>no step yet: press Step</i>"
            for text in self.batch_texts:
                text.set_text("")
            self.batch.refresh()
            return
        names = m.data.class_names
        rows = "".join(
            f"<tr><td>{html.escape(name)}</td><td>{norm:.3g}</td>"
            f"<td style='color:{WRONG if flag in ('low', 'high') else 'inherit'}'>{ratio:.2e}"
            f"{' ' + flag if flag else ''}</td></tr>"
            for name, norm, ratio, flag in m.stage_rows())
        self.stage_html.value = (
            f"<b>step {stage.step + 1}</b> (epoch {stage.epoch + 1}): batch of {len(stage.y)}, "
            f"loss <b>{stage.loss:.4f}</b>, batch accuracy {stage.accuracy:.2f}, "
            f"lr {stage.lr:.3g}, {1000 * stage.seconds:.0f} ms"
            f"<table><tr><th>parameter</th><th>grad norm</th><th>update/weight ratio</th></tr>"
            f"{rows}</table><small>CS231n's rule of thumb (its \"Neural Networks 3\" notes, not "
            f"the convolutional networks notes): update/weight ratio about {RATIO_TARGET:g}; "
            f"flagged when more than {RATIO_FACTOR:g}x off.</small>")
        images, labels, predicted = m.batch_view(SHOWN)
        self.batch_art.set_data(_row_of(images, SHOWN))
        for k, text in enumerate(self.batch_texts):
            if k < len(images):
                good = labels[k] == predicted[k]
                text.set_text(f"{_short(names[labels[k]])}\n-> {_short(names[predicted[k]])}")
                text.set_color(RIGHT if good else WRONG)
            else:
                text.set_text("")
        self.batch.refresh()

    def _show_curves(self):
        m = self.model
        update_loss_curve(self.loss_lines, *m.loss_curve())
        steps, train, val = m.accuracy_curve()
        self.train_line.set_data(steps, train)
        self.val_line.set_data(steps, val)
        self.acc_ax.set_xlim(0, max(1, m.step_count))
        self.curves.refresh()

    def _show_features(self):
        m = self.model
        filters = m.filters()
        if self.filter_art is not None and filters is not None:
            update_mosaic(self.filter_art, filters)
        raw, maps, title = self._maps()
        update_mosaic(self.act_art, normalise_each(maps), title, fill=np.nan)
        self.test_art.set_data(raw)
        self.features.refresh()

    def _maps(self):
        """(test image, activation maps, title) of the chosen layer and image."""
        m = self.model
        if m.layer is None:
            raw = m.data.raw_test[m.image_index]
            return raw, np.zeros((1, 1, 1)), "no layer gives an image volume"
        raw, maps = m.activation_maps()
        return raw, maps, (f"{m.layer} on test image {m.image_index}: {maps.shape[0]} maps "
                           f"{maps.shape[2]}x{maps.shape[1]}")

    def _show_predictions(self):
        m = self.model
        _, labels, top, probs = m.predictions()
        names = m.data.class_names
        for k, (title, text) in enumerate(zip(self.pred_titles, self.pred_texts)):
            good = top[k, 0] == labels[k]
            title.set_text(_short(names[labels[k]]))
            text.set_text("\n".join(f"{_short(names[c])} {p:.2f}"
                                     for c, p in zip(top[k], probs[k])))
            text.set_color(RIGHT if good else WRONG)
        self.predictions.refresh()

    def _show_confusion(self):
        m = self.model
        self._evaluations = len(m.history.eval_step)
        if m.last_confusion is None:
            matrix, per_class = np.zeros_like(self.conf_art.get_array()), None
        else:
            matrix, per_class = m.last_confusion
        counts = np.maximum(1, matrix.sum(axis=1, keepdims=True))
        self.conf_art.set_data(matrix / counts)
        names = m.data.class_names
        labels = [f"{k} {_short(n)}" + ("" if per_class is None else f" {per_class[k]:.0%}")
                  for k, n in enumerate(names)]
        self.conf_ax.set_yticks(range(len(names)), labels, fontsize=7)
        self.confusion_image.refresh()

    def _buttons(self):
        running = self.model.running
        for b in (self.step_button, self.run_button, self.reset_button, self.save_button,
                  self.load_button, self.lr, self.optimizer, self.batch_size, self.augment):
            b.disabled = running
        self.pause_button.disabled = not running

    # Callbacks

    @guarded
    def _step(self, button):
        self.model.step()
        self.update()

    @guarded
    def _run(self, button):
        task = self.model.start(self.steps.value, on_update=self.update)
        task.add_done_callback(lambda _: self.update())
        self._buttons()

    @guarded
    def _pause(self, button):
        self.model.pause()

    @guarded
    def _reset(self, button):
        self.model.reset()
        self._evaluations = -1
        self.update()

    @guarded
    def _settings_changed(self, change):
        self.model.configure(optimizer=self.optimizer.value, lr=self.lr.value,
                             batch_size=self.batch_size.value, augment=self.augment.value)
        self._show_error()

    def _show_error(self):
        error = self.model.error
        self.status.value = (f"<span style='color:{WRONG}'>{html.escape(error)}</span>"
                             if error else "")

    @guarded
    def _features_changed(self, change):
        self.model.layer, self.model.image_index = self.layer.value, self.image.value
        self._show_features()

    @guarded
    def _save(self, button):
        self.model.save(self.path.value)
        self.update()
        self.status.value = f"saved step {self.model.step_count} to {html.escape(self.path.value)}"

    @guarded
    def _load(self, button):
        self.model.load(self.path.value)
        self._evaluations = -1
        self.update()
        self.status.value = (f"loaded {html.escape(self.path.value)}: at step "
                             f"{self.model.step_count}")


def _image_row(figure, n, H, W, C, top):
    """One axes showing n images side by side (one imshow), a text above each; returns
    (the AxesImage, the texts)."""
    ax = figure.add_axes([0.01, 0.02, 0.98, top - 0.02])
    ax.set_axis_off()
    art = ax.imshow(np.zeros((H, n * (W + 2) - 2, C), dtype=np.uint8), aspect="equal")
    texts = [ax.text((k + 0.5) / n, 1.02, "", transform=ax.transAxes, ha="center",
                     va="bottom", fontsize=7) for k in range(n)]
    return art, texts


def _row_of(images, n):
    """Images (k, H, W, C), k <= n, side by side with 2-pixel white gaps, as one array."""
    k, H, W, C = images.shape
    out = np.full((H, n * (W + 2) - 2, C), 255, dtype=np.uint8)
    for i in range(k):
        out[:, i * (W + 2):i * (W + 2) + W] = images[i]
    return out


def _short(name, n=11):
    return name if len(name) <= n else name[:n - 1] + "."
