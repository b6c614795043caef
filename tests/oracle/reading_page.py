"""A bare reading page for the browser tests: a post's article with the oracle's tracker embedded.

The oracle serves no page (the post page is the site's, :mod:`twei.site`); the tests serve this
one themselves, through Playwright's routing, on the oracle's origin: the tracker talks to the
oracle with same-origin relative URLs (``/v1/…``) and signs in for the page's host, so the page
must come from the oracle's base URL. Its script tag is the one a post page embeds (see the top
of ``twei/oracle/static/tracker.js``), with the interval and chain id of the oracle's settings.
"""

from __future__ import annotations

from html import escape

from playwright.sync_api import BrowserContext

from twei.oracle.settings import OracleSettings

STYLE = """
  * { box-sizing: border-box; }
  body { margin: 0; font: 17px/1.6 system-ui, sans-serif; background: #fafafa; }
  main { max-width: 42rem; margin: 0 auto; padding: 1rem; }
  article { background: #fff; padding: 1rem 1.25rem; border: 1px solid #e5e5ea; }
  h1 { font-size: 1.6rem; line-height: 1.25; margin: .2rem 0 .6rem; }
"""


def reading_page(
    settings: OracleSettings, *, post_id: int, title: str, body: str, reader: str
) -> str:
    """The page: the title and the body's paragraphs (blank lines part them) in
    ``<article id="article">``, and the tracker crediting ``reader``."""
    paragraphs = "\n".join(
        f"    <p>{escape(p.strip())}</p>" for p in body.split("\n\n") if p.strip()
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
  <article id="article">
    <h1>{escape(title)}</h1>
{paragraphs}
  </article>
</main>
<script src="/static/tracker.js" data-post="{post_id}" data-reader="{escape(reader)}"
        data-chain="{settings.chain_id}" data-article="#article"
        data-interval="{settings.heartbeat_interval_ms}" defer></script>
</body>
</html>
"""


def route_reading_page(context: BrowserContext, base: str, post_id: int, html: str) -> str:
    """Serve ``html`` at ``{base}/read/{post_id}`` (any query) to the context's pages, on the
    oracle's origin; returns the page's URL."""
    context.route(
        f"{base}/read/{post_id}*",
        lambda route: route.fulfill(status=200, content_type="text/html", body=html),
    )
    return f"{base}/read/{post_id}"
