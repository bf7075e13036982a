"""``declineabm validate``: does one parameter set reproduce the paper's patterns and the record?

Each seed runs twice, with and without revitalization policy (two patterns compare the two).
Two kinds of test, each measured per seed and reported with its median and 5-95 % band:

* the paper's qualitative patterns (:mod:`declineabm.analysis.patterns`), passing when the
  median meets the target;
* levels and timings against the scenario's observed record
  (:mod:`declineabm.analysis.record_checks`), passing when the band overlaps the record's range.

With ``wrong_models`` (a file of named override sets, ``configs/validation/``) every wrong model
runs on the same seeds too, and the report says which wrong models each test rejects: a test
that rejects none cannot tell the model from a broken one.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from declineabm.analysis.arms import Arm, replicate_seeds, run_arms
from declineabm.analysis.patterns import PATTERNS, measure_all, summarize
from declineabm.analysis.record_checks import (
    ObservationModel,
    observation_model,
    record_values,
    summarize_record,
)
from declineabm.calibration.observation import gather_record
from declineabm.calibration.posterior import Posterior
from declineabm.calibration.spec import Calibration, CalibrationError
from declineabm.io.files import write_atomic
from declineabm.io.observed import Observation, load_observed
from declineabm.model.indicators import INDICATORS
from declineabm.scenario import config_dir, load_scenario

END_YEAR = 2022  # the paper's last figure
SCENARIO = "scenario"
"""Name of the model under test among the wrong models."""

FIGURES = (
    ("output_share", "Share of national output"),
    ("output", "Output"),
    ("population", "Population"),
    ("share_65plus", "Share aged 65+"),
    ("old_industry_job_share", "Heavy industry + mining share of jobs"),
    ("empty_housing", "Vacant + derelict housing share"),
    ("remaining_resources", "Reserves left"),
    ("soe_firms", "State-owned firms"),
    ("net_migration_young", "Net migration aged 18-34"),
)
UNITS = {ind.name: ind.unit for ind in INDICATORS} | {
    "old_industry_job_share": "fraction",
    "empty_housing": "fraction",
}


@dataclass(frozen=True)
class WrongModel:
    """A named set of overrides that breaks the model on purpose."""

    name: str
    reason: str
    overrides: Mapping[str, Any]


def wrong_models_path(name: str | os.PathLike[str]) -> Path:
    """A wrong-models file from a path or a name in ``configs/validation/``."""
    path = Path(name)
    if path.suffix != ".toml" and os.sep not in str(name):
        path = config_dir() / "validation" / f"{name}.toml"
    if not path.is_file():
        raise CalibrationError(f"wrong-models file '{name}' not found")
    return path


def load_wrong_models(name: str | os.PathLike[str], scenario: str) -> tuple[WrongModel, ...]:
    """Read a wrong-models file; each set is checked against the scenario before anything runs."""
    path = wrong_models_path(name)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CalibrationError(f"{path}: not valid TOML: {exc}") from None
    models = []
    for model_name, table in raw.items():
        if not isinstance(table, dict) or not isinstance(table.get("reason"), str):
            raise CalibrationError(f"{path}: [{model_name}] must be a table with a reason")
        if model_name == SCENARIO:
            raise CalibrationError(f"{path}: '{SCENARIO}' names the model under test")
        overrides = {k: v for k, v in table.items() if k != "reason"}
        try:
            load_scenario(scenario, overrides)
        except Exception as exc:
            raise CalibrationError(f"{path}: [{model_name}]: {exc}") from None
        models.append(WrongModel(model_name, table["reason"], overrides))
    if not models:
        raise CalibrationError(f"{path}: defines no wrong model")
    return tuple(models)


def _arms(name: str, overrides: Mapping[str, Any]) -> tuple[Arm, Arm]:
    # The twin has no revitalization budget but keeps the region's government (its investment
    # climate): the paper's patterns on policy are about what the support did. A model without
    # cause 7 has no budget to take away, so it is its own twin.
    prefix = "" if name == SCENARIO else f"{name}/"
    return (
        Arm(f"{prefix}policy", overrides),
        Arm(f"{prefix}no_policy", {**overrides, "policy.budget_share": 0.0}),
    )


def validate(
    scenario: str,
    out: Path,
    replicates: int = 20,
    seed: int = 2003,
    *,
    wrong_models: str | os.PathLike[str] | None = None,
    calibration: Calibration | None = None,
    posterior: Posterior | None = None,
    **batch: Any,
) -> pd.DataFrame:
    """Run the validation and write ``patterns.csv``, ``patterns.md`` and the figures.

    Args:
        scenario: Scenario name or path.
        out: Output folder (the runs go to ``out/runs``).
        replicates: Seeds.
        seed: Seed the replicate seeds derive from.
        wrong_models: A wrong-models file (name in ``configs/validation/`` or path): also run
            every wrong model and report which tests reject it.
        calibration: Compare with the record through this calibration's observation model.
        posterior: Draw each seed's parameters from this posterior (and compare with the
            record through its observation model).
        **batch: Passed to :func:`declineabm.analysis.arms.run_arms` (overrides, workers,
            scheduler, resume, progress).

    Returns:
        The summary: one row per pattern and record check, with ``pass``.
    """
    base = load_scenario(scenario, batch.get("overrides"))
    if not base.observed:
        record: tuple[Observation, ...] = ()
    elif calibration is not None:
        record = gather_record(calibration, base.observed)
    else:
        record = load_observed(base.observed)
    model = observation_model(record, calibration, posterior) if record else None
    wrong = load_wrong_models(wrong_models, scenario) if wrong_models is not None else ()
    models: dict[str, Mapping[str, Any]] = {SCENARIO: {}}
    models |= {w.name: w.overrides for w in wrong}
    arms = [arm for name, overrides in models.items() for arm in _arms(name, overrides)]
    seeds = replicate_seeds(seed, replicates)
    series = run_arms(
        scenario, arms, seeds, out / "runs", end_year=END_YEAR, posterior=posterior, **batch
    )
    by_arm = {
        (arm, s): frame.reset_index(drop=True)
        for (arm, s), frame in series.groupby(["arm", "seed"], sort=False)
    }
    summaries = {}
    all_values = []
    for name, overrides in models.items():
        with_policy, without = (arm.name for arm in _arms(name, overrides))
        values = pd.DataFrame(
            [measure_all(by_arm[(with_policy, s)], by_arm[(without, s)]) for s in seeds],
            index=pd.Index(seeds, name="seed"),
        )
        table = summarize(values).assign(kind="pattern").rename(columns={"pattern": "check"})
        if model is not None and model.compared:
            checks = record_values({s: by_arm[(with_policy, s)] for s in seeds}, model)
            table = pd.concat([table, summarize_record(checks, model)], ignore_index=True)
            values = values.join(checks)
        summaries[name] = table
        all_values.append(values.assign(model=name))
    summary = summaries[SCENARIO]
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "patterns.csv", summary.to_csv(index=False, float_format="%.6g"))
    values = pd.concat(all_values)
    write_atomic(out / "pattern_values.csv", values.to_csv(float_format="%.6g"))
    discrimination = discrimination_table(summaries) if wrong else None
    if discrimination is not None:
        write_atomic(out / "discrimination.csv", discrimination.to_csv(index=False))
    write_atomic(
        out / "patterns.md", report(summary, scenario, replicates, model, discrimination, wrong)
    )
    figures(series[series["arm"].isin(["policy", "no_policy"])], out / "figures", model)
    return summary


def discrimination_table(summaries: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per test: does the model pass it, and does each wrong model fail it (is rejected)?"""
    right = summaries[SCENARIO].set_index("check")
    table = pd.DataFrame(
        {
            "check": right.index,
            "kind": right["kind"].to_numpy(),
            "model_passes": right["pass"].to_numpy(),
        }
    )
    for name, summary in summaries.items():
        if name != SCENARIO:
            table[name] = ~summary.set_index("check").loc[right.index, "pass"].to_numpy()
    wrong = [n for n in summaries if n != SCENARIO]
    table["rejects"] = table[wrong].sum(axis=1).astype(int)
    return table


def report(
    summary: pd.DataFrame,
    scenario: str,
    replicates: int,
    model: ObservationModel | None,
    discrimination: pd.DataFrame | None,
    wrong: tuple[WrongModel, ...],
) -> str:
    """The validation as Markdown: patterns, record checks, and the wrong models they reject."""
    patterns = summary[summary["kind"] == "pattern"]
    checks = summary[summary["kind"] != "pattern"]
    lines = [
        f"# Validation of `{scenario}` against the paper's patterns and the record",
        "",
        f"{int(patterns['pass'].sum())} of {len(patterns)} patterns pass over {replicates} seeds "
        "(median over seeds against the target; band: 5-95 % of seeds).",
        "",
        "| pattern | measure | target | median | 5-95 % band | pass |",
        "|---|---|---|---|---|---|",
    ]
    lines += [_row(r) for r in patterns.to_dict("records")]
    if model is not None and not checks.empty:
        lines += [
            "",
            f"{int(checks['pass'].sum())} of {len(checks)} record checks pass: a level passes "
            "when the model's 5-95 % band over seeds overlaps the record's range, a timing when "
            f"the median year falls in the record's bracket. Observation model: {model.source}.",
            "",
            "| check | measure | record | median | 5-95 % band | pass |",
            "|---|---|---|---|---|---|",
        ]
        lines += [_row(r) for r in checks.to_dict("records")]
    if discrimination is not None:
        names = [w.name for w in wrong]
        lines += [
            "",
            "## Which wrong models each test rejects",
            "",
            "A wrong model is rejected by a test it fails (its median misses the target, or its "
            "band misses the record). A test that rejects none cannot tell the model from a "
            "broken one.",
            "",
            "| test | model passes | " + " | ".join(names) + " | rejects |",
            "|---|---|" + "---|" * len(names) + "---|",
        ]
        for r in discrimination.to_dict("records"):
            cells = " | ".join("rejects" if r[n] else "·" for n in names)
            passes = "yes" if r["model_passes"] else "NO"
            lines.append(f"| {r['check']} | {passes} | {cells} | {r['rejects']} of {len(names)} |")
        lines += ["", "Wrong models:", ""]
        lines += [f"- `{w.name}`: {w.reason}" for w in wrong]
    return "\n".join(lines) + "\n"


def _row(r: Mapping[str, Any]) -> str:
    return (
        f"| {r['check']} | {r['description']} | {r['target']} | {r['median']:.4g} "
        f"| {r['p05']:.4g} – {r['p95']:.4g} | {'yes' if r['pass'] else 'NO'} |"
    )


def _derived(series: pd.DataFrame) -> pd.DataFrame:
    return series.assign(
        old_industry_job_share=series["heavy_job_share"] + series["resource_job_share"],
        empty_housing=series["housing_vacancy_rate"] + series["derelict_share"],
    )


def figures(series: pd.DataFrame, folder: Path, model: ObservationModel | None = None) -> None:
    """One PNG per trajectory, with and without policy, and the record where it compares.

    Each shows the median and 5-95 % band over seeds and the record's observations (value and
    range) where they are compared as levels.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from declineabm.io.figures import BAND, indicator_axis, unit_axis

    folder.mkdir(parents=True, exist_ok=True)
    data = _derived(series)
    record = [c for c in (model.compared if model else ()) if c.relative_to is None]
    for column, title in FIGURES:
        fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
        scale = indicator_axis(ax, "y", column, title.split(" (")[0].lower())
        unit_axis(ax, "x", "year", "year")
        for arm, colour in (("policy", "tab:blue"), ("no_policy", "tab:orange")):
            per_year = data[data["arm"] == arm].groupby("year")[column]
            median = per_year.median() * scale
            label = arm.replace("_", " ")
            ax.plot(median.index, median, color=colour, label=f"{label}: median over seeds")
            ax.fill_between(
                median.index,
                per_year.quantile(0.05) * scale,
                per_year.quantile(0.95) * scale,
                color=colour,
                alpha=0.2,
                lw=0,
                label=f"{label}: 5-95 % of seeds",
            )
        points = [c for c in record if c.indicator == column]
        if points:
            ax.errorbar(
                [c.year for c in points],
                [c.value * scale for c in points],
                yerr=[
                    [(c.value - c.low) * scale for c in points],
                    [(c.high - c.value) * scale for c in points],
                ],
                fmt="o",
                color="black",
                capsize=3,
                zorder=3,
                label="record (value and range)",
            )
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, title=BAND, title_fontsize=7)
        fig.savefig(folder / f"{column}.png", dpi=90)
        plt.close(fig)


__all__ = ["PATTERNS", "validate"]
