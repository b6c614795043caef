// One transaction, the Twei way: simulate first (a refusal becomes the custom error's message and
// nothing is sent), then the wallet's signature, then the receipt (polled every 250 ms). Paying
// actions use the allowance when it is enough, else one EIP-2612 permit signature.
import { createClient, custom, decodeEventLog, encodeFunctionData, formatUnits, toHex } from "viem";
import { readContract, signTypedData, simulateContract, waitForTransactionReceipt } from "viem/actions";
import { state } from "./state.js";
import { say } from "./status.js";
import { getJson } from "./api.js";
import { ensureChain } from "./chain.js";
import { Refusal, messageOfRevert, revertOf } from "./errors.js";
import { refresh } from "./live.js";

export { Refusal };

// Four decimals, as the rest of the page (twei.units.format_twei(wei, 4)): trailing zeros dropped.
export const twei = (wei) => {
  const [whole, frac = ""] = formatUnits(wei, 18).split(".");
  const four = frac.slice(0, 4).replace(/0+$/, "");
  return `${whole}${four ? `.${four}` : ""} Twei`;
};

let abis = null;
/** The contracts' ABIs, fetched once; each also knows the other contracts' custom errors (a
 *  token error surfaces through Engagement). */
export function loadAbis() {
  if (!abis) {
    abis = getJson("/site/abi.json").then((raw) => {
      const errors = new Map();
      for (const abi of Object.values(raw)) {
        for (const item of abi) {
          if (item.type === "error") errors.set(`${item.name}(${item.inputs.map((i) => i.type)})`, item);
        }
      }
      const out = {};
      for (const [name, abi] of Object.entries(raw)) {
        out[name] = [...abi.filter((i) => i.type !== "error"), ...errors.values()];
      }
      return out;
    });
    abis.catch(() => {
      abis = null; // try again at the next action
    });
  }
  return abis;
}

/** A viem client on the connected wallet, after making sure it is on the page's chain. */
export async function walletClient(cfg) {
  if (!state.account) throw new Refusal("Connect a wallet first (the wallet buttons at the top of the page).");
  await ensureChain(cfg);
  // ccipRead off: no request ever leaves for another host (EIP-3668 offchain lookups). No retries:
  // a wallet's answer (a revert, a refusal) does not change when asked again.
  return createClient({
    chain: cfg.chain,
    transport: custom(state.wallet.provider, { retryCount: 0 }),
    account: state.account,
    ccipRead: false,
  });
}

export async function simulate(client, address, abi, functionName, args) {
  const { request } = await simulateContract(client, { address, abi, functionName, args, account: client.account });
  return request;
}

// viem's writeContract, for a wallet's (JSON-RPC) account, is this eth_sendTransaction; calling it
// directly keeps out of the bundle the local-account and EIP-7702 code writeContract also carries
// (secp256k1 and more: about 23 KB gzipped).
function writeContract(client, { address, abi, functionName, args }) {
  return client.request({
    method: "eth_sendTransaction",
    params: [{
      from: client.account.address,
      to: address,
      data: encodeFunctionData({ abi, functionName, args }),
      chainId: toHex(client.chain.id),
    }],
  }, { retryCount: 0 });
}

/** Sends a simulated request and waits for it; returns the receipt. */
export async function sendAndWait(client, request, verb) {
  say(`Sending ${verb}… confirm in your wallet.`);
  const hash = await writeContract(client, request);
  say(`Your ${verb} is on its way; waiting for a block…`);
  const receipt = await waitForTransactionReceipt(client, { hash, pollingInterval: 250 });
  refresh(Number(receipt.blockNumber));
  if (receipt.status !== "success") {
    throw new Refusal(`Your ${verb} failed on chain in block ${receipt.blockNumber}; nothing was paid but gas.`);
  }
  return receipt;
}

/** The events of `abi` that `address` emitted in `receipt`. */
export function eventsOf(receipt, address, abi) {
  const out = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address.toLowerCase()) continue;
    try {
      out.push(decodeEventLog({ abi, data: log.data, topics: log.topics }));
    } catch {
      /* not one of ours */
    }
  }
  return out;
}

async function signPermit(client, cfg, tokenAbi, amount) {
  const owner = client.account.address;
  const token = { address: cfg.token, abi: tokenAbi };
  const [name, nonce, block] = await Promise.all([
    readContract(client, { ...token, functionName: "name" }),
    readContract(client, { ...token, functionName: "nonces", args: [owner] }),
    client.request({ method: "eth_getBlockByNumber", params: ["latest", false] }),
  ]);
  // An hour from now, on the chain's clock when it runs ahead of this computer's.
  const now = Math.max(Math.floor(Date.now() / 1000), Number(BigInt(block.timestamp)));
  const deadline = BigInt(now + 3600);
  say(`Sign the permit for ${twei(amount)} in your wallet (it lets Twei take the fee in the same transaction)…`);
  const signature = await signTypedData(client, {
    account: client.account,
    domain: { name, version: "1", chainId: cfg.chainId, verifyingContract: cfg.token },
    types: {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "Permit",
    message: { owner, spender: cfg.engagement, value: amount, nonce, deadline },
  });
  // r, s, v of the 65-byte signature (v as 27/28; some wallets give 0/1).
  const v = parseInt(signature.slice(130, 132), 16);
  return [deadline, v < 27 ? v + 27 : v, signature.slice(0, 66), `0x${signature.slice(66, 130)}`];
}

/**
 * A paying Engagement action: `plain` = [functionName, args] when the allowance covers the fee
 * (the page's `amount` is appended as the `maxFee` the user agreed to: the contract refuses to
 * charge more, whatever takes effect before the transaction lands), else `withPermit` =
 * [functionName, args] followed by (deadline, v, r, s), a permit for exactly the fee. The fee is
 * the contract's `fee` getter now; above the page's `amount` the action is refused before the
 * wallet is asked (a scheduled change took effect since the page was rendered).
 */
export async function pay(client, cfg, { verb, amount, fee, plain, withPermit }) {
  const abi = await loadAbis();
  const owner = client.account.address;
  const token = { address: cfg.token, abi: abi.TweiToken };
  const run = (fn, args) => simulate(client, cfg.engagement, abi.Engagement, fn, args);
  say(`Checking your ${verb}…`);
  const [allowance, current] = await Promise.all([
    readContract(client, { ...token, functionName: "allowance", args: [owner, cfg.engagement] }),
    fee ? readContract(client, { address: cfg.engagement, abi: abi.Engagement, functionName: fee }) : amount,
  ]);
  const agreed = amount;
  if (current > agreed) {
    throw new Refusal(`The ${verb} now costs ${twei(current)}, not the ${twei(agreed)} this page shows; reload it to see the new price.`);
  }
  amount = current;
  const plainCall = [plain[0], [...plain[1], agreed]];
  if (allowance >= amount) return sendAndWait(client, await run(...plainCall), verb);
  // Without a permit the call must fail for the allowance alone: any other refusal shows now,
  // before the wallet is asked to sign anything.
  try {
    await run(...plainCall);
  } catch (e) {
    const revert = revertOf(e);
    if (!revert || revert.errorName !== "ERC20InsufficientAllowance") throw e;
  }
  const balance = await readContract(client, { ...token, functionName: "balanceOf", args: [owner] });
  if (balance < amount) {
    throw new Refusal(messageOfRevert({ errorName: "ERC20InsufficientBalance", args: [owner, balance, amount] }));
  }
  const permit = await signPermit(client, cfg, abi.TweiToken, amount);
  return sendAndWait(client, await run(withPermit[0], [...withPermit[1], ...permit]), verb);
}
