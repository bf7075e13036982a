"""Hostile input for every command, generated from the schema: the fuzz suite's cases.

Each :class:`Case` is one command line with the files it needs; :func:`attempt` runs it in a
fresh process under a timeout and :func:`classify` says how it ended. ``test_fuzz.py`` draws
from these with hypothesis; ``python tests/hostile.py`` runs them all and prints the table
(tried / refused cleanly / ran cleanly / traceback / hung / wrote anyway / other).

A bad input must end with exit status 2, exactly one line on stderr that names the offending
key or value, no traceback, nothing written, within :data:`TIMEOUT` seconds. A value inside its
allowed range (``valid``) may instead run: exit 0 with finite numbers in ``model.csv`` and
strict JSON in ``run.json``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from schema import Leaf, leaves

TIMEOUT = 60.0
"""Seconds a refusal may take at most (the suite's bound; a refusal normally takes well under
one second, a valid small run a few)."""
VALID_TIMEOUT = 600.0
"""Seconds a value inside its range may run: a bound may cost much more than the small run
(``geography.km_per_cell = 0.1`` over the baseline's 300 km: 9,000,000 cells, built in about
two minutes), and is slow, not hung, if it ends."""
SMALL = [
    "--set",
    "simulation.residents=600",
    "--set",
    "geography.km_per_cell=30",
    "--set",
    "simulation.end_year=1994",
]
CLEAN = ("refused cleanly", "ran cleanly")
OUTCOMES = (
    "refused cleanly",
    "ran cleanly",
    "traceback",
    "hung",
    "wrote anyway",
    "other",
)


@dataclass(frozen=True)
class Case:
    """One hostile command line.

    Attributes:
        kind: What is attacked: value, file, sweep, option, folder, analyze.
        name: A readable id.
        args: Arguments after ``declineabm``; ``{d}`` stands for the case's folder.
        names: Text the error line must contain (the key or value), or None.
        files: Files to create first, by path relative to the case's folder.
        valid: The input is allowed: a clean run also passes.
        setup: A prepared folder to copy to ``{d}/sweep`` first ("finished-sweep").
        watch: Path (relative) that must be unchanged afterwards (default ``out``).
    """

    kind: str
    name: str
    args: tuple[str, ...]
    names: str | None = None
    files: tuple[tuple[str, bytes], ...] = ()
    valid: bool = False
    setup: str | None = None
    watch: str = "out"


# ---------------------------------------------------------------------------------------------
# Values from the schema


def _toml(value: object) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return str(value)


def _outside(leaf: Leaf, schema: dict | None = None) -> list[object]:
    """Numbers just outside a field's range, and far outside."""
    low, high = leaf.bounds(schema)
    integer = (schema or leaf.schema).get("type") == "integer"
    step = 1 if integer else max(abs(high or 1) * 1e-3, 1e-6) if high is not None else 1.0
    values: list[object] = []
    if low is not None:
        exclusive = "exclusiveMinimum" in (schema or leaf.schema)
        values.append(low if exclusive else low - step)
        values.append(-1e300 if not integer else -(2**70))
    if high is not None:
        exclusive = "exclusiveMaximum" in (schema or leaf.schema)
        values.append(high if exclusive else high + step)
        values.append(1e300 if not integer else 2**70)
    return values


def bad_values(leaf: Leaf) -> list[tuple[object, bool]]:
    """(value, valid) pairs for a field: what must be refused, and its bounds (which may run)."""
    wrong_types: list[object] = [True, "yes", {"a": 1}, [1]]
    if leaf.kind in ("number", "integer"):
        values = [float("nan"), float("inf"), float("-inf"), *_outside(leaf), *wrong_types]
        if leaf.kind == "integer":
            values.append(1.5)
        low, high = leaf.bounds()
        valid = [v for v in (low, high) if v is not None]
        exclusive = {leaf.schema.get("exclusiveMinimum"), leaf.schema.get("exclusiveMaximum")}
        valid = [v for v in valid if v not in exclusive]
        return [(v, False) for v in values] + [(v, True) for v in valid]
    if leaf.kind == "boolean":
        return [(v, False) for v in (1, 0, "yes", "off", 2.5, float("nan"), [True])]
    if leaf.kind == "path" and leaf.pair[0].get("type") == "number":
        return _point_values(leaf)
    if leaf.kind == "path":
        key, value = leaf.pair
        k_low, k_high = leaf.bounds(key)
        first = int(k_low if k_low is not None else 0)
        middle = int((k_low + k_high) // 2) if k_low is not None else 2000
        out_of_range = [[middle, v] for v in _outside(leaf, value)]
        values = [
            [],
            [[middle]],
            [[middle, float("nan")]],
            [[middle, float("inf")]],
            [[middle + 1, 1.0], [middle, 1.0]],
            [[first - 1, 1.0]],
            [[middle, True]],
            [[str(middle), 1.0]],
            5,
            "path",
            *out_of_range,
        ]
        return [(v, False) for v in values]
    if leaf.key == "name":
        return [(v, False) for v in ("../../x", "a/b", "", {"a": 1})]
    if leaf.key == "observed":
        return [(v, False) for v in ("nonesuch.csv", "../../../etc/passwd", 5)]
    return [(v, False) for v in (5, {"a": 1}, ["x"])]


def _point_values(leaf: Leaf) -> list[tuple[object, bool]]:
    """A list of places ``[[x_km, y_km], ...]`` (an outline, ports), not a path over time.

    Its points have no order and it may be empty (``geography.outline = []``: the whole
    frame), so those may run; a point that is not two finite numbers in range may not.
    """
    x, y = leaf.pair
    bad: list[object] = [
        [[0.0]],
        [[0.0, 0.0, 0.0]],
        [[float("nan"), 0.0]],
        [[0.0, float("inf")]],
        [[True, 0.0]],
        [["0", 0.0]],
        5,
        "path",
        *([[v, 0.0]] for v in _outside(leaf, x)),
        *([[0.0, v]] for v in _outside(leaf, y)),
    ]
    valid: list[object] = [[], [[100.0, 100.0], [0.0, 100.0]]]
    return [(v, False) for v in bad] + [(v, True) for v in valid]


def value_cases() -> Iterator[Case]:
    """Every field with each of its bad values, through ``--set`` on ``declineabm run``."""
    for leaf in leaves():
        for value, valid in bad_values(leaf):
            text = _toml(value)
            yield Case(
                "value",
                f"{leaf.key}={text[:40]}",
                ("run", "baseline", *SMALL, "--set", f"{leaf.key}={text}", "--out", "{d}/out"),
                names=leaf.key,
                valid=valid,
            )


def file_value_cases() -> Iterator[Case]:
    """The first bad value of every field again, written in a scenario file."""
    for leaf in leaves():
        value, _ = bad_values(leaf)[0]
        section, _, key = leaf.key.rpartition(".")
        table = f"[{section}]\n" if section else ""
        text = f'extends = "baseline"\n{table}{key} = {_toml(value)}\n'
        yield Case(
            "file",
            f"scenario file {leaf.key}",
            ("run", "{d}/s.toml", "--out", "{d}/out"),
            names=leaf.key,
            files=(("s.toml", text.encode()),),
        )


# ---------------------------------------------------------------------------------------------
# Files, sweep files, options, folders

DEEP = "[" * 3000 + "]" * 3000


def _run(
    name: str, *args: str, names: str | None, files: dict[str, bytes] | None = None, kind="file"
):
    return Case(
        kind,
        name,
        ("run", *args, "--out", "{d}/out"),
        names=names,
        files=tuple((files or {}).items()),
    )


def file_cases() -> Iterator[Case]:
    """Scenario files that cannot be read, parsed or resolved."""
    ext = 'extends = "baseline"\n'
    yield _run(
        "non-UTF-8 file", "{d}/s.toml", names="s.toml", files={"s.toml": b"\xff\xfe name = 1\n"}
    )
    yield _run("unclosed table", "{d}/s.toml", names="s.toml", files={"s.toml": b"[simulation\n"})
    yield _run("empty file", "{d}/s.toml", names="s.toml", files={"s.toml": b""})
    yield _run(
        "3,000 nested brackets",
        "{d}/s.toml",
        names="s.toml",
        files={"s.toml": b"v = " + DEEP.encode()},
    )
    yield _run("missing file", "{d}/nope.toml", names="nope.toml")
    yield _run("a folder", "{d}/dir.toml", names="dir.toml", files={"dir.toml/x": b""})
    yield _run(
        "extends cycle",
        "{d}/a.toml",
        names="extends",
        files={"a.toml": b'extends = "b.toml"\n', "b.toml": b'extends = "a.toml"\n'},
    )
    yield _run(
        "extends a missing file",
        "{d}/a.toml",
        names="b.toml",
        files={"a.toml": b'extends = "b.toml"\n'},
    )
    yield _run(
        "extends a non-UTF-8 file",
        "{d}/a.toml",
        names="b.toml",
        files={"a.toml": b'extends = "b.toml"\n', "b.toml": b"\xff\xfe\n"},
    )
    yield _run("extends = 5", "{d}/a.toml", names="extends", files={"a.toml": b"extends = 5\n"})
    yield _run(
        "simulation = 5",
        "{d}/a.toml",
        names="simulation",
        files={"a.toml": (ext + "simulation = 5\n").encode()},
    )
    yield _run(
        "a TOML date",
        "{d}/a.toml",
        names="simulation.start_year",
        files={"a.toml": (ext + "[simulation]\nstart_year = 1990-01-01\n").encode()},
    )
    yield _run(
        "unknown key",
        "{d}/a.toml",
        names="simulation.nosuch",
        files={"a.toml": (ext + "[simulation]\nnosuch = 1\n").encode()},
    )


SWEEP_HEAD = """scenario = "baseline"
sampler = "lhs"
samples = 2
years = 2
seed = 1
[set]
"simulation.residents" = 600
"geography.km_per_cell" = 30
"""


def _sweep(name: str, text: str | bytes, names: str | None, *options: str) -> Case:
    data = text.encode() if isinstance(text, str) else text
    return Case(
        "sweep",
        name,
        ("sweep", "{d}/w.toml", "--out", "{d}/out", "--workers", "1", "--quiet", *options),
        names=names,
        files=(("w.toml", data),),
    )


def sweep_cases() -> Iterator[Case]:
    """Sweep files that must be refused before any run starts."""
    ok_axis = '[parameters]\n"policy.efficiency" = { low = 0.2, high = 0.8 }\n'
    head = SWEEP_HEAD
    yield _sweep("non-utf8", b"\xff\xfe", "w.toml")
    yield _sweep("bad toml", "[parameters\n", "w.toml")
    yield _sweep("date in set", head + '"simulation.start_year" = 1990-01-01\n' + ok_axis, "set")
    yield _sweep(
        "date bound",
        head + '[parameters]\n"policy.efficiency" = { low = 1990-01-01, high = 0.8 }\n',
        "policy.efficiency",
    )
    yield _sweep("scalar parameter", head + '[parameters]\n"policy.efficiency" = 0.5\n', "policy")
    yield _sweep("parameters scalar", head.replace("[set]", "parameters = 5\n[set]"), "parameters")
    yield _sweep(
        "two entries",
        head + ok_axis + "[parameters.policy]\nefficiency = { low = 0.1, high = 0.9 }\n",
        "policy.efficiency",
    )
    yield _sweep(
        "set and varied",
        head.replace("[set]\n", '[set]\n"policy.efficiency" = 0.5\n') + ok_axis,
        "policy.efficiency",
    )
    yield _sweep(
        "--set and varied", head + ok_axis, "policy.efficiency", "--set", "policy.efficiency=0.5"
    )
    yield _sweep("empty indicators", "indicators = []\n" + head + ok_axis, "indicators")
    yield _sweep(
        "duplicated indicators",
        'indicators = ["population", "population"]\n' + head + ok_axis,
        "population",
    )
    yield _sweep(
        "samples 1e9", head.replace("samples = 2", "samples = 1000000000") + ok_axis, "samples"
    )
    yield _sweep("replicates 1e9", "replicates = 1000000000\n" + head + ok_axis, "replicates")
    yield _sweep("samples true", head.replace("samples = 2", "samples = true") + ok_axis, "samples")
    yield _sweep("seed -1", head.replace("seed = 1", "seed = -1") + ok_axis, "seed")
    yield _sweep("years 0", head.replace("years = 2", "years = 0") + ok_axis, "years")
    yield _sweep("years 10000", head.replace("years = 2", "years = 10000") + ok_axis, "years")
    yield _sweep("every 0", "every = 0\n" + head + ok_axis, "every")
    yield _sweep(
        "low above high",
        head + '[parameters]\n"policy.efficiency" = { low = 0.8, high = 0.2 }\n',
        "policy.efficiency",
    )
    yield _sweep(
        "low nan",
        head + '[parameters]\n"policy.efficiency" = { low = nan, high = 0.2 }\n',
        "policy.efficiency",
    )
    yield _sweep(
        "unknown parameter",
        head + '[parameters]\n"policy.efficiencyy" = { low = 0.1, high = 0.2 }\n',
        "policy.efficiencyy",
    )
    yield _sweep("deep value", head + ok_axis + f'"policy.target_soe" = {DEEP}\n', "w.toml")
    yield _sweep("name path", 'name = "../../x"\n' + head + ok_axis, "name")
    yield _sweep("unknown sampler", head.replace('"lhs"', '"magic"') + ok_axis, "sampler")


def option_cases() -> Iterator[Case]:
    """Command-line options out of range or of the wrong kind."""
    run = ("run", "baseline", *SMALL, "--out", "{d}/out")
    for seed in ("-1", str(2**64), "abc", "1.5"):
        yield Case("option", f"--seed {seed}", (*run, "--seed", seed), names="--seed")
    for text, names in (
        ("nokey", "nokey"),
        ("=1", "=1"),
        ("a.b.c.d=1", "a.b.c.d"),
        ("policy.efficiency=" + DEEP, "policy.efficiency"),
        ("policy.efficiency=1990-01-01", "policy.efficiency"),
        ('name="../../x"', "name"),
        ("policy.efficiency={a=1}", "policy.efficiency"),
        ("policy=1", "policy"),
    ):
        yield Case("option", f"--set {text[:40]}", (*run, "--set", text), names=names)
    sweep = ("sweep", "causes", "--out", "{d}/out", "--quiet")
    for option, value in (
        ("--workers", "0"),
        ("--workers", "-1"),
        ("--workers", "100000"),
        ("--retries", "-1"),
        ("--samples", "0"),
        ("--samples", "1000000000"),
        ("--replicates", "1000000000"),
        ("--replicates", "0"),
        ("--years", "0"),
        ("--years", "100000"),
        ("--timeout", "0"),
        ("--timeout", "nan"),
        ("--scheduler", "tcp://127.0.0.1:1"),
        ("--scheduler", "no such address"),
    ):
        # --samples, --replicates and --years replace the file's keys: the message names those
        names = option.removeprefix("--") if option in ("--samples", "--replicates") else option
        yield Case("option", f"sweep {option} {value}", (*sweep, option, value), names=names)
    for command in ("validate", "attribute", "policy"):
        base = (command, "baseline", *SMALL, "--out", "{d}/out", "--quiet")
        yield Case(
            "option", f"{command} --replicates 1", (*base, "--replicates", "1"), "--replicates"
        )
        yield Case("option", f"{command} --seed -1", (*base, "--seed", "-1"), "--seed")
        yield Case("option", f"{command} --workers 0", (*base, "--workers", "0"), "--workers")
        yield Case(
            "option",
            f"{command} --set nan",
            (*base, "--set", "policy.efficiency=nan"),
            "policy.efficiency",
        )
    yield Case(
        "option",
        "attribute --permutations 0",
        ("attribute", "baseline", "--out", "{d}/out", "--permutations", "0"),
        "--permutations",
    )


def folder_cases() -> Iterator[Case]:
    """Output folders that cannot be used, for every command that writes one."""
    commands = {
        "run": ("run", "baseline", *SMALL, "--quiet"),
        "sweep": ("sweep", "causes", "--samples", "1", "--years", "1", "--quiet"),
        "validate": ("validate", "baseline", *SMALL, "--replicates", "2", "--quiet"),
        "attribute": ("attribute", "baseline", *SMALL, "--replicates", "2", "--quiet"),
        "policy": ("policy", "baseline", *SMALL, "--replicates", "2", "--quiet"),
        "analyze": ("analyze", "{d}/sweep", "--quiet"),
    }
    for command, args in commands.items():
        setup = "finished-sweep" if command == "analyze" else None
        yield Case(
            "folder",
            f"{command} --out a file",
            (*args, "--out", "{d}/out"),
            names="out",
            files=(("out", b"a file"),),
            setup=setup,
        )
        yield Case(
            "folder",
            f"{command} --out under a file",
            (*args, "--out", "{d}/out/inside"),
            names="out",
            files=(("out", b"a file"),),
            setup=setup,
        )
        if os.geteuid() != 0:  # root writes anywhere: no read-only folder to try
            yield Case(
                "folder",
                f"{command} --out read-only",
                (*args, "--out", "{d}/ro/out"),
                names="ro",
                files=(("ro/.keep", b""),),
                setup=setup or "read-only",
                watch="ro",
            )
    yield Case(
        "folder",
        "sweep into a foreign folder",
        (*commands["sweep"], "--out", "{d}/out"),
        names="out",
        files=(("out/mine.txt", b"keep me"),),
    )
    yield Case(
        "folder",
        "sweep --resume on a truncated manifest",
        (*commands["sweep"], "--out", "{d}/out", "--resume"),
        names="manifest.json",
        files=(("out/manifest.json", b'{"kind": "declineabm batch", "sta'),),
    )
    yield Case(
        "folder",
        "run into a sweep's folder",
        (*commands["run"], "--out", "{d}/out"),
        names="out",
        files=(("out/manifest.json", b"{}"),),
    )


def _damage(name: str, edit: dict[str, bytes | None], names: str) -> Case:
    """``analyze`` on a finished sweep with some of its files replaced (None: deleted)."""
    return Case(
        "analyze",
        name,
        ("analyze", "{d}/sweep", "--quiet"),
        names=names,
        files=tuple((f"sweep/{k}", v if v is not None else b"<delete>") for k, v in edit.items()),
        setup="finished-sweep",
        watch="sweep",
    )


def analyze_cases() -> Iterator[Case]:
    """Damaged results folders given to ``declineabm analyze``."""
    yield Case("analyze", "analyze a missing folder", ("analyze", "{d}/none"), names="none")
    yield Case("analyze", "analyze a file", ("analyze", "{d}/f"), names="f", files=(("f", b"x"),))
    yield _damage("empty runs.csv", {"runs.csv": b""}, "runs.csv")
    yield _damage("missing design.csv", {"design.csv": None}, "design.csv")
    yield _damage("truncated manifest", {"manifest.json": b'{"kind": "decl'}, "manifest.json")
    yield _damage(
        "manifest without layout", {"manifest.json": b'{"status": "finished"}'}, "manifest"
    )
    yield _damage("manifest a list", {"manifest.json": b"[1, 2]"}, "manifest.json")
    yield _damage("truncated runs.csv", {"runs.csv": b"<truncate>"}, "runs.csv")
    yield _damage("truncated design.csv", {"design.csv": b"<truncate>"}, "design.csv")
    yield _damage("duplicated runs row", {"runs.csv": b"<duplicate>"}, "runs.csv")
    yield _damage("duplicated design row", {"design.csv": b"<duplicate>"}, "design.csv")
    yield _damage("NaN in runs.csv", {"runs.csv": b"<nan>"}, "runs.csv")
    yield _damage("non-UTF-8 runs.csv", {"runs.csv": b"\xff\xfe\x00"}, "runs.csv")


def all_cases() -> list[Case]:
    """Every case, in a fixed order."""
    return [
        *value_cases(),
        *file_value_cases(),
        *file_cases(),
        *sweep_cases(),
        *option_cases(),
        *folder_cases(),
        *analyze_cases(),
    ]


# ---------------------------------------------------------------------------------------------
# Running and judging a case

FINISHED_SWEEP = """scenario = "baseline"
sampler = "morris"
samples = 2
years = 2
seed = 3
indicators = ["population", "output_share"]
[set]
"simulation.residents" = 600
"geography.km_per_cell" = 30
[parameters]
"policy.efficiency" = { low = 0.2, high = 0.8 }
"national.price_boom" = { low = 1.2, high = 2.0 }
"""


def command(*args: str) -> list[str]:
    """The ``declineabm`` command line in a fresh interpreter."""
    return [sys.executable, "-m", "declineabm", *args]


def make_finished_sweep(folder: Path, env: dict[str, str] | None = None) -> Path:
    """A small finished Morris sweep in ``folder/sweep`` (analyze's input)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "w.toml").write_text(FINISHED_SWEEP)
    out = folder / "sweep"
    subprocess.run(
        # a generous run timeout: on a loaded machine a run can take longer than the default 60 s
        command(
            "sweep",
            str(folder / "w.toml"),
            "--out",
            str(out),
            "--workers",
            "1",
            "--quiet",
            "--timeout",
            "900",
        ),
        check=True,
        timeout=600,
        env=env,
    )
    return out


def _edit(path: Path, data: bytes) -> None:
    if data == b"<delete>":
        path.unlink()
        return
    if data in (b"<truncate>", b"<duplicate>", b"<nan>"):
        lines = path.read_text().splitlines(keepends=True)
        if data == b"<truncate>":
            text = "".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2]
        elif data == b"<duplicate>":
            text = "".join([*lines, lines[-1]])
        else:
            cells = lines[1].rstrip("\n").split(",")
            cells[-1] = "nan"
            text = "".join([lines[0], ",".join(cells) + "\n", *lines[2:]])
        path.write_text(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def fingerprint(path: Path) -> str:
    """A digest of a file or folder tree (names and bytes), "" if absent."""
    if not path.exists() and not path.is_symlink():
        return ""
    digest = hashlib.sha256()
    items = [path] if path.is_file() else sorted(p for p in path.rglob("*"))
    for item in items:
        digest.update(str(item.relative_to(path.parent)).encode())
        if item.is_file():
            digest.update(item.read_bytes())
    return digest.hexdigest()


@dataclass
class Attempt:
    """How a case ended."""

    case: Case
    outcome: str
    returncode: int | None
    stderr: str
    detail: str = ""
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


def _outputs_clean(out: Path) -> str:
    """'' if a run's folder holds finite numbers and strict JSON; else what is wrong."""
    model = out / "model.csv"
    if not model.exists():
        return "no model.csv"
    lines = model.read_text().splitlines()
    for number, line in enumerate(lines[1:], start=2):
        for cell in line.split(","):
            try:
                finite = math.isfinite(float(cell))
            except ValueError:
                finite = False
            if not finite:
                return f"model.csv line {number}: {cell[:40]}"
    try:
        json.loads(
            (out / "run.json").read_text(),
            parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)),
        )
    except (OSError, ValueError) as exc:
        return f"run.json: {exc}"
    return ""


def prepare(case: Case, folder: Path, finished: Path | None) -> None:
    """Lay out a case's folder."""
    if case.setup == "finished-sweep":
        assert finished is not None
        shutil.copytree(finished, folder / "sweep")
    for name, data in case.files:
        _edit(folder / name, data) if name.startswith("sweep/") else _write(folder / name, data)
    if case.setup == "read-only" or any(name.startswith("ro/") for name, _ in case.files):
        (folder / "ro").chmod(0o555)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def attempt(
    case: Case, folder: Path, finished: Path | None = None, pythonpath: str | None = None
) -> Attempt:
    """Run ``case`` in ``folder`` (empty) and classify how it ended.

    Args:
        case: The case.
        folder: An empty folder for it.
        finished: A finished sweep's folder, for the cases that damage one.
        pythonpath: Run another copy of declineabm (its ``src``), e.g. an older commit's.
    """
    import time

    prepare(case, folder, finished)
    watched = folder / case.watch
    before = fingerprint(watched)
    args = [a.replace("{d}", str(folder)) for a in case.args]
    env = {**os.environ, "PYTHONHASHSEED": "0", "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "5s"}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    clock = time.monotonic()
    timeout = VALID_TIMEOUT if case.valid else TIMEOUT
    returncode, stderr = run_bounded(command(*args), folder, env, timeout)
    seconds = time.monotonic() - clock
    if returncode is None:
        return Attempt(case, "hung", None, stderr, seconds=seconds)
    result = classify(case, returncode, stderr, before, watched, folder)
    return Attempt(case, result[0], returncode, stderr, result[1], seconds)


def run_bounded(
    argv: list[str], folder: Path, env: dict[str, str], timeout: float = TIMEOUT
) -> tuple[int | None, str]:
    """Run ``argv`` in a session of its own; on timeout kill the whole session.

    A sweep's command starts worker processes (and a Dask cluster its own): killing only the
    direct child would leave them running, holding the CPU and the case's folder, after the
    case was judged hung. The case leads a new session (``start_new_session``), so every
    process it starts is in its process group, and :func:`os.killpg` ends them all.

    Returns:
        The exit status (None if it timed out) and what it wrote on stderr.
    """
    process = subprocess.Popen(
        argv,
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
        returncode: int | None = process.returncode
    except subprocess.TimeoutExpired:
        returncode = None
        _kill_group(process.pid)
        _, stderr = process.communicate()
    else:
        # a command that exited may still have left children behind in its group
        _kill_group(process.pid)
    return returncode, stderr or ""


def _kill_group(group: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone
        os.killpg(group, signal.SIGKILL)


PROGRESS = re.compile(r"\d+%\|.*\|\s*\d+/\d+ \[")
"""A progress bar's line (tqdm: ``name:  25%|##  | 1/4 [00:01<...]``)."""


def _progress(line: str) -> bool:
    """Whether ``line`` is a progress bar, which a terminal overwrites (not an error line).

    A run that fails in its first years (a runaway-growth guard) has shown its bar by then;
    on a terminal the bar is cleared and the error is the one line left.
    """
    return bool(PROGRESS.search(line))


def classify(
    case: Case, returncode: int, stderr: str, before: str, watched: Path, folder: Path
) -> tuple[str, str]:
    """The outcome of a finished case and a word on why."""
    if "Traceback" in stderr:
        return "traceback", stderr.strip().splitlines()[-1][:200]
    changed = fingerprint(watched) != before
    if returncode == 0:
        if case.valid:
            problem = _outputs_clean(watched)
            return ("ran cleanly", "") if not problem else ("wrote anyway", problem)
        return "wrote anyway", "exit 0"
    lines = [line for line in stderr.splitlines() if line.strip() and not _progress(line)]
    if returncode == 2:
        if changed:
            return "wrote anyway", f"exit 2, but {case.watch} changed"
        if len(lines) != 1:
            return "other", f"{len(lines)} lines on stderr"
        # an allowed value may still break a check across fields, which names them together
        # (``sectors.*.entry_rate``) or names the section they make up (``x.sector_mix: the
        # sector shares sum to 0.95``: which share is wrong, only the user knows)
        generic = re.sub(r"^sectors\.\w+\.", "sectors.*.", case.names or "")
        section = (case.names or "").rpartition(".")[0]
        named = case.names is None or case.names in lines[0] or generic in lines[0]
        if not named and not (case.valid and section and f"{section}:" in lines[0]):
            return "other", f"does not name {case.names!r}: {lines[0][:160]}"
        return "refused cleanly", ""
    return "other", f"exit {returncode}: {(lines or [''])[-1][:160]}"


def report(attempts: list[Attempt]) -> str:
    """The table of outcomes by kind of case (markdown)."""
    kinds = list(dict.fromkeys(a.case.kind for a in attempts))
    head = "| cases | tried | " + " | ".join(OUTCOMES) + " |"
    lines = [head, "|" + "---|" * (len(OUTCOMES) + 2)]
    for kind in [*kinds, "all"]:
        chosen = [a for a in attempts if kind in ("all", a.case.kind)]
        counts = Counter(a.outcome for a in chosen)
        cells = " | ".join(str(counts[o]) for o in OUTCOMES)
        lines.append(f"| {kind} | {len(chosen)} | {cells} |")
    return "\n".join(lines)


def _commit() -> str:
    """The commit of the declineabm under test, with ``+changes`` if its tree differs."""
    here = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=here, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def main() -> None:
    """Run every case (or those chosen by the options) and print the table."""
    import argparse
    import time
    from concurrent.futures import ThreadPoolExecutor
    from datetime import UTC, datetime

    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="cases whose kind or name contains this")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--details", type=Path, default=None, help="write every attempt here")
    parser.add_argument("--every", type=int, default=1, help="every k-th value and file case")
    parser.add_argument("--valid", action="store_true", help="only values inside their range")
    parser.add_argument("--pythonpath", default=None, help="the src/ of another declineabm")
    parser.add_argument(
        "--resume-from",
        type=Path,
        default=None,
        help="a --details file of an interrupted run: its clean cases count and are not run "
        "again (the others are; the kinds with few cases go first)",
    )
    options = parser.parse_args()
    cases = [c for c in all_cases() if options.only in c.kind or options.only in c.name]
    cases = [c for c in cases if c.valid or not options.valid]
    sampled = {"value", "file"}  # the kinds with a case per schema field
    keep = {
        id(c) for kind in sampled for c in [c for c in cases if c.kind == kind][:: options.every]
    }
    cases = [c for c in cases if c.kind not in sampled or id(c) in keep]
    earlier: list[Attempt] = []
    if options.resume_from:
        clean = {
            (r["kind"], r["name"]): r
            for r in map(json.loads, options.resume_from.read_text().splitlines())
            if r["outcome"] in CLEAN
        }
        earlier = [
            Attempt(c, clean[(c.kind, c.name)]["outcome"], None, "")
            for c in cases
            if (c.kind, c.name) in clean
        ]
        cases = [c for c in cases if (c.kind, c.name) not in clean]
        cases.sort(key=lambda c: c.kind in sampled)  # stable: the few-case kinds first
        print(f"{len(earlier)} clean cases from {options.resume_from} counted, not run again")
    started = datetime.now(UTC)
    clock = time.monotonic()
    print(
        f"hostile input: {len(cases)} cases, {started:%Y-%m-%d %H:%M} UTC, commit {_commit()}, "
        f"{options.jobs} at a time, {TIMEOUT:.0f} s timeout ({VALID_TIMEOUT:.0f} s in range)",
        flush=True,
    )
    root = Path(tempfile.mkdtemp(prefix="hostile-"))
    env = {**os.environ, "PYTHONPATH": options.pythonpath} if options.pythonpath else None
    needs = any(c.setup == "finished-sweep" for c in cases)
    finished = make_finished_sweep(root / "finished", env) if needs else None
    details = options.details.open("w") if options.details else None
    done: list[Attempt] = []

    def one(item: tuple[int, Case]) -> Attempt:
        index, case = item
        folder = root / f"case{index}"
        folder.mkdir()
        result = attempt(case, folder, finished, options.pythonpath)
        shutil.rmtree(folder, ignore_errors=True)
        done.append(result)
        if details:  # as they end, so that an interrupted run keeps what it tried
            record = {
                "kind": case.kind,
                "name": case.name,
                "outcome": result.outcome,
                "detail": result.detail,
                "seconds": round(result.seconds, 2),
            }
            details.write(json.dumps(record) + "\n")
            details.flush()
        if len(done) % 50 == 0 or len(done) == len(cases):
            counts = Counter(a.outcome for a in done)
            print(f"{len(done)}/{len(cases)} tried: {dict(counts)}", file=sys.stderr, flush=True)
        return result

    with ThreadPoolExecutor(options.jobs) as pool:
        attempts = list(pool.map(one, enumerate(cases)))
    if details:
        details.close()
    minutes = (time.monotonic() - clock) / 60
    print(f"finished in {minutes:.0f} minutes\n")
    print(report(earlier + attempts))
    for a in attempts:
        if a.outcome not in CLEAN:
            print(f"- {a.outcome}: [{a.case.kind}] {a.case.name}: {a.detail}")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
