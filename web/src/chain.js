// Puts the wallet on the page's chain: wallet_switchEthereumChain, and when the wallet does not
// know the chain (4902), wallet_addEthereumChain with the page's public RPC URL.
import { toHex } from "viem";
import { state, changed } from "./state.js";
import { hasCode } from "./errors.js";

export class ChainError extends Error {}

/** Resolves once the connected wallet is on `cfg.chainId` (asking it to switch if needed). */
export async function ensureChain(cfg) {
  const provider = state.wallet.provider;
  const current = Number(await provider.request({ method: "eth_chainId" }));
  if (current === cfg.chainId) {
    if (state.chainId !== current) {
      state.chainId = current;
      changed("chain");
    }
    return;
  }
  const chainId = toHex(cfg.chainId);
  try {
    await provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
  } catch (e) {
    if (!hasCode(e, 4902)) throw e;
    if (!cfg.rpcUrl) {
      throw new ChainError(`Your wallet does not know ${cfg.chainName} (chain ${cfg.chainId}); add that network in your wallet, then try again.`);
    }
    await provider.request({
      method: "wallet_addEthereumChain",
      params: [{
        chainId,
        chainName: cfg.chainName,
        rpcUrls: [cfg.rpcUrl],
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      }],
    });
    // Some wallets switch to the chain they add, others only add it (EIP-3085 leaves it open).
    if (Number(await provider.request({ method: "eth_chainId" })) !== cfg.chainId) {
      await provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
    }
  }
  const now = Number(await provider.request({ method: "eth_chainId" }));
  state.chainId = now;
  changed("chain");
  if (now !== cfg.chainId) {
    throw new ChainError(`Your wallet is still on another network; switch it to ${cfg.chainName}, then try again.`);
  }
}
