"""Deploy settings: SPEC §2 defaults, TOML overrides, `.env` values and clear refusals."""

import pytest

from twei.deploy import check_governance, check_network, config_from_env, load_config
from twei.errors import ConfigError
from twei.params import ENGAGEMENT_DEFAULTS
from twei.units import twei

BASE = {"oracles": ("0x1", "0x2", "0x3"), "threshold": 2, "treasury": "0x5", "guardian": "0x6"}


def test_config__defaults_are_spec_section_2():
    config = load_config(None, **BASE)
    assert config.engagement == ENGAGEMENT_DEFAULTS
    assert config.daily_cap == twei(1_000_000)
    assert config.challenge_period < 86400


def test_config__toml_overrides_amounts_in_twei(tmp_path):
    path = tmp_path / "deploy.toml"
    path.write_text('daily_cap = "500"\nchallenge_period = 7200\n[engagement]\npublish_tribute = "2.5"\ncomment_min_level = 7\n')
    config = load_config(path, **BASE)
    assert config.daily_cap == twei(500)
    assert config.challenge_period == 7200
    assert config.engagement.publish_tribute == twei("2.5")
    assert config.engagement.comment_min_level == 7
    assert config.engagement.minus_fee == ENGAGEMENT_DEFAULTS.minus_fee


@pytest.mark.parametrize(
    "text, message",
    [
        ("colour = 1\n", "unknown deploy setting"),
        ("[engagement]\nprice = 1\n", "unknown engagement parameter"),
        ("daily_cap = \n", "cannot read deploy config"),
        ("threshold = 4\n", "threshold 4 must be between 1 and the 3 oracles"),
    ],
)
def test_config__bad_file_is_a_clear_error(tmp_path, text, message):
    path = tmp_path / "deploy.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path, **BASE)


def test_config__missing_roles_are_named():
    with pytest.raises(ConfigError, match="lacks oracles, threshold, treasury, guardian"):
        load_config(None)


def test_config__env_overrides_fallback():
    env = {"TWEI_ORACLES": "0xa, 0xb", "TWEI_THRESHOLD": "1", "TWEI_TREASURY": "0xt"}
    values = config_from_env(env, BASE)
    assert values["oracles"] == ("0xa", "0xb")
    assert values["threshold"] == 1
    assert values["treasury"] == "0xt"
    assert values["guardian"] == "0x6"


def test_config__env_threshold_must_be_a_number():
    with pytest.raises(ConfigError, match="TWEI_THRESHOLD must be a whole number"):
        config_from_env({"TWEI_THRESHOLD": "two"}, BASE)


def test_network__non_local_chain_needs_confirmation():
    with pytest.raises(ConfigError, match="re-run with --yes"):
        check_network(11155111, confirmed=False)
    check_network(11155111, confirmed=True)
    check_network(1337, confirmed=False)


@pytest.mark.parametrize("period", [0, 60, 3599, 86400])
def test_config__challenge_period_outside_an_hour_to_a_day_is_refused(tmp_path, period):
    """Refused before any deploy transaction (the contract would revert)."""
    path = tmp_path / "deploy.toml"
    path.write_text(f"challenge_period = {period}\n")
    with pytest.raises(ConfigError, match=f"challenge_period {period} must be at least 3600"):
        load_config(path, **BASE)


SEPOLIA = 11155111
DEPLOYER = "0x00000000000000000000000000000000000000d0"
MULTISIG = "0x00000000000000000000000000000000000000a1"
GOVERNED = {**BASE, "timelock_delay": 2 * 86_400, "timelock_proposers": (MULTISIG,)}


def test_governance__off_the_local_chains_a_governed_config_passes():
    check_governance(load_config(None, **GOVERNED), SEPOLIA, DEPLOYER)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"timelock_delay": 0}, "must be a timelock of at least 172800 s"),
        ({"timelock_delay": 2 * 86_400 - 1}, "must be a timelock of at least 172800 s"),
        ({"timelock_proposers": ()}, "name the timelock's proposer"),
        ({"timelock_proposers": (MULTISIG, DEPLOYER)}, "may not be a timelock proposer"),
        ({"guardian": DEPLOYER}, "guardian may not be the deploying key"),
        ({"guardian": MULTISIG}, "may not be a timelock proposer"),
    ],
    ids=["no timelock", "a day short of two", "no proposer", "deployer proposes", "deployer guards", "admin guards"],
)
def test_governance__off_the_local_chains_one_key_in_charge_is_refused(change, message):
    """`ape run deploy` refuses before any transaction (deploy_all calls this first)."""
    config = load_config(None, **{**GOVERNED, **change})
    with pytest.raises(ConfigError, match=message):
        check_governance(config, SEPOLIA, DEPLOYER)


def test_governance__the_local_chains_are_exempt():
    """Tests and the demo deploy with the deployer as admin and guardian: one key, said so."""
    config = load_config(None, **{**BASE, "guardian": DEPLOYER})
    for chain_id in (131277322940537, 31337, 1337):
        check_governance(config, chain_id, DEPLOYER)
