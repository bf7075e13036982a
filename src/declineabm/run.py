"""One run of a scenario to a folder: ``model.csv``, ``cities.csv``, ``run.json``, ``summary.png``.

The yearly rows stream to ``model.csv.part`` as the run goes and the file is moved into place
when the run ends, so a run killed halfway keeps every finished year and never leaves a
half-written ``model.csv``; ``run.json`` records the resolved scenario, seed, versions, the
scenario's hash, the wall time and the outcome.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from declineabm.io.files import StreamingCsv, write_json
from declineabm.io.provenance import now, package_versions
from declineabm.io.report import summary_figure, summary_table
from declineabm.model import UrbanDeclineModel
from declineabm.model.indicators import CITY_INDICATOR_NAMES, INDICATOR_NAMES
from declineabm.scenario import Scenario


def run_record(
    model: UrbanDeclineModel, started: str, wall_time: float, status: str
) -> dict[str, Any]:
    """The ``run.json`` content for a model."""
    return {
        "scenario": model.config.name,
        "seed": model.seed,
        "status": status,
        "years": [model.config.simulation.start_year, model.year],
        "scenario_sha256": model.config.digest(),
        "started": started,
        "wall_time_s": round(wall_time, 3),
        "versions": package_versions(),
        "config": model.config.to_dict(),
    }


def run_to_folder(
    scenario: str | Path | Scenario,
    out: Path,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: bool = True,
    figure: bool = True,
) -> pd.DataFrame:
    """Run a scenario to its end year and write its results into ``out``.

    Args:
        scenario: Scenario name, TOML path or object.
        out: Output folder (created).
        seed: Random seed (drawn and recorded if None).
        overrides: Parameter overrides by dotted key.
        progress: Show a progress bar on stderr.
        figure: Also draw ``summary.png``.

    Returns:
        The yearly indicators (the content of ``model.csv``).
    """
    started, clock = now(), time.perf_counter()
    model = UrbanDeclineModel(scenario, seed=seed, **dict(overrides or {}))
    csv = StreamingCsv(out / "model.csv", INDICATOR_NAMES)
    cities = StreamingCsv(out / "cities.csv", CITY_INDICATOR_NAMES)
    years = model.config.simulation.end_year - model.year
    status = "failed"
    try:
        csv.write(model.indicators)
        for row in model.city_indicators():
            cities.write(row)
        with tqdm(
            total=years,
            desc=f"{model.config.name} seed {model.seed}",
            unit="year",
            disable=not progress,
            leave=False,
        ) as bar:
            while model.running and model.year < model.config.simulation.end_year:
                model.step()
                csv.write(model.indicators)
                for row in model.city_indicators():
                    cities.write(row)
                bar.update()
        csv.commit()
        cities.commit()
        status = "ok"
    finally:
        csv.close()
        cities.close()
        write_json(
            out / "run.json", run_record(model, started, time.perf_counter() - clock, status)
        )
        model.dispose()
    df = model.datacollector.get_model_vars_dataframe()
    if figure:
        summary_figure(df, out / "summary.png", f"{model.config.name}, seed {model.seed}")
    return df


__all__ = ["run_to_folder", "summary_table"]
