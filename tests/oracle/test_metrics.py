"""The oracle's /metrics (twei.metrics), scraped as Prometheus scrapes it: sessions and heartbeats
(the fast path's too), 4xx and 5xx by route template, the store's batch latency."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.oracle.conftest import READER


def scrape(client) -> dict[tuple, float]:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics__count_sessions_heartbeats_and_answers_by_route(client, api):
    before = scrape(client)
    api.post()
    sid = api.session()
    api.beat(sid)
    api.beat(sid)
    api.seq[sid] = 0  # the next heartbeat replays seq 1: refused, 409
    assert api.raw_beat(sid).status_code == 409
    assert client.get("/v1/posts/999").status_code == 404
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    beats = "/v1/sessions/{session_id}/heartbeats"
    assert grew("twei_oracle_sessions_started_total") == 1
    assert grew("twei_oracle_heartbeats_total", outcome="accepted") == 2
    assert grew("twei_oracle_heartbeats_total", outcome="refused") == 1
    assert grew("twei_http_requests_total", service="oracle", route=beats, code="2xx") == 2
    assert grew("twei_http_requests_total", service="oracle", route=beats, code="4xx") == 1
    assert grew("twei_http_requests_total", service="oracle", route="/v1/posts/{post_id}", code="4xx") == 1
    assert grew("twei_http_requests_total", service="oracle", route="/v1/sessions", code="2xx") == 1
    assert grew("twei_http_request_duration_seconds_count", service="oracle", route=beats) == 3
    # Each request that reached the store ran in a batch the histogram timed.
    assert grew("twei_oracle_store_batch_seconds_count") >= 4
    # No raw path (a session id) ever becomes a label.
    assert not any(READER in str(key) or "/v1/sessions/" + sid in str(key) for key in after)


def test_metrics__a_store_failure_is_a_5xx_and_counted(client, api, monkeypatch):
    api.post()
    sid = api.session()
    oracle = client.app.state.oracle

    def broken(ops):
        raise OSError("disk gone")

    monkeypatch.setattr(oracle, "_attempt", broken)
    before = scrape(client)
    assert api.raw_beat(sid).status_code == 503
    after = scrape(client)
    beats = "/v1/sessions/{session_id}/heartbeats"
    assert value(after, "twei_oracle_store_failures_total") - value(before, "twei_oracle_store_failures_total") == 1
    key = dict(service="oracle", route=beats, code="5xx")
    assert value(after, "twei_http_requests_total", **key) - value(before, "twei_http_requests_total", **key) == 1
