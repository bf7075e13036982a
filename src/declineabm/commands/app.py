"""``declineabm app``: serve the live app on http://127.0.0.1:8765.

The page code lives in the top-level ``viz/`` folder, outside the model package. A source
checkout or an editable install finds it beside ``src/``; a wheel carries it as
``declineabm/_viz`` (see ``pyproject.toml``). Either way it is imported as the package
``declineabm_viz`` and served by Solara's Starlette app under uvicorn, in production mode, with
Solara's telemetry and update checks off and its JavaScript served from the installed
``solara-assets``: the app makes no request beyond this machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import sys
import warnings
import webbrowser
from pathlib import Path
from types import ModuleType

from declineabm.cli import UsageError

HELP = "serve the live app in the browser (http://127.0.0.1:8765)"

VIZ_PACKAGE = "declineabm_viz"
"""The import name of the ``viz/`` folder."""
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
ABANDONED_SESSION_TIMEOUT = "15m"
"""How long a session whose browser vanished without closing the page keeps its city (Solara's
default is a day; a city is tens of megabytes)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``declineabm app``."""
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, reachable from this machine only)",
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="port to listen on (default: 8765; 0: any free)"
    )
    parser.add_argument("--open", action="store_true", help="open the page in a web browser")


def viz_dir(package: Path | None = None) -> Path:
    """The folder holding the app's page code (``viz/``).

    Args:
        package: The installed ``declineabm`` package folder (default: this one).
    """
    package = package or Path(__file__).resolve().parents[1]
    candidates = [package.parents[1] / "viz", package / "_viz"]  # source checkout, wheel
    for path in candidates:
        if (path / "app.py").is_file():
            return path
    raise UsageError("cannot find the app's page code (viz/); reinstall declineabm")


def import_viz() -> ModuleType:
    """Import ``viz/`` as the package :data:`VIZ_PACKAGE` (once per process)."""
    if VIZ_PACKAGE in sys.modules:
        return sys.modules[VIZ_PACKAGE]
    folder = viz_dir()
    spec = importlib.util.spec_from_file_location(
        VIZ_PACKAGE, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[VIZ_PACKAGE] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[VIZ_PACKAGE]
        raise
    return module


def _bind(host: str, port: int) -> socket.socket:
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port}: must be from 0 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UsageError(f"--host {host}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        # listen now: a browser opened at once waits in the backlog while the server starts
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock


def _configure_solara() -> None:
    """Settings that keep Solara on this machine; must run before Solara's server loads."""
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    os.environ["SOLARA_APP"] = f"{VIZ_PACKAGE}.app"
    from solara.server import settings

    settings.telemetry.mixpanel_enable = False
    settings.main.mode = "production"  # also: no "check" iframe that calls solara.dev
    settings.kernel.cull_timeout = ABANDONED_SESSION_TIMEOUT
    settings.theme.loader = "plain"  # Solara's own loader advertises solara.dev
    # Solara would set a cross-site cookie over https; on plain http it warns once per page and
    # falls back to a same-site cookie, which is all a local app needs.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")


def main(args: argparse.Namespace) -> int:
    """Serve the app until interrupted."""
    sock = _bind(args.host, args.port)
    import_viz()
    _configure_solara()
    import uvicorn

    host, port = sock.getsockname()[:2]
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    print(f"declineabm app: serving on {url} (Ctrl+C stops it)", flush=True)
    if args.host not in LOCAL_HOSTS:
        print(
            "declineabm app: warning: other machines can reach this page; it has no login",
            file=sys.stderr,
        )
    if args.open:
        webbrowser.open(url)
    config = uvicorn.Config("solara.server.starlette:app", log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])
    return 0
