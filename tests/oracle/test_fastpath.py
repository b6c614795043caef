"""FastPathApp (twei/oracle/fastpath.py): a route served before FastAPI's middleware answers as
the full stack would, limits the body as it reads it, and leaves everything else to FastAPI."""

from __future__ import annotations

import asyncio
import logging

import pytest
from fastapi.testclient import TestClient

from twei.errors import UnknownSession
from twei.oracle.app import create_app
from twei.oracle.fastpath import FastPathApp

from .conftest import FakeClock

LIMIT = 64


class Boom(Exception):
    pass


def make_app() -> FastPathApp:
    app = FastPathApp()
    served: list[str] = []

    async def echo(params: dict[str, str], body: bytes) -> tuple[int, dict]:
        served.append(params["item"])
        if body == b"unknown":
            raise UnknownSession("no such session")
        if body == b"boom":
            raise Boom("a bug")
        return 201, {"item": params["item"], "body": body.decode(), "text": "ü"}

    @app.exception_handler(UnknownSession)
    async def unknown(request, err):  # noqa: ANN001
        from fastapi.responses import JSONResponse

        return JSONResponse({"detail": str(err)}, status_code=404)

    app.fast_post("/items/{item}/echo", echo, max_body=LIMIT)
    app.state.served = served
    return app


@pytest.fixture
def app() -> FastPathApp:
    return make_app()


def call(app: FastPathApp, path: str, chunks: list[bytes], root_path: str = "", method: str = "POST"):
    """Run one request through the ASGI app; returns (status, headers, body, chunks received)."""
    sent: list[dict] = []
    pending = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)
    ]
    taken = []

    async def receive() -> dict:
        if pending:
            taken.append(pending[0])
            return pending.pop(0)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": root_path + path, "raw_path": (root_path + path).encode(),
        "root_path": root_path, "query_string": b"", "headers": [], "server": ("test", 80),
        "client": ("test", 1),
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    start = next((m for m in sent if m["type"] == "http.response.start"), None)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return (start["status"] if start else None), (dict(start["headers"]) if start else {}), body, len(taken)


def test_fast_post__answers_the_handlers_status_and_json_with_path_params(app):
    with TestClient(app) as client:
        answer = client.post("/items/a1/echo", content=b"hello")
    assert answer.status_code == 201
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {"item": "a1", "body": "hello", "text": "ü"}
    assert app.state.served == ["a1"]


def test_fast_post__a_body_over_the_limit_is_413_without_reading_the_rest(app):
    status, _, body, taken = call(app, "/items/a/echo", [b"x" * 40, b"x" * 40, b"x" * 40])
    assert status == 413
    assert b"Content Too Large" in body
    assert taken == 2  # stopped at the chunk that passed 64 bytes
    assert app.state.served == []  # the handler never saw it


def test_fast_post__errors_get_the_apps_own_handlers_and_unknown_ones_a_logged_500(app, caplog):
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/items/a/echo", content=b"unknown").json() == {"detail": "no such session"}
        with caplog.at_level(logging.ERROR, logger="twei.oracle.fastpath"):
            answer = client.post("/items/a/echo", content=b"boom")
    assert answer.status_code == 500
    assert answer.text == "Internal Server Error"
    assert "unhandled error on /items/a/echo" in caplog.text


def test_fast_post__a_client_gone_before_its_body_gets_no_answer(app):
    status, _, _, _ = call(app, "/items/a/echo", [])
    assert status is None
    assert app.state.served == []


def test_fast_post__under_a_root_path_the_full_stack_serves_the_same_route(app):
    status, _, body, _ = call(app, "/items/b/echo", [b"hi"], root_path="/api")
    assert status == 201
    assert b'"item":"b"' in body
    status, _, _, _ = call(app, "/items/b/echo", [b"x" * 100], root_path="/api")
    assert status == 413


def test_fast_post__other_methods_and_paths_go_to_fastapi(app):
    with TestClient(app) as client:
        assert client.get("/items/a/echo").status_code == 405
        assert client.post("/items/a/b/echo", content=b"x").status_code == 404
        assert client.get("/openapi.json").status_code == 200
    assert app.state.served == []


def test_oracle_heartbeat__oversized_body_is_413_and_unknown_session_404_through_the_fast_path(settings, clock: FakeClock):
    with TestClient(create_app(settings, clock=clock)) as client:
        too_big = client.post("/v1/sessions/s/heartbeats", content=b"{" + b" " * settings.max_heartbeat_bytes + b"}")
        unknown = client.post(
            "/v1/sessions/nope/heartbeats",
            json={"seq": 1, "client_time": clock.ms, "visible": True, "focused": True, "scroll": 1, "idle_ms": 0},
        )
    assert too_big.status_code == 413
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
