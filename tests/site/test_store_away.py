"""The site with its texts and names in PostgreSQL (TWEI_SITE_DATABASE_URL) while the database is
away: a write is answered 503 with ``Retry-After`` (nothing kept, nothing half-kept), and the
site recovers by itself when the database is back."""

from __future__ import annotations

import time

from eth_utils import keccak

from twei.site.texts import TextStore


def test_site__a_write_while_postgres_is_away_is_a_503_and_the_site_recovers(client, view, pg_url, pg_cluster):
    sqlite, view.texts = view.texts, TextStore(pg_url, chain_id=view.texts.chain_id)
    try:
        assert client.post("/site/api/texts", json={"text": "before the outage"}).status_code == 201
        pg_cluster.stop("fast")
        try:
            r = client.post("/site/api/texts", json={"text": "during the outage"})
            assert r.status_code == 503 and r.headers["retry-after"] == "2", r.text
            assert "try again" in r.json()["detail"]
        finally:
            pg_cluster.start()
        deadline = time.monotonic() + 20
        while (r := client.post("/site/api/texts", json={"text": "after the outage"})).status_code != 201:
            assert r.status_code == 503 and time.monotonic() < deadline, r.text
            time.sleep(0.5)
            client.app.state.rate_counts.reset()  # the retries are the test's, not a flood
        assert view.texts.get(keccak(text="before the outage")) == "before the outage"
        assert view.texts.get(keccak(text="during the outage")) is None  # refused: not kept
        assert view.texts.get(keccak(text="after the outage")) == "after the outage"
    finally:
        view.texts.close()
        view.texts = sqlite
