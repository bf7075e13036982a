"""Construction time and memory of the decline model as it grows to a million agents.

``python -m benchmarks.scale`` measures the decline model alone (each size in a fresh process,
:mod:`benchmarks.measure`; medians of ``--repeats`` interleaved repetitions) at 30k, 100k, 300k
and 1M agents and prints the two construction ratios of issue 12 (300k / 30k and 1M / 100k,
targets at most 10x for 10x the agents) and the memory per agent over the post-import
baseline at 300k and 1M (target at most 0.5 KB), as a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from typing import Any

from benchmarks.run import measure_in_subprocess

SIZES = (30_000, 100_000, 300_000, 1_000_000)
RATIOS = ((300_000, 30_000), (1_000_000, 100_000))


def scale(sizes=SIZES, repeats: int = 3, steps: int = 2, log=print) -> dict[str, Any]:
    """Median construction time (CPU) and peak memory per agent at each size."""
    runs: dict[int, list[dict[str, Any]]] = {size: [] for size in sizes}
    for rep in range(repeats):
        for size in sizes:
            result = measure_in_subprocess("decline", size, steps)
            runs[size].append(result)
            log(
                f"  rep {rep + 1}/{repeats} {result['agents']:>9,} agents: init "
                f"{result['cpu']['init']:.2f} s, "
                f"{(result['peak_kb'] - result['baseline_kb']) / result['agents']:.3f} KB/agent"
            )
    rows = {
        size: {
            "agents": int(statistics.median(r["agents"] for r in results)),
            "init_s": statistics.median(r["cpu"]["init"] for r in results),
            "kb_per_agent": statistics.median(
                (r["peak_kb"] - r["baseline_kb"]) / r["agents"] for r in results
            ),
            "baseline_mb": statistics.median(r["baseline_kb"] for r in results) / 1024,
        }
        for size, results in runs.items()
    }
    ratios = {
        f"init {large // 1000}k / {small // 1000}k": rows[large]["init_s"] / rows[small]["init_s"]
        for large, small in RATIOS
        if large in rows and small in rows
    }
    return {"sizes": rows, "construction_ratios": ratios}


def main(argv: list[str] | None = None) -> int:
    """Print the table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), metavar="AGENTS")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=2, help="steps after construction")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = scale(args.sizes, args.repeats, args.steps, log=log)
    print(f"{'agents':>10}{'init s':>9}{'KB/agent':>10}")
    for row in result["sizes"].values():
        print(f"{row['agents']:>10,}{row['init_s']:>9.3f}{row['kb_per_agent']:>10.3f}")
    for name, ratio in result["construction_ratios"].items():
        print(f"{name}: x{ratio:.2f} for x10 agents")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
