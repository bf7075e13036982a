"""The command line answers without loading what it does not need (issue 12: a fast CLI).

``declineabm --help`` needs no scientific library, a refused scenario needs only its schema
(pydantic) and its own command, never numpy, Mesa, pandas or matplotlib (numpy's module waits for
its first use: :mod:`declineabm.lazy_import`, tested here too); a run loads none of
the libraries Mesa imports but the run never uses (pandas with pyarrow, networkx, SciPy's
spatial module, where the installed Mesa lets them wait); and Mesa imported the quick way names
the same loggers and works as a plain ``import mesa``. Behaviour, not timings: which modules a
process loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SMALL

HEAVY = ("mesa", "pandas", "matplotlib", "scipy", "networkx", "dask", "distributed", "solara")
SCHEMA = ("numpy", "pydantic")

LOADED = """
import json, sys
from declineabm.cli import main
from declineabm.lazy_import import is_waiting
code = main(sys.argv[1:])
# A module waiting to be loaded on first use (importlib.util.LazyLoader, lazy_import) is not loaded.
executed = [m for m, module in sys.modules.items() if not is_waiting(module)]
print(json.dumps({"code": code, "modules": sorted(executed)}))
"""


def loaded_modules(*args: str) -> tuple[int, set[str], str]:
    """Exit code, modules loaded and stderr of ``declineabm ARGS`` in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", LOADED, *args], capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["code"], set(result["modules"]), done.stderr


def loaded(*args: str) -> tuple[int, set[str], str]:
    """Exit code, top-level modules loaded and stderr of ``declineabm ARGS`` in a fresh process."""
    code, modules, stderr = loaded_modules(*args)
    return code, {name.split(".")[0] for name in modules}, stderr


@pytest.mark.parametrize(
    "args",
    [["--help"], ["run", "--help"], ["sweep", "--help"], ["calibrate", "--help"], ["--version"]],
    ids=" ".join,
)
def test_help_loads_no_scientific_library(args: list[str]) -> None:
    code, modules, _ = loaded(*args)
    assert code == 0
    assert not modules & {*HEAVY, *SCHEMA}, sorted(modules & {*HEAVY, *SCHEMA})


def test_a_refused_scenario_loads_its_schema_only() -> None:
    code, modules, stderr = loaded_modules("run", "northeast", "--set", "policy.efficiency=2")
    assert code == 2
    assert stderr.count("\n") == 1 and "policy.efficiency = 2" in stderr, stderr
    tops = {name.split(".")[0] for name in modules}
    assert not tops & {*HEAVY, "numpy"}, sorted(tops & {*HEAVY, "numpy"})
    # only the command it names: the other commands' modules are not imported to parse it
    commands = {name for name in modules if name.startswith("declineabm.commands.")}
    assert commands == {"declineabm.commands.run", "declineabm.commands.batch_options"}


def _run_script(script: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_schema_leaves_numpy_waiting_and_numpy_is_numpy_when_used() -> None:
    script = """
import json, sys, types
from declineabm.lazy_import import is_waiting
from declineabm.scenario import load_scenario
scenario = load_scenario("northeast")  # a valid scenario: every section and validator
waiting = is_waiting(sys.modules["numpy"])
import numpy  # binds the waiting module, does not run it
still_waiting = is_waiting(numpy)
from declineabm.model.mechanisms import industry, policy
total = float(industry.np.arange(4).sum())  # the first use, through a cause's module
from numpy import ndarray
import numpy.linalg
print(json.dumps({
    "waiting": waiting, "still_waiting": still_waiting, "total": total,
    "plain": type(numpy) is types.ModuleType, "same": industry.np is numpy is policy.np,
    "ndarray": ndarray is numpy.ndarray, "linalg": float(numpy.linalg.norm([3.0, 4.0])),
    "cells": scenario.grid_cells(),
}))
"""
    assert _run_script(script) == {
        "waiting": True,
        "still_waiting": True,
        "total": 6.0,
        "plain": True,
        "same": True,
        "ndarray": True,
        "linalg": 5.0,
        "cells": 2303.0,
    }


def test_a_waiting_module_first_used_by_many_threads_at_once_runs_once() -> None:
    script = """
import json, sys, threading
import declineabm.model  # numpy waits
from declineabm.lazy_import import is_waiting
import numpy as np
assert is_waiting(np)
barrier, results, errors = threading.Barrier(8), [], []
def use():
    barrier.wait()
    try:
        results.append(int(np.arange(10).sum()))
    except BaseException as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=use) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({"results": results, "errors": errors, "waiting": is_waiting(np)}))
"""
    assert _run_script(script) == {"results": [45] * 8, "errors": [], "waiting": False}


def test_a_waiting_module_that_fails_raises_at_first_use_and_again_at_import(
    tmp_path: Path,
) -> None:
    (tmp_path / "broken_for_test.py").write_text("VALUE = 1\nraise RuntimeError('broken')\n")
    script = """
import json, sys
sys.path.insert(0, sys.argv[1])
from declineabm.lazy_import import load_on_first_use
load_on_first_use("broken_for_test")
load_on_first_use("no_such_module_for_test")  # missing: nothing waits, import raises
import broken_for_test
errors = []
try:
    broken_for_test.VALUE
except RuntimeError as exc:
    errors.append(str(exc))
gone = "broken_for_test" not in sys.modules
try:
    import broken_for_test
except RuntimeError as exc:
    errors.append(str(exc))
try:
    import no_such_module_for_test
except ModuleNotFoundError:
    errors.append("missing")
print(json.dumps({"errors": errors, "gone": gone}))
"""
    assert _run_script(script, str(tmp_path)) == {
        "errors": ["broken", "broken", "missing"],
        "gone": True,
    }


def _installed_mesa() -> tuple[int, int]:
    from importlib import metadata

    major, minor = metadata.version("mesa").split(".")[:2]
    return int(major), int(minor)


def test_a_run_loads_no_library_it_does_not_use(tmp_path: Path) -> None:
    out = tmp_path / "run"
    sets = [f"--set={key}={value}" for key, value in SMALL.items()]
    code, modules, _ = loaded_modules(
        "run", "northeast", "--seed", "1", "--out", str(out), "--quiet", "--no-figure", *sets
    )
    assert code == 0 and (out / "run.json").exists()
    assert "mesa.agent" in modules and "mesa.experimental.continuous_space" not in modules
    never = {"matplotlib", "dask", "distributed"}
    if _installed_mesa() < (3, 4):  # Mesa 3.5 needs them at import (see declineabm.mesa_import);
        # its scipy.spatial imports scipy.special, which the model itself no longer does
        never |= {"pandas", "pyarrow", "networkx", "scipy.spatial", "scipy.special"}
    assert not {m for m in modules if m.split(".")[0] in never or m in never}, sorted(
        m for m in modules if m.split(".")[0] in never or m in never
    )


def test_a_run_with_its_figure_leaves_matplotlib_to_its_helper(tmp_path: Path) -> None:
    from declineabm.io.figure_process import usable_cores

    out = tmp_path / "run"
    sets = [f"--set={key}={value}" for key, value in SMALL.items()]
    code, modules, _ = loaded_modules(
        "run", "northeast", "--seed", "1", "--out", str(out), "--quiet", *sets
    )
    assert code == 0 and (out / "summary.png").stat().st_size > 10_000
    drawn_here = {m for m in modules if m.split(".")[0] == "matplotlib"}
    # with one core the run draws the figure itself (a helper would only compete with it)
    assert bool(drawn_here) == (usable_cores() < 2), sorted(drawn_here)[:5]


def test_libraries_mesa_loads_on_first_use_work_as_imported() -> None:
    script = """
import json, sys
from declineabm.mesa_import import import_mesa
finders = list(sys.meta_path)
import_mesa()
import mesa, mesa.datacollection, mesa.space
from mesa.experimental.continuous_space import ContinuousSpace
import networkx
frame = mesa.datacollection.pd.DataFrame({"a": [1, 2]})
print(json.dumps({
    "finders_restored": list(sys.meta_path) == finders,
    "pandas": [type(frame).__name__, frame.shape],
    "networkx": mesa.space.nx.Graph is networkx.Graph,
    "continuous_space": ContinuousSpace.__module__,
    "scipy": "scipy.spatial.distance" in sys.modules,
}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "finders_restored": True,
        "pandas": ["DataFrame", [2, 1]],
        "networkx": True,
        "continuous_space": "mesa.experimental.continuous_space.continuous_space",
        "scipy": True,
    }


def test_mesa_imported_the_quick_way_names_the_same_loggers() -> None:
    script = """
import inspect, json, logging, sys
before = (inspect.getouterframes, inspect.getmodule)
if sys.argv[1] == "quick":
    from declineabm.mesa_import import import_mesa
    import_mesa()
else:
    import mesa
import mesa.mesa_logging
print(json.dumps({
    "loggers": sorted(n for n in logging.Logger.manager.loggerDict if n.startswith("MESA")),
    "module_loggers": sorted(mesa.mesa_logging._module_loggers),
    "inspect_restored": (inspect.getouterframes, inspect.getmodule) == before,
}))
"""
    results = {
        way: json.loads(
            subprocess.run(
                [sys.executable, "-c", script, way], capture_output=True, text=True, check=True
            ).stdout
        )
        for way in ("quick", "plain")
    }
    assert results["quick"] == results["plain"]
    assert "MESA.mesa.model" in results["quick"]["loggers"]
    assert results["quick"]["inspect_restored"]
