"""The oracle's HTTP service (FastAPI): posts, reading sessions, heartbeats, read-backs, tracker.

Endpoints (OpenAPI docs at ``/docs``):

* ``POST /v1/posts`` (platform backend, header ``X-API-Key``) — register a post.
* ``POST /v1/auth/nonce``, ``POST /v1/auth/verify`` — Sign-In with Ethereum (EIP-4361): a nonce,
  then the signed message for a bearer token (:mod:`twei.oracle.signin`).
* ``POST /v1/sessions`` — a signed-in reader (``Authorization: Bearer``), or one the backend
  vouches for (``X-API-Key``), opens a reading session on a post.
* ``POST /v1/sessions/{id}/heartbeats`` — the tracker's heartbeat (``seq`` strictly increasing).
* ``POST /v1/sessions/{id}/finish`` — the reader left (``navigator.sendBeacon``).
* ``GET /v1/reads?post_id=&reader=`` — Time to Read, credited time, qualified, Twei earned.
* ``GET /static/tracker.js`` — the tracker script, for the page that embeds it (the site's post
  page, :mod:`twei.site`; the oracle serves no page of its own).
* ``GET /healthz`` — liveness; ``GET /readyz`` — readiness for a load balancer (200 when the
  store answers, else 503).

A 503 (the store is away: PostgreSQL restarting, say) carries ``Retry-After``; nothing of that
request was recorded, and the same request may be sent again.

Every refusal is a 4xx whose ``detail`` is one line saying what was wrong (and the OpenAPI
declares each, with that body); nothing refused reaches the store. A reader is a wallet: a
session starts only for the address that signed in, or that the platform's backend vouches for.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from eth_utils import to_checksum_address
from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from twei.errors import (
    ImplausibleHeartbeat,
    NotSignedIn,
    OracleError,
    OracleUnavailable,
    PostConflict,
    ReplayedHeartbeat,
    SessionFinished,
    SessionInFuture,
    SignInRefused,
    StoreRefused,
    UnknownPost,
    UnknownSession,
    WrongReader,
)
from twei.metrics import metrics_endpoint
from twei.oracle.fastpath import FastPathApp
from twei.oracle.rules import Rules, time_to_read_ms
from twei.oracle.service import Clock, HeartbeatInput, Oracle
from twei.oracle.settings import OracleSettings
from twei.oracle.signin import (
    TokenKey,
    check_reader,
    check_token,
    expiry_ms,
    make_token,
    new_nonce,
    now_utc,
    verify_message,
)
from twei.oracle.settled import settled_read_wei
from twei.oracle.store import open_store
from twei.units import format_twei

__all__ = ["create_app", "format_duration", "RETRY_AFTER_S"]

HERE = Path(__file__).parent
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
#: Seconds a client is told to wait (``Retry-After``) before retrying a request answered 503.
RETRY_AFTER_S = 1
_STATUS: dict[type[OracleError], int] = {
    UnknownPost: 404,
    UnknownSession: 404,
    PostConflict: 409,
    SessionFinished: 409,
    ReplayedHeartbeat: 409,
    ImplausibleHeartbeat: 422,
    SessionInFuture: 422,
    StoreRefused: 422,
    SignInRefused: 401,
    NotSignedIn: 401,
    WrongReader: 403,
    OracleUnavailable: 503,
}


def _address(value: str) -> str:
    if not _ADDRESS.match(value):
        raise ValueError("not an address (0x and 40 hex digits)")
    return to_checksum_address(value)


_ADDRESS_SCHEMA = {
    "type": "string",
    "pattern": _ADDRESS.pattern,
    "description": "an Ethereum address: 0x and 40 hex digits (any case; answered EIP-55)",
}
#: An address in, checked by our own validator (its message says "not an address"), documented
#: as the pattern it enforces so that a generated client knows it too.
Address = Annotated[str, AfterValidator(_address), WithJsonSchema(_ADDRESS_SCHEMA)]
#: An address out: always EIP-55 checksummed.
AddressOut = Annotated[str, WithJsonSchema(_ADDRESS_SCHEMA)]
#: Largest post id: a uint256 short of its top 4 x 10^63 values, so that the bound is a number
#: JSON clients read exactly (2^256 - 1 as a double rounds up to 2^256, and fuzzers and clients
#: computing with doubles then step over it). The contract numbers posts from 1, one by one.
MAX_POST_ID = 115_792_089_237_316 * 10**63
PostId = Annotated[
    int,
    Field(ge=0, le=MAX_POST_ID),
    WithJsonSchema(
        {"type": "integer", "minimum": 0, "maximum": MAX_POST_ID,
         "description": "the post's on-chain id"}
    ),
]  # fmt: skip


class Problem(BaseModel):
    """Every refusal, whatever its status: one line saying what was wrong."""

    detail: str


_WHY = {
    400: "malformed JSON",
    401: "a sign-in (or the API key) is missing, expired, forged or refused",
    403: "the API key is wrong, or the sign-in is another reader's",
    404: "unknown post or session",
    409: "a conflict with what is stored (see detail)",
    413: "request body over the limit",
    422: "a field missing, out of range or implausible (see detail)",
    503: "the store is away: nothing was recorded; send the same request again after Retry-After",
}


def _answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The refusals an endpoint answers, each ``{"detail": str}`` (FastAPI's own 422 body, an
    array of error objects, is never sent: every refusal goes through ``validation_message``)."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        out[status] = {"model": Problem, "description": _WHY[status]}
        if status == 503:
            out[status]["headers"] = {
                "Retry-After": {"description": "seconds", "schema": {"type": "integer"}}
            }
    return out


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class PostIn(_Strict):
    post_id: PostId
    author: Address
    word_count: int = Field(ge=1, le=1_000_000)
    title: str = Field(default="", max_length=300)
    body: str = Field(default="", max_length=500_000, description="plain text; blank lines part")


class PostOut(BaseModel):
    post_id: int
    author: AddressOut
    word_count: int
    title: str
    time_to_read_s: float


class SessionIn(_Strict):
    post_id: PostId
    reader: Address
    client_time: int | None = Field(
        default=None, ge=0, lt=2**53, description="client clock, epoch ms (not in the future)"
    )


class NonceOut(BaseModel):
    nonce: str = Field(description="put it in the EIP-4361 message; it signs in once")
    domain: str = Field(description="the domain the message must name")
    expires_in_s: int


class SignInIn(_Strict):
    message: str = Field(max_length=4_096, description="the EIP-4361 message, as signed")
    signature: str = Field(
        pattern=r"^0x[0-9a-fA-F]{130}$", description="personal_sign of the message (65 bytes)"
    )


class SignInOut(BaseModel):
    token: str = Field(description="send it as 'Authorization: Bearer <token>'")
    reader: AddressOut
    expires_at_ms: int


class SessionOut(BaseModel):
    session_id: str
    post_id: int
    reader: AddressOut
    time_to_read_s: float
    heartbeat_interval_ms: int
    own_post: bool


class HeartbeatIn(_Strict):
    seq: int = Field(ge=1, lt=2**53, description="per-session sequence number, increasing")
    visible: bool
    focused: bool
    scroll: float = Field(ge=0, le=100, description="deepest scroll of the page, in %")
    idle_ms: int | None = Field(
        ge=0, lt=2**53, description="ms since the reader's last input; null: no input yet"
    )
    client_time: int = Field(ge=0, lt=2**53, description="client clock, epoch ms")


class FinishOut(BaseModel):
    session_id: str
    finished: bool
    credited_s: float


class HeartbeatOut(BaseModel):
    session_id: str
    seq: int
    credited_s: float
    max_scroll: float
    qualified: bool


class ReadOut(BaseModel):
    post_id: int
    reader: AddressOut
    time_to_read_s: float
    credited_s: float
    max_scroll: float
    qualified: bool
    rewarded: bool
    own_post: bool
    sessions: int
    earned_settled_wei: str
    earned_pending_wei: str
    earned_settled_twei: str
    earned_pending_twei: str


def validation_message(err: RequestValidationError) -> str:
    """One line for a refused request (never the input echoed back: a text may be 64 KB)."""
    parts = []
    for e in err.errors():
        if e.get("type") == "json_invalid":
            return f"malformed JSON: {e.get('ctx', {}).get('error', e.get('msg'))}"
        where = ".".join(str(p) for p in e.get("loc", ()))
        parts.append(f"{where}: {e.get('msg')}")
    return "; ".join(parts) or "invalid request"


def _seconds(ms: int) -> float:
    return round(ms / 1000, 3)


def format_duration(ms: int) -> str:
    """Time to Read as a reader expects it: ``4 min``, ``1 min 30 s``, ``25 s``."""
    seconds = round(ms / 1000)
    minutes, rest = divmod(seconds, 60)
    if minutes == 0:
        return f"{rest} s"
    return f"{minutes} min" + (f" {rest} s" if rest else "")


def create_app(
    settings: OracleSettings | None = None,
    clock: Clock | None = None,
    oracle: Oracle | None = None,
) -> FastAPI:
    """The ASGI app. ``clock`` (seconds since the epoch) is injectable for tests."""
    settings = settings or OracleSettings()
    rules: Rules = settings.rules()
    # The running Oracle, reached from the handlers without a dependency (FastAPI runs a plain
    # ``def`` dependency in a worker thread: too costly on the heartbeat path).
    live: list[Oracle] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        current = oracle
        if current is None:
            store = open_store(settings)
            kwargs = {"clock": clock} if clock is not None else {}
            current = Oracle(
                store,
                rules,
                max_batch=settings.max_batch,
                max_start_ahead_ms=settings.max_session_start_ahead_ms,
                **kwargs,
            )
        app.state.oracle = current
        live.append(current)
        try:
            yield
        finally:
            live.remove(current)
            if oracle is None:
                current.close()

    app = FastPathApp(
        title="Twei reading-time oracle",
        version="1",
        description="Turns the page tracker's heartbeats into credited reading time (SPEC §4).",
        lifespan=lifespan,
        max_body_size=settings.max_body_bytes,
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)  # Prometheus (twei.metrics)

    async def require_api_key(x_api_key: Annotated[str | None, Header()] = None) -> None:
        expected = settings.api_key.get_secret_value() if settings.api_key else ""
        if not expected:
            raise _HTTPError(403, "registering posts is disabled: TWEI_ORACLE_API_KEY is not set")
        if x_api_key is None:
            raise _HTTPError(401, "missing X-API-Key header")
        if not hmac.compare_digest(x_api_key.encode(), expected.encode()):
            raise _HTTPError(403, "wrong API key")

    @app.exception_handler(OracleError)
    async def oracle_error(request: Request, err: OracleError) -> JSONResponse:
        status = next((s for t, s in _STATUS.items() if isinstance(err, t)), 400)
        # 503: the store is away (PostgreSQL restarting, say); nothing was acknowledged, and
        # the client should send the same request again shortly.
        headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
        return JSONResponse({"detail": str(err)}, status_code=status, headers=headers)

    @app.exception_handler(_HTTPError)
    async def http_error(request: Request, err: _HTTPError) -> JSONResponse:
        return JSONResponse({"detail": err.detail}, status_code=err.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        message = validation_message(err)
        status = 400 if message.startswith("malformed JSON") else 422
        return JSONResponse({"detail": message}, status_code=status)

    @app.post(
        "/v1/posts",
        response_model=PostOut,
        status_code=201,
        dependencies=[Depends(require_api_key)],
        responses={
            200: {"model": PostOut, "description": "registered already with the same data"},
            **_answers(400, 401, 403, 409, 413, 422, 503),
        },
    )
    async def register_post(body: PostIn) -> JSONResponse:
        """Register a post (platform backend only). Same data again answers 200."""
        post, new = await live[0].register_post(
            body.post_id, body.author, body.word_count, body.title, body.body
        )
        out = {
            "post_id": post.post_id,
            "author": post.author,
            "word_count": post.word_count,
            "title": post.title,
            "time_to_read_s": _seconds(time_to_read_ms(post.word_count, rules)),
        }
        return JSONResponse(out, status_code=201 if new else 200)

    # Handlers that read the store are plain ``def``: FastAPI runs them in its thread pool, so a
    # read waiting behind a commit never stalls the event loop (and the heartbeats with it).
    @app.get("/v1/posts/{post_id}", response_model=PostOut, responses=_answers(404, 422, 503))
    def get_post(post_id: PostId) -> dict:
        """A registered post and its Time to Read."""
        post = live[0].get_post(post_id)
        if post is None:
            raise UnknownPost(f"unknown post {post_id}")
        return {
            "post_id": post.post_id,
            "author": post.author,
            "word_count": post.word_count,
            "title": post.title,
            "time_to_read_s": _seconds(time_to_read_ms(post.word_count, rules)),
        }

    token_key = TokenKey(
        settings.session_secret.get_secret_value() if settings.session_secret else None,
        settings.api_key.get_secret_value() if settings.api_key else None,
    )

    def expected_domain(request: Request) -> str:
        return settings.siwe_domain or request.headers.get("host", "")

    @app.post("/v1/auth/nonce", response_model=NonceOut, responses=_answers(413, 503))
    def sign_in_nonce(request: Request) -> dict:
        """A fresh nonce for a Sign-In with Ethereum message (EIP-4361)."""
        nonce = new_nonce()
        live[0].store.issue_nonce(nonce, live[0].now_ms(), settings.nonce_ttl_s * 1000)
        return {
            "nonce": nonce,
            "domain": expected_domain(request),
            "expires_in_s": settings.nonce_ttl_s,
        }

    @app.post(
        "/v1/auth/verify", response_model=SignInOut, responses=_answers(400, 401, 413, 422, 503)
    )
    def sign_in(request: Request, body: SignInIn) -> dict:
        """Check a signed EIP-4361 message (domain, expiry, signature, a nonce this oracle issued
        and nobody used) and answer a token for its address."""
        now_ms = live[0].now_ms()
        parsed = verify_message(body.message, body.signature, expected_domain(request),
                                now_utc(now_ms), chain_id=settings.chain_id)  # fmt: skip
        if not live[0].store.use_nonce(parsed.nonce, now_ms, settings.nonce_ttl_s * 1000):
            raise SignInRefused(
                "the nonce was not issued by this oracle, has expired, or was used already"
                " (a replayed sign-in): ask POST /v1/auth/nonce for a new one"
            )
        until = expiry_ms(parsed, now_ms, settings.sign_in_ttl_s * 1000)
        return {
            "token": make_token(token_key, parsed.address, until),
            "reader": parsed.address,
            "expires_at_ms": until,
        }

    def signed_in_as(authorization: str | None, x_api_key: str | None, reader: str) -> None:
        """A session starts for a signed-in reader, or one the backend vouches for."""
        expected = settings.api_key.get_secret_value() if settings.api_key else ""
        if x_api_key is not None:
            if not expected or not hmac.compare_digest(x_api_key.encode(), expected.encode()):
                raise _HTTPError(403, "wrong API key")
            return
        check_reader(check_token(token_key, authorization, live[0].now_ms()), reader)

    @app.post(
        "/v1/sessions",
        response_model=SessionOut,
        status_code=201,
        responses=_answers(400, 401, 403, 404, 413, 422, 503),
    )
    async def start_session(
        body: SessionIn,
        authorization: Annotated[str | None, Header()] = None,
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        """Open a reading session; the answer carries the id every heartbeat must name.

        Needs ``Authorization: Bearer <token>`` of the reader's sign-in (``/v1/auth/verify``),
        or the platform backend's ``X-API-Key`` vouching for the reader.
        """
        signed_in_as(authorization, x_api_key, body.reader)
        session, post = await live[0].start_session(body.post_id, body.reader, body.client_time)
        return JSONResponse(
            {
                "session_id": session.session_id,
                "post_id": session.post_id,
                "reader": session.reader,
                "time_to_read_s": _seconds(session.time_to_read_ms),
                "heartbeat_interval_ms": settings.heartbeat_interval_ms,
                "own_post": post.author == session.reader,
            },
            status_code=201,
        )

    # The heartbeat is the hot path: served before FastAPI's middleware stack
    # (twei.oracle.fastpath), the body validated by pydantic straight from the bytes. FastAPI
    # documents it through `docs` below.
    async def heartbeat(params: dict[str, str], raw: bytes) -> tuple[int, dict]:
        session_id = params["session_id"]
        try:
            body = HeartbeatIn.model_validate_json(raw)
        except ValidationError as err:
            errors = [{**e, "loc": ("body", *e["loc"])} for e in err.errors()]
            raise RequestValidationError(errors) from None
        session = await live[0].heartbeat(
            session_id,
            HeartbeatInput(
                body.seq, body.visible, body.focused, body.scroll, body.idle_ms, body.client_time
            ),
        )
        return 200, {
            "session_id": session_id,
            "seq": session.last_seq,
            "credited_s": session.credited_ms / 1000,
            "max_scroll": session.max_scroll_pct,
            "qualified": session.qualified_at_ms is not None,
        }

    app.fast_post(
        "/v1/sessions/{session_id}/heartbeats", heartbeat, max_body=settings.max_heartbeat_bytes
    )
    docs = APIRouter()

    @docs.post(
        "/v1/sessions/{session_id}/heartbeats",
        response_model=HeartbeatOut,
        responses=_answers(400, 404, 409, 413, 422, 503),
    )
    async def heartbeat_docs(session_id: str, body: HeartbeatIn) -> None:
        """One heartbeat of the page tracker; answered only once it is committed to the store.

        ``seq`` must grow within a session; the server's receive time is what credits time.
        """

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=[*app.routes, *docs.routes],
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.post(
        "/v1/sessions/{session_id}/finish",
        response_model=FinishOut,
        responses=_answers(404, 409, 413, 422, 503),
    )
    async def finish(session_id: str) -> dict:
        """Close the session (the tracker sends this with ``sendBeacon`` when the reader leaves)."""
        session = await live[0].finish(session_id)
        return {
            "session_id": session_id,
            "finished": True,
            "credited_s": session.credited_ms / 1000,
        }

    def read_status(oracle: Oracle, post_id: int, reader: str) -> dict:
        settled = settled_read_wei(settings.settlements_dir, settings.chain_id, reader, post_id)
        status = oracle.read_status(post_id, reader, settled)
        return {
            "post_id": post_id,
            "reader": reader,
            "time_to_read_s": _seconds(status.time_to_read_ms),
            "credited_s": _seconds(status.credited_ms),
            "max_scroll": status.max_scroll_pct,
            "qualified": status.qualified,
            "rewarded": status.rewarded,
            "own_post": status.own_post,
            "sessions": status.sessions,
            "earned_settled_wei": str(status.settled_wei),
            "earned_pending_wei": str(status.pending_wei),
            "earned_settled_twei": format_twei(status.settled_wei, 6),
            "earned_pending_twei": format_twei(status.pending_wei, 6),
        }

    @app.get("/v1/reads", response_model=ReadOut, responses=_answers(404, 422, 503))
    def get_read(
        post_id: Annotated[PostId, Query()],
        reader: Annotated[str, Query(pattern=_ADDRESS.pattern)],
    ) -> dict:
        """Time to Read, credited time, qualified or not, and Twei earned (settled, pending)."""
        return read_status(live[0], post_id, to_checksum_address(reader))

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        """Liveness: the process serves requests (a process manager restarts it otherwise)."""
        return {"ok": True}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        """Readiness, for the load balancer: 200 when the store answers, else 503."""
        try:
            live[0].store.ping()
        except OracleUnavailable as err:
            return JSONResponse(
                {"ok": False, "detail": str(err)},
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
        return JSONResponse({"ok": True})

    return app


class _HTTPError(Exception):
    """A refusal of the HTTP layer itself (API key), answered as ``{"detail": …}``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
