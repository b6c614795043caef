// Keeps the page's live sections ([data-live]) fresh. The server pushes them as Server-Sent
// Events (/posts/{id}/stream: every section first, then what each block changes; EventSource
// reconnects by itself and sends the last block it saw as Last-Event-ID). Without EventSource, or
// while the stream is down, the page polls /posts/{id}/live every second instead; it also polls
// at once after each mined transaction and after the account changes, and every few seconds
// while the reader's time is being credited (that figure grows without a block). A section's
// HTML is swapped only when it changed; focus inside it is put back on the same element.
// The comments come as their parts once the page has the section (`parts`: the head, and each
// new or changed comment with the id of the one before it). The server computes each stream
// message against what it sent before on that stream, so they are applied in the order they
// come; a polled answer older than what the page shows is dropped. A part that finds no place
// (the page lacks the comment before it) makes the page poll the whole state.
import { trackerReader } from "./signin.js";

const PERIOD_MS = 1000; // polling, without a stream
const READING_MS = 3000; // with a stream, while this page's reading is credited

let url = null; // "/posts/{id}/live"
let stream = null; // the EventSource
let streaming = false; // it is open
let accountOf = () => null;
let timer = null;
let inFlight = false;
let again = false;
let generation = 0; // bumped when the account changes: older answers are dropped
let lastBlock = -1;
let wantBlock = -1; // a mined transaction's block: the server indexes up to it before answering
const applied = new Map(); // name -> the html string last applied

function sections(name) {
  return document.querySelectorAll(`[data-live="${CSS.escape(name)}"]`);
}

// The browser's own serialisation of `html`, to compare with a section's current innerHTML.
const scratch = document.createElement("template");
function normalise(html) {
  scratch.innerHTML = html;
  const out = scratch.innerHTML;
  scratch.innerHTML = "";
  return out;
}

// Something to find the focused element again by, when it has no id (a button with the same
// action and target).
function locator(node) {
  if (node.id) return `#${CSS.escape(node.id)}`;
  const action = node.getAttribute && node.getAttribute("data-action");
  if (!action) return null;
  let sel = `[data-action="${CSS.escape(action)}"]`;
  for (const a of ["data-post", "data-comment"]) {
    const v = node.getAttribute(a);
    if (v !== null) sel += `[${a}="${CSS.escape(v)}"]`;
  }
  return sel;
}

// One element parsed from a fragment's HTML.
function element(html) {
  const t = document.createElement("template");
  t.innerHTML = html.trim();
  return t.content.firstElementChild;
}

// Swaps `old` for `node`, noting where the focus was; returns the locator of the focus inside.
function replace(old, node, active) {
  const refocus = active && old.contains(active) ? locator(active) : null;
  old.replaceWith(node);
  return refocus;
}

/** Applies a section's parts (upserts, in order); false when one found no place. */
function applyParts(name, delta, active, focus) {
  let placed = true;
  for (const el of sections(name)) {
    if (typeof delta.head === "string") {
      const head = el.querySelector('[data-part="head"]');
      if (head) focus.push(replace(head, element(delta.head), active));
      else placed = false;
    }
    const list = el.querySelector("ol.comments");
    for (const [id, before, html] of Array.isArray(delta.items) ? delta.items : []) {
      const node = list && element(String(html));
      if (!node) {
        placed = false;
        break;
      }
      const old = list.querySelector(`:scope > li[id="comment-${Number(id)}"]`);
      if (old) focus.push(replace(old, node, active));
      else if (before === null) list.prepend(node);
      else {
        const prev = list.querySelector(`:scope > li[id="comment-${Number(before)}"]`);
        if (prev) prev.after(node);
        else placed = false;
      }
    }
  }
  applied.delete(name); // the section's HTML is no longer the last whole one applied
  return placed;
}

/** Applies one live answer's sections; returns the names swapped. */
export function apply(data) {
  const swapped = [];
  const active = document.activeElement;
  let refocus = null;
  const focus = [];
  for (const [name, delta] of Object.entries(data.parts || {})) {
    if (!delta || typeof delta !== "object") continue;
    if (!applyParts(name, delta, active, focus)) poll(); // the whole state, from /live
    swapped.push(name);
  }
  refocus = focus.find((f) => f) || null;
  for (const [name, html] of Object.entries(data.sections || {})) {
    if (typeof html !== "string" || applied.get(name) === html) continue;
    applied.set(name, html);
    const normal = normalise(html);
    for (const el of sections(name)) {
      if (el.innerHTML === normal) continue;
      if (active && el.contains(active) && active !== el) refocus = locator(active);
      el.innerHTML = html;
      swapped.push(name);
    }
  }
  if (refocus && !document.activeElement?.matches?.(refocus)) {
    const target = document.querySelector(refocus);
    if (target) target.focus({ preventScroll: true });
  }
  return swapped;
}

function accept(data, gen, fromStream) {
  const block = Number(data.block);
  if (gen !== generation || (!fromStream && block < lastBlock)) return;
  if (Number.isFinite(block)) lastBlock = Math.max(lastBlock, block);
  apply(data);
  document.dispatchEvent(new CustomEvent("twei:live", { detail: data }));
}

function openStream() {
  if (stream) stream.close();
  stream = null;
  streaming = false;
  if (!url || typeof EventSource !== "function") return;
  const account = accountOf();
  const q = account ? `?account=${encodeURIComponent(account)}` : "";
  const gen = generation;
  const source = new EventSource(url.replace(/\/live$/, "/stream") + q);
  stream = source;
  source.onopen = () => {
    streaming = true;
    schedule();
  };
  source.onmessage = (event) => {
    try {
      accept(JSON.parse(event.data), gen, true);
    } catch {
      /* a malformed event: the next one carries the state again */
    }
  };
  source.onerror = () => {
    // EventSource retries by itself; meanwhile (or for good, once CLOSED) the page polls.
    streaming = false;
    schedule();
  };
}

async function poll() {
  if (!url) return;
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = true;
  clearTimeout(timer);
  const gen = generation;
  try {
    const account = accountOf();
    const params = new URLSearchParams();
    if (account) params.set("account", account);
    if (wantBlock > lastBlock) params.set("after", String(wantBlock));
    const q = params.size ? `?${params}` : "";
    const response = await fetch(url + q, { credentials: "same-origin", cache: "no-cache" });
    if (response.ok && response.status !== 304) accept(await response.json(), gen);
  } catch {
    /* the next poll tries again */
  } finally {
    inFlight = false;
    if (again) {
      again = false;
      poll();
    } else schedule();
  }
}

function reading() {
  const account = accountOf();
  return !!account && trackerReader() === account;
}

function schedule() {
  clearTimeout(timer);
  if (document.visibilityState !== "visible") return;
  if (!streaming) timer = setTimeout(poll, PERIOD_MS);
  else timer = setTimeout(() => (reading() ? poll() : schedule()), READING_MS); // a request only while reading
}

/** Polls at once; after a mined transaction, `block` is its block, so the answer shows it. */
export function refresh(block) {
  if (Number.isFinite(block) && block > wantBlock) wantBlock = block;
  poll();
}

/** The account changed: answers for the previous one are dropped, and a poll goes at once. */
export function accountChanged() {
  generation += 1;
  lastBlock = -1;
  applied.clear();
  if (url) openStream();
  poll();
}

export function initLive(postId, getAccount) {
  if (postId === null || !document.querySelector("[data-live]")) return;
  url = `/posts/${postId}/live`;
  accountOf = getAccount;
  openStream();
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") poll();
    else clearTimeout(timer);
  });
  schedule();
}
