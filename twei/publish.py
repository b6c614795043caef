"""Publishing a post from a text or Markdown file (SPEC §6, `ape run publish`): the tribute paid
on-chain with a permit, then the text registered with the oracle's ``POST /v1/posts`` (the
platform's API key), so the post page serves it and readers earn for reading it.

Everything that can be checked is checked before the transaction: the file, the API key, the
oracle answering, the author's TWEI, and the transaction itself (``eth_call``). If the oracle
refuses after the post is on-chain, ``--post ID`` registers that post without paying again.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twei.errors import ConfigError

__all__ = ["PostFile", "read_post", "OracleClient"]


@dataclass(frozen=True)
class PostFile:
    title: str
    body: str

    @property
    def word_count(self) -> int:
        return len(self.body.split())


def read_post(path: Path, title: str | None = None) -> PostFile:
    """The post's text; its title is ``title``, else a first ``# heading`` line, else the file name."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read {path}: {err}") from err
    if not text.split():
        raise ConfigError(f"{path} is empty: nothing to publish")
    first = text.lstrip().splitlines()[0]
    if title is None:
        title = first.lstrip("#").strip() if first.startswith("#") else Path(path).stem
    return PostFile(title=title[:300], body=text)


class OracleClient:
    """The oracle's HTTP API as the platform backend uses it."""

    def __init__(self, base_url: str, api_key: str | None, timeout: float = 15.0) -> None:
        self.base = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def _request(self, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.api_key:
            request.add_header("X-API-Key", self.api_key)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else {}
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                detail = json.loads(raw).get("detail", raw.decode(errors="replace"))
            except ValueError:
                detail = raw.decode(errors="replace")
            return err.code, {"detail": detail}
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise ConfigError(f"the oracle at {self.base} does not answer ({reason}): start it (`ape run oracle`) or set TWEI_ORACLE_URL") from err

    def check(self) -> None:
        """One line unless the oracle answers and the API key is set."""
        if not self.api_key:
            raise ConfigError("TWEI_ORACLE_API_KEY is not set (in .env): the oracle registers posts only with the platform's key")
        status, _ = self._request("GET", "/healthz")
        if status != 200:
            raise ConfigError(f"the oracle at {self.base} is not healthy (GET /healthz: HTTP {status})")

    def register_post(self, post_id: int, author: str, post: PostFile) -> dict:
        status, body = self._request(
            "POST", "/v1/posts",
            {"post_id": post_id, "author": author, "word_count": post.word_count, "title": post.title, "body": post.body},
        )
        if status not in (200, 201):
            raise ConfigError(f"the oracle refused post {post_id} (HTTP {status}: {body.get('detail')})")
        return body
