"""The figures the commands write: labelled axes with units, readable numbers, honest whiskers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import small_model

from declineabm.io import report
from declineabm.io.figures import PERCENT, new_figure, unit_axis
from declineabm.io.sensitivity import _whiskers


@pytest.fixture(scope="module")
def run_frame() -> pd.DataFrame:
    model = small_model(**{"simulation.end_year": 1996})
    model.run()
    return model.datacollector.get_model_vars_dataframe()


def drawn_labels(ax) -> list[str]:
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels() + ax.get_xticklabels()]
    return [*ticks, ax.yaxis.get_offset_text().get_text(), ax.xaxis.get_offset_text().get_text()]


def test_every_summary_panel_has_a_unit_and_plain_numbers(run_frame, tmp_path: Path, monkeypatch):
    figures = []
    monkeypatch.setattr(report, "save_png", lambda fig, path: figures.append(fig))
    report.summary_figure(run_frame, tmp_path / "summary.png", "test")
    (fig,) = figures
    for ax in fig.axes:
        assert "(" in ax.get_ylabel(), f"{ax.get_title()}: no unit on the y axis"
        labels = drawn_labels(ax)
        assert not any("e+" in t or "e-" in t or "×10" in t for t in labels), labels
    population = next(ax for ax in fig.axes if ax.get_title() == "Social: population")
    assert population.get_ylabel() == "population (million persons)"
    assert fig.axes[-1].get_xlabel() == "year"


def test_a_large_count_is_written_out() -> None:
    fig = new_figure(4, 3)
    ax = fig.subplots()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    ax.plot([1990, 2020], [12_000_000, 9_000_000])
    unit_axis(ax, "y", "population", "persons")
    unit_axis(ax, "x", "year", "year")
    labels = drawn_labels(ax)
    assert any("," in t for t in labels) and not any("e" in t.lower() for t in labels if t)
    ax.set_ylim(0, 1)
    unit_axis(ax, "y", "share", PERCENT)
    assert any(t.endswith("%") for t in drawn_labels(ax))


def test_whiskers_never_reach_below_zero() -> None:
    values = np.array([0.1, 0.5, 0.0])
    half = np.array([0.3, 0.1, 0.2])
    lower, upper = _whiskers(values, half, 0.0)
    assert (values - lower >= 0).all()
    assert list(upper) == list(half) and lower[1] == pytest.approx(0.1)


def captured_figures(monkeypatch) -> list:
    """Figures saved from now on (not written: the test reads their axes)."""
    from matplotlib.figure import Figure

    figures: list = []
    monkeypatch.setattr(Figure, "savefig", lambda fig, *a, **k: figures.append(fig))
    return figures


def assert_labelled(fig) -> None:
    for ax in fig.axes:
        if not ax.get_visible() or not ax.has_data():
            continue
        labels = [ax.get_xlabel(), ax.get_ylabel()]
        assert all(labels) and any("(" in label for label in labels), labels
        drawn = drawn_labels(ax)
        assert not any("e+" in t or "e-" in t for t in drawn), drawn


def seed_frame(arms: list[str]) -> pd.DataFrame:
    from declineabm.model.indicators import INDICATOR_NAMES, INDICATORS

    # values of the size the indicators have in a run (persons in millions, money in millions
    # of yuan), so the ticks are what a user sees
    scale = {"million yuan": 1e6, "persons": 1e5}
    size = {ind.name: scale.get(ind.unit, 1.0) for ind in INDICATORS} | {"population": 1e7}
    rng = np.random.default_rng(1)
    rows = [
        {"arm": arm, "seed": seed, "year": year}
        for arm in arms
        for seed in range(3)
        for year in range(2000, 2005)
    ]
    frame = pd.DataFrame(rows)
    for name in INDICATOR_NAMES:
        frame[name] = rng.random(len(frame)) * size.get(name, 1.0)
    return frame


def test_validation_and_policy_figures_label_units_and_explain_their_bands(
    tmp_path: Path, monkeypatch
) -> None:
    from declineabm.analysis import portfolios, validation
    from declineabm.io.figures import BAND

    figures = captured_figures(monkeypatch)
    validation.figures(seed_frame(["policy", "no_policy"]), tmp_path)
    assert len(figures) == len(validation.FIGURES)
    for fig in figures:
        assert_labelled(fig)
        (ax,) = fig.axes
        assert ax.get_legend().get_title().get_text() == BAND
        assert ax.collections, "no 5-95 % band"
    figures.clear()
    portfolios.chart(seed_frame([arm.name for arm in portfolios.PORTFOLIOS]), tmp_path / "p.png")
    (fig,) = figures
    assert_labelled(fig)
    assert BAND in fig.get_suptitle()
    assert all(len(ax.collections) == len(portfolios.PORTFOLIOS) for ax in fig.axes)
