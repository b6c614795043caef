"""The click command class of every `ape run` job: one line, never a traceback, and an exit code
from twei.exitcodes, whatever fails, including what fails before the script's own code runs.

Ape connects the provider (``ConnectedProviderCommand.invoke``) before the script's function is
called, so a wrong RPC URL or an RPC on another chain raised there, out of reach of the script's
own ``try``; and when the ``.venv`` lives inside the clone (as the README sets it up), Ape's error
handler prints every frame under the project's folder, site-packages included: a 40-line
traceback on stdout. :class:`JobCommand` catches everything around Ape's own ``invoke`` instead.

A script ends with :func:`finish` (its outcome line, or with ``--json`` its JSON object); raising
:class:`~twei.errors.StepNotDue` anywhere ends the job with ``Not yet: …`` and exit code 10.
Set ``TWEI_DEBUG=1`` to get the traceback on stderr as well.
"""

from __future__ import annotations

import os
import traceback
from typing import Any

import click
from ape.cli import ConnectedProviderCommand

from twei.errors import JobBusy, StepNotDue, TweiError
from twei.exitcodes import ExitCode
from twei.jsonout import emit

__all__ = ["JobCommand", "finish", "classify", "wants_json"]

_JSON_KEY = "twei.json"


def wants_json() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.find_root().meta.get(_JSON_KEY))


def finish(message: str, code: ExitCode = ExitCode.DONE, summary: str | None = None, **fields: Any) -> None:
    """The job's result: its line on stdout (or its JSON object with ``--json``, whose
    ``message`` is ``summary`` if given), then its exit code (a non-zero code ends the process)."""
    ctx = click.get_current_context()
    if wants_json():
        emit(ctx.command.name or "job", code, summary or message, **fields)
    else:
        click.echo(message)
    if code != ExitCode.DONE:
        raise SystemExit(int(code))


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text[:400] or type(err).__name__


def _causes(err: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    while err is not None and err not in seen:
        seen.append(err)
        err = err.__cause__ or err.__context__  # type: ignore[assignment]
    return seen


def classify(err: BaseException) -> tuple[ExitCode, str]:
    """(exit code, one line) for any error a job meets."""
    from ape.exceptions import ContractLogicError, NetworkMismatchError, ProviderNotConnectedError

    chain = _causes(err)
    for cause in chain:
        if isinstance(cause, StepNotDue):
            return ExitCode.NOT_YET, _one_line(cause)
        if isinstance(cause, JobBusy):
            return ExitCode.TRANSIENT, _one_line(cause)
        if isinstance(cause, NetworkMismatchError):
            return ExitCode.NEEDS_HUMAN, f"the RPC is on another chain than the network named: {_one_line(cause)}"
        if isinstance(cause, TweiError):
            return ExitCode.NEEDS_HUMAN, _one_line(cause)
        if isinstance(cause, ContractLogicError):
            return ExitCode.NEEDS_HUMAN, f"the chain refused it: {_one_line(cause)}"
    for cause in chain:
        if isinstance(cause, (ProviderNotConnectedError, ConnectionError, TimeoutError)) or _is_transport_error(cause):
            return ExitCode.TRANSIENT, f"the RPC cannot be reached ({type(cause).__name__}: {_one_line(cause)}); the next run retries"
    if isinstance(err, click.ClickException):
        return ExitCode(err.exit_code) if err.exit_code in set(ExitCode) else ExitCode.NEEDS_HUMAN, err.format_message()
    text = _one_line(err)
    lowered = text.lower()
    if "chain id" in lowered or "chain_id" in lowered:
        return ExitCode.NEEDS_HUMAN, f"the RPC is on another chain: {text}"
    if any(word in lowered for word in ("no (supported) node found", "connection refused", "failed to connect", "timed out", "max retries", "not connected")):
        return ExitCode.TRANSIENT, f"the RPC cannot be reached: {text}; the next run retries"
    return ExitCode.NEEDS_HUMAN, f"{type(err).__name__}: {text}"


def _is_transport_error(err: BaseException) -> bool:
    """requests', urllib3's, aiohttp's and web3's connection and timeout errors, by module and name
    (none of them is imported just to be recognised)."""
    module = type(err).__module__.split(".")[0]
    name = type(err).__name__
    return module in {"requests", "urllib3", "aiohttp", "web3", "http"} and any(
        word in name for word in ("Connection", "Timeout", "Transport", "ProtocolError", "RemoteDisconnected")
    )


def _live_network(choice: Any) -> bool:
    """Whether the command names a network other than a local chain (where .env.example's
    placeholders are refused; a demo on a local chain may keep them)."""
    text = str(choice or "")
    local = ("", "ethereum:local", "http://127.0.0.1", "http://localhost")
    return not any(text.startswith(prefix) for prefix in local[1:]) and text != "" and ":local:" not in text


class JobCommand(ConnectedProviderCommand):
    """ConnectedProviderCommand whose every failure is one line and a meaningful exit code."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Ape's --network option keeps its value out of ctx.params: note the choice as given.
        choice = next((args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--network"), None)
        ctx.meta["twei.network"] = choice or next((a.split("=", 1)[1] for a in args if a.startswith("--network=")), None)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        as_json = bool(ctx.params.get("as_json"))
        ctx.find_root().meta[_JSON_KEY] = as_json
        try:
            if _live_network(ctx.meta.get("twei.network")):
                from twei.secrets import refuse_placeholders

                refuse_placeholders()
            return super().invoke(ctx)
        except (SystemExit, KeyboardInterrupt, click.exceptions.Exit, click.UsageError):
            raise
        except Exception as err:  # noqa: BLE001 - every failure becomes one line and a code
            if os.environ.get("TWEI_DEBUG"):
                traceback.print_exc()
            code, line = classify(err)
            name = self.name or "job"
            if code == ExitCode.NOT_YET:
                if as_json:
                    emit(name, code, f"Not yet: {line}")
                else:
                    click.echo(f"Not yet: {line}")
            else:
                if as_json:
                    emit(name, code, line, error=line)
                click.echo(f"Error: {line}", err=True)
            raise SystemExit(int(code)) from None
