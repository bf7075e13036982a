"""How long the command line takes to answer, against the model it runs (issue 12: a fast CLI).

``python -m benchmarks.cli`` times, in one run and interleaved over ``--repeats`` repetitions
(medians reported), whole ``declineabm`` processes as a user starts them:

* ``--help`` and a refused bad input (``run northeast --set policy.efficiency=2``): start-up
  only (targets: under 0.3 s);
* a default ``declineabm run northeast`` (the scenario the README runs, figure and progress
  bar included; target: under 1.5 s) and the same run with ``--no-figure``;
* the reference: a bare ``python -c pass`` (the interpreter's own start-up);

and, in a fresh interpreter of its own each repetition, the model alone
(``UrbanDeclineModel.run`` of the same scenario and seed, its imports done) against the summary
figure of its result, drawn first as the command draws it (matplotlib's import included) and
then once more with matplotlib loaded (target: the figure at most as long as the model).

It prints one table, every time also as a ratio to ``python -c pass`` measured in the same run,
and the ratios the targets are about. Absolute seconds depend on the machine and its load
(the table says the load average); read the ratios. ``--json`` also prints the medians as one
JSON line. ``make bench`` runs it and prints its table.

``--before SRC`` measures another checkout's package too (``SRC`` is its ``src`` folder, put
first on ``PYTHONPATH``), each repetition of it right before the same repetition of this one,
and prints a table of both: a before/after comparison under the same load.

The CPU time of a ``declineabm run`` process includes its children: the helper process that
draws ``summary.png`` while the model runs (:mod:`declineabm.io.figure_process`) is counted
there, though it runs beside the model, not after it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = 7
SCENARIO = "northeast"
DECLINEABM = [sys.executable, "-m", "declineabm"]
STARTS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "declineabm --help": [*DECLINEABM, "--help"],
    "refused bad input": [*DECLINEABM, "run", SCENARIO, "--set", "policy.efficiency=2"],
}
RUNS = {
    "declineabm run": [],
    "declineabm run --no-figure": ["--no-figure"],
}
IN_PROCESS = ("model alone", "figure, first (with its imports)", "figure, matplotlib loaded")


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one process, its output discarded."""
    clock = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - clock, usage.ru_utime + usage.ru_stime


def model_and_figure() -> dict[str, tuple[float, float]]:
    """In this (fresh) process: wall and CPU seconds of the model's run, then of its figure."""
    from declineabm.model import UrbanDeclineModel

    clock, cpu = time.perf_counter(), time.process_time()
    model = UrbanDeclineModel(SCENARIO, seed=SEED)
    model.run()
    seconds = {IN_PROCESS[0]: (time.perf_counter() - clock, time.process_time() - cpu)}
    df = model.datacollector.get_model_vars_dataframe()
    model.dispose()
    with tempfile.TemporaryDirectory() as folder:
        for name in IN_PROCESS[1:]:
            clock, cpu = time.perf_counter(), time.process_time()
            from declineabm.io.report import summary_figure

            summary_figure(df, Path(folder) / "summary.png", f"{SCENARIO}, seed {SEED}")
            seconds[name] = (time.perf_counter() - clock, time.process_time() - cpu)
    return seconds


def in_fresh_process() -> dict[str, tuple[float, float]]:
    """:func:`model_and_figure` in a fresh interpreter (no module loaded before it)."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.cli", "--inner"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


Samples = dict[str, list[tuple[float, float]]]


def _repetition(samples: Samples, folder: Path) -> None:
    """One repetition of every measurement, into ``samples``."""
    for name, command in STARTS.items():
        samples.setdefault(name, []).append(timed(command))
    for name, extra in RUNS.items():
        out = folder / f"{len(samples[name]) if name in samples else 0}-{len(extra)}"
        command = [*DECLINEABM, "run", SCENARIO, "--seed", str(SEED), "--out", str(out)]
        samples.setdefault(name, []).append(timed([*command, *extra]))
    for name, (wall, cpu) in in_fresh_process().items():
        samples.setdefault(name, []).append((wall, cpu))


def _medians(samples: Samples) -> dict[str, dict[str, float]]:
    return {
        clock: {name: statistics.median(s[i] for s in values) for name, values in samples.items()}
        for i, clock in enumerate(("wall", "cpu"))
    }


def measure(repeats: int, before: Path | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """Median wall and CPU seconds of every measurement over interleaved repetitions.

    Keyed by side: "after" (the package this interpreter imports) and, with ``before`` (another
    checkout's ``src``), "before", each of its repetitions run just before the same of "after".
    """
    sides = {"after": os.environ.get("PYTHONPATH")}
    if before is not None:
        rest = os.environ.get("PYTHONPATH")
        sides = {"before": os.pathsep.join(filter(None, [str(before), rest])), **sides}
    samples: dict[str, Samples] = {side: {} for side in sides}
    saved = os.environ.get("PYTHONPATH")
    try:
        with tempfile.TemporaryDirectory() as folder:
            for _ in range(repeats):
                for side, path in sides.items():
                    if path is None:
                        os.environ.pop("PYTHONPATH", None)
                    else:
                        os.environ["PYTHONPATH"] = path
                    (Path(folder) / side).mkdir(exist_ok=True)
                    _repetition(samples[side], Path(folder) / side)
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    return {side: _medians(values) for side, values in samples.items()}


def report(medians: dict[str, dict[str, float]], repeats: int, loads: list[float]) -> list[str]:
    """The table and the ratios the targets are about."""
    walls, cpus = medians["wall"], medians["cpu"]
    python = walls["python -c pass"]
    lines = [
        f"medians of {repeats} interleaved repetitions (1-minute load average {loads[0]:.1f} at "
        f"the start, {loads[1]:.1f} at the end)",
        f"  {'':<36} {'wall s':>8} {'/ python':>9} {'CPU s':>8}",
    ]
    for name, seconds in walls.items():
        lines.append(f"  {name:<36} {seconds:8.3f} {seconds / python:8.1f}x {cpus[name]:8.3f}")
    medians = walls  # the ratios the targets are about, in wall time
    model = medians[IN_PROCESS[0]]
    lines += [
        f"figure (first, with imports) / model:   {medians[IN_PROCESS[1]] / model:.2f}",
        f"figure (matplotlib loaded) / model:     {medians[IN_PROCESS[2]] / model:.2f}",
        f"run - model (start-up, files, figure):  {medians['declineabm run'] - model:.2f} s",
        f"run - run --no-figure (the figure):     "
        f"{medians['declineabm run'] - medians['declineabm run --no-figure']:.2f} s",
    ]
    return lines


def compare(before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]) -> list[str]:
    """Before and after side by side: CPU seconds and wall time as a ratio to ``python``."""
    lines = [
        "before / after (CPU s; wall / python -c pass of the same side and run)",
        f"  {'':<36} {'CPU before':>10} {'CPU after':>10} {'wall/py before':>15} "
        f"{'wall/py after':>14}",
    ]
    for name in after["cpu"]:
        ratios = [side["wall"][name] / side["wall"]["python -c pass"] for side in (before, after)]
        lines.append(
            f"  {name:<36} {before['cpu'][name]:10.3f} {after['cpu'][name]:10.3f} "
            f"{ratios[0]:14.1f}x {ratios[1]:13.1f}x"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="also print the medians as JSON")
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        metavar="SRC",
        help="also measure the package in SRC (another checkout's src/), interleaved",
    )
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        print(json.dumps(model_and_figure()))
        return 0
    loads = [os.getloadavg()[0]]
    sides = measure(args.repeats, args.before)
    loads.append(os.getloadavg()[0])
    for side, medians in sides.items():
        if len(sides) > 1:
            print(f"{side}:")
        print("\n".join(report(medians, args.repeats, loads)))
    if len(sides) > 1:
        print("\n".join(compare(sides["before"], sides["after"])))
    if args.json:
        print(
            json.dumps(
                {
                    "repeats": args.repeats,
                    "load": loads,
                    **sides["after"],
                    **({"before": sides["before"]} if "before" in sides else {}),
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
