"""``declineabm app``: where the page code lives, and bad arguments (serving: the browser tests)."""

from __future__ import annotations

import socket
import tomllib
from pathlib import Path

import pytest

import declineabm
from declineabm.app import page, widgets
from declineabm.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_the_page_is_a_subpackage_of_the_installed_package() -> None:
    # a wheel packs src/declineabm whole, so it carries the page and its browser templates
    package = Path(declineabm.__file__).parent
    assert Path(page.__file__).parent == package / "app"
    for name in ("chart.vue", "citymap.vue", "bridge.vue", "upload.vue"):
        assert (package / "app" / "vue" / name).is_file(), name
    assert Path(widgets.__file__).parent / widgets.ChartWidget.template_file[1] == (
        package / "app" / "vue" / "chart.vue"
    )


def test_the_wheel_packs_the_package_and_the_shipped_folders() -> None:
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
    wheel = build["targets"]["wheel"]
    assert wheel["packages"] == ["src/declineabm"]
    assert set(wheel["force-include"]) == {"configs", "data"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "--port 70000: must be from 0 to 65535"),
        # an address of no interface here (TEST-NET-1): refused locally, nothing sent
        (["--host", "192.0.2.1", "--port", "0"], "cannot listen on 192.0.2.1:0"),
        (["--max-cities", "0"], "--max-cities 0: must be at least 1"),
        (["--free-after", "0.1"], "--free-after 0.1: must be from 1 to 3600 seconds"),
        (["--root-path", "app/"], "--root-path app/: must start with / and not end with one"),
        (["--allow-origin", "example.org"], "--allow-origin example.org: must be"),
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
