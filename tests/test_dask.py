"""A real Dask cluster: ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import declineabm, same_tables
from test_sweep_cli import wait_for_runs

from declineabm.sweep.address import CONNECT_TIMEOUT, connect_timeout, parse_address

pytestmark = [pytest.mark.xdist_group("dask"), pytest.mark.slow]

DASK = str(Path(sys.executable).with_name("dask"))
CALIBRATION = Path(__file__).resolve().parents[1] / "configs" / "calibration" / "northeast.toml"


def wait_until(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def scheduler_address(info: Path) -> str | None:
    """The address in the scheduler file, once the scheduler has written all of it."""
    try:
        return json.loads(info.read_text())["address"]
    except (OSError, ValueError, KeyError):
        return None


@contextlib.contextmanager
def start_cluster(root: Path, workers: int = 2) -> Iterator[tuple[str, list]]:
    """A scheduler and ``workers`` worker processes (one thread each, no nanny) on 127.0.0.1.

    Yields the scheduler's address and the processes, the scheduler first.
    """
    from distributed import Client

    root.mkdir(parents=True, exist_ok=True)
    info = root / "scheduler.json"
    command = [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
    scheduler = subprocess.Popen(
        [*command, "--scheduler-file", str(info)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    processes = [scheduler]
    try:
        wait_until(lambda: scheduler_address(info), "the scheduler")
        address = scheduler_address(info)
        worker = [DASK, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard"]
        worker += ["--host", "127.0.0.1"]
        processes += [
            subprocess.Popen(
                [*worker, "--name", f"w{i}", "--local-directory", str(root)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for i in range(workers)
        ]
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=120)
        yield address, processes
    finally:
        # No graceful shutdown needed; a worker closing on SIGTERM can wait long for a
        # scheduler that is going away too.
        for process in processes:
            process.kill()
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list]]:
    """Scheduler address and the two worker processes (one worker thread each, no nanny)."""
    with start_cluster(tmp_path_factory.mktemp("dask")) as (address, processes):
        yield address, processes[1:]


def test_dask_cluster_gives_the_local_bytes(
    cluster, sweep_file: Path, tmp_path: Path, reference_sweep: Path
) -> None:
    address, workers = cluster
    out = tmp_path / "dask"
    done = declineabm("sweep", sweep_file, "--out", out, "--scheduler", address, "--quiet")
    assert done.returncode == 0, done.stderr
    same_tables(out, reference_sweep)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sessions"][0]["executor"] == f"Dask cluster at {address}"
    pids = set(pd.read_csv(out / "timings.csv")["pid"])
    assert pids <= {w.pid for w in workers} and len(pids) == 2, "runs not spread over workers"


def test_sweep_survives_a_killed_dask_worker(
    cluster, sweep_file: Path, tmp_path: Path, reference_sweep: Path
) -> None:
    address, workers = cluster
    out = tmp_path / "dask-kill"
    sweep = declineabm("sweep", sweep_file, "--out", out, "--scheduler", address, wait=False)
    wait_for_runs(out, 3, sweep)
    workers[0].send_signal(signal.SIGKILL)
    workers[0].wait()
    assert not (out / "runs.csv").exists(), "killed too late to test anything"
    _, stderr = sweep.communicate(timeout=300)
    assert sweep.returncode == 0, stderr
    same_tables(out, reference_sweep)
    assert workers[1].pid in set(pd.read_csv(out / "timings.csv")["pid"])


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("tcp://127.0.0.1:9", "nothing listens at port 9"),  # Dask alone retries for 30 s
        ("no such address", "not a Dask scheduler address"),
        ("http://127.0.0.1:8786", "unknown protocol 'http'"),
        ("tcp://127.0.0.1:99999", "not a Dask scheduler address"),
    ],
)
@pytest.mark.parametrize("command", ["sweep", "calibrate"])
def test_an_unreachable_or_malformed_scheduler_is_one_line_and_writes_nothing(
    command: str, address: str, why: str, sweep_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "never"
    target = [sweep_file] if command == "sweep" else ["northeast", "--calibration", CALIBRATION]
    done = declineabm(command, *target, "--out", out, "--scheduler", address)
    assert done.returncode == 2
    assert done.stderr.startswith(f"declineabm {command}: error: --scheduler {address}: ")
    assert why in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("address", "parts"),
    [
        ("tcp://10.0.0.5:8786", ("tcp", "10.0.0.5", 8786)),
        ("10.0.0.5:8786", ("tcp", "10.0.0.5", 8786)),
        ("tls://scheduler.example.org:8786", ("tls", "scheduler.example.org", 8786)),
        ("tcp://[::1]:8786", ("tcp", "::1", 8786)),
    ],
)
def test_dask_address_forms_are_accepted(address: str, parts: tuple) -> None:
    assert parse_address(address) == parts


def test_the_connect_timeout_is_short_unless_dask_is_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT", raising=False)
    assert connect_timeout() == CONNECT_TIMEOUT
    monkeypatch.setenv("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT", "45s")
    assert connect_timeout() == 45.0


def test_a_dead_scheduler_keeps_the_runs_pending_and_resume_finishes_them(
    sweep_file: Path, tmp_path: Path, reference_sweep: Path
) -> None:
    out = tmp_path / "sweep"
    with start_cluster(tmp_path / "first") as (address, processes):
        sweep = declineabm(
            "sweep", sweep_file, "--out", out, "--scheduler", address, "--quiet", wait=False
        )
        wait_for_runs(out, 3, sweep)
        processes[0].kill()  # the scheduler
        _, stderr = sweep.communicate(timeout=300)
    assert sweep.returncode == 2, stderr
    assert stderr.count("\n") == 1 and "is gone" in stderr and "--resume" in stderr, stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and "is gone" in manifest["error"]
    assert manifest["runs"]["failed"] == 0 and manifest["runs"]["pending"] > 0
    with start_cluster(tmp_path / "second", workers=1) as (address, _):
        done = declineabm("sweep", sweep_file, "--out", out, "--resume", "--scheduler", address)
    assert done.returncode == 0, done.stderr
    same_tables(out, reference_sweep)


def test_a_scheduler_address_that_is_no_dask_scheduler_is_one_line(
    sweep_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _listening(port), "the HTTP server")
        monkeypatch.setenv("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT", "3s")
        out = tmp_path / "never"
        done = declineabm(
            "sweep", sweep_file, "--out", out, "--scheduler", f"tcp://127.0.0.1:{port}"
        )
    finally:
        server.kill()
        server.wait()
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "cannot reach a Dask scheduler" in done.stderr
    assert not out.exists()


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
