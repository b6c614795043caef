"""Slither runs here without a solc download, sees real bugs, and finds none that block in ours."""

from pathlib import Path

from twei.toolchain.slither import analyse, blocking

VULNERABLE = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;
contract Vault {
    mapping(address => uint256) public balances;
    function deposit() external payable { balances[msg.sender] += msg.value; }
    function withdraw() external {
        (bool ok, ) = msg.sender.call{value: balances[msg.sender]}("");
        require(ok);
        balances[msg.sender] = 0;
    }
}
"""


def test_slither__flags_a_reentrancy_in_a_vulnerable_contract(tmp_path: Path):
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "Vault.sol").write_text(VULNERABLE)
    findings = analyse(tmp_path)
    assert any(f.check.startswith("reentrancy") and f.impact == "High" for f in blocking(findings))


def test_slither__finds_nothing_of_high_or_medium_impact_in_our_contracts():
    findings = analyse()
    assert blocking(findings) == [], "\n".join(map(str, blocking(findings)))
