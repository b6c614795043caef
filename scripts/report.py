"""`ape run report --account A --post P`: the PnL report of one account on one post (SPEC §1)."""

from pathlib import Path

import click
from ape import accounts, chain, project
from ape.cli import network_option

from twei.actions import buy_report_checked, check_post
from twei.cli import contract_at, friendly_errors, say, signer_for
from twei.jobcli import JobCommand, finish
from twei.deploy import recorded_address
from twei.report import (
    build_report,
    fetch_flows,
    render_png,
    render_text,
    published_breakdowns,
    report_bought,
)


@click.command("report", cls=JobCommand)
@network_option()
@click.option("--account", "who", required=True, help="Ape account alias, or a test account's address on a local chain.")
@click.option("--post", "post_id", required=True, type=click.IntRange(min=1))
@click.option("--no-buy", is_flag=True, help="Do not buy another instance if one was bought already.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object (README: Operating Twei), its price included.")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), help="Also draw it to this PNG file.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder holding deployments/ and settlements/.")
@friendly_errors
def cli(who, post_id, no_buy, as_json, png, root):
    """Buy a report instance (1 TWEI) and print every line of the post's PnL for the account."""
    signer = signer_for(accounts, who)
    engagement = contract_at(chain, project.Engagement, recorded_address(root, chain.chain_id, "Engagement"))
    token = project.TweiToken.at(recorded_address(root, chain.chain_id, "TweiToken"))
    distributor = project.RewardDistributor.at(recorded_address(root, chain.chain_id, "RewardDistributor"))
    check_post(engagement, post_id)
    # Before anything is bought: a report without the active root's breakdown would lie.
    breakdowns = published_breakdowns(root / "settlements", chain.chain_id, int(distributor.activeRoot()[1]))
    if not (no_buy and report_bought(engagement, post_id=post_id, account=signer.address)):
        receipt = buy_report_checked(engagement, token, signer, post_id, chain.chain_id)
        say(f"bought a report instance of post {post_id} in {receipt.txn_hash}")
    report = build_report(
        signer.address,
        post_id,
        fetch_flows(engagement, post_id=post_id, account=signer.address),
        breakdowns,
        treasury=engagement.treasury(),
    )
    price = int(engagement.reportPrice())
    picture = str(render_png(report, png)) if png else None
    if picture:
        say(f"picture: {picture}")
    # --json: the envelope of twei.jsonout with the report's own fields and the price of an
    # instance (wei, a decimal string), as the text form prints it.
    finish(render_text(report, price), summary=f"the PnL report of post {post_id} for {signer.address}",
           **report.to_json(), price=str(price), picture=picture)
