"""The site's text and name store (twei/site/store): one contract, both backends — SQLite (the
default, one process) and PostgreSQL (several replicas on one database). Two ``TextStore``s on
one database stand for two replicas: what one writes, the other serves at once, and look-alike
names raced for by two accounts on two replicas go to exactly one of them."""

from __future__ import annotations

import threading
import time

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak

from twei.site.store import Claim
from twei.site.texts import TextRefused, TextStore, name_message, skeleton

CHAIN = 31337
DOMAIN = "twei.example"


@pytest.fixture(params=["sqlite", "postgresql"])
def replicas(request, tmp_path):
    """Opens one more store on the database under test (another replica, its own connections)."""
    where = str(tmp_path / "texts.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    opened: list[TextStore] = []

    def replica(chain_id: int = CHAIN) -> TextStore:
        opened.append(TextStore(where, chain_id=chain_id))
        return opened[-1]

    yield replica
    for store in opened:
        store.close()


def sign_name(key: bytes, name: str, at_ms: int | None = None, chain_id: int = CHAIN) -> tuple[int, str]:
    at_ms = at_ms if at_ms is not None else int(time.time() * 1000)
    signed = Account.sign_message(encode_defunct(text=name_message(name, at_ms, DOMAIN, chain_id)), private_key=key)
    return at_ms, "0x" + signed.signature.hex().removeprefix("0x")


def take(store: TextStore, key: bytes, name: str, at_ms: int | None = None) -> str:
    at_ms, signature = sign_name(key, name, at_ms, store.chain_id)
    return store.set_name(name, at_ms, signature, DOMAIN, signer=Account.from_key(key).address)


def test_store__a_text_written_through_one_replica_is_served_by_the_other_at_once(replicas):
    a, b = replicas(), replicas()
    digest = a.add("the text of a post")
    assert digest == keccak(text="the text of a post")
    assert b.get(digest) == "the text of a post"
    assert b.add("the text of a post") == digest  # the same text twice: kept once, same hash
    assert b.get(keccak(text="never sent")) is None


def test_store__a_text_is_kept_across_a_restart(replicas):
    digest = replicas().add("accepted, then the replica died")
    assert replicas().get(digest) == "accepted, then the replica died"


def test_store__a_row_that_does_not_hash_to_its_key_is_not_served(replicas):
    store = replicas()
    forged = keccak(text="what the chain names")
    store.backend.add_text(forged, "something else", int(time.time() * 1000))  # as a tampered database would hold
    assert store.get(forged) is None


def test_store__a_name_set_through_one_replica_is_served_by_the_other(replicas):
    a, b = replicas(), replicas()
    key = Account.create().key
    account = take(a, key, "Ada")
    assert b.names([account]) == {account: "Ada"}
    take(b, key, "Ada L.")
    assert a.names([account, Account.create().address]) == {account: "Ada L."}


def test_store__a_name_is_replaced_only_by_a_newer_signature_whatever_the_replica(replicas):
    a, b = replicas(), replicas()
    key = Account.create().key
    now = int(time.time() * 1000)
    account = take(a, key, "Newer", at_ms=now)
    with pytest.raises(TextRefused, match="newer name is already set"):
        take(b, key, "Older", at_ms=now - 1_000)
    assert a.names([account]) == {account: "Newer"}


def test_store__a_look_alike_of_another_accounts_name_is_refused_and_ones_own_is_not(replicas):
    a, b = replicas(), replicas()
    first, second = Account.create().key, Account.create().key
    take(a, first, "alice")
    with pytest.raises(TextRefused, match="looks the same"):
        take(b, second, "\u0430lice")  # a Cyrillic а
    with pytest.raises(TextRefused, match="looks the same"):
        take(b, second, "ALlCE")
    take(b, first, "Alice")  # the same account may change the case of its own name
    assert b.names([Account.from_key(first).address]) == {Account.from_key(first).address: "Alice"}


def test_store__postgres_keeps_the_names_of_each_chain_apart(pg_url):
    """One database may serve deployments on several chains: a name is signed for one chain."""
    here, there = TextStore(pg_url, chain_id=CHAIN), TextStore(pg_url, chain_id=CHAIN + 1)
    try:
        account = take(here, Account.create().key, "bob")
        assert there.names([account]) == {}
        take(there, Account.create().key, "bob")  # the skeleton is held on the other chain only
    finally:
        here.close()
        there.close()


@pytest.mark.parametrize("names", [("carol", "carol"), ("carol", "c\u0430rol"), ("dave", "DAVE")])
def test_store__two_replicas_racing_for_look_alike_names_give_it_to_exactly_one(replicas, names):
    a, b = replicas(), replicas()
    for round_ in range(8):
        keys = Account.create().key, Account.create().key
        wanted = [f"{names[0]}{round_}", f"{names[1]}{round_}"]
        assert skeleton(wanted[0]) == skeleton(wanted[1])
        signed = [sign_name(k, n) for k, n in zip(keys, wanted, strict=True)]
        start = threading.Barrier(2, timeout=10)
        outcome: list[object] = [None, None]

        def claim(i: int, store: TextStore) -> None:
            start.wait()
            try:
                outcome[i] = store.set_name(wanted[i], *signed[i], DOMAIN, signer=Account.from_key(keys[i]).address)
            except TextRefused as err:
                outcome[i] = err
            except BaseException as err:  # noqa: BLE001 - anything else fails the test below
                outcome[i] = RuntimeError(f"{type(err).__name__}: {err}")

        threads = [threading.Thread(target=claim, args=(i, s)) for i, s in enumerate((a, b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
            assert not t.is_alive(), "a claim did not finish in 20 s"
        won = [o for o in outcome if isinstance(o, str)]
        lost = [o for o in outcome if isinstance(o, TextRefused)]
        assert len(won) == 1 and len(lost) == 1, outcome
        assert "looks the same" in str(lost[0])
        held = a.names([Account.from_key(k).address for k in keys])
        assert list(held) == won  # the winner's name is the one kept, and only it


def test_store__the_backend_answers_taken_when_the_skeleton_is_held(replicas):
    store = replicas()
    assert store.backend.claim_name(CHAIN, "0xA", "erin", 1, "erin") is Claim.SET
    assert store.backend.claim_name(CHAIN, "0xB", "ERIN", 2, "erin") is Claim.TAKEN
    assert store.backend.claim_name(CHAIN, "0xA", "erin", 1, "erin") is Claim.OLDER


def test_store__a_replica_learns_the_names_changed_through_another(replicas):
    a, b = replicas(), replicas()
    assert b.changed_names() == set()  # the first call starts the clock
    account = take(a, Account.create().key, "Frank")
    assert b.changed_names() == {account}
    assert b.changed_names() == set()  # told once
    other = take(b, Account.create().key, "Grace")  # through itself too (its own pages get it)
    assert b.changed_names() == {other}


def test_store__prune_drops_old_unreferenced_texts_only(replicas):
    a, b = replicas(), replicas()
    kept, junk = a.add("named by a post"), a.add("named by nothing")
    later = int(time.time() * 1000) + 86_400_001
    assert b.prune({kept}, now_ms=later) == 1
    assert a.get(junk) is None and b.get(kept) == "named by a post"
    assert b.prune({kept}) == 0  # a recent text is kept even unreferenced


def test_store__an_old_text_sent_again_is_young_again_and_survives_the_prune(replicas):
    a, b = replicas(), replicas()
    day_ago = int(time.time() * 1000) - 86_400_001
    digest = keccak(text="sent yesterday, unreferenced, and sent again now")
    a.backend.add_text(digest, "sent yesterday, unreferenced, and sent again now", day_ago)
    assert b.add("sent yesterday, unreferenced, and sent again now") == digest  # through another replica
    assert a.prune(set()) == 0
    assert b.get(digest) is not None
