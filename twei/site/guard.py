"""Bounded requests: body size caps before parsing, and per-client rate limits (``limits``).

Without them one client could send a 48 MiB body (read whole, then refused), store 64 KB texts
without end, and ask for sign-in nonces hundreds of times a second. This ASGI middleware, in
front of the site and the oracle it mounts:

- refuses a POST whose declared ``Content-Length`` is above its path's cap with 413 before a
  byte of the body is read, and a body sent without a length (chunked) once it passes the cap
  (it holds at most the cap in memory);
- counts, per client and per minute, the requests to the paths that store or issue something
  (a text, a name, a sign-in nonce) and the KiB of texts stored, with the ``limits`` library's
  moving windows; over a limit the answer is 429 with ``Retry-After``.

The body cap is a few lines of ASGI no library ships for Starlette; the counting is ``limits``.
The client is the TCP peer, or the first ``X-Forwarded-For`` hop when the peer is a trusted
proxy (HAProxy on loopback: ``deploy/haproxy.cfg`` sets the header and limits too). The counts
are per process (``limits``' memory storage): behind several replicas a client gets the limit
at each, and HAProxy's stick table bounds the total.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

__all__ = ["Limits", "RequestGuard", "MemoryStorage"]


@dataclass(frozen=True)
class Limits:
    """Caps and per-minute limits; the defaults fit a reader (a comment is a few KB)."""

    #: path prefix -> the largest body accepted (bytes); any other POST gets ``default_body``.
    bodies: dict[str, int] = field(
        default_factory=lambda: {"/site/api/texts": 400_000, "/site/api/names": 4_096, "/v1/": 200_000}
    )
    default_body: int = 65_536
    #: path -> requests a client may make per minute
    per_minute: dict[str, int] = field(
        default_factory=lambda: {"/site/api/texts": 30, "/site/api/names": 10, "/v1/auth/nonce": 20, "/v1/auth/verify": 20}
    )
    text_kib_per_minute: int = 1_024  # what one client may store
    trusted_proxies: frozenset[str] = frozenset({"127.0.0.1", "::1"})


async def _answer(send: Any, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _replay(messages: list[dict[str, Any]], then: Any = None) -> Any:
    """A ``receive`` that gives ``messages`` first, then what ``then`` gives (a disconnect)."""
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        if queue:
            return queue.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


class RequestGuard:
    def __init__(self, app: Any, limits: Limits | None = None, storage: MemoryStorage | None = None) -> None:
        self.app = app
        self.limits = limits or Limits()
        self.storage = storage or MemoryStorage()
        self.limiter = MovingWindowRateLimiter(self.storage)
        self._items = {path: RateLimitItemPerMinute(n) for path, n in self.limits.per_minute.items()}
        self._kib = RateLimitItemPerMinute(self.limits.text_kib_per_minute)

    def client(self, scope: dict[str, Any]) -> str:
        peer = (scope.get("client") or ("?", 0))[0]
        if peer in self.limits.trusted_proxies:
            for name, value in scope.get("headers", ()):
                if name == b"x-forwarded-for":
                    return value.decode("latin-1").split(",")[0].strip() or peer
        return peer

    def _cap(self, path: str) -> int:
        for prefix, cap in self.limits.bodies.items():
            if path.startswith(prefix):
                return cap
        return self.limits.default_body

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        cap = self._cap(path)
        length = next((v for k, v in scope.get("headers", ()) if k == b"content-length"), None)
        if length is not None and (not length.isdigit() or int(length) > cap):
            await _answer(send, 413, f"the body is larger than {cap:,} bytes, the most {path} takes")
            return
        item = self._items.get(path)
        who = self.client(scope)
        if item is not None and not self.limiter.hit(item, path, who):
            await self._too_many(send, item, path, who, f"at most {item.amount} requests a minute to {path}")
            return
        if path == "/site/api/texts" and length is not None:
            kib = max(1, int(length) // 1024)
            if not self.limiter.hit(self._kib, "text-kib", who, cost=kib):
                await self._too_many(
                    send, self._kib, "text-kib", who, f"at most {self._kib.amount:,} KiB of texts a minute per client"
                )
                return
        chunks, seen = [], 0
        while True:  # the body, read here up to the cap: a longer one is refused unread
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            seen += len(message.get("body", b""))
            if seen > cap:
                await _answer(send, 413, f"the body is larger than {cap:,} bytes, the most {path} takes")
                return
            chunks.append(message)
            if not message.get("more_body"):
                break
        body = b"".join(m.get("body", b"") for m in chunks)
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)

    async def _too_many(self, send: Any, item: Any, key: str, who: str, detail: str) -> None:
        reset = self.limiter.get_window_stats(item, key, who).reset_time
        wait = max(1, int(reset - time.time()) + 1)
        await _answer(send, 429, f"too many requests: {detail}; try again in {wait} s", [(b"retry-after", str(wait).encode())])
