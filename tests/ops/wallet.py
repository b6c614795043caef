"""A browser wallet for the post page's end-to-end test: an EIP-1193 provider injected into the
page, announced through EIP-6963, whose every signing and sending request goes to Anvil (whose
dev accounts are unlocked), so what the page gets signed is signed for real by the chain's own
key of that account.

The page reaches the node only through the wallet, as with a real extension: the provider's
``request`` calls a function Playwright exposes (``__tweiWalletRpc``), and Python forwards the
call to Anvil's JSON-RPC. Every call is recorded, so a test can count the signatures and the
transactions an action asked for.

The wallet starts on another chain (Ethereum mainnet, id 1) so that the page has to ask for the
switch; a second wallet ("Other Wallet") is announced beside it and refuses every request with
EIP-1193's 4001, as a user who closes the popup.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass, field
from typing import Any

SHIM = """
(() => {
  const account = %(account)s;
  const realChain = %(chain)s;
  let chainId = "0x1";
  const listeners = {};
  const emit = (event, value) => (listeners[event] || []).forEach((f) => f(value));
  const failure = (message, code, data) => Object.assign(new Error(message), { code, data });
  const provider = {
    async request({ method, params }) {
      params = params || [];
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [account];
        case "eth_chainId":
          return chainId;
        case "net_version":
          return String(parseInt(chainId, 16));
        case "wallet_switchEthereumChain":
          if (params[0].chainId.toLowerCase() !== realChain) throw failure("Unrecognized chain ID", 4902);
          chainId = realChain;
          await window.__tweiWalletRpc(JSON.stringify({ method: "wallet_switchEthereumChain", params }));
          emit("chainChanged", chainId);
          return null;
        case "wallet_addEthereumChain":
          return null;
        case "wallet_watchAsset":
          return true;
      }
      if (window.__tweiWalletRejects && window.__tweiWalletRejects.includes(method))
        throw failure("User rejected the request.", 4001);
      if (chainId !== realChain && /^eth_(sendTransaction|signTypedData)/.test(method))
        throw failure("The wallet is on another chain", 4901);
      const out = JSON.parse(await window.__tweiWalletRpc(JSON.stringify({ method, params })));
      if (out.error) throw failure(out.error.message, out.error.code, out.error.data);
      return out.result;
    },
    on(event, f) { (listeners[event] = listeners[event] || []).push(f); return provider; },
    removeListener(event, f) { listeners[event] = (listeners[event] || []).filter((g) => g !== f); return provider; },
  };
  const other = {
    async request() { throw failure("User rejected the request.", 4001); },
    on() { return other; },
    removeListener() { return other; },
  };
  const icon = "data:image/svg+xml,%%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'%%3E%%3Crect width='1' height='1' fill='%%23f6851b'/%%3E%%3C/svg%%3E";
  const wallets = [
    [{ uuid: "6f0d8a4e-1b1c-4c55-9d1e-8a1f1d0e0001", name: "Test Wallet", icon, rdns: "org.twei.testwallet" }, provider],
    [{ uuid: "6f0d8a4e-1b1c-4c55-9d1e-8a1f1d0e0002", name: "Other Wallet", icon, rdns: "org.twei.otherwallet" }, other],
  ];
  const announce = () => wallets.forEach(([info, p]) =>
    window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider: p }) })));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();
"""


@dataclass
class Wallet:
    """One account's wallet in one browser context."""

    account: str
    rpc_url: str
    chain_id: int
    calls: list[tuple[str, list[Any]]] = field(default_factory=list)
    #: The hash of every transaction sent, in order.
    results: list[str] = field(default_factory=list)

    def install(self, context: Any) -> None:
        context.expose_function("__tweiWalletRpc", self._forward)
        context.add_init_script(SHIM % {"account": json.dumps(self.account), "chain": json.dumps(hex(self.chain_id))})

    def _forward(self, payload: str) -> str:
        call = json.loads(payload)
        self.calls.append((call["method"], call["params"]))
        if call["method"] == "wallet_switchEthereumChain":
            return json.dumps({"result": None})
        body = json.dumps({"jsonrpc": "2.0", "id": len(self.calls), **call}).encode()
        request = urllib.request.Request(self.rpc_url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = response.read().decode()
        if call["method"] == "eth_sendTransaction":
            self.results.append(json.loads(answer).get("result"))
        return answer

    def count(self, method: str) -> int:
        return sum(1 for m, _ in self.calls if m == method)

    def mark(self) -> dict[str, int]:
        """How many signatures and transactions so far (compare after an action)."""
        return {m: self.count(m) for m in ("eth_sendTransaction", "eth_signTypedData_v4", "personal_sign")}
