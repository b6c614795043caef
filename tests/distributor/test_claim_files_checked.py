"""`ape run claim` uses a day's files only if they are what the chain published for the day: the
tree's root is the active root and the breakdown's keccak256 is the day's ``dataHash``
(twei.published). One altered byte in either: one line, exit code 1 (a person must look), and
nothing sent.

Not marked `chain`, as test_claim_script.py (the script opens its own network connection)."""

import importlib.util
import re
from pathlib import Path

import pytest

from tests.distributor.conftest import make_tree
from tests.distributor.per_test import per_test_distributor, per_test_token  # noqa: F401  (fixtures: see there)
from tests.distributor.test_claim_wallet import write_day
from tests.helpers import ONE
from twei.breakdown import Breakdown
from twei.claim import SettlementSource
from twei.errors import FileMismatch
from twei.exitcodes import ExitCode
from twei.published import published_roots


@pytest.fixture
def day_files(tmp_path, distributor, publish_active, chain, alice, bob):
    """Day 1 active, its tree and its breakdown written, the breakdown's keccak256 published."""
    write_day(tmp_path, chain.chain_id, 1, make_tree([(alice, 4 * ONE, 13), (bob, ONE, 1)]))
    breakdown = Breakdown(
        chain.chain_id, 1, False, 5 * ONE,
        {alice.address: {(1, 0): 4 * ONE}, bob.address: {(1, 0): ONE}}, {alice.address: 4 * ONE, bob.address: ONE},
    )  # fmt: skip
    data_hash = breakdown.write(tmp_path / "settlements" / str(chain.chain_id) / "1.breakdown.json")
    publish_active(distributor, 1, make_tree([(alice, 4 * ONE, 13), (bob, ONE, 1)]), data_hash=data_hash)
    return tmp_path


def _script():
    spec = importlib.util.spec_from_file_location(
        "twei_claim_script", Path(__file__).resolve().parents[2] / "scripts" / "claim.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


def _flip_digit(path: Path, after: str) -> None:
    """Change one byte: the first digit after ``after`` (the file stays valid JSON)."""
    raw = path.read_bytes()
    at = raw.index(after.encode()) + len(after)
    digit = raw[at : at + 1]
    assert digit.isdigit()
    path.write_bytes(raw[:at] + (b"7" if digit != b"7" else b"8") + raw[at + 1 :])


def _run(folder, distributor, chain, *extra):
    from click.testing import CliRunner

    args = ["--account", "TEST::2", "--settlements", str(folder), "--distributor", distributor.address]
    return CliRunner().invoke(_script(), [*args, "--network", chain.provider.network_choice, *extra])


def test_claim_files__the_published_roots_are_read_from_the_chain_and_an_unpublished_day_is_refused(
    day_files, distributor, chain, publish_root, guardian, alice
):
    publish_root(distributor, 2, make_tree([(alice, 5 * ONE, 13)]), data_hash=b"\x02" * 32)
    distributor.revokePendingRoot(sender=guardian)  # day 2's root will never activate: not kept
    roots = published_roots(chain.provider.web3, distributor.address)
    source = SettlementSource(day_files, chain.chain_id)
    assert set(roots) == {1} and roots[1].total == 5 * ONE
    source.check_against_chain(1, roots[1])  # the untouched file passes
    with pytest.raises(FileMismatch, match="published no root for day 1"):
        source.check_against_chain(1, None)  # a day the chain never published (or revoked)


@pytest.mark.parametrize(("name", "after", "said"), [
    ("1.breakdown.json", '"pool":"', "does not match the dataHash published on-chain for day 1"),
    ("1.json", '"value":["', None),
])  # fmt: skip
def test_claim_files__one_altered_byte_is_refused_in_one_line_before_any_gas(
    day_files, distributor, token, chain, alice, name, after, said
):
    ok = _run(day_files, distributor, chain, "--dry-run")
    assert ok.exit_code == 0 and "Would claim 4 TWEI" in ok.output
    path = day_files / "settlements" / str(chain.chain_id) / name
    if said is None:  # the tree: the first leaf's amount (a digit of an address would do too)
        raw = path.read_text()
        after = re.search(r'"value":\s*\[\s*"0x[0-9a-fA-F]{40}",\s*"', raw).group(0)
        said = "does not match the root published on-chain"
    _flip_digit(path, after)
    nonce, balance = chain.provider.get_nonce(alice.address), token.balanceOf(alice)
    refused = _run(day_files, distributor, chain)
    assert refused.exit_code == ExitCode.NEEDS_HUMAN == 1
    lines = refused.output.strip().splitlines()
    assert len(lines) == 1 and said in lines[0] and "Traceback" not in refused.output
    assert chain.provider.get_nonce(alice.address) == nonce and token.balanceOf(alice) == balance

