// Wallet discovery (EIP-6963, window.ethereum as fallback) and connection, rendered into
// #wallet-connect: a <ul> of one button per wallet, then, once connected, the address, the
// sign-in state and a chain-switch button when the wallet is on another chain.
import { getAddress } from "viem";
import { state, changed } from "./state.js";
import { say, refuse } from "./status.js";
import { describeError } from "./errors.js";

const KEPT = "twei-wallet"; // sessionStorage: the rdns/name of the wallet chosen in this tab
const found = new Map(); // uuid -> { info, provider }
let fallback = null; // window.ethereum as "Browser wallet", while no EIP-6963 wallet announced
let root = null;
let cfg = null;
let hooks = { signIn: null, switchChain: null, connected: null };

function wallets() {
  const list = [...found.values()];
  if (fallback && (!list.length || state.wallet === fallback)) list.push(fallback);
  return list;
}

function short(address) {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "onclick") node.addEventListener("click", v);
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

/** Re-renders #wallet-connect from the current state (keeps focus on the button with the same id). */
export function render() {
  if (!root) return;
  const focused = root.contains(document.activeElement) ? document.activeElement.id : null;
  const parts = [];
  if (state.account) {
    parts.push(
      el("p", { class: "wallet-account" }, "Connected: ",
        el("code", { title: state.account }, short(state.account)),
        state.wallet ? ` (${state.wallet.info.name})` : ""),
    );
    if (state.chainId !== cfg.chainId) {
      parts.push(
        el("p", { class: "wallet-chain" },
          `Your wallet is on another network; Twei runs on ${cfg.chainName}. `,
          el("button", { type: "button", id: "wallet-switch-chain", onclick: () => hooks.switchChain() },
            `Switch to ${cfg.chainName}`)),
      );
    }
    if (cfg.postId !== null) {
      parts.push(
        state.signedIn
          ? el("p", { class: "wallet-signin" }, "Signed in: your reading earns Twei.")
          : el("p", { class: "wallet-signin" }, "Not signed in: reading earns nothing yet. ",
            el("button", { type: "button", id: "wallet-sign-in", onclick: () => hooks.signIn() }, "Sign in")),
      );
    }
  }
  const list = wallets();
  if (list.length) {
    const label = state.account ? "Wallets in this browser:" : "Connect a wallet:";
    parts.push(el("p", { id: "wallet-list-label" }, label));
    const ul = el("ul", { class: "wallet-list", "aria-labelledby": "wallet-list-label" });
    for (const w of list) {
      const current = state.wallet === w && state.account;
      const button = el("button", { type: "button", id: `wallet-${w.info.uuid}` });
      if (typeof w.info.icon === "string" && w.info.icon.startsWith("data:image/")) {
        button.append(el("img", { src: w.info.icon, alt: "", width: "24", height: "24" }), " ");
      }
      button.append(current ? `${w.info.name} (connected)` : w.info.name);
      if (current) button.setAttribute("aria-current", "true");
      button.addEventListener("click", () => connect(w));
      ul.append(el("li", {}, button));
    }
    parts.push(ul);
  } else {
    parts.push(
      el("p", {}, "No wallet found in this browser. Install an Ethereum wallet extension, then reload the page."),
    );
  }
  root.replaceChildren(...parts);
  if (focused) document.getElementById(focused)?.focus();
}

function announce(info, provider) {
  if (!info || !provider || typeof provider.request !== "function") return;
  const uuid = String(info.uuid || info.rdns || info.name);
  if (found.has(uuid)) return;
  found.set(uuid, { info: { ...info, uuid, name: String(info.name || "Wallet") }, provider });
  render();
  resume();
}

async function accountFrom(accounts) {
  return accounts && accounts.length ? getAddress(accounts[0]) : null;
}

function watch(wallet) {
  const p = wallet.provider;
  if (p.__tweiWatched || typeof p.on !== "function") return;
  p.__tweiWatched = true;
  p.on("accountsChanged", async (accounts) => {
    if (state.wallet !== wallet) return;
    const account = await accountFrom(accounts);
    if (account === state.account) return;
    state.account = account;
    state.signedIn = false;
    if (!account) {
      state.wallet = null;
      sessionStorage.removeItem(KEPT);
      say("Your wallet disconnected this site.");
    } else {
      say(`Your wallet switched to account ${short(account)}.`);
    }
    changed("account");
  });
  p.on("chainChanged", (chainId) => {
    if (state.wallet !== wallet) return;
    state.chainId = Number(chainId);
    changed("chain");
  });
}

async function adopt(wallet, accounts) {
  const account = await accountFrom(accounts);
  if (!account) return false;
  watch(wallet);
  state.wallet = wallet;
  state.account = account;
  state.signedIn = false;
  state.chainId = Number(await wallet.provider.request({ method: "eth_chainId" }));
  try {
    sessionStorage.setItem(KEPT, wallet.info.rdns || wallet.info.name);
  } catch {
    /* not kept */
  }
  changed("account");
  return true;
}

/** Asks `wallet` for its accounts (eth_requestAccounts). */
export async function connect(wallet) {
  if (state.busy) {
    refuse("Your wallet is still busy with an earlier request; answer it first.");
    return;
  }
  state.busy = true;
  let ok = false;
  say(`Connecting to ${wallet.info.name}… confirm in your wallet.`);
  try {
    const accounts = await wallet.provider.request({ method: "eth_requestAccounts" });
    ok = await adopt(wallet, accounts);
    if (ok) say(`Connected ${short(state.account)} with ${wallet.info.name}.`);
    else refuse(`${wallet.info.name} shared no account.`);
  } catch (e) {
    refuse(describeError(e));
  } finally {
    state.busy = false;
  }
  if (ok && hooks.connected) hooks.connected();
}

// After a reload, the wallet this tab chose reconnects without a prompt (eth_accounts).
let resumed = false;
async function resume() {
  if (resumed || state.account) return;
  let kept = null;
  try {
    kept = sessionStorage.getItem(KEPT);
  } catch {
    return;
  }
  if (!kept) return;
  const wallet = wallets().find((w) => (w.info.rdns || w.info.name) === kept);
  if (!wallet) return;
  resumed = true;
  try {
    await adopt(wallet, await wallet.provider.request({ method: "eth_accounts" }));
  } catch {
    /* stays disconnected */
  }
}

/** Starts discovery; `signIn` and `switchChain` are the connected state's buttons, `connected`
 *  runs after the user connected a wallet (not after a silent reconnect). */
export function initWallets(config, handlers) {
  cfg = config;
  hooks = handlers;
  root = document.getElementById("wallet-connect");
  window.addEventListener("eip6963:announceProvider", (event) => {
    const detail = event.detail || {};
    announce(detail.info, detail.provider);
  });
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  if (window.ethereum && typeof window.ethereum.request === "function") {
    fallback = { info: { uuid: "injected", name: "Browser wallet", icon: "", rdns: "" }, provider: window.ethereum };
  }
  render();
  resume();
}
