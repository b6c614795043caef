"""The reading-time oracle (SPEC §4): rules, durable store, HTTP service, page tracker.

``python -m twei.oracle`` (or ``ape run oracle``) serves it; settings come from ``.env``
(``TWEI_ORACLE_*``, :mod:`twei.oracle.settings`); endpoints in :mod:`twei.oracle.app`, OpenAPI
docs at ``/docs``.

Modules: :mod:`~twei.oracle.rules` (the rules as pure functions), :mod:`~twei.oracle.service`
(one writer thread applying them with group commit), :mod:`~twei.oracle.store` (the storage
interface, SQLite and PostgreSQL), :mod:`~twei.oracle.settled` (the Read Rewards the settlement
paid, for ``GET /v1/reads``), ``static/tracker.js`` (the tracker a post page embeds; the page
itself is the site's, :mod:`twei.site`).

Design choices where SPEC is silent:

* Time source: the server's receive time credits reading time; the client's clock is only
  checked (not ahead beyond 5 s after the offset measured at session start, never backwards).
* A reading session is one page view. Each session is credited on its own (capped at 1.5 ×
  Time to Read), but a reader has one focus: an instant credited to one of their sessions is
  credited to no other (a per-reader watermark in the store); the first session of a reader on a post to qualify is the rewarded read, for
  ever; later ones are recorded but earn nothing; the author's never earns.
* Before any input the reader counts as inactive (``idle_ms`` null): a page nobody touched
  earns nothing, even in its first minute.
* A read is paid on the UTC day it qualified. Credit after qualification keeps accruing (up to
  the cap, i.e. minutes later at most); the settlement pays what the store holds when it runs,
  so it should run after the day ends (``settle`` defaults to the last finished day).
* ``seq`` must grow within a session; gaps are allowed (a lost request must not lock a reader
  out), a repeat or a lower ``seq`` is a replay (409).
* A reader is a wallet: sessions start after Sign-In with Ethereum (EIP-4361, the ``siwe``
  library) or with the platform backend's API key vouching for the reader.
* Session state lives in the store: with PostgreSQL (``TWEI_ORACLE_DATABASE_URL``) several
  processes may serve the same sessions; SQLite serves one machine: one process, or
  several (``TWEI_ORACLE_WORKERS``) taking turns at the file for writes.
"""

from twei.oracle.rules import DEFAULT_RULES, Rules
from twei.oracle.service import Oracle
from twei.oracle.settings import OracleSettings

__all__ = ["DEFAULT_RULES", "Rules", "Oracle", "OracleSettings", "serve"]


def serve(settings: OracleSettings | None = None) -> None:
    """Run the service with uvicorn (httptools parser): in this process, or with
    ``settings.workers`` processes on one port, each building the app from the environment."""
    import os

    import uvicorn

    from twei.oracle.app import create_app

    from twei.oracle.signin import require_domain
    from twei.secrets import refuse_placeholders

    settings = settings or OracleSettings()
    require_domain(settings.host, settings.siwe_domain)
    secrets = {"api_key": settings.api_key, "session_secret": settings.session_secret, "database_url": settings.database_url}
    refuse_placeholders(  # .env.example's placeholders never serve: one line, exit code 1
        [f"TWEI_ORACLE_{name.upper()}" for name in secrets],
        {f"TWEI_ORACLE_{name.upper()}": value.get_secret_value() for name, value in secrets.items() if value is not None},
    )
    options = dict(
        host=settings.host,
        port=settings.port,
        loop=settings.loop,
        http="httptools",
        access_log=False,
        proxy_headers=False,  # the oracle uses no client address; saves a middleware per request
    )
    if settings.workers == 1:
        uvicorn.run(create_app(settings), workers=1, **options)
        return
    # Worker processes read their settings from the environment (and .env): hand them the
    # store given on the command line, which only this process knows.
    os.environ["TWEI_ORACLE_DB"] = str(settings.db)
    uvicorn.run("twei.oracle.app:create_app", factory=True, workers=settings.workers, **options)
