"""Figure of sensitivity indices: one panel per indicator, a pair of bars per parameter."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from declineabm.io.figures import indicator_axis, new_figure, save_png, unit_axis
from declineabm.io.files import atomic_path

BARS = {
    "sobol": (
        ("S1", "S1_conf", "first order S1: share of the variance it explains alone"),
        ("ST", "ST_conf", "total order ST: alone and through interactions"),
    ),
    "morris": (
        ("mu_star", "mu_star_conf", "mu*: mean absolute effect of the parameter's range"),
        ("sigma", None, "sigma: spread of the effects (interactions, non-linearity)"),
    ),
}
AXIS = {
    "sobol": ("sensitivity index", "share of variance"),
    "morris": ("elementary effect", None),  # in the indicator's own unit (indicator_axis)
}


def _whiskers(values: np.ndarray, half_widths: np.ndarray, floor: float) -> np.ndarray:
    """Lower and upper error lengths of a confidence interval cut at ``floor``.

    mu* and sigma cannot be negative, nor can a Sobol' index: an interval that reaches below 0
    is drawn down to 0 only.
    """
    lower = np.minimum(half_widths, np.maximum(values - floor, 0.0))
    return np.vstack([lower, half_widths])


def sensitivity_figure(table: pd.DataFrame, method: str, path: Path, title: str) -> None:
    """Draw the indices of :func:`declineabm.sweep.analysis.sensitivity` and save a PNG.

    Whiskers are the 95 % confidence intervals (bootstrap), cut at 0 where the index cannot
    be negative.
    """
    from matplotlib.ticker import MaxNLocator

    indicators = list(dict.fromkeys(table["indicator"]))
    columns = min(4, max(1, len(indicators)))
    rows = max(1, math.ceil(len(indicators) / columns))
    parameters = list(dict.fromkeys(table["parameter"]))
    height = 0.35 * len(parameters) + 1.6
    fig = new_figure(max(7.0, 4.6 * columns), height * rows + 1.4)
    axes = fig.subplots(rows, columns, squeeze=False, sharey=True)
    positions = np.arange(len(parameters))[::-1]  # first parameter on top
    label, unit = AXIS[method]
    for index, (ax, name) in enumerate(zip(axes.ravel(), indicators, strict=False)):
        part = table[table["indicator"] == name].set_index("parameter").loc[parameters]
        if unit is None:  # Morris: effects in the indicator's unit (persons in millions)
            scale = indicator_axis(ax, "x", name, f"{label} on {name.replace('_', ' ')}")
        else:
            scale = 1.0
            unit_axis(ax, "x", label, unit)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))  # a narrow panel: few, legible ticks
        if index % columns == 0:  # the row shares the parameters' axis
            ax.set_ylabel("parameter varied")
        for k, (measure, conf, legend) in enumerate(BARS[method]):
            values = part[measure].to_numpy(dtype=float) * scale
            errors = None
            if conf:
                errors = _whiskers(values, part[conf].to_numpy(dtype=float) * scale, 0.0)
            ax.barh(
                positions - (k - 0.5) * 0.38,
                values,
                height=0.38,
                xerr=errors,
                label=legend,
                capsize=2,
            )
        if method == "sobol":
            # Indices lie in [0, 1]; with few samples the intervals are far wider: clip them.
            low = min(0.0, float(part[["S1", "ST"]].min().min()))
            high = max(1.0, float(part[["S1", "ST"]].max().max()))
            ax.set_xlim(low - 0.05, high + 0.05)
        else:
            ax.set_xlim(left=0.0)
        ax.set_title(name, fontsize=10)
        ax.axvline(0, color="black", lw=0.6)
        ax.grid(axis="x", alpha=0.3)
        ax.set_yticks(positions, parameters, fontsize=8)
    for ax in axes.ravel()[len(indicators) :]:
        ax.axis("off")
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="lower center",
        ncol=2 if columns > 1 else 1,
        fontsize=8,
        frameon=False,
        title="whiskers: 95 % confidence intervals (bootstrap), cut at 0",
        title_fontsize=8,
    )
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.22 if columns == 1 else 0.12, 1, 1))
    with atomic_path(path) as tmp:
        save_png(fig, tmp, dpi=90)
