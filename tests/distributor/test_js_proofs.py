"""The contract accepts trees and proofs made by the JavaScript @openzeppelin/merkle-tree."""

import pytest

from tests.helpers import ONE

pytestmark = pytest.mark.chain


def test_claim__with_js_tree_and_proofs(distributor, token, publish_active, oz_merkle, alice, bob, outsider):
    values = [[alice.address, str(3 * ONE), "13"], [bob.address, str(ONE), "4"]]
    values += [["0x" + f"{i + 1:040x}", str(i), str(i % 50)] for i in range(30)]
    js = oz_merkle({"cmd": "build", "encoding": ["address", "uint256", "uint16"], "values": values})
    total = sum(int(v[1]) for v in values)
    publish_active(distributor, 1, js["root"], total=total)
    distributor.claim(alice, 3 * ONE, 13, js["proofs"][0], sender=outsider)
    distributor.claimMany([(bob, ONE, 4, js["proofs"][1]), (values[5][0], 3, 3, js["proofs"][5])], sender=outsider)
    assert token.balanceOf(alice) == 3 * ONE
    assert token.balanceOf(bob) == ONE
    assert token.balanceOf(values[5][0]) == 3
    assert [distributor.levelOf(a) for a in (alice, bob, values[5][0])] == [13, 4, 3]
