"""A FastAPI app whose hottest endpoint skips the middleware stack.

Every heartbeat of every reader goes through one endpoint, so what FastAPI does around a
request counts: profiled under 1,000 connections, the middleware stack (the body-size limit
twice, the telemetry check that reads the environment for every request, the error and
exception middlewares, the exit stack, the router) took more of the event loop's time than the
oracle's own handler. :class:`FastPathApp` answers the routes declared with :meth:`fast_post`
straight from its ``__call__``: the path matched by a regular expression, the body read with
a size limit, the handler called, its exceptions answered by the app's own exception handlers
(so the answers are the ones the rest of the app gives). Everything else, the OpenAPI docs
included, is FastAPI as usual; the route stays documented through an ordinary declaration.

Written here because neither FastAPI nor Starlette offers a route outside the middleware stack.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from twei.metrics import observe

__all__ = ["FastPathApp", "FastHandler"]

log = logging.getLogger(__name__)

#: ``handler(path_params, body) -> (status, json_object)``; exceptions go to the app's handlers.
FastHandler = Callable[[dict[str, str], bytes], Awaitable[tuple[int, Any]]]

_JSON_HEADERS = [(b"content-type", b"application/json")]


class _BodyTooLarge(Exception):
    pass


_TOO_LARGE = JSONResponse({"detail": "Content Too Large"}, status_code=413)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class FastPathApp(FastAPI):
    """FastAPI, plus POST routes served before its middleware stack (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fast: list[tuple[re.Pattern[str], FastHandler, int]] = []
        self._max_body: int | None = kwargs.get("max_body_size")

    def fast_post(self, path: str, handler: FastHandler, *, max_body: int) -> None:
        """Serve ``POST path`` (``{name}`` segments become path parameters) with ``handler``;
        a body over ``max_body`` bytes is answered 413 without reading the rest.

        The same handler is also an ordinary route of the app, which the full stack reaches
        (a request under a ``root_path``; another method gets its usual 405)."""
        pattern = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(path))
        self._fast.append((re.compile(pattern), handler, max_body))

        async def endpoint(request: Request) -> Response:
            try:
                body = await _read_body(request.receive, max_body)
            except _BodyTooLarge:
                return _TOO_LARGE
            if body is None:
                return Response(status_code=400)  # the client went away; nobody reads this
            status, content = await handler(dict(request.path_params), body)
            return JSONResponse(content, status_code=status)

        self.router.routes.insert(0, Route(path, endpoint, methods=["POST"]))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        send = observe(self, "oracle", scope, send)  # twei.metrics: fast path included
        # Under a root_path the path carries a prefix: leave such set-ups to the full stack.
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            for pattern, handler, max_body in self._fast:
                match = pattern.fullmatch(scope["path"])
                if match:
                    await self._serve_fast(scope, receive, send, handler, match.groupdict(), max_body)
                    return
        if scope["type"] == "http" and self._max_body is not None:
            # Starlette's body limit answers 413 in plain text; every refusal here is JSON
            # ``{"detail": …}`` (as the OpenAPI says). A declared length over the limit is
            # answered here; a chunked body over it still meets Starlette's limit.
            length = _content_length(scope)
            if length is not None and length > self._max_body:
                await _TOO_LARGE(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def _serve_fast(
        self, scope: Scope, receive: Receive, send: Send, handler: FastHandler,
        params: dict[str, str], max_body: int,
    ) -> None:  # fmt: skip
        try:
            body = await _read_body(receive, max_body)
            if body is None:
                return  # the client went away
            status, content = await handler(params, body)
        except _BodyTooLarge:
            response: Response = _TOO_LARGE
        except Exception as err:  # noqa: BLE001 - answered like the full stack would
            response = await self._error_response(scope, err)
        else:
            payload = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [*_JSON_HEADERS, (b"content-length", str(len(payload)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": payload})
            return
        await response(scope, receive, send)

    async def _error_response(self, scope: Scope, err: Exception) -> Response:
        """The app's own answer to ``err`` (its exception handlers, looked up by class), or a
        plain 500 like Starlette's for an exception nobody handles (logged)."""
        for cls in type(err).__mro__:
            handler = self.exception_handlers.get(cls)
            if handler is not None:
                response = handler(Request(scope), err)
                return await response if inspect.isawaitable(response) else response
        log.error("unhandled error on %s", scope["path"], exc_info=err)
        return PlainTextResponse("Internal Server Error", status_code=500)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None if the client disconnected; :class:`_BodyTooLarge` as
    soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
