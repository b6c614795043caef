"""The one JSON object a job prints on stdout with ``--json`` (and nothing else on stdout).

Every job's object has the same envelope, whatever happened::

    {"job": "settle", "status": "done", "exit_code": 0, "message": "epoch 20429: done ...", ...}

``status`` is the word of the exit code (twei.exitcodes.STATUS: done, not_yet, needs_human,
usage, transient) and ``exit_code`` the process's own; ``message`` is the line the job prints
without ``--json``. The job's own fields follow (README, "Operating Twei"): amounts are
decimal strings of wei (JSON numbers lose precision above 2**53), times Unix seconds.
"""

from __future__ import annotations

import json
from typing import Any

import click

from twei.exitcodes import STATUS, ExitCode

__all__ = ["envelope", "emit"]


def envelope(job: str, code: ExitCode, message: str, **fields: Any) -> dict[str, Any]:
    return {"job": job, "status": STATUS[ExitCode(code)], "exit_code": int(code), "message": message, **fields}


def emit(job: str, code: ExitCode, message: str, **fields: Any) -> None:
    """Print the job's object on stdout (one line)."""
    click.echo(json.dumps(envelope(job, code, message, **fields), default=str))
