from twei.demo import run_demo
from twei.params import TOKEN_SUPPLY_CAP


def test_demo__deploys_the_token_and_narrates_it(project, deployer):
    lines = []
    facts = run_demo(project, deployer, say=lines.append)
    assert (facts["name"], facts["symbol"], facts["decimals"]) == ("Twei", "TWEI", 18)
    assert facts["cap"] == TOKEN_SUPPLY_CAP
    assert facts["deployer_balance"] == 0
    assert lines[0] == f"TweiToken deployed at {facts['address']}"
    assert any("10000000000 TWEI" in line for line in lines)
