"""`ape run claim` end to end, in process on the embedded chain.

Not marked `chain`: on Anvil or Ganache the script's own network connection would start a second
node that lacks the test's contracts; the logic it calls (twei.claim) runs on all three chains in
test_claim_wallet.py.
"""

import importlib.util
from pathlib import Path

from tests.distributor.test_claim_wallet import published  # noqa: F401  (fixture)
from tests.distributor.per_test import per_test_distributor, per_test_token  # noqa: F401  (fixtures: see there)
from tests.helpers import ONE


def test_claim_script__claims_and_reports(distributor, token, published, chain, alice, bob):  # noqa: F811
    from click.testing import CliRunner

    spec = importlib.util.spec_from_file_location(
        "twei_claim_script", Path(__file__).resolve().parents[2] / "scripts" / "claim.py"
    )
    claim_script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(claim_script)

    runner = CliRunner()
    base = ["--account", "TEST::2", "--settlements", str(published), "--distributor", distributor.address]
    base += ["--network", chain.provider.network_choice]
    result = runner.invoke(claim_script.cli, base, catch_exceptions=False)
    assert "claimable 4 TWEI" in result.output and "Claimed 4 TWEI" in result.output
    assert token.balanceOf(alice) == 4 * ONE
    again = runner.invoke(claim_script.cli, base, catch_exceptions=False)
    assert again.exit_code == 0 and "Nothing to claim" in again.output
    other = runner.invoke(claim_script.cli, base + ["--for", bob.address], catch_exceptions=False)
    assert "Claimed 1 TWEI" in other.output and token.balanceOf(bob) == ONE
    missing = runner.invoke(claim_script.cli, base + ["--settlements", "/nonexistent"])
    assert missing.exit_code == 1 and missing.output.startswith("Error: no settlement files")
