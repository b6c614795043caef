"""`ape run settle` as a user runs it (the click command, in process, on the embedded chain):
a day with activity settled and claimed, a re-run that does nothing, a dry run that sends
nothing, and bad input as a one-line error with a non-zero exit.

Not marked `chain`: on a node the script's own connection would start a second node without
these contracts; the job's steps run on all three chains through test_chain_day.py.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.engagement.helpers import new_id
from tests.helpers import ANY_FEE, CHALLENGE_PERIOD
from tests.settlement.conftest import today
from twei.deploy import Deployment, deployment_path
from twei.exitcodes import ExitCode
from twei.oracle.store.base import Batch, PostRecord, SessionRecord
from twei.oracle.store.sqlite import SQLiteStore
from twei.settlement.day import DAY
from twei.units import twei


@pytest.fixture(scope="module")
def settle_cli():
    spec = importlib.util.spec_from_file_location(
        "twei_settle_script", Path(__file__).resolve().parents[2] / "scripts" / "settle.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


@pytest.fixture
def site(chain, platform, travel, deployer, alice, carol, oracle_keys, tmp_path, monkeypatch):
    """The platform recorded in <tmp>/deployments, the job's settings in the environment, and a
    day on which alice publishes, carol gives a plus and reads the post (through the oracle's
    store): alice earns 2 TWEI, carol 0.5."""
    token, distributor, engagement = platform
    Deployment(
        chain.chain_id,
        {"Engagement": {"address": engagement.address, "block": 0}, "RewardDistributor": {"address": distributor.address, "block": 0}},
    ).save(deployment_path(tmp_path, chain.chain_id))
    for name in ("TWEI_CONFIRMATIONS", "TWEI_SENDER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TWEI_ORACLE_KEYS", ",".join(oracle_keys[:2]))
    monkeypatch.setenv("TWEI_SETTLEMENTS_DIR", str(tmp_path / "settlements"))
    monkeypatch.setenv("TWEI_ORACLE_DB", str(tmp_path / "oracle.db"))

    day = today(chain) + 1
    travel(day * DAY + 60)
    token.mint(alice, twei(5), sender=deployer)
    token.approve(engagement, twei(5), sender=alice)
    post = new_id(engagement.publishPost(b"\x11" * 32, 1_190, ANY_FEE, sender=alice))
    engagement.plus(post, sender=carol)
    oracle = SQLiteStore(tmp_path / "oracle.db")
    qualified = (day * DAY + 3600) * 1000
    oracle.commit_batch(Batch(
        [PostRecord(post, alice.address, 1_190, "", "", 0)],
        {"s": SessionRecord("s", post, carol.address, qualified - 300_000, 0, 300_000, credited_ms=300_000,
                            qualified_at_ms=qualified, rewarded=True)},
        [],
    ))
    oracle.close()
    travel((day + 1) * DAY + 60)
    return {"day": day, "root": tmp_path, "token": token, "distributor": distributor, "engagement": engagement,
            "keys": ",".join(oracle_keys[:2])}


def settle(settle_cli, chain, site, *args, runner=None):
    base = ["--root", str(site["root"]), "--network", chain.provider.network_choice]
    return (runner or CliRunner()).invoke(settle_cli, [*args, *base], catch_exceptions=False)


def test_settle_script__settles_claims_and_a_rerun_does_nothing(settle_cli, chain, site, travel, alice, carol):
    day, token, distributor = site["day"], site["token"], site["distributor"]
    run = settle(settle_cli, chain, site, "--epoch", str(day), "--claim")
    assert run.exit_code == ExitCode.NOT_YET, run.output  # published; claims wait for the challenge period
    assert run.output.strip().splitlines()[-1].startswith(f"Not yet: the root for epoch {day} activates at ")
    assert (site["root"] / "settlements" / str(chain.chain_id) / f"{day}.json").exists()

    travel(chain.blocks.head.timestamp + CHALLENGE_PERIOD)
    run = settle(settle_cli, chain, site, "--epoch", str(day), "--claim")
    assert run.exit_code == 0, run.output
    assert run.output.strip().splitlines()[-1] == (
        f"epoch {day}: done activate, claim; already done fetch, build, sign, publish; 2 claims sent"
    )
    assert (token.balanceOf(alice), token.balanceOf(carol)) == (twei(2), twei("0.5"))  # 5 − tribute 5 + plus 2
    assert distributor.claimed(carol) == twei("0.5")

    height = chain.blocks.height
    run = settle(settle_cli, chain, site, "--epoch", str(day), "--claim")
    assert run.exit_code == 0, run.output
    assert run.output.strip().splitlines()[-1] == (
        f"epoch {day}: done nothing; already done fetch, build, sign, publish, claim; 0 claims sent"
    )
    assert chain.blocks.height == height


def test_settle_script__dry_run_sends_nothing(settle_cli, chain, site):
    height = chain.blocks.height
    run = settle(settle_cli, chain, site, "--dry-run", "--claim")  # the default epoch: yesterday
    assert run.exit_code == 0, run.output
    assert run.output.strip().splitlines()[-1] == f"epoch {site['day']}: done fetch, build; already done nothing; 0 claims sent"
    assert chain.blocks.height == height
    assert site["distributor"].activeRoot()[1] == 0


@pytest.mark.parametrize("when", ["today", "future", "negative"])
def test_settle_script__an_unfinished_day_is_a_one_line_error(settle_cli, chain, site, when):
    now = chain.pending_timestamp // DAY
    epoch = {"today": now, "future": now + 30, "negative": -1}[when]
    run = settle(settle_cli, chain, site, "--epoch", str(epoch))
    assert run.exit_code == 1
    assert run.output.strip().splitlines() == [
        f"Error: epoch {epoch} is not a finished UTC day (today on this chain is day {now})"
    ]


def test_settle_script__without_a_deployment_says_to_deploy(settle_cli, chain, site, tmp_path_factory):
    run = settle(settle_cli, chain, {**site, "root": tmp_path_factory.mktemp("empty")})
    assert run.exit_code == 1
    assert len(run.output.strip().splitlines()) == 1
    assert "run `ape run deploy` first" in run.output


def test_settle_script__a_forgotten_key_needs_a_human_and_a_quiet_day_publishes_nothing(
    settle_cli, chain, site, travel, monkeypatch, tmp_path
):
    """--json prints one object on stdout, logs stay on stderr; the exit codes of twei.exitcodes;
    the textfile of metrics written for the node exporter."""
    import json

    day = site["day"]
    runner = CliRunner(mix_stderr=False)
    monkeypatch.setenv("TWEI_METRICS_DIR", str(tmp_path / "textfile"))
    monkeypatch.delenv("TWEI_ORACLE_KEYS")
    height = chain.blocks.height
    run = settle(settle_cli, chain, site, "--epoch", str(day), "--json", runner=runner)
    assert run.exit_code == ExitCode.NEEDS_HUMAN
    doc = json.loads(run.stdout)
    assert (doc["job"], doc["status"], doc["exit_code"]) == ("settle", "needs_human", 1)
    assert "this machine holds 0 of the 1 oracle key(s)" in doc["message"]
    assert run.stderr.strip().splitlines() == [f"Error: {doc['message']}"]
    assert chain.blocks.height == height
    metrics = textfile(tmp_path / "textfile" / "twei_settle.prom")
    assert (metrics["twei_settle_oracle_keys_held"], metrics["twei_settle_last_exit_code"]) == (0, 1)

    monkeypatch.setenv("TWEI_ORACLE_KEYS", site["keys"])
    assert settle(settle_cli, chain, site, "--epoch", str(day), "--claim").exit_code == ExitCode.NOT_YET
    travel(chain.blocks.head.timestamp + CHALLENGE_PERIOD)
    assert settle(settle_cli, chain, site, "--epoch", str(day), "--claim").exit_code == ExitCode.DONE

    travel((day + 2) * DAY + 60)  # day + 1: no post, no vote, no read
    height = chain.blocks.height
    run = settle(settle_cli, chain, site, "--claim", "--json", runner=runner)
    assert run.exit_code == ExitCode.DONE, run.stderr
    doc = json.loads(run.stdout)
    assert (doc["status"], doc["epoch"], doc["quiet"], doc["claims_sent"]) == ("done", day + 1, True, 0)
    assert chain.blocks.height == height  # no publish, no activation: a quiet day costs nothing
    assert site["distributor"].activeRoot()[1] == day
    metrics = textfile(tmp_path / "textfile" / "twei_settle.prom")
    assert metrics["twei_settle_covered_through_timestamp_seconds"] == (day + 2) * DAY  # the quiet day is covered
    assert (metrics["twei_root_active_epoch"], metrics["twei_root_published_epoch"], metrics["twei_root_due_epoch"]) == (day, day, 0)
    published_at = metrics["twei_root_published_timestamp_seconds"]
    assert published_at + CHALLENGE_PERIOD <= metrics["twei_root_activated_timestamp_seconds"] <= chain.blocks.head.timestamp
    assert metrics["twei_settle_oracle_keys_held"] == metrics["twei_settle_oracle_keys_expected"] + 1 == 2
    assert metrics["twei_settle_last_exit_code"] == 0
    assert metrics["twei_settle_accounts_claimed"] == 2
    assert metrics["twei_distributor_owed_wei"] == 0  # alice's 2 and carol's 0.5 claimed
    assert metrics["twei_distributor_balance_wei"] == site["token"].balanceOf(site["distributor"])
    assert metrics["twei_settle_signatures"] == metrics["twei_settle_signature_threshold"] == 2


def textfile(path):
    """The node exporter's view of a textfile: {metric name: value} (one chain)."""
    from prometheus_client.parser import text_string_to_metric_families

    return {s.name: s.value for family in text_string_to_metric_families(path.read_text()) for s in family.samples}


def test_settle_script__the_deployment_day_is_not_yet_and_a_named_day_before_it_a_mistake(settle_cli, chain, site):
    """The hourly timer on the deployment's own day: exit code 10, not a failure."""
    Deployment(chain.chain_id, {
        "Engagement": {"address": site["engagement"].address, "block": chain.blocks.height},
        "RewardDistributor": {"address": site["distributor"].address, "block": chain.blocks.height},
    }).save(deployment_path(site["root"], chain.chain_id))
    run = settle(settle_cli, chain, site)
    assert run.exit_code == ExitCode.NOT_YET, run.output
    assert run.output.strip().splitlines()[-1].startswith("Not yet: the contracts were deployed on day")
    run = settle(settle_cli, chain, site, "--epoch", str(site["day"]))
    assert run.exit_code == ExitCode.NEEDS_HUMAN
    assert "is before the deployment on day" in run.output


def test_settle_script__a_store_other_than_the_site_folders_is_refused(settle_cli, chain, site, monkeypatch, tmp_path):
    """`--root` names the site's folder (as `ape run site --root` does): its oracle.db holds the
    site's reads, so a TWEI_ORACLE_DB pointing elsewhere would settle the day without them."""
    (site["root"] / "oracle.db").touch(exist_ok=True)
    monkeypatch.setenv("TWEI_ORACLE_DB", str(tmp_path / "elsewhere.db"))
    height = chain.blocks.height
    run = settle(settle_cli, chain, site, "--epoch", str(site["day"]))
    assert run.exit_code == ExitCode.NEEDS_HUMAN
    assert run.output.strip().splitlines() == [
        f"Error: TWEI_ORACLE_DB={tmp_path / 'elsewhere.db'} is not the site folder's {site['root'] / 'oracle.db'}"
        " (--root): the site writes and reads there; unset TWEI_ORACLE_DB or set it to that path"
    ]
    assert chain.blocks.height == height
    monkeypatch.delenv("TWEI_ORACLE_DB")  # unset: the folder's own store is read (the site's reads paid)
    monkeypatch.delenv("TWEI_SETTLEMENTS_DIR")
    run = settle(settle_cli, chain, site, "--epoch", str(site["day"]), "--dry-run")
    assert run.exit_code == ExitCode.DONE, run.output
    assert "2 accounts paid" in run.output  # carol's read from the folder's oracle.db, alice's plus
