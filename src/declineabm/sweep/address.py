"""A Dask scheduler's address, checked before Dask is imported.

Importing Dask's client and resolving a sweep's runs take seconds, and Dask retries a refused
connection until its connect timeout (30 s by default): without these checks a mistyped address
was refused after half a minute or more. An address that is not of Dask's form, a host that does
not resolve, or a port where nothing listens is refused here at once; only a host that does not
answer waits, for :func:`connect_timeout`.
"""

from __future__ import annotations

import re
import socket

from declineabm.sweep.errors import SweepError

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a scheduler unless Dask's ``distributed.comm.timeouts.connect`` is set
(in the environment or a Dask config file): long enough for a scheduler across a network,
short enough for someone waiting at a terminal to be told of a wrong address."""
SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
"""Dask's protocols whose address is ``HOST:PORT`` (``inproc`` is for one process only)."""
OVER_TCP = ("tcp", "tls", "ws", "wss")
"""Those carried over TCP, so that a plain TCP connection tells whether anything listens."""
HOST_PORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(?P<port>\d{1,5})$")
EXAMPLE = "tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786"


def connect_timeout() -> float:
    """Seconds to wait for a scheduler: the user's Dask setting, else :data:`CONNECT_TIMEOUT`.

    Read from the user's own Dask configuration (environment and config files), not from the
    defaults Dask's client registers when imported: its 30 s is too long a wait for a typo.
    """
    import dask.config
    from dask.utils import parse_timedelta

    key = "distributed.comm.timeouts.connect"
    value = dask.config.get(key, config=dask.config.collect(), default=None)
    if value is None:
        return CONNECT_TIMEOUT
    try:
        seconds = float(parse_timedelta(value, "s"))
    except (TypeError, ValueError, KeyError):
        raise SweepError(f"{key} = {value!r}: not a time (e.g. 10s)") from None
    if not seconds > 0:
        raise SweepError(f"{key} = {value!r}: must be more than 0 s")
    return seconds


def parse_address(address: str) -> tuple[str, str, int]:
    """The protocol, host and port of a scheduler address, or one line saying why it is not one.

    Args:
        address: ``tcp://host:port``, ``host:port`` (tcp), ``tls://...``, ``[ipv6]:port``.

    Raises:
        SweepError: Not an address of that form; names the address.
    """
    scheme, separator, rest = address.partition("://")
    if not separator:
        scheme, rest = "tcp", address
    if scheme not in SCHEMES:
        raise SweepError(
            f"--scheduler {address}: unknown protocol '{scheme}' (one of {', '.join(SCHEMES)}; "
            f"{EXAMPLE})"
        )
    match = HOST_PORT.match(rest)
    port = int(match["port"]) if match else 0
    if match is None or not 0 < port < 65536:
        raise SweepError(f"--scheduler {address}: not a Dask scheduler address ({EXAMPLE})")
    return scheme, match["host"].strip("[]"), port


def check_reachable(address: str, timeout: float | None = None) -> None:
    """Refuse at once an address where nothing listens (Dask would retry until its timeout).

    Args:
        address: The scheduler's address.
        timeout: Seconds to wait for an answer (default: :func:`connect_timeout`).

    Raises:
        SweepError: Malformed, unknown host, nothing listening, or no answer within ``timeout``.
    """
    scheme, host, port = parse_address(address)
    if scheme not in OVER_TCP:  # ucx: only Dask's own connection can tell
        return
    timeout = connect_timeout() if timeout is None else timeout
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except socket.gaierror:
        reason = f"unknown host '{host}'"
    except TimeoutError:
        reason = f"no answer within {timeout:g} s"
    except ConnectionRefusedError:
        reason = f"nothing listens at port {port}"
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    raise SweepError(f"--scheduler {address}: cannot reach a Dask scheduler ({reason})")
