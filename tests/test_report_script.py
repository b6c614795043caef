"""`ape run report` in process on the embedded chain, over the demo's day.

Not marked `chain`: on a node the script's own connection would start a second node without the
demo's contracts; the report's logic runs on all three chains through tests/test_demo.py.
"""

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from twei.demo import run_demo
from twei.units import twei


@pytest.fixture(scope="module")
def report_cli():
    spec = importlib.util.spec_from_file_location(
        "twei_report_script", Path(__file__).resolve().parents[1] / "scripts" / "report.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


@pytest.fixture(scope="module")
def day(project, chain, accounts, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "day"
    return run_demo(project, chain, accounts, out, say=lambda _: None), out


def invoke(report_cli, chain, out, *args):
    base = ["--root", str(out), "--network", chain.provider.network_choice]
    return CliRunner().invoke(report_cli, [*args, *base], catch_exceptions=False)


def test_report_script__no_buy_after_a_purchase_prints_the_json_report(report_cli, day, chain, project):
    result, out = day
    author = result.reports["author"]
    token = project.TweiToken.at(result.addresses["TweiToken"])
    before = token.balanceOf(author.account)
    run = invoke(report_cli, chain, out, "--account", author.account, "--post", str(result.post_id), "--no-buy", "--json")
    assert run.exit_code == 0, run.output
    doc = json.loads(run.output)
    assert {k: doc[k] for k in author.to_json()} == author.to_json()  # the report, and its envelope:
    assert (doc["job"], doc["status"], doc["exit_code"]) == ("report", "done", 0)
    assert doc["price"] == str(twei(1))  # the price of an instance, as the contract asks it
    assert token.balanceOf(author.account) == before  # the demo already bought one


def test_report_script__buys_an_instance_when_none_was_bought(report_cli, day, chain, project, accounts, tmp_path):
    result, out = day
    reader = accounts[3]
    token = project.TweiToken.at(result.addresses["TweiToken"])
    before = token.balanceOf(reader)
    png = tmp_path / "reader.png"
    run = invoke(report_cli, chain, out, "--account", reader.address, "--post", str(result.post_id), "--no-buy", "--png", str(png))
    assert run.exit_code == 0, run.output
    assert token.balanceOf(reader) == before - twei(1)
    assert "PnL Reports" in run.output and "Read Rewards" in run.output
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_report_script__unknown_account_is_a_one_line_error(report_cli, day, chain):
    _, out = day
    run = invoke(report_cli, chain, out, "--account", "0x000000000000000000000000000000000000dEaD", "--post", "1")
    assert run.exit_code == 1
    assert run.output.strip().splitlines() == ["Error: 0x000000000000000000000000000000000000dEaD is not a local test account: use an Ape account alias"]


def test_report_script__without_a_deployment_says_to_deploy(report_cli, chain, accounts, tmp_path):
    run = invoke(report_cli, chain, tmp_path, "--account", accounts[1].address, "--post", "1")
    assert run.exit_code == 1
    assert "records no Engagement: run `ape run deploy`" in run.output


def test_report_script__without_the_settlement_files_refuses_before_buying(report_cli, day, chain, project, accounts, tmp_path):
    """The demo's deployment record without its settlements/ folder: the pool lines would read
    zero, so the script says where the files should be, and spends nothing."""
    result, out = day
    bare = tmp_path / "bare"
    (bare / "deployments").mkdir(parents=True)
    for path in (out / "deployments").glob("*.json"):
        (bare / "deployments" / path.name).write_bytes(path.read_bytes())
    reader = accounts[3]
    nonce = reader.nonce
    run = invoke(report_cli, chain, bare, "--account", reader.address, "--post", str(result.post_id))
    assert run.exit_code == 1
    lines = run.output.strip().splitlines()
    assert len(lines) == 1 and "no breakdown file for epoch" in lines[0]
    assert reader.nonce == nonce
