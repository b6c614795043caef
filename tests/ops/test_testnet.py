"""The README's testnet section, walked as written on an Anvil standing in for Sepolia, every
job run as cron or systemd runs it (tests/ops/testnet.py), the `.venv` inside the clone as the
README sets it up; then what an unattended month meets: the deployment day, a forgotten oracle
key, a wrong RPC and an RPC on another chain, a quiet day, each exit code (twei.exitcodes), the
metrics scraped over HTTP and the job's textfile, each common mistake refused in one line before
any transaction, and two settlement runs started at once.

The walk: deploy, the oracle from its systemd unit, bootstrap (and again once the genesis root
is active), the site, publish, a reader reads through the oracle, settle from the timer's command
once the day and then the challenge period are over, claim, report --json. Any prompt, traceback,
progress bar or unexpected exit code fails it. The reader is the only thing the test plays itself.

About 3 minutes for the walk on a quiet machine and about 2 more for the rest (each `ape run`
costs 5-10 s of start-up): Anvil mines a block a second and each transaction waits for Sepolia's
two confirmations. On the shared 2-core machine under load 8 the whole module took 13m44s and
19m (the walk's set-up 566 s, two runs at once 233 s, the wrong RPC/chain 100 s, the quiet day
51 s, the forgotten key 27 s).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time

import pytest

from twei.exitcodes import STATUS, ExitCode
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


def ok(run, code: int = 0):
    assert run.returncode == code, f"{run.command}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr[-3000:]}"
    assert run.problems() == [], f"{run.command}\n{run.stdout}\n{run.stderr[-3000:]}"
    assert not re.search(r"it/s\]|\r", run.stderr), run.stderr[-2000:]  # no progress bar in a job's log
    return run


def result(run, code: int = 0) -> dict:
    """A job run with --json: its exit code, and the one JSON object that is all its stdout."""
    ok(run, code)
    doc = json.loads(run.stdout)
    assert doc["exit_code"] == code and doc["status"] == STATUS[ExitCode(code)], doc
    return doc


def refused(run, code: int = 1):
    """One line of error, the exit code, nothing on stdout (Ape's own log lines aside)."""
    assert run.returncode == code, f"{run.command}: {run.returncode}\n{run.stdout}\n{run.stderr}"
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
        assert step(".venv/bin/ape accounts import oracle1")
        net.import_account("oracle1", 2)
        assert step(".venv/bin/ape accounts import oracle2")
        net.import_account("oracle2", 3)
        net.import_account("pauper", 7)  # for the mistakes below: ETH, no TWEI
        net.import_account("nopass", 8)  # and an account without its passphrase in .env

        deploy = ok(net.run(step(".venv/bin/ape run deploy")))
        assert "Engagement 0x" in deploy.stdout
        record = json.loads((net.site / "deployments" / f"{SEPOLIA}.json").read_text())
        state["contracts"] = {name: c["address"] for name, c in record["contracts"].items()}

        timer = unit_command("twei-settle.service")
        # The deployment's own day: the hourly timer has nothing to do yet, and says so (10).
        first_day = result(net.run(timer), ExitCode.NOT_YET)
        assert first_day["message"].startswith("Not yet: the contracts were deployed on day"), first_day
        state["deployment_day"] = first_day

        oracle = step(".venv/bin/python -m twei.oracle")
        unit = unit_command("twei-oracle@.service")
        assert unit == "/srv/twei/" + oracle  # the unit runs the README's command
        net.start_oracle(unit)

        bootstrap = step(".venv/bin/ape run bootstrap")
        first = ok(net.run(bootstrap), ExitCode.NOT_YET)
        assert first.lines[-1].startswith("Not yet: the genesis root activates at "), first.stdout
        net.travel(3_601)  # the README's wait: the challenge period
        second = ok(net.run(step(".venv/bin/ape run bootstrap")))
        assert second.command == bootstrap and second.lines[-1].endswith("active; claimed for 2 accounts"), second.stdout
        token = state["contracts"]["TweiToken"]
        assert net.call(token, "balanceOf(address)", address(1)) == 20 * 10**18

        site = step(".venv/bin/ape run site")
        assert unit_command("twei-site.service") == "/srv/twei/" + site
        state["site"] = net.start_site()  # the README's command, on a free port

        (net.site / "post.md").write_text(POST)
        publish = ok(net.run(step(".venv/bin/ape run publish")))
        assert re.fullmatch(r"post 1: \d+ words, Time to Read \d+ s", publish.lines[-1]), publish.stdout  # no site URL set: no link

        status = net.read_post(1, address(1))  # the README's reader, through the oracle's API
        assert status["qualified"], status
        day = net.now() // DAY
        state["day"] = day

        settle = step(".venv/bin/ape run settle")
        assert timer == "/srv/twei/" + settle  # the timer runs the README's command
        net.travel((day + 1) * DAY + 60 - net.now())  # the README's wait: the day is over
        published = result(net.run(timer), ExitCode.NOT_YET)
        assert published["message"].startswith(f"Not yet: the root for epoch {day} activates at "), published
        net.travel(3_601)  # the README's wait: the root's challenge period
        claimed = result(net.run(step(".venv/bin/ape run settle")))
        # The job activates the due root itself (no wallet pays for the mint), then claims.
        assert claimed["message"].startswith(f"epoch {day}: done activate, claim;"), claimed
        assert (claimed["epoch"], claimed["quiet"]) == (day, False) and claimed["claims_sent"] >= 1
        distributor = state["contracts"]["RewardDistributor"]
        earned = net.call(distributor, "claimed(address)", address(1))
        assert earned > 20 * 10**18  # the genesis 20 TWEI and the read reward

        one = ok(net.run(".venv/bin/ape run claim --account reader --network ethereum:sepolia:node"))
        assert one.lines[-1].startswith("Nothing to claim"), one.stdout

        doc = result(net.run(step(".venv/bin/ape run report")))
        lines = {line["name"]: int(line["amount"]) for line in doc["profit"] + doc["loss"]}
        assert lines["Read Rewards"] == earned - 20 * 10**18 and lines["PnL Reports"] == 10**18
        assert int(doc["price"]) == 10**18  # what an instance costs, as the text form says
        assert next(commands, None) is None  # every command of the README's walk was run
        yield state
    finally:
        net.close()


def test_readme_walk__from_zero_to_a_claimed_reward_unattended(walk):
    assert walk["day"] > 0


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

    def both(code):
        runs = [net.start(timer), net.start(timer)]
        outs = [run.communicate(timeout=900) for run in runs]
        for run, (stdout, stderr) in zip(runs, outs):
            assert run.returncode == code and "Traceback" not in stderr, stderr[-3000:]
        return [json.loads(stdout)["message"] for stdout, _ in outs]

    net.travel((day + 1) * DAY + 60 - net.now())
    lasts = both(ExitCode.NOT_YET)
    assert all(last.startswith(f"Not yet: the root for epoch {day}") for last in lasts), lasts
    net.travel(3_601)
    lasts = both(ExitCode.DONE)
    assert sorted(last.split(";")[0] for last in lasts) == [f"epoch {day}: done activate, claim", f"epoch {day}: done nothing"], lasts
    walk["claimed_day"] = day

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


def test_settle__a_quiet_day_publishes_nothing_and_the_metrics_say_it_is_covered(walk):
    """A day without a post, a vote or a read: no transaction at all, exit code 0, and the job's
    textfile says the chain's root covers it (so "no root for 26 h" stays quiet)."""
    net = walk["net"]
    day = walk["claimed_day"] + 1
    net.travel((day + 1) * DAY + 60 - net.now())
    sent = net.transactions()
    doc = result(net.run(unit_command("twei-settle.service")))
    assert (doc["epoch"], doc["quiet"], doc["claims_sent"]) == (day, True, 0), doc
    assert net.transactions() == sent  # neither publish nor activate: a quiet day costs nothing
    metrics = net.textfile()
    assert metrics["twei_settle_covered_through_timestamp_seconds"] == (day + 1) * DAY
    assert metrics["twei_root_active_epoch"] == metrics["twei_root_published_epoch"] == day - 1
    assert metrics["twei_root_due_epoch"] == 0 and metrics["twei_settle_last_exit_code"] == 0
    assert metrics["twei_settle_oracle_keys_held"] == 2 and metrics["twei_settle_oracle_keys_expected"] == 1
    assert metrics["twei_settle_signatures"] == metrics["twei_settle_signature_threshold"] == 2
    assert metrics["twei_distributor_owed_wei"] == 0 and metrics["twei_distributor_balance_wei"] >= 0
    assert metrics["twei_settle_accounts_claimed"] >= 2 and metrics["twei_settle_sender_balance_wei"] > 0


def test_settle__a_forgotten_oracle_key_needs_a_human_and_sends_nothing(walk):
    net = walk["net"]
    sent = net.transactions()
    run = net.run(unit_command("twei-settle.service"), TWEI_ORACLE_ACCOUNTS="")
    doc = json.loads(run.stdout)
    assert run.returncode == doc["exit_code"] == ExitCode.NEEDS_HUMAN and doc["status"] == "needs_human"
    assert doc["message"].startswith("this machine holds 0 of the 1 oracle key(s) it is expected to sign with")
    assert [line for line in run.stderr.splitlines() if line.startswith("Error: ")] == [f"Error: {doc['message']}"]
    assert "Traceback" not in run.stderr and net.transactions() == sent
    assert net.textfile()["twei_settle_oracle_keys_held"] == 0  # TweiOracleKeysMissing fires on it


def test_jobs__a_wrong_rpc_or_chain_is_one_line_with_its_exit_code_and_json_stays_json(tmp_path):
    """`ape run` in the clone itself, whose `.venv` is inside it as the README sets it up (Ape's
    own error handler then printed every frame under the project's folder, site-packages
    included): an RPC that does not answer is transient (75: the timer retries), an RPC on
    another chain needs a human (1), and with --json stdout is still the one JSON object."""
    import subprocess

    from tests.ops.testnet import ANVIL, ROOT, Run
    from twei.toolchain.localnode import free_port

    assert (ROOT / ".venv").is_dir() and not (ROOT / ".venv").is_symlink()  # inside the clone

    def in_clone(args: str, **env: str) -> Run:
        done = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "ape"), "run", *args.split(), "--network", NETWORK], cwd=ROOT,
            env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", **env}, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=300,
        )
        return Run(args, done.returncode, done.stdout, done.stderr)

    down = {"TWEI_SEPOLIA_RPC": "http://127.0.0.1:1"}
    line = refused(in_clone("settle --claim", **down), ExitCode.TRANSIENT)
    assert line.startswith("Error: the RPC cannot be reached") and "the next run retries" in line
    report = in_clone("report --account reader --post 1 --json", **down)
    doc = json.loads(report.stdout)  # stdout is still the one JSON object
    assert report.returncode == doc["exit_code"] == ExitCode.TRANSIENT and doc["status"] == "transient"
    assert "Traceback" not in report.stderr

    port = free_port()
    other = subprocess.Popen([str(ANVIL), "--chain-id", "31337", "--port", str(port), "--silent"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import urllib.request

        deadline = time.monotonic() + 30
        while True:
            try:
                body = b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'
                request = urllib.request.Request(f"http://127.0.0.1:{port}", data=body, headers={"Content-Type": "application/json"})
                urllib.request.urlopen(request, timeout=5).close()
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        line = refused(in_clone("settle --claim", TWEI_SEPOLIA_RPC=f"http://127.0.0.1:{port}"), ExitCode.NEEDS_HUMAN)
        assert "the RPC is on another chain" in line and "31337" in line and "11155111" in line, line
    finally:
        other.terminate()
        other.wait(timeout=10)

    usage = in_clone("settle --epoch yesterday", **down)
    assert usage.returncode == ExitCode.USAGE and "Traceback" not in usage.stderr and usage.stdout == ""


def test_metrics__the_oracle_and_the_site_scraped_over_http(walk):
    """The values the walk produced, as Prometheus scrapes them."""
    net = walk["net"]
    oracle = net.metrics(net.oracle_port)
    beats = "/v1/sessions/{session_id}/heartbeats"
    assert oracle[("twei_oracle_sessions_started_total", ())] == 1  # the README reader's one session
    assert oracle[("twei_oracle_heartbeats_total", (("outcome", "accepted"),))] == 4
    assert oracle[("twei_http_requests_total", (("code", "2xx"), ("route", beats), ("service", "oracle")))] == 4
    assert oracle[("twei_http_requests_total", (("code", "2xx"), ("route", "/v1/posts"), ("service", "oracle")))] == 1
    assert not any(key[0] == "twei_http_requests_total" and ("code", "5xx") in key[1] for key in oracle)
    assert oracle[("twei_oracle_store_batch_seconds_count", ())] >= 6
    site = net.metrics(net.site_port)
    head = int(net.rpc("eth_blockNumber"), 16)
    # The scrape let the index catch up (Anvil mines a block a second meanwhile: a block or two).
    assert 0 <= site[("twei_site_index_lag_blocks", ())] <= 2
    assert head - 3 <= site[("twei_site_indexed_block", ())] <= head
    assert site[("twei_site_live_connections", ())] == 0


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


def test_settle__a_run_that_may_not_wait_exits_with_one_line(walk):
    from twei.settlement.lock import JobLock

    net = walk["net"]
    with JobLock(net.site / "settlements" / str(SEPOLIA) / "job.lock"):
        line = refused(net.run(f".venv/bin/ape run settle --network {NETWORK} --lock-wait 0"), ExitCode.TRANSIENT)
    assert "another run holds" in line
