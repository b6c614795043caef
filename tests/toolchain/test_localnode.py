"""The Ganache wrapper of `make test` starts a node, hands its URL on and always stops it."""

import json
import sys
import urllib.request

import pytest

from twei.toolchain.localnode import LOCAL_CHAIN_ID, ganache, run_with_node


def _chain_id(uri):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    request = urllib.request.Request(uri, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return int(json.load(response)["result"], 16)


def test_ganache__answers_with_chain_id_1337_and_is_stopped_after_an_error():
    with pytest.raises(RuntimeError, match="boom"):
        with ganache() as uri:
            assert _chain_id(uri) == LOCAL_CHAIN_ID
            raise RuntimeError("boom")
    with pytest.raises(OSError):
        _chain_id(uri)


def test_run_with_node__passes_the_uri_and_returns_the_exit_code():
    code = "import os, sys; sys.exit(7 if os.environ['TWEI_NODE_URI'].startswith('http://127.0.0.1:') else 1)"
    assert run_with_node("ganache", [sys.executable, "-c", code]) == 7
