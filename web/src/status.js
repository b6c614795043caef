// Every message the page shows goes into the one role=status region (#status), as text.
let region = null;

export function initStatus(doc = document) {
  region = doc.getElementById("status");
}

/** Shows `text`; `error: true` marks a refusal (class "error"). */
export function say(text, { error = false } = {}) {
  if (!region) return;
  region.textContent = text;
  region.classList.toggle("error", error);
}

export function refuse(text) {
  say(text, { error: true });
}
