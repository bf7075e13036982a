"""The same region at any resolution: a scenario drawn with k times the agents, same people.

For each k, the scenario runs with ``simulation.residents`` x k agents (each standing for 1/k of
the persons) over the same seeds; every indicator's median over the seeds at each k is set
beside the seed band (5-95 %) at k = 1. An indicator whose median falls outside that band at
some k depends on the resolution. Writes ``resolution.csv`` (indicator, k, median, band) and
prints, for every k, the share of indicators inside the band and the largest deviation in
units of the band's half-width. ``--fresh`` adds the null comparison: k = 1 again on as many
other seeds, so the share of indicators a model with no dependence on k would put inside the
band (what chance alone leaves outside) is printed beside the others.

    python -m benchmarks.resolution --out resolution.csv              # the issue's 10 seeds
    python -m benchmarks.resolution --residents 4000 --seeds 4 --until 2005  # a quick look
    python -m benchmarks.resolution --residents 3000 --set geography.km_per_cell=24  # tests' size
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

FACTORS = (0.25, 0.5, 1.0, 2.0, 4.0)
EXCLUDED = ("year",)
"""Indicators not compared: the calendar."""


def _run(job: tuple[str, int, int, int, dict[str, object]]) -> dict[str, float]:
    scenario, residents, seed, until, overrides = job
    from declineabm import UrbanDeclineModel

    model = UrbanDeclineModel(
        scenario, seed=seed, **{"simulation.residents": residents, **overrides}
    )
    model.run(until=until)
    row = dict(model.indicators)
    model.dispose()
    return row


def compare(
    scenario: str,
    residents: int,
    seeds: Sequence[int],
    until: int,
    factors: Sequence[float] = FACTORS,
    workers: int = 2,
    overrides: dict[str, object] | None = None,
    fresh: bool = False,
) -> list[dict[str, object]]:
    """Every indicator's median at each k against the seed band at k = 1 (rows of a table).

    With ``fresh``, k = 1 also runs on as many seeds after ``seeds`` (rows with ``draw``
    "fresh"): the same resolution, other draws, so its share inside is the criterion's null.
    """
    seeds = list(seeds)
    draws = [(k, "same", seeds) for k in factors]
    if fresh:
        others = [max(seeds) + 1 + i for i in range(len(seeds))]
        draws.append((1.0, "fresh", others))
    jobs = [
        (scenario, max(50, round(residents * k)), seed, until, dict(overrides or {}))
        for k, _, chosen in draws
        for seed in chosen
    ]
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(_run, jobs))
    n = len(seeds)
    by_draw = {(k, draw): results[i * n : (i + 1) * n] for i, (k, draw, _) in enumerate(draws)}
    reference = by_draw[1.0, "same"]
    rows = []
    for name in reference[0]:
        if name in EXCLUDED:
            continue
        base = np.array([r[name] for r in reference])
        low, high = np.percentile(base, [5, 95])
        half = max((high - low) / 2, 1e-12 * max(abs(base).max(), 1.0))
        centre = (low + high) / 2
        for (k, draw), runs in by_draw.items():
            median = float(np.median([r[name] for r in runs]))
            rows.append(
                {
                    "indicator": name,
                    "k": k,
                    "draw": draw,
                    "median": median,
                    "band_low": float(low),
                    "band_high": float(high),
                    "inside": bool(low <= median <= high),
                    "deviation": abs(median - centre) / half,
                }
            )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Compare the scenario at several resolutions and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="northeast")
    parser.add_argument("--residents", type=int, default=20000, help="agents at k = 1")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--until", type=int, default=2022)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--factors", type=float, nargs="+", default=list(FACTORS))
    parser.add_argument("--out", type=Path, default=Path("resolution.csv"))
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="also run k = 1 on as many other seeds: the share inside that chance alone gives",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a scenario override for every run (e.g. geography.km_per_cell=24)",
    )
    args = parser.parse_args(argv)
    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key] = float(value) if "." in value or "e" in value else int(value)
    rows = compare(
        args.scenario,
        args.residents,
        range(1, args.seeds + 1),
        args.until,
        factors=args.factors,
        workers=args.workers,
        overrides=overrides,
        fresh=args.fresh,
    )
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    draws = [(k, "same") for k in args.factors] + ([(1.0, "fresh")] if args.fresh else [])
    for k, draw in draws:
        mine = [r for r in rows if r["k"] == k and r["draw"] == draw]
        inside = sum(r["inside"] for r in mine) / len(mine)
        worst = max(mine, key=lambda r: r["deviation"])
        label = f"{k:<4}" + (" on fresh seeds" if draw == "fresh" else "")
        print(
            f"k = {label} agents {round(args.residents * k):>7,}: {inside:.0%} of indicators "
            f"inside the k = 1 band; largest deviation {worst['deviation']:.2f} band "
            f"half-widths ({worst['indicator']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
