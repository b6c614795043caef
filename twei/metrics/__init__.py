"""Prometheus metrics of the oracle and the site (``prometheus-client``), served at ``/metrics``;
the daily job writes its own to a textfile (twei.metrics.job). Alerting rules on them:
``deploy/prometheus/twei-alerts.yml``.

Every metric is made once, here, in the client's default registry (one process serves the site
and the oracle mounted in it, and tests build many apps in one process). Names and labels:

* ``twei_http_requests_total{service,route,code}``: answers by route template (never the raw
  path: bounded labels) and status class (``2xx``, ``4xx``, ``5xx``);
  ``twei_http_request_duration_seconds{service,route}``;
* ``twei_oracle_sessions_started_total``, ``twei_oracle_heartbeats_total{outcome}`` (``accepted``
  or ``refused``), ``twei_oracle_store_batch_seconds`` (one store transaction of the writer),
  ``twei_oracle_store_failures_total`` (batches answered 503);
* ``twei_site_indexed_block``, ``twei_site_index_lag_blocks`` (the node's head less the block
  the site's index reached, after the scrape let it read what was mined), ``twei_site_live_connections`` (open live
  connections of post pages: :func:`live_connection` around each).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

__all__ = [
    "HTTP_REQUESTS", "HTTP_LATENCY", "SESSIONS_STARTED", "HEARTBEATS", "STORE_BATCH", "STORE_FAILURES",
    "INDEXED_BLOCK", "INDEX_LAG", "LIVE_CONNECTIONS", "live_connection", "observe", "metrics_endpoint",
    "watch_index",
]

HTTP_REQUESTS = Counter("twei_http_requests", "HTTP answers by route template and status class.", ["service", "route", "code"])
HTTP_LATENCY = Histogram("twei_http_request_duration_seconds", "Time to answer, by route template.", ["service", "route"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
SESSIONS_STARTED = Counter("twei_oracle_sessions_started", "Reading sessions opened.")
HEARTBEATS = Counter("twei_oracle_heartbeats", "Heartbeats, accepted or refused by the rules.", ["outcome"])
STORE_BATCH = Histogram("twei_oracle_store_batch_seconds", "One store transaction of the oracle's writer (a batch).",
                        buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
STORE_FAILURES = Counter("twei_oracle_store_failures", "Store batches that failed (their requests answered 503).")
INDEXED_BLOCK = Gauge("twei_site_indexed_block", "The last block the site's index read.")
INDEX_LAG = Gauge("twei_site_index_lag_blocks", "Blocks the site's index is behind the node's head (read when scraped).")
LIVE_CONNECTIONS = Gauge("twei_site_live_connections", "Open live connections of post pages.")


@contextmanager
def live_connection() -> Iterator[None]:
    """Count one open live connection (an SSE stream, a long poll) while it lasts."""
    LIVE_CONNECTIONS.inc()
    try:
        yield
    finally:
        LIVE_CONNECTIONS.dec()


def watch_index(refresh: Callable[[], Any], indexed: Callable[[], int], head: Callable[[], int]) -> None:
    """At each scrape, let the site's index read what was mined (``refresh``: so a site nobody
    visits keeps up too), then measure how far behind the node's head it still is: a lag that
    lasts means the index cannot read the chain (its log queries fail or are too slow)."""

    def caught_up() -> int:
        try:
            refresh()  # at most every refresh interval: the second gauge costs nothing more
        except Exception:  # noqa: BLE001 - the lag shows it
            pass
        return indexed()

    def lag() -> float:
        try:
            return float(max(head() - caught_up(), 0))
        except Exception:  # noqa: BLE001 - the node is away: the lag is unknown, not zero
            return float("nan")

    INDEXED_BLOCK.set_function(lambda: float(caught_up()))
    INDEX_LAG.set_function(lag)


def _route(app: Any, scope: dict) -> str:
    """The template of the route that answers ``scope`` (``/v1/sessions/{session_id}/heartbeats``)."""
    from starlette.routing import Match, Mount

    for route in getattr(app, "routes", ()):
        match, _ = route.matches(scope)
        if match == Match.FULL:
            if isinstance(route, Mount):
                return (route.path or "") + "/{path}"
            return getattr(route, "path", "other")
    return "other"


def observe(app: Any, service: str, scope: dict, send: Callable) -> Callable:
    """``send`` wrapped to count the answer to ``scope`` and time it (http only)."""
    if scope.get("type") != "http" or scope.get("path") == "/metrics":
        return send
    start = time.perf_counter()

    async def counted(message: dict) -> None:
        if message["type"] == "http.response.start":
            route = _route(app, scope)
            HTTP_REQUESTS.labels(service, route, f"{message['status'] // 100}xx").inc()
            HTTP_LATENCY.labels(service, route).observe(time.perf_counter() - start)
        await send(message)

    return counted


class MetricsMiddleware:
    """Pure ASGI middleware: :func:`observe` for every request of ``app``."""

    def __init__(self, app: Any, service: str, routes_of: Any = None) -> None:
        self.app, self.service, self.routes_of = app, service, routes_of

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        await self.app(scope, receive, observe(self.routes_of or self.app, self.service, scope, send))


def metrics_endpoint(request: Any = None) -> Any:
    """``GET /metrics``: the process's metrics in Prometheus' text format."""
    from starlette.responses import Response

    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
