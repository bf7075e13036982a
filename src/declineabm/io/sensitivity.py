"""Figure of sensitivity indices: one panel per indicator, a pair of bars per parameter."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from declineabm.io.files import atomic_path

BARS = {
    "sobol": (("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total order ST")),
    "morris": (("mu_star", "mu_star_conf", "mu* (mean |effect|)"), ("sigma", None, "sigma")),
}


def sensitivity_figure(table: pd.DataFrame, method: str, path: Path, title: str) -> None:
    """Draw the indices of :func:`declineabm.sweep.analysis.sensitivity` and save a PNG.

    Error bars are the confidence half-widths (95 %).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    indicators = list(dict.fromkeys(table["indicator"]))
    columns = min(4, max(1, len(indicators)))
    rows = max(1, math.ceil(len(indicators) / columns))
    parameters = list(dict.fromkeys(table["parameter"]))
    height = 0.35 * len(parameters) + 1.2
    fig, axes = plt.subplots(
        rows, columns, figsize=(max(6.0, 4.4 * columns), height * rows), squeeze=False, sharey=True
    )
    positions = np.arange(len(parameters))[::-1]  # first parameter on top
    for ax, name in zip(axes.ravel(), indicators, strict=False):
        part = table[table["indicator"] == name].set_index("parameter").loc[parameters]
        for k, (measure, conf, label) in enumerate(BARS[method]):
            ax.barh(
                positions - (k - 0.5) * 0.38,
                part[measure],
                height=0.38,
                xerr=part[conf] if conf else None,
                label=label,
                capsize=2,
            )
        if method == "sobol":
            # Indices lie in [0, 1]; with few samples the intervals are far wider: clip them.
            low = min(0.0, float(part[["S1", "ST"]].min().min()))
            high = max(1.0, float(part[["S1", "ST"]].max().max()))
            ax.set_xlim(low - 0.05, high + 0.05)
        ax.set_title(name, fontsize=10)
        ax.axvline(0, color="black", lw=0.6)
        ax.grid(axis="x", alpha=0.3)
        ax.set_yticks(positions, parameters, fontsize=8)
    for ax in axes.ravel()[len(indicators) :]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=8, loc="lower right")
    fig.suptitle(f"{title}\n(whiskers: 95 % confidence intervals)", fontsize=11)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=90, format="png")
    plt.close(fig)
