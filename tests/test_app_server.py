"""The guard in front of the app's server: origins, host names and forwarded-path headers."""

from __future__ import annotations

import asyncio

import pytest

from declineabm.app.server import Guard

PAGE = "127.0.0.1:8765"


class Recorder:
    """An ASGI app that records what reaches it."""

    def __init__(self) -> None:
        self.scopes: list[dict] = []

    async def __call__(self, scope, receive, send) -> None:
        self.scopes.append(scope)


def call(guard: Guard, kind: str, headers: dict[str, str]) -> list[dict]:
    """Send one request through the guard; returns the messages it answered with itself."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "websocket.connect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": kind,
        "path": "/",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    asyncio.run(guard(scope, receive, send))
    return sent


@pytest.fixture
def inner() -> Recorder:
    return Recorder()


@pytest.fixture
def guard(inner: Recorder) -> Guard:
    hosts = {PAGE, "localhost:8765", "[::1]:8765"}
    return Guard(inner, hosts, ["https://example.org"])


@pytest.mark.parametrize(
    "origin", [f"http://{PAGE}", "http://localhost:8765", "https://example.org"]
)
def test_a_page_of_this_server_opens_a_session(guard, inner, origin: str) -> None:
    host = PAGE if "example" in origin else origin.split("//")[1]
    assert call(guard, "websocket", {"Host": host, "Origin": origin}) == []
    assert len(inner.scopes) == 1


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "", f"http://{PAGE}.evil.example", "http://127.0.0.1"]
)
def test_a_foreign_page_cannot_open_a_session(guard, inner, origin: str) -> None:
    headers = {"Host": PAGE, **({"Origin": origin} if origin else {})}
    sent = call(guard, "websocket", headers)
    assert sent[0]["type"] == "websocket.close" and inner.scopes == []


def test_a_name_that_is_not_this_machine_gets_nothing(guard, inner) -> None:
    # DNS rebinding: a foreign name that resolves to 127.0.0.1 is a foreign origin that matches
    # its own Host header; refusing unknown host names stops it
    sent = call(guard, "http", {"Host": "evil.example:8765"})
    assert sent[0]["status"] == 403 and inner.scopes == []
    sent = call(
        guard, "websocket", {"Host": "evil.example:8765", "Origin": "http://evil.example:8765"}
    )
    assert sent[0]["type"] == "websocket.close" and inner.scopes == []


def test_forwarded_path_headers_never_reach_solara(guard, inner) -> None:
    headers = {
        "Host": PAGE,
        "X-Script-Name": "/evil",
        "Script-Name": "/evil",
        "X-Forwarded-Prefix": "/evil",
        "X-Forwarded-Host": "evil.example",
        "Accept": "text/html",
    }
    assert call(guard, "http", headers) == []
    (scope,) = inner.scopes
    assert [name for name, _ in scope["headers"]] == [b"host", b"accept"]


def test_any_host_name_when_serving_other_machines(inner) -> None:
    guard = Guard(inner, None, [])
    host = "192.168.1.5:8765"
    assert call(guard, "websocket", {"Host": host, "Origin": f"http://{host}"}) == []
    assert call(guard, "websocket", {"Host": host, "Origin": "http://evil.example"}) != []
