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


def test_the_summary_png_is_the_figure_matplotlib_draws(run_frame, tmp_path: Path, monkeypatch):
    """A valid PNG of 1280 x 608 opaque pixels, the same as with matplotlib's own locators.

    The summary's tick locators give only the ticks that are drawn, so nothing else changes.
    """
    from matplotlib.ticker import AutoLocator, MaxNLocator
    from PIL import Image

    report.summary_figure(run_frame, tmp_path / "summary.png", "test")
    monkeypatch.setattr(report, "_in_view_locators", lambda: (AutoLocator, MaxNLocator))
    report.summary_figure(run_frame, tmp_path / "plain.png", "test")
    with Image.open(tmp_path / "summary.png") as image:
        image.verify()
    with Image.open(tmp_path / "summary.png") as image, Image.open(tmp_path / "plain.png") as plain:
        assert image.format == "PNG" and image.size == (1280, 608) and image.mode == "RGB"
        assert np.array_equal(np.asarray(image), np.asarray(plain))


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


def _shares_label(ax, axis: str) -> bool:
    """Whether ``ax`` shares its ``axis`` with another axes that names it (one label for a row)."""
    shared = ax.get_shared_y_axes() if axis == "y" else ax.get_shared_x_axes()
    label = (lambda a: a.get_ylabel()) if axis == "y" else (lambda a: a.get_xlabel())
    return any(label(other) for other in shared.get_siblings(ax) if other is not ax)


def _texts(fig) -> str:
    """Every title and legend text of a figure (where bands and whiskers are explained)."""
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    parts = [fig.get_suptitle(), *(ax.get_title() for ax in fig.axes)]
    for legend in legends:
        parts += [legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())]
    return " ".join(parts)


def assert_labelled(fig) -> None:
    """Labelled axes, one of them with a unit; plain tick numbers; bands and whiskers explained.

    An axis whose ticks are hidden (it shares them with its neighbour) needs no label of its
    own; a band or whisker is explained by its own legend entry or by a title or legend that
    gives its coverage (a "%").
    """
    from matplotlib.collections import PolyCollection

    fig.canvas.draw()
    explained = "%" in _texts(fig)
    for ax in fig.axes:
        if not ax.get_visible() or not ax.has_data():
            continue
        for axis, ticks, label in (
            ("x", ax.get_xticklabels(), ax.get_xlabel()),
            ("y", ax.get_yticklabels(), ax.get_ylabel()),
        ):
            if any(t.get_visible() and t.get_text() for t in ticks):
                assert label or _shares_label(ax, axis), f"{ax.get_title()!r}: no {axis} label"
        labels = [ax.get_xlabel(), ax.get_ylabel()]
        assert any("(" in label for label in labels), f"{ax.get_title()!r}: no unit in {labels}"
        drawn = [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        drawn += [ax.xaxis.get_offset_text().get_text(), ax.yaxis.get_offset_text().get_text()]
        assert not any("e+" in t or "e-" in t or "×10" in t for t in drawn), drawn
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        whiskers = [
            c
            for c in ax.containers
            if getattr(c, "has_xerr", False) or getattr(c, "has_yerr", False)
        ]
        for artist in [*bands, *whiskers]:
            named = not artist.get_label().startswith("_")
            assert named or explained, f"{ax.get_title()!r}: a band or whisker unexplained"


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


# ---------------------------------------------------------------------------------------------
# Every function that writes a figure, found in the source, is drawn here and checked.

SOURCE = Path(__file__).resolve().parent.parent / "src" / "declineabm"


def figure_writers() -> set[str]:
    """``module.function`` of every function in the package that saves a figure."""
    import ast

    found = set()
    for path in SOURCE.rglob("*.py"):
        module = ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            for call in ast.walk(node):
                func = getattr(call, "func", None)
                name = getattr(func, "attr", None) or getattr(func, "id", None)
                if isinstance(call, ast.Call) and name in ("savefig", "save_png"):
                    found.add(f"{module}.{node.name}")
    return found - {"declineabm.io.figures.save_png"}


def _summary(tmp_path: Path) -> None:
    frame = seed_frame(["run"])
    report.summary_figure(frame[frame["seed"] == 0], tmp_path / "summary.png", "test")


def _sensitivity(method: str):
    def draw(tmp_path: Path) -> None:
        from declineabm.io.sensitivity import BARS, sensitivity_figure

        rng = np.random.default_rng(2)
        rows = []
        for indicator in ("population", "output_share"):
            for parameter in ("policy.efficiency", "national.price_boom", "policy.target_soe"):
                row = {"indicator": indicator, "parameter": parameter}
                for measure, conf, _ in BARS[method]:
                    # intervals wider than the values, as with few samples: whiskers must stop at 0
                    row[measure] = float(rng.random() * 1e6)
                    if conf:
                        row[conf] = float(row[measure] * 2)
                rows.append(row)
        sensitivity_figure(pd.DataFrame(rows), method, tmp_path / "s.png", "test")

    return draw


def _attribution(tmp_path: Path) -> None:
    from declineabm.analysis import attribution

    rng = np.random.default_rng(3)
    labels = {o.indicator: o for o in attribution.OUTCOMES}
    rows = [
        {
            "definition": d,
            "outcome": name,
            "label": labels[name].label,
            "unit": labels[name].unit,
            "player": player,
            "shapley": (value := float(rng.normal() * 5)),
            "shapley_low": value - 1,
            "shapley_high": value + 1,
        }
        for d in ("scenario", "industry=adaptive")
        for name in attribution.HEADLINE
        for player in attribution.PLAYERS
    ]
    attribution.chart(pd.DataFrame(rows), tmp_path / "a.png", ["scenario", "industry=adaptive"])


def _validation(tmp_path: Path) -> None:
    from declineabm.analysis import validation

    validation.figures(seed_frame(["policy", "no_policy"]), tmp_path)


def _policies(tmp_path: Path) -> None:
    from declineabm.analysis import portfolios

    portfolios.chart(seed_frame([arm.name for arm in portfolios.PORTFOLIOS]), tmp_path / "p.png")


def _problem():
    from declineabm.calibration import load_calibration
    from declineabm.calibration.smc import prepare

    return prepare("northeast", load_calibration("northeast"))


def _predicted(problem) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return pd.DataFrame({c.key: c.value * (1 + 0.1 * rng.normal(size=8)) for c in problem.compared})


def _marginals(tmp_path: Path) -> None:
    from declineabm.calibration import results

    problem = _problem()
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            name: rng.uniform(prior.low, prior.high, 40)
            for name, prior in problem.calibration.priors.items()
        }
    ).assign(weight=1 / 40)
    results.marginals_figure(problem, frame, tmp_path / "m.png")


def _predictive(tmp_path: Path) -> None:
    from declineabm.calibration import results

    problem = _problem()
    rng = np.random.default_rng(6)
    simulation = problem.simulated.simulation
    years = range(simulation.start_year, simulation.end_year + 1)
    size = {"population": 1e8}
    trajectories = pd.DataFrame(
        [
            {"year": year, "draw": draw}
            | {i: size.get(i, 0.3) * (1 + 0.05 * rng.normal()) for i in problem.indicators}
            for draw in range(8)
            for year in years
        ]
    )
    results.predictive_figure(problem, trajectories, _predicted(problem), tmp_path / "p.png")


def _coverage(tmp_path: Path) -> None:
    from declineabm.calibration import results

    problem = _problem()
    table = results.coverage_table(problem, _predicted(problem))
    results.coverage_figure(problem, table, tmp_path / "c.png")


DRAWN = {
    "declineabm.io.report.summary_figure": _summary,
    "declineabm.io.sensitivity.sensitivity_figure": _sensitivity("morris"),
    "declineabm.analysis.attribution.chart": _attribution,
    "declineabm.analysis.validation.figures": _validation,
    "declineabm.analysis.portfolios.chart": _policies,
    "declineabm.calibration.results.marginals_figure": _marginals,
    "declineabm.calibration.results.predictive_figure": _predictive,
    "declineabm.calibration.results.coverage_figure": _coverage,
}


def test_every_function_that_writes_a_figure_is_checked_here() -> None:
    assert figure_writers() == set(DRAWN), "a figure writer without a check in DRAWN (or gone)"


@pytest.mark.parametrize(
    "draw",
    [*DRAWN.values(), _sensitivity("sobol")],
    ids=[*(name.rpartition("declineabm.")[2] for name in DRAWN), "sensitivity_figure-sobol"],
)
def test_every_figure_a_command_writes_labels_its_axes_with_units(
    draw, tmp_path: Path, monkeypatch
) -> None:
    figures = captured_figures(monkeypatch)
    draw(tmp_path)
    assert figures
    for fig in figures:
        assert_labelled(fig)


def test_morris_whiskers_stop_at_zero_in_the_figure(tmp_path: Path, monkeypatch) -> None:
    figures = captured_figures(monkeypatch)
    _sensitivity("morris")(tmp_path)
    (fig,) = figures
    ends = [
        segment[:, 0].min()
        for ax in fig.axes
        for container in ax.containers
        if getattr(container, "errorbar", None) is not None
        for lines in container.errorbar.lines[2]
        for segment in lines.get_segments()
    ]
    assert ends and min(ends) >= 0.0
