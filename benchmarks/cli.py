"""How long the command line takes to answer, against the model it runs (issue: a fast CLI).

``python -m benchmarks.cli`` times, in one run and interleaved over ``--repeats`` repetitions
(medians reported), whole ``declineabm`` processes as a user starts them:

* ``--help`` and a refused bad input (``--set policy.efficiency=2``): start-up only;
* a default ``declineabm run northeast`` (the full-size city, figure included) and the same run
  with ``--no-figure``;
* the reference: a bare ``python -c pass`` (the interpreter's own start-up);

and, in this process, the model alone (``UrbanDeclineModel.run`` of the same scenario and seed)
against the summary figure of its result. It prints one table and the ratios the targets are
about: the figure over the model (target at most 1), and the run's wall time less the model's,
i.e. what start-up, files and the figure add. Absolute seconds depend on the machine; read the
ratios, measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = 7
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "declineabm --help": [sys.executable, "-m", "declineabm", "--help"],
    "refused bad input": [
        sys.executable,
        "-m",
        "declineabm",
        "run",
        "northeast",
        "--set",
        "policy.efficiency=2",
    ],
}


def wall(command: list[str]) -> float:
    """Wall seconds of one process."""
    clock = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - clock


def model_and_figure() -> tuple[float, float]:
    """Seconds of the model's own run and of drawing its summary figure, in this process."""
    from declineabm.io.report import summary_figure
    from declineabm.model import UrbanDeclineModel

    clock = time.perf_counter()
    model = UrbanDeclineModel("northeast", seed=SEED)
    model.run()
    model_seconds = time.perf_counter() - clock
    df = model.datacollector.get_model_vars_dataframe()
    model.dispose()
    with tempfile.TemporaryDirectory() as folder:
        clock = time.perf_counter()
        summary_figure(df, Path(folder) / "summary.png", "northeast")
        figure_seconds = time.perf_counter() - clock
    return model_seconds, figure_seconds


def measure(repeats: int) -> dict[str, float]:
    """Median seconds of every measurement over interleaved repetitions."""
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        runs = {
            "declineabm run": ["--quiet"],
            "declineabm run --no-figure": ["--quiet", "--no-figure"],
        }
        for repeat in range(repeats):
            for name, command in COMMANDS.items():
                samples.setdefault(name, []).append(wall(command))
            for name, extra in runs.items():
                out = Path(folder) / f"{repeat}-{len(extra)}"
                command = [sys.executable, "-m", "declineabm", "run", "northeast", "--seed"]
                samples.setdefault(name, []).append(
                    wall([*command, str(SEED), "--out", str(out), *extra])
                )
            model, figure = model_and_figure()
            samples.setdefault("model alone (in process)", []).append(model)
            samples.setdefault("summary figure (in process)", []).append(figure)
    return {name: statistics.median(values) for name, values in samples.items()}


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    medians = measure(args.repeats)
    print(f"medians of {args.repeats} interleaved repetitions (wall seconds)")
    for name, seconds in medians.items():
        print(f"  {name:<32} {seconds:7.3f}")
    model = medians["model alone (in process)"]
    print(f"figure / model:                  {medians['summary figure (in process)'] / model:.2f}")
    overhead = medians["declineabm run"] - model
    print(f"run - model (start-up, files, figure): {overhead:.2f} s")
    start = medians["declineabm --help"] / medians["python -c pass"]
    print(f"--help / python start-up:        {start:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
