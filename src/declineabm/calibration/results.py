"""What a calibration leaves for people and for other commands, from pyabc's History.

* ``posterior.csv`` (the last generation's particles and weights), ``posterior.md`` (medians
  and 90 % intervals beside the priors), ``diagnostics.csv`` (epsilon, simulations, acceptance
  rate and effective sample size per generation), ``marginals.png``;
* ``posterior.json``: the posterior file ``--posterior`` reads (:mod:`.posterior`);
* ``calibrated.toml``: a scenario that ``extends`` the original with the posterior medians;
* the posterior predictive (``forecast_draws`` runs, each a particle drawn by weight and its
  own seed, over the whole record): ``coverage.csv`` / ``coverage.md`` (every observation,
  in-sample and held out: inside the 90 % predictive band? error of the median) and
  ``coverage.png``, ``predictive.png`` (trajectories against the record with its ranges);
* beside the predictive, the medians' own run (``calibrated.toml`` over ``MEDIAN_RUNS`` seeds):
  how many observations it puts inside the predictive's band. The marginal medians are one
  parameter set that no particle need be near: of a degenerate posterior (3 December 2026, an
  effective sample size of 8.7) they grew the region to 137 million people where the
  predictive had 95 million, and ``coverage.md`` says so when it happens.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from declineabm.calibration.observation import last_year, predict, reporting_values
from declineabm.calibration.posterior import (
    Posterior,
    load_posterior,
    posterior_document,
    replicate,
    replicate_seed,
)
from declineabm.calibration.smc import (
    Problem,
    diagnostics,
    open_pool,
    posterior_frame,
    run_batch,
)
from declineabm.calibration.transforms import model_overrides
from declineabm.io.files import write_atomic, write_json
from declineabm.model.indicators import INDICATORS
from declineabm.sweep import RunSpec

UNITS = {ind.name: ind.unit for ind in INDICATORS}
BAND = (0.05, 0.95)
"""The predictive band: 90 %."""
MEDIAN_RUNS = 6
"""Seeds of the medians' own run, set beside the posterior predictive."""


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of weighted values (the smallest value with cumulative weight >= q)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / np.sum(weights)
    return float(values[order][min(int(np.searchsorted(cumulative, q)), len(values) - 1)])


def summary_table(problem: Problem, frame: pd.DataFrame) -> pd.DataFrame:
    """Per calibrated number: key, prior, posterior median and 90 % interval."""
    calibration = problem.calibration
    weights = frame["weight"].to_numpy()
    rows = []
    entries = [(p.name, p.key, p.transform, p.prior, p.reason) for p in calibration.parameters]
    entries += [
        (
            r.name,
            f"observation: {r.indicator} {r.first_year}-{r.last_year}",
            "over-reporting",
            r.prior,
            r.reason,
        )
        for r in calibration.reporting
    ]
    for name, key, transform, prior, reason in entries:
        values = frame[name].to_numpy(np.float64)
        rows.append(
            {
                "name": name,
                "key": key,
                "transform": transform,
                "prior": _prior_text(prior),
                "median": weighted_quantile(values, weights, 0.5),
                "p05": weighted_quantile(values, weights, BAND[0]),
                "p95": weighted_quantile(values, weights, BAND[1]),
                "reason": reason,
            }
        )
    return pd.DataFrame(rows)


def _prior_text(prior: Any) -> str:
    if prior.family == "normal":
        return f"normal({prior.mean:g}, {prior.sd:g}) on [{prior.low:g}, {prior.high:g}]"
    return f"{prior.family}[{prior.low:g}, {prior.high:g}]"


def toml_value(value: Any) -> str:
    """A value as TOML text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(float(f"{value:.6g}"))
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def calibrated_scenario(problem: Problem, overrides: Mapping[str, Any], out: Path) -> str:
    """A scenario TOML that extends the calibrated one with ``overrides``."""
    base = problem.base
    reference = problem.scenario
    extends = str(Path(reference).absolute()) if reference.endswith(".toml") else reference
    lines = [
        f"# {base.name} calibrated by declineabm calibrate ({problem.calibration.path.name}, "
        f"record up to {problem.calibration.until}): the posterior medians of every free",
        "# parameter (marginal, weighted); the intervals are in posterior.md, and",
        "# --posterior posterior.json draws whole parameter sets instead.",
        "",
        f"extends = {json.dumps(extends)}",
        f"name = {json.dumps(base.name + '-calibrated')}",
        f"description = {json.dumps(base.description + ' Calibrated to its record.')}",
    ]
    sections: dict[str, list[str]] = {}
    for key, value in overrides.items():
        section, _, name = key.rpartition(".")
        sections.setdefault(section, []).append(f"{name} = {toml_value(value)}")
    for section, entries in sections.items():
        lines += ["", f"[{section}]", *entries]
    return "\n".join(lines) + "\n"


def write_posterior(problem: Problem, database: Path, out: Path) -> Posterior:
    """Write the posterior tables, file, figure and calibrated scenario; return the posterior."""
    calibration = problem.calibration
    names = calibration.names
    frame = posterior_frame(database, names)
    steps = diagnostics(database)
    write_atomic(out / "posterior.csv", frame.to_csv(index_label="particle", float_format="%.17g"))
    write_atomic(out / "diagnostics.csv", steps.to_csv(index=False, float_format="%.6g"))
    summary = summary_table(problem, frame)
    write_atomic(out / "posterior.md", posterior_report(problem, summary, steps))
    values = [{n: float(row[n]) for n in names} for _, row in frame.iterrows()]
    overrides = [model_overrides(calibration.parameters, problem.base, v) for v in values]
    document = posterior_document(
        problem.base.name,
        names,
        frame["weight"].tolist(),
        values,
        overrides,
        {
            **problem.identity(),
            "simulated_with": dict(calibration.overrides),
            "parameters": [
                {
                    "name": p.name,
                    "key": p.key,
                    "transform": p.transform,
                    "prior": asdict(p.prior),
                    "reason": p.reason,
                }
                for p in calibration.parameters
            ],
            "reporting": [asdict(r) | {"prior": asdict(r.prior)} for r in calibration.reporting],
            "observations": [asdict(c) for c in problem.compared],
            "diagnostics": json.loads(steps.to_json(orient="records")),
        },
    )
    write_json(out / "posterior.json", document)
    medians = {row["name"]: row["median"] for row in summary.to_dict("records")}
    point = model_overrides(calibration.parameters, problem.base, medians)
    write_atomic(out / "calibrated.toml", calibrated_scenario(problem, point, out))
    marginals_figure(problem, frame, out / "marginals.png")
    return load_posterior(out / "posterior.json")


def posterior_report(problem: Problem, summary: pd.DataFrame, steps: pd.DataFrame) -> str:
    """``posterior.md``: the posterior beside the priors, and the diagnostics."""
    calibration = problem.calibration
    last = steps.iloc[-1]
    lines = [
        f"# Posterior of `{problem.base.name}` against its record up to {calibration.until}",
        "",
        f"ABC-SMC (pyabc), {calibration.budget.population} particles, {len(steps) - 1} "
        f"generations, {int(steps['simulations'].sum())} simulations (with the prior sample); "
        f"last epsilon {last['epsilon']:.4g}, effective sample size {last['ess']:.1f}. "
        "Median and 90 % interval of the last generation, weighted.",
        "",
        "| parameter | key | prior | median | 90 % interval |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['name']} | `{r['key']}` ({r['transform']}) | {r['prior']} | {r['median']:.4g} "
        f"| {r['p05']:.4g} – {r['p95']:.4g} |"
        for r in summary.to_dict("records")
    ]
    lines += [
        "",
        "| generation | epsilon | simulations | acceptance rate | ESS |",
        "|---|---|---|---|---|",
    ]
    for r in steps.to_dict("records"):
        if r["generation"] == "prior sample":
            lines.append(f"| prior sample | – | {r['simulations']} | – | – |")
        else:
            lines.append(
                f"| {r['generation']} | {r['epsilon']:.4g} | {r['simulations']} "
                f"| {r['acceptance_rate']:.3f} | {r['ess']:.1f} |"
            )
    return "\n".join(lines) + "\n"


def posterior_medians(posterior: Posterior) -> dict[str, float]:
    """The weighted marginal median of every calibrated number (``calibrated.toml``'s)."""
    weights = np.array([d.weight for d in posterior.draws])
    names = posterior.draws[0].values.keys()
    return {
        name: weighted_quantile(
            np.array([d.values[name] for d in posterior.draws], dtype=np.float64), weights, 0.5
        )
        for name in names
    }


def _medians_specs(
    problem: Problem, posterior: Posterior, years: int
) -> tuple[list[RunSpec], dict[str, float]]:
    """The medians' own runs (``MEDIAN_RUNS`` seeds) and their reporting terms."""
    calibration = problem.calibration
    medians = posterior_medians(posterior)
    point = model_overrides(calibration.parameters, problem.base, medians)
    # seeds after the predictive's, so that no medians' run shares a seed with a draw
    seeds = [
        replicate_seed(calibration.budget.seed, calibration.forecast_draws + j)
        for j in range(MEDIAN_RUNS)
    ]
    specs = [RunSpec(problem.simulated, point, seed, years) for seed in seeds]
    return specs, reporting_values(calibration.reporting, medians)


def predictive(
    problem: Problem,
    posterior: Posterior,
    out: Path,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool = True,
    pool: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Run the posterior predictive over the whole record, and the medians' own runs beside it.

    Returns:
        The trajectories (``draw``, ``year`` and the target indicators), the predicted
        observations (one row a draw, one column a compared observation) and the same for the
        medians' runs (one row a seed).
    """
    calibration = problem.calibration
    until = last_year(problem.compared, in_sample_only=False)
    years = until - problem.simulated.simulation.start_year
    draws = []
    for j in range(calibration.forecast_draws):
        overrides, seed = replicate(posterior, calibration.budget.seed, j)
        draws.append((posterior.draw_for(seed), RunSpec(problem.simulated, overrides, seed, years)))
    at_medians, medians_reporting = _medians_specs(problem, posterior, years)
    with open_pool(workers, scheduler, pool) as pool:  # one pool for both batches
        series = run_batch(
            [spec for _, spec in draws],
            out / "simulations" / "predictive",
            problem.indicators,
            pool,
            progress,
        )
        medians_series = run_batch(
            at_medians, out / "simulations" / "medians", problem.indicators, pool, progress
        )
    trajectories = []
    predicted = []
    for j, ((draw, _), s) in enumerate(zip(draws, series, strict=True)):
        predicted.append(
            predict(s, problem.compared, reporting_values(calibration.reporting, draw.values))
        )
        frame = pd.DataFrame(s)
        frame.index.name = "year"
        trajectories.append(frame.reset_index().assign(draw=j))
    medians = [predict(s, problem.compared, medians_reporting) for s in medians_series]
    return (
        pd.concat(trajectories, ignore_index=True),
        pd.DataFrame(predicted),
        pd.DataFrame(medians),
    )


def coverage_table(
    problem: Problem, predicted: pd.DataFrame, medians: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every compared observation against its posterior-predictive distribution.

    With ``medians`` (the medians' own runs, from :func:`predictive`), also their median over the
    seeds and whether it falls inside the predictive's band (``medians``, ``medians_inside``).
    """
    rows = []
    for c in problem.compared:
        values = predicted[c.key].to_numpy(np.float64)
        low, median, high = np.nanquantile(values, [BAND[0], 0.5, BAND[1]])
        own = {}
        if medians is not None:
            at_medians = float(np.nanmedian(medians[c.key].to_numpy(np.float64)))
            own = {"medians": at_medians, "medians_inside": bool(low <= at_medians <= high)}
        rows.append(
            {
                "observation": c.key,
                "indicator": c.indicator,
                "year": c.year,
                "sample": "in" if c.in_sample else "out",
                "record": c.value,
                "record_low": c.low,
                "record_high": c.high,
                "relative_to": c.relative_to or "",
                "reporting": " ".join(c.reporting),
                "p05": float(low),
                "median": float(median),
                "p95": float(high),
                "inside": bool(low <= c.value <= high),
                "error": float(median / c.value - 1.0) if c.value else math.nan,
            }
            | own
        )
    return pd.DataFrame(rows)


def coverage_report(problem: Problem, table: pd.DataFrame) -> str:
    """``coverage.md``: coverage and errors, in-sample and out-of-sample."""
    calibration = problem.calibration
    lines = [
        f"# Posterior predictive of `{problem.base.name}` against its record",
        "",
        f"Fitted to the record up to {calibration.until}; {calibration.forecast_draws} runs, "
        "each a parameter set drawn from the posterior with its own seed. Band: 5-95 % of the "
        "runs (90 %). Error: the median over the record, minus 1. Values relative to a base year "
        "are divided by the model's and the record's own value in that year; observations a "
        "reporting term covers include its fitted over-reporting.",
        "",
    ]
    for sample, label in (("in", "in-sample"), ("out", "out-of-sample")):
        part = table[table["sample"] == sample]
        if part.empty:
            lines.append(f"- {label}: none")
            continue
        worst = part.iloc[int(np.argmax(part["error"].abs().to_numpy()))]
        lines.append(
            f"- {label}: {int(part['inside'].sum())} of {len(part)} observations inside the 90 % "
            f"band; largest error {worst['error']:+.1%} ({worst['observation']})"
        )
    if "medians_inside" in table:
        inside, total = int(table["medians_inside"].sum()), len(table)
        lines.append(
            f"- the posterior medians' own run (`calibrated.toml`, median of {MEDIAN_RUNS} seeds): "
            f"{inside} of {total} observations inside the predictive's 90 % band"
        )
        if inside < total / 2:
            lines.append(
                "- **warning: the medians are not a typical parameter set of this posterior** "
                "(a degenerate or strongly correlated one): their run is not the predictive's. "
                "Give `posterior.json` as `--posterior` rather than running `calibrated.toml`."
            )
    lines += [
        "",
        "| observation | sample | record (range) | predictive median | 90 % band | inside "
        "| error |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in table.to_dict("records"):
        base = f" (÷ {r['relative_to']})" if r["relative_to"] != "" else ""
        terms = f", reporting: {r['reporting']}" if r["reporting"] else ""
        lines.append(
            f"| {r['indicator']} {r['year']}{base}{terms} | {r['sample']} | {r['record']:.4g} "
            f"({r['record_low']:.4g} – {r['record_high']:.4g}) | {r['median']:.4g} "
            f"| {r['p05']:.4g} – {r['p95']:.4g} | {'yes' if r['inside'] else 'NO'} "
            f"| {r['error']:+.1%} |"
        )
    return "\n".join(lines) + "\n"


def write_predictive(
    problem: Problem, posterior: Posterior, out: Path, **execution: Any
) -> pd.DataFrame:
    """Run the posterior predictive and write the coverage table and both figures."""
    trajectories, predicted, medians = predictive(problem, posterior, out, **execution)
    table = coverage_table(problem, predicted, medians)
    write_atomic(out / "coverage.csv", table.to_csv(index=False, float_format="%.6g"))
    write_atomic(out / "coverage.md", coverage_report(problem, table))
    predictive_figure(problem, trajectories, predicted, out / "predictive.png")
    coverage_figure(problem, table, out / "coverage.png")
    return table


# --- Figures -------------------------------------------------------------------------------


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def marginals_figure(problem: Problem, frame: pd.DataFrame, path: Path) -> None:
    """Weighted histograms of the posterior of every calibrated number over its prior."""
    import scipy.stats

    plt = _pyplot()
    calibration = problem.calibration
    names = calibration.names
    columns = min(4, len(names))
    rows = math.ceil(len(names) / columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(3.6 * columns, 2.9 * rows), constrained_layout=True, squeeze=False
    )
    keys = {p.name: f"{p.key} ({p.transform})" for p in calibration.parameters}
    keys |= {
        r.name: f"over-reporting of {r.indicator}, {r.first_year}-{r.last_year} (fraction)"
        for r in calibration.reporting
    }
    for ax, name in zip(axes.ravel(), names, strict=False):
        prior = calibration.priors[name]
        grid = np.linspace(prior.low, prior.high, 200)
        family, args = prior.scipy()
        density = getattr(scipy.stats, family)(*args).pdf(grid)
        ax.fill_between(grid, density, color="0.85", lw=0, label="prior")
        ax.hist(
            frame[name],
            bins=15,
            range=(prior.low, prior.high),
            weights=frame["weight"],
            density=True,
            color="tab:blue",
            alpha=0.7,
            label="posterior",
        )
        ax.set_xlabel(f"{name}\n{keys[name]}", fontsize=8)
        ax.set_ylabel("probability density")
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(names) :]:
        ax.set_visible(False)
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(
        f"{problem.base.name}: posterior marginals against the record up to "
        f"{calibration.until} ({len(frame)} weighted particles; grey: prior density)"
    )
    fig.savefig(path, dpi=90)
    plt.close(fig)


def predictive_figure(
    problem: Problem, trajectories: pd.DataFrame, predicted: pd.DataFrame, path: Path
) -> None:
    """Posterior-predictive trajectories of every target indicator against the record."""
    plt = _pyplot()
    indicators = problem.indicators
    fig, axes = plt.subplots(
        1,
        len(indicators),
        figsize=(5.2 * len(indicators), 4.2),
        constrained_layout=True,
        squeeze=False,
    )
    until = problem.calibration.until
    for ax, indicator in zip(axes[0], indicators, strict=True):
        compared = [c for c in problem.compared if c.indicator == indicator]
        base = compared[0].relative_to if compared else None
        wide = trajectories.pivot(index="year", columns="draw", values=indicator)
        if base is not None:
            wide = wide / wide.loc[base]
        q = wide.quantile([0.05, 0.25, 0.5, 0.75, 0.95], axis=1).T
        for low, high, alpha, share in ((0.05, 0.95, 0.15, 90), (0.25, 0.75, 0.3, 50)):
            ax.fill_between(
                q.index,
                q[low],
                q[high],
                color="tab:blue",
                alpha=alpha,
                lw=0,
                label=f"model, {share} % of runs",
            )
        ax.plot(q.index, q[0.5], color="tab:blue", label="model, median")
        for c in compared:
            values = predicted[c.key]
            ax.vlines(
                c.year + 0.3,
                values.quantile(0.05),
                values.quantile(0.95),
                color="0.4",
                lw=3,
                alpha=0.6,
                label="predicted record, 90 %" if c is compared[0] else None,
            )
            style = dict(fmt="o", color="black", capsize=3, ms=5)
            if not c.in_sample:
                style.update(color="tab:red", mfc="white", fmt="s")
            ax.errorbar(
                c.year, c.value, yerr=[[c.value - c.low], [c.high - c.value]], **style, label=None
            )
        ax.plot([], [], "o", color="black", label="record, fitted (range)")
        if any(not c.in_sample for c in compared):
            ax.plot([], [], "s", color="tab:red", mfc="white", label="record, held out (range)")
        ax.axvline(until + 0.5, color="0.3", ls="--", lw=0.8)
        ax.text(until + 0.7, ax.get_ylim()[1], f"fit ends {until}", fontsize=7, va="top")
        unit = UNITS.get(indicator, "")
        label = f"{indicator} ({base} = 1)" if base is not None else f"{indicator} ({unit})"
        ax.set_ylabel(label)
        ax.set_xlabel("year")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(
        f"{problem.base.name}: posterior predictive ({len(predicted)} runs: parameters drawn "
        "from the posterior, each with its own seed) against the record"
    )
    fig.savefig(path, dpi=90)
    plt.close(fig)


def coverage_figure(problem: Problem, table: pd.DataFrame, path: Path) -> None:
    """Each observation's 90 % predictive band and the record's range, relative to the record."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.38 * len(table) + 1.6), constrained_layout=True)
    for i, r in enumerate(table.to_dict("records")):
        colour = "tab:blue" if r["sample"] == "in" else "tab:red"
        ax.plot(
            [100 * (r["p05"] / r["record"] - 1), 100 * (r["p95"] / r["record"] - 1)],
            [i, i],
            color=colour,
            lw=5,
            alpha=0.5,
            solid_capstyle="butt",
        )
        ax.plot(100 * r["error"], i, "|", color=colour, ms=14, mew=2)
        ax.plot(
            [100 * (r["record_low"] / r["record"] - 1), 100 * (r["record_high"] / r["record"] - 1)],
            [i, i],
            color="black",
            lw=1.5,
        )
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(table)), [f"{r.indicator} {r.year}" for r in table.itertuples()])
    ax.invert_yaxis()
    ax.set_xlabel("difference from the record's value (%)")
    ax.set_ylabel("observation (indicator, year)")
    ax.plot([], [], color="tab:blue", lw=5, alpha=0.5, label="in-sample: 90 % predictive band")
    ax.plot([], [], color="tab:red", lw=5, alpha=0.5, label="held out: 90 % predictive band")
    ax.plot([], [], "|", color="0.3", ms=10, mew=2, label="predictive median")
    ax.plot([], [], color="black", lw=1.5, label="record's own range")
    ax.legend(fontsize=7, loc="best")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(
        f"{problem.base.name}: coverage of the record (fit up to {problem.calibration.until})"
    )
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write_all(
    problem: Problem, database: Path, out: Path, **execution: Any
) -> tuple[Posterior, pd.DataFrame]:
    """Every output of a finished calibration."""
    posterior = write_posterior(problem, database, out)
    table = write_predictive(problem, posterior, out, **execution)
    return posterior, table


__all__ = ["write_all"]
