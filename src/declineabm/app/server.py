"""Serving the page: Solara's Starlette app under uvicorn, behind a guard of its own.

Solara is set up to stay on this machine (production mode, no telemetry, its JavaScript from
the installed ``solara-assets``) and wrapped in :class:`Guard`, an ASGI middleware that:

* accepts a websocket (a session, which builds a city) only from a page of this server: its
  ``Origin`` must be the address the browser asked for, or one given with ``--allow-origin``
  (behind a reverse proxy). A foreign page in the same browser cannot open sessions;
* answers only to the host names of the address it listens on when that is a loopback
  address, so a foreign name that resolves to 127.0.0.1 (DNS rebinding) reaches nothing;
* removes the headers by which a reverse proxy tells the path the app lives under
  (``X-Script-Name``, ``Script-Name``, ``X-Forwarded-Prefix``, ``X-Forwarded-Host``): Solara
  would take the first request's as the root path of every later visitor. The path is
  configured instead (``--root-path``).

The number of cities a server keeps is capped (:data:`~.session.CITIES`, ``--max-cities``); a
page beyond the cap says so. A tab that closes frees its city at once; one whose connection is
lost (a killed browser, a sleeping laptop) frees it after :data:`ABANDONED_AFTER` seconds.

Memory: a city is tens of megabytes of small objects, built and freed by a thread of its own.
With glibc's default of one malloc arena per thread and no return of freed heap to the system,
the server's resident memory would creep up with every tab opened and closed. So the server
keeps two arenas and gives free memory back a few seconds after a city is freed
(:func:`release_memory`); ``docs/APP.md`` has the figures (``benchmarks/app_speed.py``).
"""

from __future__ import annotations

import ctypes
import gc
import os
import threading
import warnings
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

APP = "declineabm.app.page"
"""The module Solara serves."""
ABANDONED_AFTER = 30
"""Seconds a session whose browser vanished without closing the page keeps its city (Solara's
default is a day; a city is tens of megabytes)."""
DEFAULT_MAX_CITIES = 8
PATH_HEADERS = frozenset(
    {b"script-name", b"x-script-name", b"x-forwarded-prefix", b"x-forwarded-host"}
)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MALLOC_ARENAS = 2
M_ARENA_MAX = -8  # glibc's mallopt parameter
RELEASE_DELAY = 3.0
"""Seconds after a city is freed before free memory goes back to the system: Solara collects
the closed session's widgets a second after it closes."""

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Guard:
    """The ASGI middleware of the module docstring.

    Args:
        app: The ASGI app it guards (Solara's).
        hosts: The ``Host`` headers answered (None: any).
        origins: Origins accepted for websockets besides the page's own address.
    """

    def __init__(
        self,
        app: Callable[..., Awaitable[None]],
        hosts: Iterable[str] | None,
        origins: Iterable[str],
    ) -> None:
        self.app = app
        self.hosts = None if hosts is None else frozenset(h.lower() for h in hosts)
        self.origins = frozenset(o.rstrip("/").lower() for o in origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check a request, strip its path headers and pass it on."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in PATH_HEADERS]
        found = {k.lower(): v.decode("latin-1") for k, v in headers}
        host = found.get(b"host", "").lower()
        if self.hosts is not None and host not in self.hosts:
            await self._refuse(scope, send, f"unknown host {host!r}")
            return
        if scope["type"] == "websocket":
            origin = found.get(b"origin", "").rstrip("/").lower()
            own = {f"http://{host}", f"https://{host}"}
            if origin not in own | self.origins:
                await self._refuse(
                    scope, send, f"websocket from a foreign page ({origin or 'no origin'})"
                )
                return
        await self.app({**scope, "headers": headers}, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, why: str) -> None:
        if scope["type"] == "websocket":
            # closing before accepting makes the server answer the handshake with 403
            await send({"type": "websocket.close", "code": 1008, "reason": why})
            return
        body = f"declineabm app: {why}\n".encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"text/plain"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def configure(url: str, root_path: str = "", abandoned_after: float = ABANDONED_AFTER) -> None:
    """Set Solara up for this server; must run before Solara's server module loads.

    Args:
        url: The address the server listens on (``http://127.0.0.1:8765/``).
        root_path: The path the app lives under behind a reverse proxy ("" for none).
        abandoned_after: Seconds before the city of a lost connection is freed.
    """
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    os.environ["SOLARA_APP"] = APP
    from solara.server import settings

    settings.telemetry.mixpanel_enable = False
    settings.main.mode = "production"  # also: no "check" iframe that calls solara.dev
    settings.main.root_path = root_path  # set, so no request header can set it
    settings.main.base_url = url.rstrip("/") + root_path + "/"
    settings.kernel.cull_timeout = f"{abandoned_after:g}s"
    settings.theme.loader = "plain"  # Solara's own loader advertises solara.dev
    # Solara would set a cross-site cookie over https; on plain http it warns once per page and
    # falls back to a same-site cookie, which is all a local app needs.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")


def _libc() -> Any:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl): nothing to tune
        return None


def limit_arenas() -> None:
    """Keep glibc to :data:`MALLOC_ARENAS` malloc arenas; call before threads start."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, MALLOC_ARENAS)


def release_memory() -> None:
    """Collect garbage and give free heap back to the system (a city was freed)."""

    def release() -> None:
        gc.collect()
        libc = _libc()
        if libc is not None:
            libc.malloc_trim(0)

    timer = threading.Timer(RELEASE_DELAY, release)
    timer.daemon = True
    timer.start()


def guarded_app(
    host: str, port: int, allow_origins: Iterable[str] = (), max_cities: int | None = None
) -> Guard:
    """Solara's app behind the guard, for a server listening on ``host:port``."""
    from solara.server.starlette import app

    from .session import CITIES

    CITIES.limit = max_cities
    CITIES.on_release = release_memory
    hosts = None
    if host in LOOPBACK:
        hosts = {_host_port(name, port) for name in LOOPBACK}
    return Guard(app, hosts, allow_origins)
