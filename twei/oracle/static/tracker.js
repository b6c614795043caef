/*
 * Twei reading tracker: reports honest reading signals to the reading-time oracle (SPEC §4).
 *
 * Embed with:
 *   <script src="/static/tracker.js" data-post="7" data-reader="0x…" data-chain="1337"
 *           data-article="#article" data-interval="15000" defer></script>
 *
 * What it sends, and when:
 *  - on load, it signs the reader in (a reader is a wallet, SPEC §4): a nonce from
 *    POST /v1/auth/nonce, an EIP-4361 message for this page's domain signed by the wallet
 *    (window.ethereum, personal_sign), POST /v1/auth/verify for a token; the token is kept in
 *    sessionStorage until it expires, so a reload does not ask the wallet again;
 *  - then it opens a session (POST /v1/sessions, Authorization: Bearer <token>);
 *  - every `data-interval` ms (15 s by default) a heartbeat, but only while the page is visible
 *    and focused; plus one heartbeat at each change of visibility or focus, so the oracle sees
 *    exactly when reading stopped and started again (a hidden stretch is never credited);
 *  - each heartbeat: seq (1, 2, …), visible, focused, the deepest scroll reached through the
 *    article (%), the ms since the reader's last scroll/key/pointer/touch input (null before any),
 *    and the client clock;
 *  - on leave (pagehide), a last heartbeat and the finish, with navigator.sendBeacon.
 * The oracle uses its own receive times; this script cannot make anyone earn more.
 * Plain JavaScript, no build step, no dependencies (the wallet is the page's EIP-1193 provider).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var cfg = script.dataset;
  if (!cfg.post || !cfg.reader) return; // nobody to credit
  var api = cfg.api || "";
  var interval = parseInt(cfg.interval || "15000", 10);
  var state = {
    sessionId: null, seq: 0, maxScroll: 0, lastInput: null, finished: false,
    sent: 0, accepted: 0, last: null, errors: [], signedIn: null
  };
  window.tweiTracker = state;

  function article() {
    return (cfg.article && document.querySelector(cfg.article)) || document.documentElement;
  }

  function scrollDepth() {
    var el = article();
    var rect = el.getBoundingClientRect();
    var height = rect.height || 1;
    var seen = window.innerHeight - rect.top; // px of the article above the viewport's bottom
    var pct = Math.max(0, Math.min(100, (seen / height) * 100));
    if (pct > state.maxScroll) state.maxScroll = pct;
    return Math.round(state.maxScroll * 100) / 100;
  }

  function onInput() {
    state.lastInput = performance.now();
  }
  ["scroll", "wheel", "keydown", "pointerdown", "pointermove", "touchstart", "touchmove"].forEach(
    function (type) { window.addEventListener(type, onInput, { passive: true, capture: true }); }
  );
  window.addEventListener("scroll", scrollDepth, { passive: true });

  function engaged() {
    return document.visibilityState === "visible" && document.hasFocus();
  }

  function beatBody() {
    state.seq += 1;
    return JSON.stringify({
      seq: state.seq,
      visible: document.visibilityState === "visible",
      focused: document.hasFocus(),
      scroll: scrollDepth(),
      idle_ms: state.lastInput === null ? null : Math.round(performance.now() - state.lastInput),
      client_time: Date.now()
    });
  }

  function url(path) {
    return api + "/v1/sessions/" + encodeURIComponent(state.sessionId) + path;
  }

  function send() {
    if (!state.sessionId || state.finished) return;
    state.sent += 1;
    post(beatBody());
  }

  // 503: the oracle's database is away for a moment; nothing was recorded. The same heartbeat
  // goes again after Retry-After, unless a newer one has been sent meanwhile.
  function post(body) {
    var seq = state.seq;
    fetch(url("/heartbeats"), {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: body, keepalive: true
    }).then(function (r) {
      if (r.status === 503) {
        var wait = parseFloat(r.headers.get("Retry-After")) || 1;
        setTimeout(function () {
          if (state.seq === seq && !state.finished) post(body);
        }, wait * 1000);
        return;
      }
      return r.json().then(function (data) {
        if (r.ok) { state.accepted += 1; state.last = data; }
        else state.errors.push(r.status + " " + (data && data.detail));
      });
    }).catch(function (e) { state.errors.push(String(e)); });
  }

  function tick() {
    if (engaged()) send();
  }

  function onChange() {
    send(); // one heartbeat at every change, engaged or not
  }

  function jsonOf(r) {
    return r.json().then(function (d) {
      if (!r.ok) throw new Error(r.status + " " + (d && d.detail));
      return d;
    });
  }

  function hex(text) {
    var bytes = new TextEncoder().encode(text), out = "0x";
    for (var i = 0; i < bytes.length; i++) out += ("0" + bytes[i].toString(16)).slice(-2);
    return out;
  }

  // EIP-4361, field by field as the EIP prints them; the oracle parses it with its grammar.
  function siweMessage(nonce) {
    var now = new Date();
    return location.host + " wants you to sign in with your Ethereum account:\n" +
      cfg.reader + "\n\nSign in to earn Twei for reading.\n\n" +
      "URI: " + location.origin + "/\nVersion: 1\nChain ID: " + (cfg.chain || "1") +
      "\nNonce: " + nonce + "\nIssued At: " + now.toISOString() +
      "\nExpiration Time: " + new Date(now.getTime() + 86400000).toISOString();
  }

  // A token for the reader: the one kept from an earlier sign-in while it holds, else a new
  // sign-in through the wallet.
  function signIn() {
    var key = "twei-token:" + api + ":" + cfg.reader.toLowerCase();
    try {
      var kept = JSON.parse(sessionStorage.getItem(key) || "null");
      if (kept && kept.expires_at_ms > Date.now() + 60000) return Promise.resolve(kept.token);
    } catch (e) { /* no storage: sign in again */ }
    if (!window.ethereum) return Promise.reject(new Error("no wallet to sign in with"));
    var message;
    return fetch(api + "/v1/auth/nonce", { method: "POST" }).then(jsonOf).then(function (n) {
      message = siweMessage(n.nonce);
      return window.ethereum.request({ method: "personal_sign", params: [hex(message), cfg.reader] });
    }).then(function (signature) {
      return fetch(api + "/v1/auth/verify", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ message: message, signature: signature })
      }).then(jsonOf);
    }).then(function (out) {
      try { sessionStorage.setItem(key, JSON.stringify(out)); } catch (e) { /* not kept */ }
      state.signedIn = out.reader;
      return out.token;
    });
  }

  function start() {
    signIn().then(function (token) {
      return fetch(api + "/v1/sessions", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token },
        body: JSON.stringify({ post_id: Number(cfg.post), reader: cfg.reader, client_time: Date.now() })
      });
    }).then(function (r) { return r.json().then(function (d) { return [r, d]; }); })
      .then(function (rd) {
        if (!rd[0].ok) { state.errors.push(rd[0].status + " " + rd[1].detail); return; }
        state.sessionId = rd[1].session_id;
        document.addEventListener("visibilitychange", onChange);
        window.addEventListener("focus", onChange);
        window.addEventListener("blur", onChange);
        tick();
        setInterval(tick, interval);
      })
      .catch(function (e) { state.errors.push(String(e)); });
  }

  window.addEventListener("pagehide", function () {
    if (!state.sessionId || state.finished) return;
    var type = { type: "application/json" };
    navigator.sendBeacon(url("/heartbeats"), new Blob([beatBody()], type));
    navigator.sendBeacon(url("/finish"), new Blob(["{}"], type));
    state.finished = true;
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
