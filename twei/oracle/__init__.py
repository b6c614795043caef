"""The reading-time oracle (SPEC §4): rules, durable store, HTTP service, page tracker.

``python -m twei.oracle`` (or ``ape run oracle``) serves it; see :mod:`twei.oracle.app`.
"""

from twei.oracle.rules import DEFAULT_RULES, Rules
from twei.oracle.service import Oracle
from twei.oracle.settings import OracleSettings

__all__ = ["DEFAULT_RULES", "Rules", "Oracle", "OracleSettings", "serve"]


def serve(settings: OracleSettings | None = None) -> None:
    """Run the service with uvicorn (httptools parser) in this process, one worker."""
    import uvicorn

    from twei.oracle.app import create_app

    settings = settings or OracleSettings()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        loop=settings.loop,
        http="httptools",
        access_log=False,
        proxy_headers=False,  # the oracle uses no client address; saves a middleware per request
        workers=1,
    )
