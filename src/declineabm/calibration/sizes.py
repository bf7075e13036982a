r"""Does calibrating a smaller city bias the fitted statistics? The same draws at two sizes.

A calibration may simulate a smaller city than the one users run, to save time. This runs the
same posterior draws (parameter sets and seeds) at the calibration's size and at another (the
scenario's own, or the one ``--set`` draws), and compares every fitted statistic: the paired
difference of the means, its 90 % interval, and the difference in units of the statistic's
error scale (what the distance divides by). A difference well inside one error scale cannot
move the posterior much.

    python -m declineabm.calibration.sizes northeast --calibration northeast \\
        --posterior results/calibration/posterior.json --draws 20 --out results/sizes \\
        --set simulation.residents=20000 --set geography.km_per_cell=12
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from declineabm.analysis.arms import paired_interval
from declineabm.calibration.observation import last_year, predict, reporting_values
from declineabm.calibration.posterior import Posterior, load_posterior, replicate
from declineabm.calibration.smc import Problem, open_pool, prepare, run_batch
from declineabm.calibration.spec import load_calibration
from declineabm.io.files import write_atomic
from declineabm.scenario import Scenario, load_scenario
from declineabm.scenario.loading import parse_assignment
from declineabm.sweep import RunSpec


def compare_sizes(
    problem: Problem,
    posterior: Posterior,
    draws: int,
    out: Path,
    other: Scenario | None = None,
    **execution: Any,
) -> pd.DataFrame:
    """The fitted statistics of the same draws at the calibration's size and at ``other``.

    ``other`` is the scenario at the second size (the scenario's own if None).
    """
    other = problem.base if other is None else other
    calibration = problem.calibration
    years = last_year(problem.compared, in_sample_only=False) - problem.base.simulation.start_year
    chosen = [replicate(posterior, calibration.budget.seed + 1, j) for j in range(draws)]
    predicted = {}
    with open_pool(**execution) as pool:
        for label, scenario in (("calibration", problem.simulated), ("other", other)):
            specs = [RunSpec(scenario, o, seed, years) for o, seed in chosen]
            series = run_batch(specs, out / label, problem.indicators, pool, progress=True)
            predicted[label] = pd.DataFrame(
                [
                    predict(
                        s,
                        problem.compared,
                        reporting_values(calibration.reporting, posterior.draw_for(seed).values),
                    )
                    for s, (_, seed) in zip(series, chosen, strict=True)
                ]
            )
    rows = []
    for c in problem.compared:
        small, large = predicted["calibration"][c.key], predicted["other"][c.key]
        mean, low, high = paired_interval((small - large).to_numpy(np.float64))
        rows.append(
            {
                "statistic": c.key,
                "sample": "in" if c.in_sample else "out",
                "calibration_size": float(small.mean()),
                "other_size": float(large.mean()),
                "difference": mean,
                "difference_low": low,
                "difference_high": high,
                "in_error_scales": mean / c.scale,
                "spread_over_draws": float(large.std(ddof=1)),
            }
        )
    return pd.DataFrame(rows)


def report(problem: Problem, table: pd.DataFrame, draws: int, other: Scenario) -> str:
    """The comparison as Markdown."""
    residents = (problem.simulated.simulation.residents, other.simulation.residents)
    lines = [
        f"# Fitted statistics at {residents[0]:,} and {residents[1]:,} agents",
        "",
        f"{draws} posterior draws (parameters and seed), each run at both sizes. Difference: the "
        "mean at the calibration's size minus at the other, with its paired 90 % interval; in "
        "error scales: over the scale the calibration's distance divides the statistic's error "
        "by; spread: the standard deviation over draws at the other size.",
        "",
        f"| statistic | {residents[0]:,} agents | {residents[1]:,} agents | difference (90 % CI) "
        "| in error scales | spread over draws |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['statistic']} | {r['calibration_size']:.4g} | {r['other_size']:.4g} "
        f"| {r['difference']:+.3g} ({r['difference_low']:+.3g} to {r['difference_high']:+.3g}) "
        f"| {r['in_error_scales']:+.2f} | {r['spread_over_draws']:.3g} |"
        for r in table.to_dict("records")
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: write ``sizes.csv`` and ``sizes.md`` into ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--calibration", required=True)
    parser.add_argument("--posterior", required=True, type=Path)
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="the second size, over the scenario (default: the scenario's own)",
    )
    args = parser.parse_args(argv)
    problem = prepare(args.scenario, load_calibration(args.calibration))
    other = load_scenario(problem.base, dict(parse_assignment(a) for a in args.set))
    table = compare_sizes(
        problem,
        load_posterior(args.posterior),
        args.draws,
        args.out.absolute(),
        other,
        workers=args.workers,
    )
    write_atomic(args.out / "sizes.csv", table.to_csv(index=False, float_format="%.6g"))
    write_atomic(args.out / "sizes.md", report(problem, table, args.draws, other))
    print((args.out / "sizes.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
