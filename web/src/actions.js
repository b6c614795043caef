// The post page's buttons ([data-action], re-rendered by the server inside live sections, so
// handled by delegation) and the comment form.
import { state } from "./state.js";
import { say, refuse } from "./status.js";
import { getJson, postJson } from "./api.js";
import { describeError } from "./errors.js";
import { openNameForm } from "./name.js";
import { Refusal, eventsOf, loadAbis, pay, sendAndWait, simulate, twei, walletClient } from "./tx.js";

/** Runs `task` unless another wallet request is pending; every failure ends in #status. */
export async function exclusive(task) {
  if (state.busy) {
    refuse("Your wallet is still busy with an earlier request; answer it first.");
    return;
  }
  state.busy = true;
  try {
    await task();
  } catch (e) {
    refuse(describeError(e));
  } finally {
    state.busy = false;
  }
}

const big = (value, what) => {
  try {
    return BigInt(value);
  } catch {
    throw new Refusal(`This page is missing the ${what}; reload it and try again.`);
  }
};

// data-action -> what it sends. `b` is the button's dataset.
const ACTIONS = {
  name: async () => {
    openNameForm();
    return null;
  },
  plus: async (cfg, b) => {
    const client = await walletClient(cfg);
    const abi = await loadAbis();
    const request = await simulate(client, cfg.engagement, abi.Engagement, "plus", [big(b.post, "post id")]);
    return sendAndWait(client, request, "plus");
  },
  like: async (cfg, b) => {
    const client = await walletClient(cfg);
    const abi = await loadAbis();
    const request = await simulate(client, cfg.engagement, abi.Engagement, "like", [big(b.comment, "comment id")]);
    return sendAndWait(client, request, "like");
  },
  minus: async (cfg, b) => {
    const id = big(b.post, "post id");
    return pay(await walletClient(cfg), cfg, {
      verb: "minus", amount: big(b.amount, "fee"), fee: "minusFee",
      plain: ["minus", [id]], withPermit: ["minusWithPermit", [id]],
    });
  },
  dislike: async (cfg, b) => {
    const id = big(b.comment, "comment id");
    return pay(await walletClient(cfg), cfg, {
      verb: "dislike", amount: big(b.amount, "fee"), fee: "dislikeFee",
      plain: ["dislike", [id]], withPermit: ["dislikeWithPermit", [id]],
    });
  },
  "buy-report": async (cfg, b) => {
    const id = big(b.post, "post id");
    return pay(await walletClient(cfg), cfg, {
      verb: "report purchase", amount: big(b.amount, "price"), fee: "reportPrice",
      plain: ["buyReport", [id]], withPermit: ["buyReportWithPermit", [id]],
    });
  },
  claim: async (cfg) => {
    const client = await walletClient(cfg);
    say("Looking up what you can claim…");
    const data = await getJson(`/site/api/accounts/${state.account}/claim`);
    if (!data.args) throw new Refusal(data.message || "You have nothing to claim yet.");
    const a = data.args;
    const abi = await loadAbis();
    const request = await simulate(client, cfg.distributor, abi.RewardDistributor, "claim",
      [a.account, BigInt(a.cumulativeAmount), Number(a.level), a.proof]);
    const receipt = await sendAndWait(client, request, "claim");
    const claimed = eventsOf(receipt, cfg.distributor, abi.RewardDistributor).find((e) => e.eventName === "Claimed");
    if (claimed) {
      const { amount, level } = claimed.args;
      say(amount > 0n
        ? `Claimed ${twei(amount)} in block ${receipt.blockNumber}; your level is now ${level}.`
        : `Nothing new to claim; your level ${level} is recorded (block ${receipt.blockNumber}).`);
      return null;
    }
    return receipt;
  },
};

const DONE = {
  plus: "Plus", minus: "Minus", like: "Like", dislike: "Dislike", "buy-report": "Report purchase", claim: "Claim",
};

async function onAction(cfg, button) {
  const action = button.dataset.action;
  if (button.dataset.refusal) {
    refuse(button.dataset.refusal);
    return;
  }
  const run = ACTIONS[action];
  if (!run) return;
  if (action === "name") {
    run();
    return;
  }
  await exclusive(async () => {
    const receipt = await run(cfg, button.dataset);
    if (receipt) say(`${DONE[action]} recorded in block ${receipt.blockNumber}.`);
  });
}

async function onComment(cfg, form) {
  const textarea = form.querySelector("#comment-text") || form.elements.namedItem("text");
  const text = textarea.value;
  if (!text.trim()) {
    refuse("Write your comment first.");
    textarea.focus();
    return;
  }
  const level = document.querySelector(
    '[data-live="comment-level"] [data-can-comment], [data-live="comment-level"][data-can-comment]',
  );
  if (level && level.dataset.canComment === "false") {
    refuse(level.textContent.trim() || "You cannot comment yet.");
    return;
  }
  await exclusive(async () => {
    const client = await walletClient(cfg);
    const postId = big(form.dataset.post || cfg.postId, "post id");
    say("Checking your level…");
    const lv = await getJson(`/site/api/accounts/${state.account}/comment-level`);
    if (lv.mode === "refused") throw new Refusal(lv.message || "You cannot comment yet.");
    const { hash } = await postJson("/site/api/texts", { text });
    let plain;
    let withPermit;
    if (lv.mode === "leaf" && lv.leaf) {
      const leaf = {
        cumulativeAmount: BigInt(lv.leaf.cumulativeAmount), level: Number(lv.leaf.level), proof: lv.leaf.proof,
      };
      plain = ["commentWithLevel", [postId, hash, leaf]];
      withPermit = ["commentWithLevelAndPermit", [postId, hash, leaf]];
    } else {
      plain = ["comment", [postId, hash]];
      withPermit = ["commentWithPermit", [postId, hash]];
    }
    const receipt = await pay(client, cfg, {
      verb: "comment", amount: big(form.dataset.amount, "comment tribute"), fee: "commentTribute", plain, withPermit,
    });
    if (textarea.value === text) textarea.value = "";
    say(`Comment recorded in block ${receipt.blockNumber}.`);
  });
}

export function initActions(cfg) {
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("button[data-action]");
    if (!button) return;
    event.preventDefault();
    onAction(cfg, button);
  });
  const form = document.getElementById("comment-form");
  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      onComment(cfg, form);
    });
  }
}
