"""Bounded requests (twei/site/guard.py): body caps before parsing, per-client limits."""

from __future__ import annotations

import pytest


@pytest.fixture
def fresh(client):
    client.app.state.rate_counts.reset()
    yield client
    client.app.state.rate_counts.reset()


def test_bodies__a_declared_length_above_the_cap_is_refused_before_a_byte_is_read(fresh):
    def endless():  # the body a client would send: never read
        raise AssertionError("the body was read")
        yield b""

    r = fresh.post("/site/api/texts", content=endless(), headers={"Content-Length": str(48 * 2**20), "Content-Type": "application/json"})
    assert r.status_code == 413 and "400,000 bytes" in r.json()["detail"]


def test_bodies__a_chunked_body_is_stopped_at_the_cap(fresh):
    sent = []

    def chunks():
        for _ in range(64):
            sent.append(1)
            yield b" " * 65_536  # 4 MiB in all, without a Content-Length

    r = fresh.post("/site/api/names", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "4,096 bytes" in r.json()["detail"]


def test_limits__a_client_storing_texts_beyond_its_minute_gets_429_with_retry_after_and_others_do_not(fresh):
    codes = [fresh.post("/site/api/texts", json={"text": f"text number {n}"}).status_code for n in range(31)]
    assert codes[:30] == [201] * 30 and codes[30] == 429
    refused = fresh.post("/site/api/texts", json={"text": "one more"})
    assert int(refused.headers["retry-after"]) >= 1 and "30 requests a minute" in refused.json()["detail"]
    other = fresh.post("/site/api/texts", json={"text": "from elsewhere"}, headers={"X-Forwarded-For": "203.0.113.9"})
    assert other.status_code == 429  # TestClient's peer is no trusted proxy: its header is ignored


def test_limits__text_volume_per_client_is_bounded_in_kib(fresh):
    big = "x" * 60_000
    codes = [fresh.post("/site/api/texts", json={"text": big + str(n)}).status_code for n in range(20)]
    assert 201 in codes and codes[-1] == 429  # 1 MiB a minute: about 17 texts of 60 KB


def test_limits__sign_in_nonces_are_bounded_per_client(fresh):
    codes = [fresh.post("/v1/auth/nonce").status_code for _ in range(21)]
    assert codes[:20] == [200] * 20 and codes[20] == 429
