"""Interactive controls. They act only on a click, so a headless run shows them and trains nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dlicourse import plots


def explore_training(train: Callable[[float, int], object], learning_rates: Sequence[float],
                     max_epochs: int = 20) -> None:
    """A learning-rate menu, an epochs slider and a Train button; each click trains and plots curves."""
    import ipywidgets as w
    from IPython.display import display

    rate = w.Dropdown(options=list(learning_rates), value=learning_rates[len(learning_rates) // 2],
                      description="learning rate")
    epochs = w.IntSlider(value=min(5, max_epochs), min=1, max=max_epochs, description="epochs")
    button = w.Button(description="Train", button_style="primary")
    out = w.Output()

    def on_click(_: object) -> None:
        with out:
            out.clear_output(wait=True)
            print(f"Training with learning rate {rate.value} for {epochs.value} epochs...")
            plots.history({f"lr={rate.value}": train(rate.value, epochs.value)})

    button.on_click(on_click)
    display(w.VBox([w.HBox([rate, epochs, button]), out]))
