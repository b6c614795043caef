"""The HTTP API: the reading story end to end, every kind of bad input refused with a 4xx, and
the tracker script (the oracle serves no page: the post page is the site's)."""

from __future__ import annotations

import json

import pytest
from eth_utils import to_checksum_address

from tests.oracle.conftest import API_KEY, AUTHOR, OTHER_READER, READER, VOUCH
from twei.breakdown import Breakdown
from twei.units import twei

HB = "/v1/sessions/{}/heartbeats"


def snapshot(client, sid):
    """What the store holds of a session, through the public read-back."""
    return client.get("/v1/reads", params={"post_id": 1, "reader": READER}).json()


# -- posts ---------------------------------------------------------------------------------


def test_register_post__answers_time_to_read(api):
    out = api.post(word_count=476)
    assert out == {
        "post_id": 1, "author": to_checksum_address(AUTHOR), "word_count": 476,
        "title": "A post", "time_to_read_s": 120.0,
    }  # fmt: skip


def test_register_post__same_data_again_is_200_other_data_409(api, client):
    api.post()
    body = {"post_id": 1, "author": AUTHOR, "word_count": 238, "title": "A post", "body": "Hello."}
    again = client.post("/v1/posts", json=body, headers={"X-API-Key": API_KEY})
    assert again.status_code == 200
    other = client.post("/v1/posts", json={**body, "word_count": 1}, headers={"X-API-Key": API_KEY})
    assert other.status_code == 409
    assert other.json() == {"detail": "post 1 is registered already with other data"}


@pytest.mark.parametrize(
    "headers,status,detail",
    [({}, 401, "missing X-API-Key header"), ({"X-API-Key": "nope"}, 403, "wrong API key")],
)
def test_register_post__needs_the_api_key(client, headers, status, detail):
    r = client.post("/v1/posts", json={"post_id": 1, "author": AUTHOR, "word_count": 5},
                    headers=headers)  # fmt: skip
    assert (r.status_code, r.json()["detail"]) == (status, detail)


def test_register_post__refused_when_no_key_is_configured(tmp_path, clock):
    from fastapi.testclient import TestClient

    from twei.oracle.app import create_app
    from twei.oracle.settings import OracleSettings

    app = create_app(OracleSettings(_env_file=None, db=tmp_path / "o.db"), clock=clock)
    with TestClient(app) as c:
        r = c.post("/v1/posts", json={"post_id": 1, "author": AUTHOR, "word_count": 5},
                   headers={"X-API-Key": ""})  # fmt: skip
    assert r.status_code == 403
    assert "TWEI_ORACLE_API_KEY is not set" in r.json()["detail"]


@pytest.mark.parametrize(
    "change,detail",
    [
        ({"author": "0x1234"}, "body.author: Value error, not an address"),
        ({"word_count": 0}, "body.word_count: Input should be greater than or equal to 1"),
        ({"post_id": -1}, "body.post_id: Input should be greater than or equal to 0"),
        ({"extra": 1}, "body.extra: Extra inputs are not permitted"),
    ],
)
def test_register_post__bad_fields_are_422(client, change, detail):
    body = {"post_id": 1, "author": AUTHOR, "word_count": 5, **change}
    r = client.post("/v1/posts", json=body, headers={"X-API-Key": API_KEY})
    assert r.status_code == 422
    assert r.json()["detail"].startswith(detail)


def test_get_post__unknown_is_404(client):
    r = client.get("/v1/posts/9")
    assert (r.status_code, r.json()) == (404, {"detail": "unknown post 9"})


# -- sessions ------------------------------------------------------------------------------


def test_start_session__unknown_post_is_404(client):
    r = client.post("/v1/sessions", json={"post_id": 9, "reader": READER}, headers=VOUCH)
    assert (r.status_code, r.json()) == (404, {"detail": "unknown post 9"})


def test_start_session__malformed_json_is_400(client):
    r = client.post("/v1/sessions", content=b"{",
                    headers={"content-type": "application/json", **VOUCH})  # fmt: skip
    assert r.status_code == 400 and r.json()["detail"].startswith("malformed JSON")


def test_start_session__tells_the_tracker_its_interval(api, client):
    api.post()
    r = client.post("/v1/sessions", json={"post_id": 1, "reader": READER}, headers=VOUCH)
    body = r.json()
    assert r.status_code == 201 and len(body["session_id"]) >= 20
    assert body["heartbeat_interval_ms"] == 15_000
    assert body["time_to_read_s"] == 60.0 and body["own_post"] is False


@pytest.mark.parametrize(
    "client_time,detail",
    [
        (2**64, "body.client_time: Input should be less than 9007199254740992"),
        (2**63 - 1, "body.client_time: Input should be less than 9007199254740992"),
        (-1, "body.client_time: Input should be greater than or equal to 0"),
        (2**53 - 1, "client_time is "),  # in range, but a session may not start in the future
    ],
)
def test_start_session__client_time_out_of_range_or_in_the_future_is_422(
    api, client, clock, client_time, detail
):
    api.post()
    r = client.post("/v1/sessions", json={"post_id": 1, "reader": READER,
                                          "client_time": client_time}, headers=VOUCH)  # fmt: skip
    assert r.status_code == 422 and r.json()["detail"].startswith(detail)
    # a clock a few hours wrong (a time zone) still starts
    r = client.post("/v1/sessions", json={"post_id": 1, "reader": READER,
                                          "client_time": clock.ms + 3 * 3_600_000},
                    headers=VOUCH)  # fmt: skip
    assert r.status_code == 201


# -- the reading story ----------------------------------------------------------------------


def test_read__pending_earnings_are_what_the_settlement_pays_whole_seconds(api, clock):
    api.post(word_count=13)  # Time to Read 3.277 s, cap 4.915 s
    sid = api.session()
    api.beat(sid, scroll=100)
    clock.advance(4.614)
    api.beat(sid, scroll=100)
    status = api.status()
    assert status["credited_s"] == 4.614 and status["rewarded"]
    # 4 whole seconds' 0.006667, as the settlement pays (not the 4.614 s' 0.00769 it once showed)
    assert status["earned_pending_twei"] == "0.006667"


def test_read__engaged_reader_qualifies_and_earns_pending_read_rate(api, clock):
    api.post(word_count=238)  # Time to Read 60 s
    sid = api.session()
    api.read_for(15, sid, seconds=45, scroll=100)
    status = api.status()
    assert status["credited_s"] == 45.0
    assert status["qualified"] and status["rewarded"]
    assert status["earned_pending_wei"] == str(twei("0.075"))  # 45 s at 0.1 TWEI/min
    assert status["earned_settled_wei"] == "0"


def test_read__a_full_time_to_read_earns_a_tenth_of_a_twei_pending_until_settled(api):
    api.post(word_count=238)  # Time to Read 60 s
    sid = api.session()
    api.read_for(15, sid, seconds=60)
    status = api.status()
    assert status["credited_s"] == 60.0 and status["rewarded"]
    assert status["earned_pending_wei"] == str(twei("0.1"))  # 0.1 TWEI per credited minute
    assert status["earned_pending_twei"] == "0.1"
    assert (status["earned_settled_wei"], status["earned_settled_twei"]) == ("0", "0")


def test_read__credit_comes_from_server_time_not_client_time(api, clock):
    api.post(word_count=238)
    sid = api.session()
    api.beat(sid, client_time=clock.ms)
    clock.advance(1)
    # The client claims 29 s passed; the server saw one second.
    out = api.beat(sid, client_time=clock.ms + 4_000)
    assert out["credited_s"] == 1.0


def test_read__credit_is_capped_and_stops_short_of_qualifying_without_scroll(api):
    api.post(word_count=119)  # 30 s
    sid = api.session()
    api.read_for(15, sid, seconds=120, scroll=50)
    status = api.status()
    assert (status["credited_s"], status["qualified"], status["earned_pending_wei"]) == (
        45.0, False, "0",
    )  # fmt: skip


def test_read__idle_reader_earns_nothing(api):
    api.post()
    sid = api.session()
    api.beat(sid, idle_ms=None, scroll=100)
    api.clock.advance(15)
    api.beat(sid, idle_ms=None, scroll=100)
    assert api.status()["credited_s"] == 0.0


def test_read__own_post_never_earns(api):
    api.post(author=AUTHOR)
    sid = api.session(reader=AUTHOR)
    api.read_for(15, sid, seconds=60)
    status = api.status(reader=AUTHOR)
    assert status["qualified"] and status["own_post"]
    assert not status["rewarded"] and status["earned_pending_wei"] == "0"


def test_read__one_rewarded_read_per_reader_and_post_ever(api, client):
    api.post()
    first = api.session()
    api.read_for(15, first, seconds=60)
    assert client.post(f"/v1/sessions/{first}/finish").status_code == 200
    second = api.session()
    api.read_for(15, second, seconds=90)
    status = api.status()
    assert status["sessions"] == 2 and status["rewarded"]
    assert status["credited_s"] == 60.0  # the rewarded (first) read, not the longer second one
    other = api.session(reader=OTHER_READER)
    api.read_for(15, other, seconds=30)
    assert api.status(reader=OTHER_READER)["rewarded"]


def test_read__settled_amount_replaces_pending(api, settings):
    api.post()
    sid = api.session()
    api.read_for(15, sid, seconds=60)
    reader = to_checksum_address(READER)
    Breakdown(1337, 20717, False, twei(100_000), {reader: {(1, 6): twei("0.1")}}, {reader: twei("0.1")}).write(
        settings.settlements_dir / "1337" / "20717.breakdown.json"
    )
    status = api.status()
    assert status["earned_settled_wei"] == str(twei("0.1"))
    assert status["earned_pending_wei"] == "0"


def test_read__settled_part_is_this_posts_read_rewards_and_skips_an_unreadable_file(api, settings):
    api.post()
    folder = settings.settlements_dir / "1337"
    reader = to_checksum_address(READER)
    lines = {
        (1, 6): twei("0.25"),  # Read Rewards: counted
        (1, 10): twei(1),  # Dislikes Commenter: another line
        (2, 6): twei(7),  # Read Rewards of another post
    }
    Breakdown(1337, 1, False, twei(100_000), {reader: lines}, {reader: twei("6.25")}).write(
        folder / "1.breakdown.json"
    )
    (folder / "2.breakdown.json").write_text("{not json")  # skipped with a warning
    status = api.status()
    assert status["earned_settled_wei"] == str(twei("0.25"))
    assert status["earned_settled_twei"] == "0.25"
    assert status["earned_pending_wei"] == "0" and not status["rewarded"]  # no read here yet


def test_reads__unknown_post_is_404_and_bad_reader_422(client):
    assert client.get("/v1/reads", params={"post_id": 5, "reader": READER}).status_code == 404
    assert client.get("/v1/reads", params={"post_id": 5, "reader": "bob"}).status_code == 422


# -- bad heartbeats: each refused with a 4xx and a message, nothing stored --------------------


@pytest.fixture
def live(api):
    """A post, a session with one accepted heartbeat, and the state to compare against."""
    api.post()
    sid = api.session()
    api.beat(sid, scroll=10)
    api.clock.advance(15)
    return sid


def assert_untouched(api, sid):
    status = api.status()
    assert (status["credited_s"], status["max_scroll"]) == (0.0, 10.0)
    # The next well-formed heartbeat is accepted with the next seq: nothing was consumed.
    api.seq[sid] = 1
    assert api.beat(sid, scroll=10)["seq"] == 2


def test_heartbeat__malformed_json_is_400(api, client, live):
    r = client.post(HB.format(live), content=b'{"seq": 2,',
                    headers={"content-type": "application/json"})  # fmt: skip
    assert r.status_code == 400
    assert r.json()["detail"] == "malformed JSON: EOF while parsing a value at line 1 column 10"
    assert_untouched(api, live)


def test_heartbeat__not_json_at_all_is_400(api, client, live):
    r = client.post(HB.format(live), content=b"seq=2", headers={"content-type": "text/plain"})
    assert r.status_code == 400
    assert r.json()["detail"] == "malformed JSON: expected value at line 1 column 1"
    assert_untouched(api, live)


def test_heartbeat__unknown_session_is_404(client):
    r = client.post(HB.format("nope"), json={"seq": 1, "visible": True, "focused": True,
                    "scroll": 0, "idle_ms": 0, "client_time": 0})  # fmt: skip
    assert (r.status_code, r.json()) == (404, {"detail": "unknown session 'nope'"})


@pytest.mark.parametrize(
    "field,value,detail",
    [
        ("scroll", 100.5, "body.scroll: Input should be less than or equal to 100"),
        ("scroll", -1, "body.scroll: Input should be greater than or equal to 0"),
        ("seq", 0, "body.seq: Input should be greater than or equal to 1"),
        ("idle_ms", -5, "body.idle_ms: Input should be greater than or equal to 0"),
        ("visible", "yes", "body.visible: Input should be a valid boolean"),
        ("seq", "2", "body.seq: Input should be a valid integer"),
        ("bogus", 1, "body.bogus: Extra inputs are not permitted"),
    ],
)
def test_heartbeat__field_out_of_range_is_422(api, live, field, value, detail):
    r = api.raw_beat(live, **{field: value})
    assert r.status_code == 422
    assert r.json()["detail"] == detail
    assert_untouched(api, live)


def test_heartbeat__missing_field_is_422(api, client, live):
    r = client.post(HB.format(live), json={"seq": 2, "visible": True})
    assert r.status_code == 422
    assert "body.focused: Field required" in r.json()["detail"]
    assert_untouched(api, live)


def test_heartbeat__client_time_in_the_future_is_422(api, live):
    r = api.raw_beat(live, client_time=api.clock.ms + 60_000)
    assert r.status_code == 422
    assert r.json()["detail"] == "client_time is 60000 ms in the future (allowed skew 5000 ms)"
    assert_untouched(api, live)


def test_heartbeat__client_time_going_backwards_is_422(api, live):
    r = api.raw_beat(live, client_time=api.clock.ms - 20_000)  # previous beat was 15 s ago
    assert r.status_code == 422
    assert r.json()["detail"] == "client_time went backwards by 5000 ms"
    assert_untouched(api, live)


def test_heartbeat__replayed_seq_is_409(api, client, live):
    body = {"seq": 1, "visible": True, "focused": True, "scroll": 100, "idle_ms": 0,
            "client_time": api.clock.ms}  # fmt: skip
    r = client.post(HB.format(live), json=body)
    assert r.status_code == 409
    assert r.json()["detail"] == (
        "seq 1 is not after the session's last seq 1 (a replayed or out-of-order heartbeat)"
    )
    assert_untouched(api, live)


def test_heartbeat__out_of_order_seq_is_409(api, client, live):
    api.seq[live] = 4
    api.beat(live, scroll=10)  # seq 5 accepted
    r = api.c.post(HB.format(live), json={"seq": 3, "visible": True, "focused": True,
                   "scroll": 100, "idle_ms": 0, "client_time": api.clock.ms})  # fmt: skip
    assert r.status_code == 409 and "seq 3 is not after the session's last seq 5" in r.text


def test_heartbeat__finished_session_is_409(api, client, live):
    assert client.post(f"/v1/sessions/{live}/finish").status_code == 200
    r = api.raw_beat(live, scroll=100)
    assert (r.status_code, r.json()) == (409, {"detail": f"session {live!r} is finished"})
    again = client.post(f"/v1/sessions/{live}/finish")
    assert again.status_code == 409 and "finished already" in again.json()["detail"]
    assert api.status()["max_scroll"] == 10.0


def test_finish__unknown_session_is_404(client):
    assert client.post("/v1/sessions/nope/finish").status_code == 404


def test_heartbeat__oversized_body_is_413(api, client, live):
    body = json.dumps({"seq": 2, "visible": True, "focused": True, "scroll": 1, "idle_ms": 0,
                       "client_time": api.clock.ms, "pad": "x" * 2_000}).encode()  # fmt: skip
    r = client.post(HB.format(live), content=body, headers={"content-type": "application/json"})
    assert (r.status_code, r.json()) == (413, {"detail": "Content Too Large"})
    assert_untouched(api, live)


def test_heartbeat__oversized_chunked_body_is_413(api, client, live):
    def chunks():
        for _ in range(20):
            yield b"x" * 100

    r = client.post(HB.format(live), content=chunks(), headers={"content-type": "application/json"})
    assert (r.status_code, r.json()) == (413, {"detail": "Content Too Large"})
    assert_untouched(api, live)


def test_heartbeat__small_chunked_body_is_read(api, client, live):
    body = json.dumps({"seq": 2, "visible": True, "focused": True, "scroll": 30, "idle_ms": 0,
                       "client_time": api.clock.ms}).encode()  # fmt: skip
    r = client.post(HB.format(live), content=iter([body[:10], body[10:]]),
                    headers={"content-type": "application/json"})  # fmt: skip
    assert r.status_code == 200 and r.json()["max_scroll"] == 30


def test_register_post__oversized_body_is_413(client):
    body = b'{"post_id": 1, "body": "' + b"x" * 1_100_000 + b'"}'
    r = client.post("/v1/posts", content=body,
                    headers={"content-type": "application/json", "X-API-Key": API_KEY})  # fmt: skip
    assert r.status_code == 413


def test_openapi__documents_the_endpoints(client):
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    beat = paths["/v1/sessions/{session_id}/heartbeats"]["post"]
    assert beat["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HeartbeatIn"
    }
    assert set(beat["responses"]) == {"200", "400", "404", "409", "413", "422", "503"}
    assert {"/v1/posts", "/v1/sessions", "/v1/sessions/{session_id}/heartbeats",
            "/v1/sessions/{session_id}/finish", "/v1/reads", "/v1/auth/nonce", "/v1/auth/verify",
            "/v1/posts/{post_id}"} <= set(paths)  # fmt: skip
    assert not any(path.startswith("/posts") for path in paths)  # no page: the site serves it
    assert set(paths["/v1/sessions"]["post"]["responses"]) == {
        "201", "400", "401", "403", "404", "413", "422", "503"
    }  # fmt: skip


def test_openapi__every_refusal_is_declared_as_the_detail_object_the_oracle_sends(client):
    schema = client.get("/openapi.json").json()
    problem = {"$ref": "#/components/schemas/Problem"}
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            for status, answer in op["responses"].items():
                if int(status) >= 400 and "application/json" in answer.get("content", {}):
                    assert answer["content"]["application/json"]["schema"] == problem, (
                        path, method, status,
                    )  # fmt: skip
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert schema["components"]["schemas"]["Problem"]["required"] == ["detail"]


def test_openapi__readers_and_authors_are_addresses(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    pattern = "^0x[0-9a-fA-F]{40}$"
    for model, field in [("PostIn", "author"), ("SessionIn", "reader"), ("PostOut", "author"),
                         ("SessionOut", "reader"), ("ReadOut", "reader")]:  # fmt: skip
        assert schemas[model]["properties"][field]["pattern"] == pattern, (model, field)


# -- the tracker script ---------------------------------------------------------------------


def test_tracker_script__is_served_as_javascript(client):
    r = client.get("/static/tracker.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert "sendBeacon" in r.text and "visibilitychange" in r.text


def test_oracle__serves_no_post_page(api, client):
    api.post()
    assert client.get("/posts/1", params={"reader": READER}).status_code == 404
