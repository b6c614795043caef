// Sign-In with Ethereum for the reading oracle (EIP-4361, the message exactly as the tracker
// builds it), then the reading tracker, which finds the token in sessionStorage and starts.
import { stringToHex } from "viem";
import { state, changed } from "./state.js";
import { postJson } from "./api.js";
import { Refusal } from "./errors.js";

const tokenKey = (address) => `twei-token::${address.toLowerCase()}`;
let trackerFor = null; // the reader the injected tracker credits

export function siweMessage({ domain, address, chainId, nonce, now = new Date() }) {
  return `${domain} wants you to sign in with your Ethereum account:\n` +
    `${address}\n\nSign in to earn Twei for reading.\n\n` +
    `URI: ${location.origin}/\nVersion: 1\nChain ID: ${chainId}` +
    `\nNonce: ${nonce}\nIssued At: ${now.toISOString()}` +
    `\nExpiration Time: ${new Date(now.getTime() + 86400000).toISOString()}`;
}

/** The kept token of `address` while it holds for more than a minute (as the tracker checks). */
export function keptToken(address) {
  try {
    const kept = JSON.parse(sessionStorage.getItem(tokenKey(address)) || "null");
    if (kept && kept.token && kept.expires_at_ms > Date.now() + 60000) return kept;
  } catch {
    /* nothing kept */
  }
  return null;
}

/** Signs the connected account in (one personal_sign), keeps the token, starts the tracker. */
export async function signIn(cfg) {
  const address = state.account;
  if (trackerFor && trackerFor !== address) {
    throw new Refusal(`Reading on this page is credited to ${trackerFor}; reload the page to read as ${address}.`);
  }
  if (!keptToken(address)) {
    const n = await postJson("/v1/auth/nonce");
    const message = siweMessage({
      domain: n.domain || location.host, address, chainId: cfg.chainId, nonce: n.nonce,
    });
    const signature = await state.wallet.provider.request({
      method: "personal_sign", params: [stringToHex(message), address],
    });
    const out = await postJson("/v1/auth/verify", { message, signature });
    try {
      sessionStorage.setItem(tokenKey(address), JSON.stringify({ token: out.token, expires_at_ms: out.expires_at_ms }));
    } catch {
      /* the tracker will ask the wallet itself */
    }
  }
  state.signedIn = true;
  changed("signin");
  startTracker(cfg, address);
}

/** Adds the tracker script once; false if one already runs for another reader. */
export function startTracker(cfg, address) {
  if (trackerFor) return trackerFor === address;
  trackerFor = address;
  const script = document.createElement("script");
  script.src = "/static/tracker.js";
  script.defer = true;
  script.dataset.post = String(cfg.postId);
  script.dataset.reader = address;
  script.dataset.chain = String(cfg.chainId);
  script.dataset.article = "#article";
  script.dataset.interval = cfg.interval;
  document.body.append(script);
  return true;
}

export function trackerReader() {
  return trackerFor;
}
