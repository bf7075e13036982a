"""``declineabm app``: serve the live app on http://127.0.0.1:8765.

The page is the package :mod:`declineabm.app`, served by Solara's Starlette app under uvicorn
(:mod:`declineabm.app.server`): in production mode, with Solara's telemetry and update checks
off and its JavaScript served from the installed ``solara-assets``, so the app makes no request
beyond this machine; behind a guard that accepts sessions only from its own pages.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import webbrowser

from declineabm.cli import UsageError

HELP = "serve the live app in the browser (http://127.0.0.1:8765)"

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``declineabm app``."""
    from declineabm.app.server import ABANDONED_AFTER, DEFAULT_MAX_CITIES

    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, reachable from this machine only)",
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="port to listen on (default: 8765; 0: any free)"
    )
    parser.add_argument("--open", action="store_true", help="open the page in a web browser")
    parser.add_argument(
        "--max-cities",
        type=int,
        default=DEFAULT_MAX_CITIES,
        help=f"cities (browser tabs) kept at once; a page beyond says so (default: "
        f"{DEFAULT_MAX_CITIES})",
    )
    parser.add_argument(
        "--free-after",
        type=float,
        default=ABANDONED_AFTER,
        metavar="SECONDS",
        help="free the city of a tab whose connection is lost after this long (a closed tab's "
        f"at once; default: {ABANDONED_AFTER})",
    )
    parser.add_argument(
        "--root-path",
        default="",
        help="the path the app lives under behind a reverse proxy, e.g. /declineabm (the "
        "proxy's X-Script-Name and similar headers are ignored)",
    )
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="URL",
        help="also accept sessions from pages of this origin, e.g. https://example.org behind a "
        "reverse proxy (repeatable)",
    )


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


def _check(args: argparse.Namespace) -> None:
    if args.max_cities < 1:
        raise UsageError(f"--max-cities {args.max_cities}: must be at least 1")
    if not 1 <= args.free_after <= 3600:
        raise UsageError(f"--free-after {args.free_after:g}: must be from 1 to 3600 seconds")
    root = args.root_path
    if root and (not root.startswith("/") or root.endswith("/") or "//" in root):
        raise UsageError(f"--root-path {root}: must start with / and not end with one")
    for origin in args.allow_origin:
        if not origin.startswith(("http://", "https://")) or origin.count("/") != 2:
            raise UsageError(f"--allow-origin {origin}: must be scheme://host[:port]")


def main(args: argparse.Namespace) -> int:
    """Serve the app until interrupted."""
    _check(args)
    sock = _bind(args.host, args.port)
    from declineabm.app import server

    server.limit_arenas()  # before any thread starts
    host, port = sock.getsockname()[:2]
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    server.configure(url, args.root_path, args.free_after)
    import uvicorn

    app = server.guarded_app(args.host, port, args.allow_origin, args.max_cities)
    # the cities opened and freed, so whoever runs the server sees what it holds
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("declineabm app: %(message)s"))
    log = logging.getLogger("declineabm.app")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    print(f"declineabm app: serving on {url} (Ctrl+C stops it)", flush=True)
    if args.host not in LOCAL_HOSTS:
        print(
            "declineabm app: warning: other machines can reach this page; it has no login",
            file=sys.stderr,
        )
    if args.open:
        webbrowser.open(url)
    config = uvicorn.Config(app, log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])
    return 0
