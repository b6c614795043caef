"""The PnL categories in `twei.flows` match SPEC §5 and the Solidity enum `IEngagement.FlowCategory`,
and `net_by_account` reads the sign of Flows the way the contract orders them."""

import json
import subprocess
from pathlib import Path

import pytest

from twei.flows import ON_CHAIN_CATEGORIES, FlowCategory, FlowRecord, Side, net_by_account
from twei.toolchain.solc import ensure_solc

ROOT = Path(__file__).resolve().parents[2]
INTERFACE = "contracts/interfaces/IEngagement.sol"

SPEC = [
    (0, "Earned for Pluses", Side.PROFIT),
    (1, "Comment Rewards", Side.PROFIT),
    (2, "Likes Own", Side.PROFIT),
    (3, "Likes Commenter", Side.PROFIT),
    (4, "Likes Author", Side.PROFIT),
    (5, "Dislikes Author", Side.PROFIT),
    (6, "Read Rewards", Side.PROFIT),
    (7, "Spent for Minuses", Side.LOSS),
    (8, "Comment Tributes", Side.LOSS),
    (9, "Dislikes Own", Side.LOSS),
    (10, "Dislikes Commenter", Side.LOSS),
    (11, "Post Publish Tribute", Side.LOSS),
    (12, "PnL Reports", Side.LOSS),
]


def test_categories__match_the_spec():
    assert [(c.value, c.display_name, c.side) for c in FlowCategory] == SPEC


def test_categories__paid_on_chain_are_the_engagement_ones():
    assert sorted(ON_CHAIN_CATEGORIES) == [5, 7, 8, 9, 11, 12]


@pytest.fixture(scope="module")
def solidity_enum_members() -> list[str]:
    """The members of `IEngagement.FlowCategory`, in order, from the compiler's AST."""
    std_input = {
        "language": "Solidity",
        "sources": {INTERFACE: {"content": (ROOT / INTERFACE).read_text()}},
        "settings": {"outputSelection": {"*": {"": ["ast"]}}},
    }
    proc = subprocess.run(
        [str(ensure_solc()), "--standard-json", "--base-path", str(ROOT)],
        input=json.dumps(std_input),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    ast = json.loads(proc.stdout)["sources"][INTERFACE]["ast"]
    contract = next(n for n in ast["nodes"] if n.get("name") == "IEngagement")
    enum = next(n for n in contract["nodes"] if n.get("name") == "FlowCategory")
    return [member["name"] for member in enum["members"]]


def test_categories__match_the_solidity_enum(solidity_enum_members):
    python_names = ["".join(w.capitalize() for w in c.name.split("_")) for c in FlowCategory]
    assert solidity_enum_members == python_names


def _flow(tx, index, account, category, amount):
    return FlowRecord(tx, index, 1, account, FlowCategory(category), amount)


def test_net_by_account__first_flow_of_a_transaction_is_paid():
    flows = [
        # a dislike: payer, author share, treasury rest (log order shuffled on purpose)
        _flow("0xa", 7, "treasury", 9, 50),
        _flow("0xa", 5, "carol", 9, 100),
        _flow("0xa", 6, "alice", 5, 50),
        # the treasury itself publishing: pays and receives the same amount
        _flow("0xb", 1, "treasury", 11, 500),
        _flow("0xb", 2, "treasury", 11, 500),
    ]
    assert net_by_account(flows) == {"carol": -100, "alice": 50, "treasury": 50}
