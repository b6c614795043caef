"""The README's testnet section, walked as written on an Anvil standing in for Sepolia, every
job run as cron or systemd runs it (tests/ops/testnet.py); then each common mistake refused in
one line before any transaction, and two settlement runs started at once.

The walk: deploy, the oracle from its systemd unit, bootstrap (and again once the genesis root
is active), publish, a reader reads through the oracle, settle from the timer's command once the
day and then the challenge period are over, claim, report --json. Any prompt, traceback or
non-zero exit fails it. The reader is the only thing the test plays itself.

About 3 minutes: Anvil mines a block a second and each transaction waits for Sepolia's two
confirmations.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time

import pytest

from tests.ops.testnet import (
    ANVIL,
    NETWORK,
    PASSPHRASE,
    SEPOLIA,
    Site,
    address,
    readme_commands,
    unit_command,
)

DAY = 86_400
POST = """# Why honest reading time matters

Readers earn for the minutes they really spend on a post, measured by a tracker that only counts
time while the page is visible, focused and touched by someone reading it.
"""

pytestmark = pytest.mark.skipif(not ANVIL.exists(), reason="Anvil is not installed (make setup)")


def _near_midnight() -> bool:
    second = int(time.time()) % DAY
    return second < 600 or second > DAY - 1_200


def ok(run):
    assert run.returncode == 0, f"{run.command}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr[-3000:]}"
    assert run.problems() == [], f"{run.command}\n{run.stdout}\n{run.stderr[-3000:]}"
    return run


def refused(run):
    """One line of error, a non-zero exit, nothing on stdout (Ape's own log lines aside)."""
    assert run.returncode != 0, f"{run.command} succeeded:\n{run.stdout}\n{run.stderr}"
    assert run.stdout.strip() == "", run.stdout
    lines = [line for line in run.stderr.splitlines() if line.strip() and not re.match(r"^(INFO|WARNING|SUCCESS):", line)]
    assert len(lines) == 1 and lines[0].startswith("Error: "), run.stderr
    assert run.problems() == [], run.stderr
    return lines[0]


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    if _near_midnight():
        pytest.skip("the walk keeps the chain and the oracle on one UTC day: not within minutes of midnight")
    net = Site(tmp_path_factory.mktemp("testnet"))
    commands = iter(readme_commands())
    state: dict = {"net": net, "log": []}

    def step(expected_start: str):
        command = next(commands)
        assert command.startswith(expected_start), f"the README's walk changed: {command!r}"
        return command

    try:
        assert step("make setup")  # done by the suite's own set-up
        assert step("cp .env.example .env")
        net.write_env(APE_ACCOUNTS_pauper_PASSPHRASE=PASSPHRASE)  # the README's .env, and one more account
        assert step(".venv/bin/ape accounts import operator")
        net.import_account("operator", 0)
        assert step(".venv/bin/ape accounts import reader")
        net.import_account("reader", 1)
        net.import_account("pauper", 7)  # for the mistakes below: ETH, no TWEI
        net.import_account("nopass", 8)  # and an account without its passphrase in .env

        deploy = ok(net.run(step(".venv/bin/ape run deploy")))
        assert "Engagement 0x" in deploy.stdout
        record = json.loads((net.site / "deployments" / f"{SEPOLIA}.json").read_text())
        state["contracts"] = {name: c["address"] for name, c in record["contracts"].items()}

        oracle = step(".venv/bin/python -m twei.oracle")
        assert unit_command("twei-oracle.service") == "/srv/twei/" + oracle  # the unit runs the README's command
        net.start_oracle(unit_command("twei-oracle.service"))

        bootstrap = step(".venv/bin/ape run bootstrap")
        first = ok(net.run(bootstrap))
        assert first.lines[-1].startswith("Not yet: the genesis root activates at "), first.stdout
        net.travel(3_601)
        second = ok(net.run(bootstrap))
        assert second.lines[-1].endswith("active; claimed for 2 accounts"), second.stdout
        token = state["contracts"]["TweiToken"]
        assert net.call(token, "balanceOf(address)", address(1)) == 20 * 10**18

        (net.site / "post.md").write_text(POST)
        publish = ok(net.run(step(".venv/bin/ape run publish")))
        assert re.match(r"post 1: \d+ words", publish.lines[-1]), publish.stdout
        assert net.call(token, "balanceOf(address)", address(0)) == 15 * 10**18

        status = net.read_post(1, address(1))
        assert status["qualified"], status
        day = net.now() // DAY
        state["day"] = day

        settle = step(".venv/bin/ape run settle")
        assert unit_command("twei-settle.service") == "/srv/twei/" + settle  # the timer runs the README's command
        timer = unit_command("twei-settle.service")
        net.travel((day + 1) * DAY + 60 - net.now())
        published = ok(net.run(timer))
        assert published.lines[-1].startswith(f"Not yet: the root for epoch {day} activates at "), published.stdout
        net.travel(3_601)
        claimed = ok(net.run(timer))
        # The job activates the due root itself (no wallet pays for the mint), then claims.
        assert claimed.lines[-1].startswith(f"epoch {day}: done activate, claim;"), claimed.stdout
        distributor = state["contracts"]["RewardDistributor"]
        earned = net.call(distributor, "claimed(address)", address(1))
        assert earned > 20 * 10**18  # the genesis 20 TWEI and the read reward

        one = ok(net.run(".venv/bin/ape run claim --account reader --network ethereum:sepolia:node"))
        assert one.lines[-1].startswith("Nothing to claim"), one.stdout

        report = ok(net.run(step(".venv/bin/ape run report")))
        doc = json.loads(report.stdout)
        lines = {line["name"]: int(line["amount"]) for line in doc["profit"] + doc["loss"]}
        assert lines["Read Rewards"] == earned - 20 * 10**18 and lines["PnL Reports"] == 10**18
        assert next(commands, None) is None  # every command of the README's walk was run
        yield state
    finally:
        net.close()


def test_readme_walk__from_zero_to_a_claimed_reward_unattended(walk):
    assert walk["day"] > 0


@pytest.mark.parametrize(
    "command, message",
    [
        ("report --account reader --post 99", "post 99 does not exist"),
        ("report --account pauper --post 1", "holds 0 TWEI; a report instance costs 1 TWEI"),
        ("settle --sender settler --claim", "no Ape account named 'settler'"),
        ("claim --account nobody", "no Ape account named 'nobody'"),
        ("report --account nopass --post 1", "APE_ACCOUNTS_nopass_PASSPHRASE is not set"),
        ("claim --account reader --for 0x123", "--for '0x123' is not an address"),
        ("publish --file missing.md --account operator", "cannot read missing.md"),
        ("settle --epoch 3", "day 3 (1970-01-04) is before the deployment on day"),
    ],
)
def test_mistakes__one_line_a_non_zero_exit_and_no_transaction(walk, command, message):
    net = walk["net"]
    nonces = [net.nonce(i) for i in range(8)]
    line = refused(net.run(f".venv/bin/ape run {command} --network {NETWORK}"))
    assert message in line
    assert [net.nonce(i) for i in range(8)] == nonces


def test_settle__two_runs_at_once_wait_for_each_other_and_the_store_matches_the_chain(walk):
    net, contracts = walk["net"], walk["contracts"]
    # A plus on the next day (the reader's wallet, unlocked on Anvil): the author earns 2 TWEI.
    from eth_utils import keccak

    plus = "0x" + keccak(text="plus(uint256)")[:4].hex() + hex(1)[2:].rjust(64, "0")
    tx = net.rpc("eth_sendTransaction", [{"from": address(1), "to": contracts["Engagement"], "data": plus}])
    net.rpc("anvil_mine", ["0x3"])
    assert int(net.rpc("eth_getTransactionReceipt", [tx])["status"], 16) == 1
    day = net.now() // DAY
    timer = unit_command("twei-settle.service")

    def both():
        runs = [net.start(timer), net.start(timer)]
        outs = [run.communicate(timeout=900) for run in runs]
        for run, (stdout, stderr) in zip(runs, outs):
            assert run.returncode == 0 and "Traceback" not in stderr, stderr[-3000:]
        return [stdout.strip().splitlines()[-1] for stdout, _ in outs]

    net.travel((day + 1) * DAY + 60 - net.now())
    lasts = both()
    assert sorted(lasts) == sorted([f"Not yet: the root for epoch {day} activates at " + lasts[0].split(" activates at ")[1]] * 2) or all(
        last.startswith(f"Not yet: the root for epoch {day}") for last in lasts
    ), lasts
    net.travel(3_601)
    lasts = both()
    assert sorted(last.split(";")[0] for last in lasts) == [f"epoch {day}: done activate, claim", f"epoch {day}: done nothing"], lasts

    # The store against the chain: the Claimed events it holds are exactly the chain's up to the
    # block it read, each once; its totals are their sums; and every leaf is paid, once.
    store = sqlite3.connect(net.site / "settlements" / str(SEPOLIA) / "job.db")
    last = int(store.execute("SELECT value FROM meta WHERE key = 'claims_block'").fetchone()[0])
    topic = "0x" + keccak(text="Claimed(address,uint256,uint16)").hex()
    logs = net.rpc("eth_getLogs", [{"address": contracts["RewardDistributor"], "fromBlock": "0x0", "toBlock": hex(last), "topics": [topic]}])
    chain_events = sorted((int(log["blockNumber"], 16), int(log["logIndex"], 16)) for log in logs)
    assert sorted(store.execute("SELECT block, log_index FROM claim_events")) == chain_events
    sums: dict[str, int] = {}
    for account, amount in store.execute("SELECT account, amount FROM claim_events"):
        sums[account] = sums.get(account, 0) + int(amount)
    assert {a: int(c) for a, c in store.execute("SELECT account, claimed FROM claims")} == sums
    tree = json.loads((net.site / "settlements" / str(SEPOLIA) / f"{day}.json").read_text())
    for leaf in tree["values"]:
        account, cumulative, _ = leaf["value"]
        on_chain = net.call(contracts["RewardDistributor"], "claimed(address)", account)
        assert on_chain == int(cumulative), account  # everyone paid, and only what they earned
        assert sums.get(account, 0) <= on_chain  # the store never believes more than the chain


def test_settle__a_run_that_may_not_wait_exits_with_one_line(walk):
    from twei.settlement.lock import JobLock

    net = walk["net"]
    with JobLock(net.site / "settlements" / str(SEPOLIA) / "job.lock"):
        line = refused(net.run(f".venv/bin/ape run settle --network {NETWORK} --lock-wait 0"))
    assert "another run holds" in line
