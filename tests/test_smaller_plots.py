"""09's pictures: each precision keeps its colour, and the budget band of the sparsity curve can be read."""

import matplotlib

matplotlib.use("Agg")

from matplotlib.colors import to_hex  # noqa: E402

from dlicourse import smaller_plots  # noqa: E402


def test_the_fine_tuned_close_up_spans_the_budget_band_and_every_point():
    fig = smaller_plots.sparsity_curve([0.5, 0.9, 0.95], [0.97, 0.55, 0.5], [0.975, 0.968, 0.94], [0.97, 0.972, 0.97],
                                       [0.6, 0.18, 0.12], 0.01)
    _, close_up, _ = fig.axes
    low, high = close_up.get_ylim()
    assert low < 0.94 and high >= 0.97 and high - low < 0.1  # a 0.01 band is a visible part of the axis


def test_keras_is_gray_and_each_precision_has_its_own_colour():
    rows = [{"model": name, "accuracy": 0.9, "size kB": size, "latency ms (batch 1)": 1.0, "best images/s": 100.0}
            for name, size in [("Keras float32 (reference)", 40), ("LiteRT float32", 41), ("LiteRT float16", 21),
                               ("LiteRT int8", 11)]]
    bars = smaller_plots.runtime_table(rows).axes[0].patches
    assert len({to_hex(bar.get_facecolor()) for bar in bars}) == 4
