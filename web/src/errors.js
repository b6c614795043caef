// Turns what a wallet, the chain or the server threw into one clear English sentence.
import { BaseError, ContractFunctionRevertedError, formatUnits } from "viem";

/** A refusal found before anything was signed or sent; its message is for the user as is. */
export class Refusal extends Error {}

export const REJECTED = "You rejected the request in your wallet; nothing was sent.";

const twei = (wei) => `${formatUnits(BigInt(wei), 18)} Twei`;

// Custom errors of Engagement, TweiToken (OpenZeppelin ERC-20/2612) and RewardDistributor.
const MESSAGES = {
  // Engagement
  LevelTooLow: ([, level, required]) =>
    `Your level is ${level}; commenting needs level ${required}. Read, earn and claim Twei to level up.`,
  LevelNotCurrent: () =>
    "Your level on chain comes from an earlier daily root. Claim your rewards first, or reload the page so it sends your level proof.",
  InvalidLevelProof: () =>
    "Your level proof is not in the active daily root (a new root may have just activated). Reload the page and try again.",
  VoteOnOwnPost: () => "You cannot vote on your own post.",
  ReactionToOwnComment: () => "You cannot react to your own comment.",
  AlreadyVoted: () => "You have already voted on this post (one plus or minus per account).",
  AlreadyReacted: () => "You have already reacted to this comment (one like or dislike per account).",
  PostNotFound: ([id]) => `Post ${id} does not exist.`,
  CommentNotFound: ([id]) => `Comment ${id} does not exist.`,
  EmptyPost: () => "A post needs at least one word.",
  FeeAboveAgreed: ([fee, agreed]) =>
    `The price changed to ${twei(fee)}, above the ${twei(agreed)} you agreed to; nothing was paid. Reload the page to see the new price.`,
  // Token (OpenZeppelin 5)
  ERC20InsufficientBalance: ([, balance, needed]) =>
    `Not enough Twei: you have ${twei(balance)} and this needs ${twei(needed)}.`,
  ERC20InsufficientAllowance: ([, allowance, needed]) =>
    `The contract may spend only ${twei(allowance)} of your Twei and this needs ${twei(needed)}; try again to sign a new permit.`,
  ERC2612ExpiredSignature: () => "The permit signature expired before the transaction ran; try again to sign a new one.",
  ERC2612InvalidSigner: () =>
    "The permit was not signed by the account sending the transaction; try again from the same account.",
  InvalidAccountNonce: () => "The permit was already used or is out of date; try again to sign a new one.",
  // RewardDistributor
  InvalidProof: () =>
    "Your claim proof is not in the active daily root (a new root may have just activated). Reload the page and try again.",
  AmountTooLarge: () => "This claim's amount is out of range; nothing was sent.",
  ClaimsArePaused: () => "Claims are paused by a guardian for now. Nothing is lost: what you earned stays claimable later.",
  EnforcedPause: () => "This contract is paused for now; try again later.",
  NothingToClaim: () => "You have nothing to claim yet.",
};

/** Whether the EIP-1193 / JSON-RPC `code` is somewhere in the error's cause chain. */
export function hasCode(e, code) {
  for (let x = e, i = 0; x && i < 12; x = x.cause, i++) {
    if (x.code === code) return true;
    if (x.data && x.data.originalError && x.data.originalError.code === code) return true;
  }
  return false;
}

/** The decoded custom error { errorName, args } in a viem error, if any. */
export function revertOf(e) {
  if (!(e instanceof BaseError)) return null;
  const reverted = e.walk((x) => x instanceof ContractFunctionRevertedError);
  if (!reverted) return null;
  if (reverted.data) return { errorName: reverted.data.errorName, args: reverted.data.args || [] };
  if (reverted.reason) return { errorName: "Error", args: [reverted.reason] };
  return { errorName: null, args: [], signature: reverted.signature };
}

export function messageOfRevert({ errorName, args, signature }) {
  if (errorName && MESSAGES[errorName]) return MESSAGES[errorName](args);
  if (errorName === "Error") return `The contract refused: ${args[0]}.`;
  if (errorName === "Panic") return "The contract failed with an internal error; nothing was sent.";
  if (errorName) return `The contract refused this (${errorName}); nothing was sent.`;
  return `The contract refused this${signature ? ` (error ${signature})` : ""}; nothing was sent.`;
}

export function describeError(e) {
  if (e instanceof Refusal) return e.message;
  if (hasCode(e, 4001)) return REJECTED;
  if (hasCode(e, -32002)) return "Your wallet already has a request waiting; open it and answer that one first.";
  if (hasCode(e, 4100)) return "Your wallet has not authorised this site; connect it again.";
  const revert = revertOf(e);
  if (revert) return messageOfRevert(revert);
  if (e instanceof BaseError) return `Your wallet or the network refused: ${e.shortMessage}`;
  return (e && e.message) || String(e);
}
