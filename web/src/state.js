// The connection shared by the modules: the chosen wallet, its account and chain. Modules listen
// for "change" on `events` (fired after every connect, account or chain change).
export const state = {
  wallet: null, // { info: { uuid, name, icon, rdns }, provider }
  account: null, // checksummed address or null
  chainId: null, // number or null
  signedIn: false,
  busy: false, // one wallet request at a time
};

export const events = new EventTarget();

export function changed(what) {
  events.dispatchEvent(new CustomEvent("change", { detail: what }));
}
