// DEV ONLY: deploys TweiToken, MockLevels and Engagement on a local Anvil from Ape's build
// (/work/main/.build or $TWEI_BUILD) and sets up a post and a comment by another account.
//   node web/dev/deploy.mjs http://127.0.0.1:PORT  -> JSON on stdout
import { readFileSync } from "node:fs";
import { createTestClient, createWalletClient, http, parseEther, publicActions, walletActions } from "viem";
import { foundry } from "viem/chains";

const rpc = process.argv[2];
const build = JSON.parse(readFileSync(process.env.TWEI_BUILD || "/work/main/.build/__local__.json", "utf8"));
const ct = build.contractTypes;
const client = createTestClient({ chain: foundry, mode: "anvil", transport: http(rpc) })
  .extend(publicActions).extend(walletActions);
const [admin, reader, author, treasury] = await client.getAddresses();

async function deploy(name, args, account = admin) {
  const hash = await client.deployContract({
    abi: ct[name].abi, bytecode: ct[name].deploymentBytecode.bytecode, args, account,
  });
  const r = await client.waitForTransactionReceipt({ hash });
  return r.contractAddress;
}
async function send(address, name, functionName, args, account = admin) {
  const hash = await client.writeContract({ address, abi: ct[name].abi, functionName, args, account });
  const r = await client.waitForTransactionReceipt({ hash });
  if (r.status !== "success") throw new Error(`${functionName} failed`);
  return r;
}

const token = await deploy("TweiToken", [admin, parseEther("1000000000")]);
const levels = await deploy("MockLevels", []);
const params = {
  publishTribute: parseEther("10"), commentTribute: parseEther("1"), minusFee: parseEther("2"),
  dislikeFee: parseEther("1"), dislikeAuthorShareBps: 5000, reportPrice: parseEther("5"), commentMinLevel: 1,
};
const engagement = await deploy("Engagement", [token, admin, treasury, levels, params]);
const minter = await client.readContract({ address: token, abi: ct.TweiToken.abi, functionName: "MINTER_ROLE" });
await send(token, "TweiToken", "grantRole", [minter, admin]);
for (const who of [reader, author]) await send(token, "TweiToken", "mint", [who, parseEther("100")]);
await send(levels, "MockLevels", "setLevel", [reader, 2]);
await send(levels, "MockLevels", "setLevel", [author, 2]);
// The author publishes post 1 and comments on it (comment 2), paying by allowance.
await send(token, "TweiToken", "approve", [engagement, parseEther("100")], author);
const h = `0x${"ab".repeat(32)}`;
await send(engagement, "Engagement", "publishPost", [h, 120], author);
await send(engagement, "Engagement", "comment", [1n, h], author);
console.log(JSON.stringify({
  token, engagement, levels, distributor: levels, reader, author, treasury,
  abi: { TweiToken: ct.TweiToken.abi, Engagement: ct.Engagement.abi, RewardDistributor: ct.RewardDistributor.abi },
  params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
}));
