"""Pictures for 09_smaller_faster: gradients against FP16's range, the runtime table, the sparsity curve."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from dlicourse.precision import LARGEST, SMALLEST_NORMAL, SMALLEST_SUBNORMAL

LIMITS = ((SMALLEST_SUBNORMAL, "smallest subnormal 2^-24", "#d62728"),
          (SMALLEST_NORMAL, "smallest normal 2^-14", "#ff7f0e"),
          (LARGEST, "largest 65,504", "#7f7f7f"))


def gradients_vs_fp16(series: Mapping[str, np.ndarray], title: str = "") -> plt.Figure:
    """A histogram of |gradient| on a log axis, one outline per series (e.g. unscaled and scaled), with
    FP16's three limits drawn: left of the red line a value rounds to zero in FP16, right of the gray one
    it overflows."""
    fig, ax = plt.subplots(figsize=(9, 3.6))
    bins = np.arange(-40, 20.5, 0.5)  # log2 |g|
    for (name, values), color in zip(series.items(), ("#1f77b4", "#2ca02c", "#9467bd"), strict=False):
        magnitudes = np.log2(np.abs(values[values != 0]))
        weights = np.full(magnitudes.size, 100 / magnitudes.size)
        ax.hist(np.clip(magnitudes, bins[0], bins[-1]), bins=bins, weights=weights, histtype="stepfilled",
                alpha=0.35, color=color, edgecolor=color, linewidth=1.5, label=name)
    ax.axvspan(bins[0], np.log2(SMALLEST_SUBNORMAL) - 1, color="#d62728", alpha=0.08)
    for value, label, color in LIMITS:
        ax.axvline(np.log2(value), color=color, linestyle="--", linewidth=1.5, label=f"FP16 {label}")
    ax.set(xlabel="|gradient| (log2 scale: -24 means 2^-24 = 6e-8)", ylabel="% of gradient values",
           xlim=(bins[0], bins[-1]), title=title or "gradients of one training step against FP16's range")
    ax.text(bins[0] + 0.5, ax.get_ylim()[1] * 0.9, "rounds to 0\nin FP16", color="#d62728", fontsize=9, va="top")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def runtime_table(rows: Sequence[Mapping[str, object]]) -> plt.Figure:
    """Accuracy, file size, latency at batch 1 and best throughput of each variant, as four bar charts
    on the same row order, so what a lever costs and what it buys read side by side. Keras is gray, and
    each precision keeps its colour: float32 blue, float16 orange, int8 green."""
    names = [str(r["model"]) for r in rows]
    panels = [("validation accuracy", "accuracy", False), ("file size (kB)", "size kB", False),
              ("latency at batch 1 (ms, log scale)", "latency ms (batch 1)", True),
              ("best throughput (images/s, log scale)", "best images/s", True)]
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.2), sharey=True)
    colors = ["#7f7f7f" if n.startswith("Keras") else "#2ca02c" if "int8" in n else "#ff7f0e" if "float16" in n
              else "#1f77b4" for n in names]
    for ax, (title, key, log) in zip(axes, panels, strict=True):
        values = [float(r[key]) for r in rows]
        ax.barh(names, values, color=colors)
        for y, v in enumerate(values):
            ax.text(v, y, f" {v:,.0f}" if v >= 100 else f" {v:.3g}", va="center", fontsize=8)
        ax.set_title(title, fontsize=10)
        if key == "accuracy":
            ax.set_xlim(0, 1)
        elif log:
            ax.set_xscale("log")
            ax.set_xlim(min(values) / 2, max(values) * 8)
        else:
            ax.set_xlim(0, max(values) * 1.3)
        ax.grid(axis="x", alpha=0.3)
    axes[0].invert_yaxis()
    fig.tight_layout()
    return fig


def sparsity_curve(sparsities: Sequence[float], without: Sequence[float], finetuned: Sequence[float],
                   dense: Sequence[float], compressed_ratio: Sequence[float], budget: float) -> plt.Figure:
    """Validation accuracy against the share of weights removed, before and after fine-tuning with the
    masks kept; the same fine-tuned curve close up, where everything above the budget's line is within
    budget (a band a few crops wide, lost on a 0-1 axis); the compressed size on the right.

    `dense` is what each step is held to: the dense model, fine-tuned as often and as long as the pruned one
    had been by that step."""
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(14, 3.8))
    percent = 100 * np.asarray(sparsities)
    labels = [f"{p:.0f}%" for p in percent]
    dense = np.asarray(dense, float)
    floor = dense - budget
    spread = max(3 * budget, float(np.max(dense - np.asarray(finetuned))) + budget)
    top = min(1.0, max(*dense, *finetuned) + budget)  # fine-tuning may beat the dense model
    for ax, ceiling in ((left, 1.0), (middle, top)):
        ax.fill_between(percent, floor, ceiling, color="#1f77b4", alpha=0.12, label=f"within the budget ({budget})")
        ax.plot(percent, dense, "s-", color="#1f77b4", linewidth=1, markersize=4,
                label="dense, fine-tuned as long: the reference")
        ax.plot(percent, finetuned, "o-", color="#2ca02c", label="pruned step by step, fine-tuned with the masks kept")
        ax.set_xticks(percent, labels)
        ax.set_xlabel("weights removed")
    left.plot(percent, without, "o--", color="#d62728", label="pruned in one shot, no fine-tuning")
    left.set(ylabel="validation accuracy", ylim=(0.4, 1.0), title="accuracy against sparsity")
    left.legend(fontsize=8, loc="lower left")
    middle.set(ylabel="validation accuracy", ylim=(float(dense.min()) - spread, top),
               title=f"fine-tuned, close up: budget {budget}")
    for x, v in zip(percent, finetuned, strict=True):
        middle.annotate(f"{v:.3f}", (x, v), textcoords="offset points", xytext=(0, -13), ha="center", fontsize=8)
    right.bar(labels, compressed_ratio, color="#9467bd")
    for x, v in enumerate(compressed_ratio):
        right.text(x, v, f"{v:.2f}", ha="center", va="bottom", fontsize=9)
    right.set(xlabel="weights removed", ylabel="zipped size / dense zipped size", ylim=(0, 1.1),
              title="compressed size, fine-tuned")
    for ax in (left, middle, right):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
