// The page's settings, read once from <body data-…> (see site-contract.md).
import { defineChain, getAddress } from "viem";

function address(value) {
  return value ? getAddress(value) : null;
}

export function readConfig(body = document.body) {
  const d = body.dataset;
  const chainId = Number(d.chainId || "0");
  const rpcUrl = d.rpcUrl || "";
  return {
    chainId,
    chainName: d.chainName || `chain ${chainId}`,
    rpcUrl,
    chain: defineChain({
      id: chainId,
      name: d.chainName || `chain ${chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: rpcUrl ? [rpcUrl] : [] } },
    }),
    token: address(d.token),
    engagement: address(d.engagement),
    distributor: address(d.distributor),
    postId: d.postId ? BigInt(d.postId) : null,
    account: d.account ? address(d.account) : null,
    interval: d.interval || "15000",
  };
}
