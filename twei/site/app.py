"""The site: the post page, the publish page and the JSON the page's script needs.

Server-rendered (Jinja2) so that a post reads without JavaScript; the bundled script
(``static/app.js``, built from ``web/`` at set-up) adds the wallet, the actions and the live
sections, which it refreshes from ``GET /posts/{id}/live``: the same templates rendered again, so
there is one renderer.

The reading-time oracle is mounted in the same app (its ``/v1`` API and the tracker), so the
page, the sign-in and the reading sessions share one origin, the one the EIP-4361 message names.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Header, Path as PathParam, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse, ServerSentEvent
from anyio import to_thread

from twei.flows import Side
from twei.metrics import MetricsMiddleware, live_connection, metrics_endpoint, watch_index
from twei.oracle.app import format_duration, validation_message
from twei.site.store import TextStoreUnavailable
from twei.site.texts import TextRefused, word_count
from twei.claim import ClaimPlan
from twei.site.guard import Limits, MemoryStorage, RequestGuard
from twei.site.live import LiveHub, Parts
from twei.site.view import PAUSED, PostPage, SiteView, side_lines
from twei.units import format_twei

__all__ = ["SiteInfo", "create_site"]

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
_ADDRESS = r"^0x[0-9a-fA-F]{40}$"
#: The page loads only its own script (and the tracker) and its inline styles; wallet icons are
#: data: URLs. Scripts from anywhere else would be refused by the browser.
CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
_HTML_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


@dataclass(frozen=True)
class SiteInfo:
    """What the page tells the wallet: the chain and the contracts."""

    chain_id: int
    chain_name: str
    rpc_url: str
    token: str
    engagement: str
    distributor: str
    interval_ms: int = 15_000
    #: The site's domain (the one sign-ins name, TWEI_ORACLE_SIWE_DOMAIN); None on a dev
    #: machine: the request's Host then.
    domain: str | None = None


class TextIn(BaseModel):
    text: str = Field(min_length=1, max_length=65_536)


class NameIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    account: str = Field(pattern=_ADDRESS, description="who signed (the signature must recover to it)")
    signed_ms: int = Field(ge=0, le=2**53, description="when the account signed, ms since the epoch (in the message)")
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$")


def _fmt(wei: int) -> str:
    return format_twei(wei, 4)


def _refusal(reason: str | None) -> Markup:
    """The ``data-refusal`` attribute of a button the account cannot use (nothing if it can)."""
    return Markup(f' data-refusal="{escape(reason)}"') if reason else Markup("")


class _Refusals:
    """Why an action is refused for the page's account, known before any wallet is asked."""

    def __init__(self, page: PostPage) -> None:
        self.page = page
        self.a = page.account

    def funds(self, amount: int, what: str) -> str | None:
        if self.a and self.a.balance < amount:
            return f"{what} costs {_fmt(amount)} Twei and you hold {_fmt(self.a.balance)} Twei."
        return None

    def vote(self) -> str | None:
        if not self.a:
            return None
        if self.a.is_author:
            return "This is your post: you cannot vote on it."
        if self.a.voted:
            return f"You already gave this post a {self.a.voted}."
        return None

    def minus(self) -> str | None:
        return self.vote() or self.funds(self.page.fees["minus"], "A minus")

    def report(self) -> str | None:
        return self.funds(self.page.fees["report"], "A report instance")

    def reaction(self, comment: Any, fee: int = 0) -> str | None:
        if not self.a:
            return None
        if comment.mine:
            return "This is your comment: you cannot react to it."
        if comment.my_reaction:
            return f"You already gave this comment a {comment.my_reaction}."
        return self.funds(fee, "A dislike") if fee else None


#: Seconds between the comment lines that keep an idle stream open through proxies.
STREAM_PING_S = 25


def create_site(view: SiteView, info: SiteInfo, *, oracle_app: FastAPI | None = None, limits: Limits | None = None) -> FastAPI:
    """The site's ASGI app; with ``oracle_app``, the oracle is served from the same origin
    (its lifespan runs inside the site's, and its Oracle is the one the page reads)."""
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.auto_reload = False  # a template's file is not stat'ed at each render (6 % of a page's)
    templates.env.globals.update(fmt=_fmt, duration=format_duration, refusal=_refusal, site=info)

    def render(page: PostPage, names: tuple[str, ...]) -> dict[str, str]:
        ctx = context(page)
        return {name: templates.get_template(sections[name]).render(ctx) for name in names}

    def comment_parts(page: PostPage) -> Parts:
        """The comments section as its head and one fragment per comment (the hub sends only
        those that changed)."""
        ctx = context(page)
        head = templates.get_template("_comments_head.html").render(ctx)
        item = templates.get_template("_comment.html")
        return Parts(head, {c.comment_id: item.render({**ctx, "c": c}) for c in page.comments})

    hub = LiveHub(view, render, comment_parts)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pusher = asyncio.create_task(hub.run(), name="twei-live-hub")
        try:
            if oracle_app is None:
                yield
                return
            async with oracle_app.router.lifespan_context(oracle_app):
                view.oracle = oracle_app.state.oracle
                try:
                    yield
                finally:
                    view.oracle = None
        finally:
            pusher.cancel()

    app = FastAPI(title="Twei site", version="1", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.hub = hub
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        """A bad request gets one line, as the oracle answers (the input is not echoed)."""
        return JSONResponse({"detail": validation_message(err)}, status_code=422)

    @app.exception_handler(TextStoreUnavailable)
    async def store_away(request: Request, err: TextStoreUnavailable) -> JSONResponse:
        """The shared store (PostgreSQL) is away, restarting or failing over: a 503 the page
        tries again after, and nothing half-kept (each write is one statement)."""
        log.warning("%s %s: %s", request.method, request.url.path, err)
        return JSONResponse({"detail": "the site's database is unavailable: try again in a moment"}, status_code=503,
                            headers={"Retry-After": "2"})

    app.mount("/site/static", StaticFiles(directory=HERE / "static", check_dir=False), name="site-static")
    # Prometheus (twei.metrics): answers by route, the index's lag behind the node's head.
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    app.add_middleware(MetricsMiddleware, service="site", routes_of=app.router)
    watch_index(lambda: view.index.refresh(), lambda: view.index.block, lambda: view.index.contracts.web3.eth.block_number)

    def context(page: PostPage) -> dict[str, Any]:
        why = _Refusals(page)
        return {
            "page": page,
            "profit": side_lines(page.report, Side.PROFIT),
            "loss": side_lines(page.report, Side.LOSS),
            "vote_refusal": why.vote(),
            "minus_refusal": why.minus(),
            "report_refusal": why.report(),
            "reaction_refusal": why.reaction,
        }

    def load(post_id: int, account: str | None, after: int | None = None) -> PostPage | None:
        return view.page(post_id, account, after=after)

    @app.get("/posts/{post_id}", response_class=HTMLResponse)
    def post_page(
        request: Request,
        post_id: Annotated[int, PathParam(ge=1, le=2**96)],
        account: Annotated[str | None, Query(pattern=_ADDRESS)] = None,
    ) -> HTMLResponse:
        page = load(post_id, account)
        if page is None:
            return HTMLResponse(f"<!doctype html><title>Not found</title><h1>Post {post_id} not found</h1>", status_code=404)
        return templates.TemplateResponse(request, "post.html", context(page), headers=_HTML_HEADERS)

    sections = {
        "account": "_account.html",
        "read-to-earn": "_read.html",
        "votes": "_votes.html",
        "pnl": "_pnl.html",
        "comments": "_comments.html",
        "comment-level": "_comment_level.html",
    }

    @app.get("/posts/{post_id}/live")
    def live(
        request: Request,
        post_id: Annotated[int, PathParam(ge=1, le=2**96)],
        account: Annotated[str | None, Query(pattern=_ADDRESS)] = None,
        after: Annotated[int | None, Query(ge=0, le=2**63)] = None,
    ) -> Response:
        """The page's live sections, rendered again (the script swaps those that changed);
        ``after``: a block the page saw a receipt in, indexed before answering. For a page
        without EventSource, or one reading (its credit grows without a block); an ETag lets
        an unchanged answer be a bodiless 304."""
        page = load(post_id, account, after)
        if page is None:
            return JSONResponse({"detail": f"post {post_id} not found"}, status_code=404)
        body = json.dumps({"block": page.block, "sections": render(page, tuple(sections))}).encode()
        tag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        headers = {"Cache-Control": "no-cache", "ETag": tag}
        if request.headers.get("if-none-match") == tag:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    @app.get("/posts/{post_id}/stream")
    async def stream(
        post_id: Annotated[int, PathParam(ge=1, le=2**96)],
        account: Annotated[str | None, Query(pattern=_ADDRESS)] = None,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> Any:
        """The page's live sections as Server-Sent Events: first every section (unless the
        ``Last-Event-ID`` a reconnecting EventSource sends is the current block already), then
        the sections a block changed, when it changes them (:mod:`twei.site.live`). Each
        event's id is its block."""
        if post_id not in view.index.posts:
            await to_thread.run_sync(view.index.refresh)
            if post_id not in view.index.posts:
                return JSONResponse({"detail": f"post {post_id} not found"}, status_code=404)
        seen = int(last_event_id) if last_event_id and last_event_id.isdigit() and len(last_event_id) < 20 else -1
        if view.index.block < seen <= view.index.block + 64:
            # a page back from another replica that had indexed further: catch up first, so this
            # replica neither sends it a block again nor skips one (block numbers are the same
            # on every replica; a made-up far block cannot make every request query the node)
            await to_thread.run_sync(lambda: view.index.refresh(force=True))
        sub = hub.subscribe(post_id, account, seen)

        async def events() -> AsyncIterator[ServerSentEvent | bytes]:
            try:
                with live_connection():  # the twei_site_live_connections gauge
                    if seen < view.index.block:
                        first = await to_thread.run_sync(hub.snapshot, sub)
                        if first is not None:
                            yield ServerSentEvent(data=first[1], id=str(first[0]), retry=2_000)
                    while True:
                        queued = await sub.next()
                        if queued is None:  # the page fell behind: the state instead of the diffs
                            again = await to_thread.run_sync(hub.snapshot, sub)
                            if again is not None:
                                yield ServerSentEvent(data=again[1], id=str(again[0]))
                            continue
                        yield queued[1]  # encoded once for every page it goes to
            finally:
                hub.unsubscribe(sub)

        return EventSourceResponse(
            events(), ping=STREAM_PING_S, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        )

    @app.get("/", include_in_schema=False)
    @app.get("/publish", response_class=HTMLResponse)
    def publish_page(request: Request) -> HTMLResponse:
        view.index.refresh()
        recent = sorted(view.index.posts.values(), key=lambda p: -p.post_id)[:20]
        return templates.TemplateResponse(request, "publish.html", {"fees": view.fees(), "posts": recent}, headers=_HTML_HEADERS)

    @app.get("/site/abi.json")
    def abis() -> JSONResponse:
        return JSONResponse(view.contracts.abis, headers={"Cache-Control": "public, max-age=300"})

    @app.post("/site/api/texts", status_code=201)
    def add_text(body: TextIn) -> dict[str, Any]:
        """Keep a post's or a comment's text; answers its keccak256 (the content hash to send)."""
        try:
            digest = view.texts.add(body.text)
        except TextRefused as err:
            return JSONResponse({"detail": str(err)}, status_code=422)  # type: ignore[return-value]
        return {"hash": "0x" + digest.hex(), "words": word_count(body.text)}

    @app.post("/site/api/names")
    def set_name(request: Request, body: NameIn) -> dict[str, Any]:
        """Take a display name, signed by the account for this site and chain
        (:func:`twei.site.texts.name_message`)."""
        domain = info.domain or request.headers.get("host", "")
        try:
            account = view.texts.set_name(body.name, body.signed_ms, body.signature, domain, signer=body.account)
        except TextRefused as err:
            return JSONResponse({"detail": str(err)}, status_code=422)  # type: ignore[return-value]
        hub.touch(account)
        return {"account": account, "name": " ".join(body.name.split())}

    @app.get("/site/api/accounts/{address}/claim")
    def claim_args(address: Annotated[str, PathParam(pattern=_ADDRESS)]) -> dict[str, Any]:
        """What the account can claim, with the leaf and proof from the published tree."""
        plan = view.claim_plan(address)
        if not isinstance(plan, ClaimPlan):
            return {"claimable": "0", "message": plan, "args": None}
        if view.distributor.paused():
            return {"claimable": str(plan.claimable), "message": PAUSED, "args": None}
        if not plan.claimable:
            return {"claimable": "0", "message": "Nothing to claim: the published roots owe this account nothing more.", "args": None}
        return {
            "claimable": str(plan.claimable),
            "message": f"{_fmt(plan.claimable)} Twei to claim (day {plan.epoch}).",
            "args": {"account": plan.account, "cumulativeAmount": str(plan.cumulative), "level": plan.level, "proof": plan.proof},
        }

    @app.get("/site/api/accounts/{address}/comment-level")
    def comment_level(address: Annotated[str, PathParam(pattern=_ADDRESS)]) -> dict[str, Any]:
        return view.comment_level(address)

    if oracle_app is not None:
        app.mount("/", oracle_app)
    app.state.rate_counts = MemoryStorage()  # the guard's counts (a test resets them)
    app.add_middleware(RequestGuard, limits=limits, storage=app.state.rate_counts)
    return app
