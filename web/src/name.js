// The display name an account shows under its comments: the account signs
// "Twei display name: <name>\nSite: <host>\nChain ID: <id>\nAt: <ms>" (personal_sign, no
// transaction: a signature for another Twei site or chain does not verify here) and the site keeps the latest
// name it verified (POST /site/api/names). The form is outside the live sections, so what the
// user types survives the refreshes.
import { stringToHex } from "viem";
import { state } from "./state.js";
import { say, refuse } from "./status.js";
import { postJson } from "./api.js";
import { Refusal } from "./errors.js";
import { refresh } from "./live.js";

/** The message the account signs (twei.site.texts.name_message). */
export function nameMessage(name, signedMs, chainId) {
  return `Twei display name: ${name}\nSite: ${location.host}\nChain ID: ${chainId}\nAt: ${signedMs}`;
}

/** Shows the name form (the account section's "Choose a display name" button). */
export function openNameForm() {
  const form = document.getElementById("name-form");
  if (!form) return;
  form.hidden = false;
  form.querySelector("input").focus();
}

/** Wires the form; `exclusive` runs one wallet request at a time and reports failures. */
export function initName(cfg, exclusive) {
  const form = document.getElementById("name-form");
  if (!form) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = form.querySelector("input").value.trim().replace(/\s+/g, " ");
    if (!name) {
      refuse("Write a name first.");
      return;
    }
    exclusive(async () => {
      if (!state.account || !state.wallet) throw new Refusal("Connect a wallet first.");
      say("Sign your display name in your wallet (it costs nothing and sends no transaction)…");
      const signedMs = Date.now();
      const signature = await state.wallet.provider.request({
        method: "personal_sign", params: [stringToHex(nameMessage(name, signedMs, cfg.chainId)), state.account],
      });
      await postJson("/site/api/names", { name, account: state.account, signed_ms: signedMs, signature });
      form.hidden = true;
      say(`Your comments now show the name ${name}.`);
      refresh();
    });
  });
}
