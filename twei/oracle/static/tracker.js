/*
 * Twei reading tracker: reports honest reading signals to the reading-time oracle (SPEC §4).
 *
 * Embed with:
 *   <script src="/static/tracker.js" data-post="7" data-reader="0x…"
 *           data-article="#article" data-interval="15000" defer></script>
 *
 * What it sends, and when:
 *  - on load, it opens a session (POST /v1/sessions);
 *  - every `data-interval` ms (15 s by default) a heartbeat, but only while the page is visible
 *    and focused; plus one heartbeat at each change of visibility or focus, so the oracle sees
 *    exactly when reading stopped and started again (a hidden stretch is never credited);
 *  - each heartbeat: seq (1, 2, …), visible, focused, the deepest scroll reached through the
 *    article (%), the ms since the reader's last scroll/key/pointer/touch input (null before any),
 *    and the client clock;
 *  - on leave (pagehide), a last heartbeat and the finish, with navigator.sendBeacon.
 * The oracle uses its own receive times; this script cannot make anyone earn more.
 * Plain JavaScript, no build step, no dependencies.
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
    sent: 0, accepted: 0, last: null, errors: []
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

  function start() {
    fetch(api + "/v1/sessions", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ post_id: Number(cfg.post), reader: cfg.reader, client_time: Date.now() })
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
