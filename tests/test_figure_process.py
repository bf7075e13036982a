"""The summary figure drawn by a helper process: the same bytes, and nothing lost when it fails.

The helper (:mod:`declineabm.io.figure_process`) imports matplotlib while the model runs and
hands the run the PNG's bytes; the run alone writes the folder. Whatever the helper does (dies
before or after it was asked, answers garbage, hangs), the run still draws its figure; a run
killed with SIGKILL leaves no helper behind. Behaviour only: no timings.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import SMALL, small_model, start_run

from declineabm.io import figure_process
from declineabm.io.figure_process import PNG_SIGNATURE, FigureProcess
from declineabm.io.report import summary_figure
from declineabm.run import run_to_folder

TITLE = "northeast, seed 1"


@pytest.fixture(scope="module")
def columns() -> dict[str, list]:
    model = small_model(**{"simulation.end_year": 1998})
    model.run()
    df = dict(model.datacollector.model_vars)
    model.dispose()
    return df


@pytest.fixture(scope="module")
def drawn_here(columns: dict[str, list], tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("figure") / "summary.png"
    summary_figure(columns, path, TITLE)
    return path.read_bytes()


def test_the_helper_draws_the_bytes_the_run_would_draw(columns, drawn_here: bytes) -> None:
    with FigureProcess() as helper:
        assert helper.process is not None
        png = helper.draw(columns, TITLE)
    assert png == drawn_here and png.startswith(PNG_SIGNATURE)


def test_the_helper_runs_this_package_not_one_in_the_working_folder(
    columns, drawn_here: bytes, tmp_path: Path, monkeypatch
) -> None:
    (tmp_path / "declineabm").mkdir()
    (tmp_path / "declineabm" / "__init__.py").write_text("raise ImportError('another copy')\n")
    monkeypatch.chdir(tmp_path)
    with FigureProcess() as helper:
        assert helper.draw(columns, TITLE) == drawn_here


def test_a_helper_killed_before_it_is_asked_answers_none_and_is_gone(columns) -> None:
    helper = FigureProcess()
    assert helper.process is not None
    process = helper.process
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert helper.draw(columns, TITLE) is None
    assert process.returncode == -signal.SIGKILL
    assert helper.process is None  # asked once; close() has nothing left to end
    helper.close()


def _helper_running(code: str) -> FigureProcess:
    helper = FigureProcess(start=False)
    helper.process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    return helper


def test_a_helper_that_answers_anything_but_a_png_is_not_trusted(columns) -> None:
    for code in (
        "import sys; sys.stdin.buffer.read(); print('not a picture')",
        "import sys; sys.stdin.buffer.read(); sys.stdout.buffer.write(b'\\x89PNG'); sys.exit(1)",
        "import sys; sys.stdin.buffer.read(); raise SystemExit(3)",
    ):
        assert _helper_running(code).draw(columns, TITLE) is None, code


def test_a_helper_that_hangs_is_ended_and_answers_none(columns, monkeypatch) -> None:
    monkeypatch.setattr(figure_process, "TIMEOUT", 1.0)
    helper = _helper_running("import time; time.sleep(600)")
    process = helper.process
    assert helper.draw(columns, TITLE) is None
    assert process is not None and process.returncode is not None  # ended, not left behind


def test_a_closed_helper_is_ended() -> None:
    with FigureProcess() as helper:
        process = helper.process
    assert process is not None and process.returncode is not None


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_run_whose_helper_fails_draws_its_figure_itself(
    tmp_path: Path, monkeypatch, drawn_here: bytes
) -> None:
    monkeypatch.setattr(FigureProcess, "draw", lambda self, df, title: None)
    out = tmp_path / "run"
    run_to_folder(
        "northeast",
        out,
        seed=1,
        overrides={**SMALL, "simulation.end_year": 1998},
        progress=False,
    )
    record = json.loads((out / "run.json").read_text())
    assert (out / "summary.png").read_bytes() == drawn_here
    assert record["files"]["summary.png"] == _digest(out / "summary.png")


def _helper_of(run: subprocess.Popen) -> psutil.Process | None:
    """The run's helper process, once it has started (None if the run ended first)."""
    parent = psutil.Process(run.pid)
    while run.poll() is None:
        for child in parent.children():
            try:
                if any("declineabm.io.figure_process" in part for part in child.cmdline()):
                    return child
            except psutil.NoSuchProcess:
                continue
        time.sleep(0.01)
    return None


def _ends(process: psutil.Process, timeout: float) -> bool:
    """Whether ``process`` (not a child of this one) exits within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                return True  # exited; whoever adopted it has not reaped it yet
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


needs_two_cores = pytest.mark.skipif(
    figure_process.usable_cores() < 2, reason="no helper with one core: the run draws itself"
)


@needs_two_cores
def test_a_run_whose_helper_is_killed_still_commits_the_same_figure(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    assert start_run(reference).wait(timeout=600) == 0
    for moment in (0.0, 0.3, 0.8):  # at once, while the model runs, later
        out = tmp_path / f"killed-{moment}"
        run = start_run(out)
        helper = _helper_of(run)
        assert helper is not None, "the run started no helper"
        time.sleep(moment)
        with contextlib.suppress(psutil.NoSuchProcess):  # or it had drawn the figure already
            helper.send_signal(signal.SIGKILL)
        assert run.wait(timeout=600) == 0, run.stderr.read() if run.stderr else ""
        for name in ("model.csv", "cities.csv", "summary.png"):
            assert (out / name).read_bytes() == (reference / name).read_bytes(), name
        record = json.loads((out / "run.json").read_text())
        assert record["files"]["summary.png"] == _digest(out / "summary.png")


@needs_two_cores
def test_a_run_killed_leaves_no_helper_behind(tmp_path: Path) -> None:
    for moment in (0.0, 0.5):
        run = start_run(tmp_path / f"run-{moment}")
        helper = _helper_of(run)
        assert helper is not None, "the run started no helper"
        time.sleep(moment)
        run.send_signal(signal.SIGKILL)
        run.wait()
        assert _ends(helper, timeout=120)  # it reads the end of its input and exits
        assert not (tmp_path / f"run-{moment}" / "summary.png").exists()
