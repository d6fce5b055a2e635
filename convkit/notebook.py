"""Notebook helpers: are we in a Jupyter kernel, and a progress bar that fits either way.

Nothing here imports ipywidgets or IPython until a bar is shown in a notebook.
"""
import sys


def in_notebook():
    """True inside a Jupyter kernel (where widgets show) with ipywidgets installed."""
    if "ipykernel" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in shell.config


class Progress:
    """A progress bar of steps (or of seconds, unit="s"): ipywidgets in a notebook, lines of
    text elsewhere."""

    def __init__(self, total, enabled=True, unit="step"):
        self.total, self.enabled, self.unit = total, enabled, unit
        self.bar = self.label = None
        self.printed = 0
        if enabled and in_notebook():
            import ipywidgets
            from IPython.display import display
            self.bar = ipywidgets.IntProgress(min=0, max=total, value=0)
            self.label = ipywidgets.Label()
            display(ipywidgets.HBox([self.bar, self.label]))

    def update(self, done, text, force=False):
        """Show done/total steps (or seconds) and text (printed every 10% or when forced)."""
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.value, self.label.value = done, text
            return
        tenth = 10 * done // max(1, self.total)
        if force or tenth > self.printed:
            self.printed = tenth
            print(f"{self._where(done)}: {text}", flush=True)

    def _where(self, done):
        return f"{done}/{self.total} s" if self.unit == "s" else f"step {done}/{self.total}"

    def close(self, done):
        """Green when all total steps were done, red when the run stopped early
        (an error or an interrupt) after done steps; the text says where."""
        if not self.enabled:
            return
        stopped = f"stopped after {self._where(done)}"
        if self.bar is not None:
            self.bar.bar_style = "success" if done == self.total else "danger"
            if done < self.total:
                self.label.value += f" ({stopped})"
        elif done < self.total:
            print(stopped, flush=True)
