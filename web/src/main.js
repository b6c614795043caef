// The Twei page's script: wallet, sign-in, transactions and live sections (site-contract.md).
import { readConfig } from "./config.js";
import { initStatus, say, refuse } from "./status.js";
import { state, events } from "./state.js";
import { initWallets, render } from "./wallets.js";
import { ensureChain } from "./chain.js";
import { keptToken, signIn, startTracker, trackerReader } from "./signin.js";
import { initLive, accountChanged } from "./live.js";
import { initActions, exclusive } from "./actions.js";
import { initPublish } from "./publish.js";
import { initName } from "./name.js";
import { describeError } from "./errors.js";

function start() {
  const cfg = readConfig(document.body);
  initStatus(document);

  const doSignIn = () =>
    exclusive(async () => {
      say("Sign the sign-in message in your wallet (it costs nothing and sends no transaction)…");
      await signIn(cfg);
      say("Signed in: your reading on this page now earns Twei.");
    });

  const doSwitch = () =>
    exclusive(async () => {
      say(`Asking your wallet to switch to ${cfg.chainName}…`);
      await ensureChain(cfg);
      say(`Your wallet is on ${cfg.chainName}.`);
    });

  let lastAccount = null;
  events.addEventListener("change", (event) => {
    if (state.account !== lastAccount) {
      lastAccount = state.account;
      accountChanged();
      if (state.account && cfg.postId !== null) {
        const reader = trackerReader();
        if (reader && reader !== state.account) {
          refuse(`Reading on this page is credited to ${reader}; reload the page to read as ${state.account}.`);
        } else if (keptToken(state.account)) {
          // Signed in earlier in this tab: the tracker takes the kept token, no wallet prompt.
          state.signedIn = true;
          startTracker(cfg, state.account);
        }
      }
    }
    render();
  });

  // Right after the user connects, the sign-in follows (one signature, no transaction) unless a
  // kept token already signed this account in; after a silent reconnect the "Sign in" button waits.
  const connected = () => {
    if (cfg.postId !== null && !state.signedIn && !trackerReader()) doSignIn();
  };

  initWallets(cfg, { signIn: doSignIn, switchChain: doSwitch, connected });
  initActions(cfg);
  initPublish(cfg);
  initName(cfg, exclusive);
  initLive(cfg.postId, () => state.account || cfg.account);
}

function boot() {
  try {
    start();
  } catch (e) {
    initStatus(document);
    refuse(`The page's script could not start: ${describeError(e)}`);
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
