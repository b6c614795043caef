// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title MultiProofCalldata
/// @notice OpenZeppelin's `MerkleProof.processMultiProofCalldata` (5.4.0) for leaves built in memory:
///         the same multiproofs (JS `StandardMerkleTree.getMultiProof`: leaves, sibling nodes, one
///         flag per hashing step), the same root, the same `MerkleProofInvalidMultiproof` error.
/// @dev Written by hand because OpenZeppelin's loop costs about 700 gas a step (bounds-checked
///      memory and calldata reads, checked counters; measured on the embedded chain), which alone
///      is 9,000 gas an account for 100 random leaves of a million-leaf tree; this loop keeps the
///      leaves and the hashes as one run of memory, so a step pops the queue without a branch.
///      It is stricter, never looser: it also refuses a step that would read a hash not yet
///      computed (OpenZeppelin reads zero there) and a flag word that is not 0 or 1.
///      `tests/distributor/test_sweep.py` checks it against OpenZeppelin's on valid and broken
///      multiproofs (`contracts/test/MultiProofHarness.sol`).
library MultiProofCalldata {
    /// @notice The root `proof` and `proofFlags` lead to from `leaves` (in the multiproof's order).
    function processMultiProof(bytes32[] memory leaves, bytes32[] calldata proof, bool[] calldata proofFlags)
        internal
        pure
        returns (bytes32 root)
    {
        uint256 leavesLen = leaves.length;
        uint256 steps = proofFlags.length;
        if (leavesLen + proof.length != steps + 1) revert MerkleProof.MerkleProofInvalidMultiproof();
        if (steps == 0) return leavesLen > 0 ? leaves[0] : proof[0];
        bool bad;
        assembly ("memory-safe") {
            // OpenZeppelin's leaves and hashes are one first-in first-out queue: the leaves, then
            // each computed hash. Here it is one run of memory: the leaves, then the hashes written
            // right after them, so a step pops the queue with one pointer and no branch.
            // Safe: the hashes go to unallocated memory from the free memory pointer on (the
            // leaves are copied there first unless they end at it), never read after this block;
            // pairs are hashed in scratch space 0x00-0x3f; calldata is read within `proof` and
            // `proofFlags`, whose offsets and lengths the ABI decoder checked (a node read past
            // the proof is refused at the end).
            let q := add(leaves, 0x20)
            let out := add(q, shl(5, leavesLen))
            let free := mload(0x40)
            if iszero(eq(out, free)) {
                for { let i := 0 } lt(i, leavesLen) { i := add(i, 1) } {
                    mstore(add(free, shl(5, i)), mload(add(q, shl(5, i))))
                }
                q := free
                out := add(free, shl(5, leavesLen))
            }
            let node := proof.offset
            let flag := proofFlags.offset
            let flagEnd := add(flag, shl(5, steps))
            for {} lt(flag, flagEnd) { flag := add(flag, 0x20) } {
                let a := mload(q)
                let b := mload(add(q, 0x20))
                let f := calldataload(flag)
                switch f
                case 0 {
                    b := calldataload(node)
                    node := add(node, 0x20)
                    q := add(q, 0x20)
                }
                default { q := add(q, 0x40) }
                // Never a hash not yet computed, never a flag word other than 0 or 1.
                bad := or(bad, or(gt(q, out), gt(f, 1)))
                // The smaller of the pair first (`Hashes.commutativeKeccak256`).
                let slot := shl(5, gt(a, b))
                mstore(slot, a)
                mstore(xor(slot, 0x20), b)
                mstore(out, keccak256(0x00, 0x40))
                out := add(out, 0x20)
            }
            // Every node used, none read past the proof.
            bad := or(bad, iszero(eq(node, add(proof.offset, shl(5, proof.length)))))
            root := mload(sub(out, 0x20))
        }
        if (bad) revert MerkleProof.MerkleProofInvalidMultiproof();
    }
}
