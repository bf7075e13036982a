"""Speed and memory of the decline model against Mesa's Schelling example, in one run.

``make bench`` (``python -m benchmarks.run --out bench.csv``) measures, at about 3k, 30k and
300k agents, the full decline model (northeast scenario, every mechanism on, data collection
on) and Mesa's own Schelling example, prints a table and writes it as CSV with the columns
``model, agents, init_s, step_s, us_per_agent_step, peak_kb_per_agent, ratio_to_schelling``.

Method (see ``docs/PERFORMANCE.md``):

* every measurement runs in a fresh interpreter (:mod:`benchmarks.measure`) that first warms
  up on a tiny model of the same kind, so no run inherits another's caches or memory;
* the measurements are interleaved — repetition 1 of every model and size, then repetition 2,
  and so on — so a burst of load from other processes hits both models alike, and each figure
  is the median over the repetitions;
* times are the CPU time of the measuring process (``--clock cpu``, the default): on a
  machine shared with other work, elapsed time also counts the moments another process held
  the core, which no repetition count averages away; ``--clock wall`` gives elapsed time;
* ``us_per_agent_step`` is the time of the timed steps over the sum of the agents alive
  before each of them; ``ratio_to_schelling`` divides it by Schelling's at the same size;
* ``peak_kb_per_agent`` is (peak resident memory - resident memory after imports and the
  warm-up) / agents at the start; the table also prints the absolute peak, the baseline
  and peak / agents.

Then, each in processes of its own: the step at 300k agents against its numpy floor
(:mod:`benchmarks.floor`, target at most 1.5x), construction and memory up to a million agents
(:mod:`benchmarks.scale`), and 144 runs of ``mesa.batch_run`` in one process
(:mod:`benchmarks.batch_memory`: flat memory, the last row), and the command line's start-up
and a default run against the model (:mod:`benchmarks.cli`). ``--no-floor``, ``--no-scale``,
``--no-batch`` and ``--no-cli`` skip them.

Sweep throughput with 1 and 2 local workers and 2 Dask workers comes from
``benchmarks/sweep_throughput.py``: three interleaved repetitions, the medians and their ratios
(targets: 2 workers >= 1.8x one, Dask >= 0.9x local with 2).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import statistics
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.sweep_throughput import measure_sweep_throughput

ROOT = Path(__file__).resolve().parent.parent
SWEEP_REPEATS = 3  # runs on a busy machine vary by +-10 %: take medians of interleaved repeats
SIZES = (3_000, 30_000, 300_000)
MODELS = ("decline", "schelling")
REFERENCE = "schelling"
COLUMNS = (
    "model",
    "agents",
    "init_s",
    "step_s",
    "us_per_agent_step",
    "peak_kb_per_agent",
    "ratio_to_schelling",
)
CLOCKS = {
    "cpu": "CPU time of the measuring process (time.process_time)",
    "wall": "elapsed wall-clock time (time.perf_counter)",
}


def json_of(module: str, *args: str | int) -> dict[str, Any]:
    """Run ``python -m benchmarks.<module> args`` in a fresh interpreter; its last JSON line."""
    command = [sys.executable, "-m", f"benchmarks.{module}", *map(str, args)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks.{module} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_in_subprocess(model: str, agents: int, steps: int) -> dict[str, Any]:
    """Run :mod:`benchmarks.measure` in a fresh interpreter and return its result."""
    command = [sys.executable, "-m", "benchmarks.measure", model, str(agents), "--steps"]
    done = subprocess.run(
        [*command, str(steps)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{model} at {agents} agents failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summarise(runs: Sequence[Mapping[str, Any]], clock: str) -> dict[str, Any]:
    """Medians over the repetitions of one model at one size, timed by ``clock``."""
    per_agent_step = [sum(r[clock]["steps"]) / sum(r["step_agents"]) * 1e6 for r in runs]
    model_kb = [r["peak_kb"] - r["baseline_kb"] for r in runs]
    agents = statistics.median(r["agents"] for r in runs)
    return {
        "model": runs[0]["model"],
        "agents": int(agents),
        "init_s": statistics.median(r[clock]["init"] for r in runs),
        "step_s": statistics.median(statistics.fmean(r[clock]["steps"]) for r in runs),
        "us_per_agent_step": statistics.median(per_agent_step),
        "peak_kb_per_agent": statistics.median(model_kb) / agents,
        "peak_mb": statistics.median(r["peak_kb"] for r in runs) / 1024,
        "baseline_mb": statistics.median(r["baseline_kb"] for r in runs) / 1024,
        "repetitions": len(runs),
    }


def benchmark(
    sizes: Iterable[int], repeats: int, steps: int, clock: str = "cpu", log=print
) -> list[dict[str, Any]]:
    """Measure every model at every size, interleaved, and return one summary row each.

    Rows are ordered by size, then model; ``ratio_to_schelling`` compares each row with the
    Schelling row of the same size (1 for Schelling itself).
    """
    sizes = list(sizes)
    runs: dict[tuple[int, str], list[dict[str, Any]]] = {(s, m): [] for s in sizes for m in MODELS}
    for rep in range(repeats):
        for size in sizes:
            for model in MODELS:
                result = measure_in_subprocess(model, size, steps)
                runs[size, model].append(result)
                timing = result[clock]
                log(
                    f"  rep {rep + 1}/{repeats} {model:>9} {result['agents']:>8,} agents: "
                    f"init {timing['init']:.2f} s, step {statistics.fmean(timing['steps']):.3f} s"
                )
    rows = []
    for size in sizes:
        summary = {model: summarise(runs[size, model], clock) for model in MODELS}
        reference = summary[REFERENCE]["us_per_agent_step"]
        for model in MODELS:
            row = summary[model]
            row["ratio_to_schelling"] = row["us_per_agent_step"] / reference
            rows.append(row)
    return rows


def sweep_ratios(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Median steady throughput per configuration and the two ratios the targets are about."""
    rates: dict[tuple[str, int], list[float]] = {}
    for row in rows:
        rates.setdefault((row["backend"], row["workers"]), []).append(row["steady_runs_per_s"])
    median = {key: statistics.median(values) for key, values in rates.items()}
    lines = [f"sweep {b} x{w}: {median[(b, w)]:.2f} runs/s (median)" for b, w in median]
    if {("local", 1), ("local", 2)} <= median.keys():
        lines.append(f"sweep: 2 workers / 1 = {median[('local', 2)] / median[('local', 1)]:.2f}")
    if {("local", 2), ("dask", 2)} <= median.keys():
        lines.append(
            f"sweep: dask x2 / local x2 = {median[('dask', 2)] / median[('local', 2)]:.2f}"
        )
    return lines


def format_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The summary rows as an aligned text table."""
    header = (
        f"{'model':<10}{'agents':>9}{'init s':>9}{'step s':>9}{'µs/agent-step':>15}"
        f"{'peak MB':>9}{'base MB':>9}{'KB/agent':>10}{'(absolute)':>11}{'vs Schelling':>14}"
    )
    lines = [header, "-" * len(header)]
    lines += [
        f"{r['model']:<10}{r['agents']:>9,}{r['init_s']:>9.3f}{r['step_s']:>9.4f}"
        f"{r['us_per_agent_step']:>15.3f}{r['peak_mb']:>9.1f}{r['baseline_mb']:>9.1f}"
        f"{r['peak_kb_per_agent']:>10.3f}{r['peak_mb'] * 1024 / r['agents']:>11.3f}"
        f"{r['ratio_to_schelling']:>14.3f}"
        for r in rows
    ]
    return "\n".join(lines)


def scaling_summary(rows: Sequence[Mapping[str, Any]], model: str = "decline") -> list[str]:
    """How the model's cost grows from one size to the next (the issue's scaling targets)."""
    ours = [r for r in rows if r["model"] == model]
    lines = []
    for small, large in itertools.pairwise(ours):
        lines.append(
            f"{model} {small['agents']:,} -> {large['agents']:,} agents: "
            f"µs/agent-step x{large['us_per_agent_step'] / small['us_per_agent_step']:.2f}, "
            f"init x{large['init_s'] / small['init_s']:.2f} "
            f"for x{large['agents'] / small['agents']:.2f} agents"
        )
    return lines


def _short(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def write_csv(path: Path, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    """Write ``rows`` (only ``columns``) to ``path``."""
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table and write the CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench.csv"))
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), metavar="AGENTS")
    parser.add_argument("--repeats", type=int, default=5, help="repetitions per model and size")
    parser.add_argument("--steps", type=int, default=5, help="timed steps per repetition")
    parser.add_argument(
        "--clock",
        choices=CLOCKS,
        default="cpu",
        help="cpu: the measuring process's CPU time (default; robust on a shared machine); "
        "wall: elapsed time",
    )
    parser.add_argument("--no-sweep", action="store_true", help="skip the sweep throughput")
    parser.add_argument("--no-floor", action="store_true", help="skip the floor at 300k")
    parser.add_argument("--no-scale", action="store_true", help="skip construction up to 1M")
    parser.add_argument("--no-batch", action="store_true", help="skip 144 runs of batch_run")
    parser.add_argument("--no-cli", action="store_true", help="skip the command line's times")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log(
        f"benchmark: sizes {args.sizes}, {args.repeats} repetitions of {args.steps} steps, "
        f"{args.clock} time"
    )
    rows = benchmark(args.sizes, args.repeats, args.steps, args.clock, log=log)
    print(f"times: {CLOCKS[args.clock]}; medians of {args.repeats} repetitions")
    print(format_table(rows))
    for line in scaling_summary(rows):
        print(line)
    write_csv(args.out, rows, COLUMNS)
    print(f"wrote {args.out}")

    if not args.no_floor:
        log("floor: the step at 300k agents against its numpy floor (benchmarks.floor)")
        floor = json_of("floor", "--agents", 300_000, "--steps", 5)
        print(
            f"floor at {floor['agents']:,} agents: step {floor['step_s'] * 1e3:.1f} ms, numpy "
            f"floor {floor['floor_s'] * 1e3:.1f} ms, step / floor {floor['ratio']:.2f} "
            f"(Mesa bookkeeping's own array work {floor['bookkeeping_s'] * 1e3:.1f} ms)"
        )
    if not args.no_scale:
        log("scale: construction and memory up to 1M agents (benchmarks.scale)")
        grown = json_of("scale", "--repeats", 3)
        for row in grown["sizes"].values():
            print(
                f"scale {row['agents']:,} agents: init {row['init_s']:.2f} s, "
                f"{row['kb_per_agent']:.3f} KB/agent over the baseline"
            )
        for name, ratio in grown["construction_ratios"].items():
            print(f"scale {name}: x{ratio:.2f} for x10 agents")
    if not args.no_batch:
        log("batch: 144 runs of mesa.batch_run in one process (benchmarks.batch_memory)")
        batch = json_of("batch_memory", "--runs", 144)
        print(
            f"batch_run x{batch['runs']} (Mesa {batch['mesa']}): {batch['first_mb']:.0f} MB "
            f"at the first run, {batch['last_mb']:.0f} MB at the last, "
            f"{batch['growth_mb_per_run']:.3f} MB a run (rows kept by batch_run "
            f"{batch['rows_kb_per_run']:.1f} KB a run, malloc {batch['malloc_kb_per_run']} KB a "
            f"run, alive after {batch['alive_after']}); last rows {batch['last_years']} "
            f"(end year {batch['end_year']})"
        )
    if not args.no_cli:
        log("cli: --help, a refused input, a default run against the model (benchmarks.cli)")
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.cli", "--repeats", "5"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        print(done.stdout, end="")

    if not args.no_sweep:
        sweeps = measure_sweep_throughput(repeats=SWEEP_REPEATS)
        sweep_out = args.out.with_name(f"{args.out.stem}_sweep.csv")
        for row in sweeps:
            print("sweep: " + ", ".join(f"{k} {_short(v)}" for k, v in row.items()))
        for line in sweep_ratios(sweeps):
            print(line)
        write_csv(sweep_out, sweeps, list(sweeps[0]))
        print(f"wrote {sweep_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
