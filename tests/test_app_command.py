"""``declineabm app``: finding the page code, and bad arguments (serving: the browser tests)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from declineabm.cli import main
from declineabm.commands.app import VIZ_PACKAGE, import_viz, viz_dir

ROOT = Path(__file__).resolve().parents[1]


def test_finds_viz_beside_src_in_a_checkout() -> None:
    assert viz_dir() == ROOT / "viz"


def test_finds_viz_inside_the_package_of_a_wheel(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "declineabm"
    (package / "_viz").mkdir(parents=True)
    (package / "_viz" / "app.py").write_text("")
    assert viz_dir(package) == package / "_viz"


def test_wheel_carries_viz() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"viz" = "declineabm/_viz"' in pyproject


def test_viz_is_imported_once_as_a_package() -> None:
    package = import_viz()
    assert package.__name__ == VIZ_PACKAGE and import_viz() is package
    from declineabm_viz.app import Page

    assert callable(Page)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "--port 70000: must be from 0 to 65535"),
        # an address of no interface here (TEST-NET-1): refused locally, nothing sent
        (["--host", "192.0.2.1", "--port", "0"], "cannot listen on 192.0.2.1:0"),
    ],
)
def test_bad_arguments_stop_with_one_line(args, message, capsys) -> None:
    assert main(["app", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_a_busy_port_is_reported(capsys) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
