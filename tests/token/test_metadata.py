import ape
import pytest
from eth_abi import encode
from eth_utils import keccak

from twei.params import TOKEN_SUPPLY_CAP

pytestmark = pytest.mark.chain


def test_metadata__is_twei_with_18_decimals(token):
    assert token.name() == "Twei"
    assert token.symbol() == "TWEI"
    assert token.decimals() == 18


def test_supply__starts_at_zero_with_the_configured_cap(token):
    assert token.totalSupply() == 0
    assert token.cap() == TOKEN_SUPPLY_CAP


def test_constructor__zero_cap_is_refused(project, deployer):
    with ape.reverts(project.TweiToken.ERC20InvalidCap, cap=0):
        deployer.deploy(project.TweiToken, deployer, 0)


def test_domain_separator__binds_name_version_chain_and_contract(token, chain):
    chain_id = chain.chain_id
    type_hash = keccak(
        text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    )
    expected = keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [type_hash, keccak(text="Twei"), keccak(text="1"), chain_id, token.address],
        )
    )
    assert token.DOMAIN_SEPARATOR() == expected


def test_supports_access_control_interface(token):
    assert token.supportsInterface(bytes.fromhex("7965db0b"))  # IAccessControl
    assert not token.supportsInterface(bytes.fromhex("ffffffff"))
