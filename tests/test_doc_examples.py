"""Every code block of README.md and docs/*.md does what it says, each on its own.

Python blocks run as scripts in a fresh process (as a reader who saves one as ``ex.py`` and
runs ``python ex.py`` would); command lines parse; the error messages shown are the ones the
command prints; TOML sweep files load. A block that needs a package this machine lacks
(dask-jobqueue, dask-kubernetes: a cluster) is skipped with its name, and so is a block
written for another Mesa (its first line ``# Mesa 3.5``; CI's second environment has it).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from declineabm import cli
from declineabm.scenario import ScenarioError, load_scenario, parse_assignment
from declineabm.sweep.sweepfile import load_sweep

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass(frozen=True)
class Block:
    """A code block of a document."""

    path: Path
    line: int
    language: str
    text: str

    def __str__(self) -> str:
        return f"{self.path.name}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """Fenced blocks (with their language) and indented blocks ("indented") of a document."""
    found, lines = [], path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        fence = re.match(r"^```(\w*)\s*$", lines[i])
        if fence:
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            found.append(Block(path, i + 1, fence.group(1), "\n".join(lines[i + 1 : end])))
            i = end + 1
            continue
        if lines[i].startswith("    ") and (i == 0 or not lines[i - 1].strip()):
            end = i
            while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
                end += 1
            text = "\n".join(line[4:] for line in lines[i:end]).strip("\n")
            found.append(Block(path, i + 1, "indented", text))
            i = end
            continue
        i += 1
    return found


ALL = [block for path in DOCS for block in blocks(path)]
PYTHON = [b for b in ALL if b.language == "python"]
TOML = [b for b in ALL if b.language == "toml"]


def commands(block: Block) -> list[str]:
    """The ``declineabm`` command lines of a shell or indented block (continuations joined)."""
    text = block.text.replace("\\\n", " ")
    lines = [line.strip().removeprefix("$ ") for line in text.splitlines()]
    return [
        line
        for line in lines
        if line.startswith("declineabm ") and "<" not in line and ": error: " not in line
    ]


COMMANDS = [
    (block, line)
    for block in ALL
    if block.language in ("sh", "indented")
    for line in commands(block)
]


def missing_modules(source: str) -> list[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return sorted(name for name in names if importlib.util.find_spec(name) is None)


def other_mesa(source: str) -> str | None:
    """The Mesa a block is written for (first line ``# Mesa X.Y``), if not the installed one."""
    import mesa

    wanted = re.match(r"# Mesa (\d+\.\d+)\s*$", source.splitlines()[0])
    installed = ".".join(mesa.__version__.split(".")[:2])
    return wanted.group(1) if wanted and wanted.group(1) != installed else None


def test_the_documents_have_examples() -> None:
    assert sum(other_mesa(b.text) is None for b in PYTHON) >= 3, "most blocks run on any Mesa"
    assert len(PYTHON) >= 3 and len(TOML) >= 1 and len(COMMANDS) >= 15


@pytest.mark.slow
@pytest.mark.parametrize("block", PYTHON, ids=str)
def test_python_blocks_run_on_their_own(block: Block, tmp_path: Path) -> None:
    missing = missing_modules(block.text)
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (a cluster), not installed here")
    if other_mesa(block.text):
        pytest.skip(f"written for Mesa {other_mesa(block.text)}, not the one installed")
    script = tmp_path / "ex.py"
    script.write_text(block.text + "\n")
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, f"{block}: {done.stderr[-3000:]}"


@pytest.mark.parametrize(
    ("block", "line"), COMMANDS, ids=lambda x: str(x) if isinstance(x, Block) else ""
)
def test_command_lines_are_accepted(block: Block, line: str) -> None:
    argv = shlex.split(line, comments=True)[1:]
    try:
        args = cli.build_parser().parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"{block}: `{line}` is refused by the parser (exit {exc.code})")
    for text in getattr(args, "overrides", None) or []:
        key, value = parse_assignment(text)
        if key == "section.key":  # the text's placeholder
            continue
        try:
            load_scenario("northeast", {key: value})
        except ScenarioError as exc:  # a bad value may be the example's point; a key may not
            assert "unknown key" not in str(exc), f"{block}: `{line}`: {exc}"


def shown_errors() -> list[tuple[Block, str, str]]:
    """(block, command, error line) for each "$ declineabm ..." followed by its output."""
    found = []
    for block in ALL:
        lines = block.text.splitlines()
        for i, line in enumerate(lines[:-1]):
            if line.startswith("$ declineabm") and ": error: " in lines[i + 1]:
                found.append((block, line[2:], lines[i + 1]))
    return found


@pytest.mark.parametrize(
    ("block", "line", "expected"),
    shown_errors(),
    ids=lambda x: str(x) if isinstance(x, Block) else "",
)
def test_the_error_messages_shown_are_the_ones_printed(block, line, expected, tmp_path) -> None:
    command = [sys.executable, "-m", "declineabm", *shlex.split(line)[1:]]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    assert done.returncode == 2 and re.fullmatch(pattern, done.stderr.strip()), done.stderr


@pytest.mark.parametrize("block", TOML, ids=str)
def test_toml_sweep_files_load(block: Block) -> None:
    import tomllib

    sweep = load_sweep(tomllib.loads(block.text))
    assert sweep.runs
