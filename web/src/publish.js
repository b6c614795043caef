// The /publish form: the text to the server (its hash and word count), then publishPost, then
// the new post's page.
import { say, refuse } from "./status.js";
import { postJson } from "./api.js";
import { exclusive } from "./actions.js";
import { Refusal, eventsOf, loadAbis, pay, walletClient } from "./tx.js";

export function initPublish(cfg) {
  const form = document.getElementById("publish-form");
  if (!form) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const title = form.querySelector("#post-title").value.trim();
    const body = form.querySelector("#post-body").value;
    if (!title || !body.trim()) {
      refuse(title ? "Write the post's text first." : "Give the post a title first.");
      return;
    }
    exclusive(async () => {
      const client = await walletClient(cfg);
      say("Saving your text…");
      const { hash, words } = await postJson("/site/api/texts", { text: `# ${title}\n\n${body}` });
      let amount;
      try {
        amount = BigInt(form.dataset.amount);
      } catch {
        throw new Refusal("This page is missing the publish tribute; reload it and try again.");
      }
      const receipt = await pay(client, cfg, {
        verb: "post", amount, fee: "publishTribute",
        plain: ["publishPost", [hash, words]], withPermit: ["publishPostWithPermit", [hash, words]],
      });
      const abi = await loadAbis();
      const published = eventsOf(receipt, cfg.engagement, abi.Engagement).find((e) => e.eventName === "PostPublished");
      if (!published) throw new Refusal(`Your post was published in block ${receipt.blockNumber}, but its id could not be read from the receipt.`);
      const id = published.args.postId;
      say(`Post ${id} published in block ${receipt.blockNumber}; opening it…`);
      location.assign(`/posts/${id}`);
    });
  });
}
