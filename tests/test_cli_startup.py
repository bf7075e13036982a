"""The command line answers without loading what it does not need (issue 12: a fast CLI).

``declineabm --help`` needs no scientific library, a refused scenario needs only its schema
(pydantic and numpy), never Mesa, pandas or matplotlib; and Mesa imported the quick way names
the same loggers as a plain ``import mesa``. Behaviour, not timings: which modules a process
loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("mesa", "pandas", "matplotlib", "scipy", "networkx", "dask", "distributed", "solara")
SCHEMA = ("numpy", "pydantic")

LOADED = """
import json, sys
from declineabm.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def loaded(*args: str) -> tuple[int, set[str], str]:
    """Exit code, top-level modules loaded and stderr of ``declineabm ARGS`` in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", LOADED, *args], capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["code"], set(result["modules"]), done.stderr


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
    code, modules, stderr = loaded("run", "northeast", "--set", "policy.efficiency=2")
    assert code == 2
    assert stderr.count("\n") == 1 and "policy.efficiency = 2" in stderr, stderr
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


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
