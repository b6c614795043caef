"""`ape run publish --file post.md --account ALIAS`: an author publishes a post (see twei.publish)."""

import os
from pathlib import Path

import click
from ape import accounts, chain, project
from ape.cli import network_option

from twei.actions import check_post, publish_post_checked
from twei.cli import contract_at, friendly_errors, say, signer_for
from twei.jobcli import JobCommand, finish
from twei.deploy import recorded_address
from twei.errors import ConfigError
from twei.publish import OracleClient, read_post


def site_url() -> str | None:
    """Where the post pages are (`ape run site`): TWEI_SITE_URL, else none."""
    return (os.environ.get("TWEI_SITE_URL") or "").rstrip("/") or None


def oracle_url() -> str:
    from twei.oracle.settings import OracleSettings

    if os.environ.get("TWEI_ORACLE_URL"):
        return os.environ["TWEI_ORACLE_URL"]
    settings = OracleSettings()
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    return f"http://{host}:{settings.port}"


@click.command("publish", cls=JobCommand)
@network_option()
@click.option("--file", "path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The post: text or Markdown.")
@click.option("--account", "who", envvar="TWEI_AUTHOR", required=True,
              help="The author: an Ape account alias (TEST::N or a test account's address on a local chain).")
@click.option("--title", default=None, help="Title (default: the file's first '# heading', else its name).")
@click.option("--oracle", "oracle", default=None, help="The oracle's base URL (TWEI_ORACLE_URL; default from TWEI_ORACLE_HOST/PORT).")
@click.option("--post", "post_id", type=click.IntRange(min=1), default=None,
              help="Register this already published post with the oracle (no payment), e.g. after the oracle was down.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder holding deployments/<chain id>.json.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (README: Operating Twei).")
@friendly_errors
def cli(path, who, title, oracle, post_id, root, as_json):
    """Pay the publish tribute on-chain (one permit transaction) and register the text with the oracle."""
    post = read_post(path, title)
    client = OracleClient(oracle or oracle_url(), os.environ.get("TWEI_ORACLE_API_KEY"))
    client.check()
    author = signer_for(accounts, who)
    engagement = contract_at(chain, project.Engagement, recorded_address(root, chain.chain_id, "Engagement"))
    token = project.TweiToken.at(recorded_address(root, chain.chain_id, "TweiToken"))
    tx = None
    if post_id is None:
        post_id, receipt = publish_post_checked(engagement, token, author, post.body, chain.chain_id)
        tx = str(receipt.txn_hash)
        say(f"post {post_id} published on-chain in {tx} (tribute paid)")
    else:
        on_chain = check_post(engagement, post_id)
        if str(on_chain.author).lower() != author.address.lower():
            raise ConfigError(f"post {post_id} is {on_chain.author}'s, not {author.address}'s")
    try:
        registered = client.register_post(post_id, author.address, post)
    except ConfigError as err:
        if tx is None:
            raise
        raise ConfigError(f"{err}; post {post_id} is on-chain already: register it with --post {post_id}") from err
    # The page's link only where a site serves it (TWEI_SITE_URL; `make site` and `ape run site`
    # say theirs): a link to a port nothing listens on is worse than none.
    page = f"{site_url()}/posts/{post_id}" if site_url() else None
    result = {"post_id": post_id, "tx": tx, "author": author.address, "words": post.word_count,
              "time_to_read_s": registered.get("time_to_read_s"), "page": page}
    line = f"post {post_id}: {post.word_count} words, Time to Read {result['time_to_read_s']:.0f} s"
    finish(line + (f", page {page}" if page else ""), **result)
