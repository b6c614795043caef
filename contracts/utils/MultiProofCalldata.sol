// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title MultiProofCalldata
/// @notice OpenZeppelin's `MerkleProof.processMultiProofCalldata` (5.4.0) for leaves built in memory
///         and flags packed as bits: the same multiproofs (JS `StandardMerkleTree.getMultiProof`:
///         leaves, sibling nodes, one flag per hashing step), the same root, the same
///         `MerkleProofInvalidMultiproof` error.
/// @dev The flags are packed because a `bool[]` in calldata costs a 32-byte word per flag (about
///      130 gas of calldata a step, 1,800 gas an account for 100 random leaves of a million-leaf
///      tree): flag `i` is bit `i % 256` (least significant first) of word `i / 256`, and there are
///      exactly `leaves.length + proof.length - 1` flags, in `ceil(flags / 256)` words whose bits
///      past the last flag are zero (`twei.merkle.pack_flags` packs the JS library's flags so).
///      Written by hand because OpenZeppelin's loop costs about 700 gas a step (bounds-checked
///      memory and calldata reads, checked counters; measured on the embedded chain), which alone
///      is 9,000 gas an account for 100 random leaves of a million-leaf tree; this loop keeps the
///      leaves and the hashes as one run of memory, so a step pops the queue without a branch.
///      It is stricter, never looser: it also refuses a step that would read a hash not yet
///      computed (OpenZeppelin reads zero there) and a malformed flag bitmap.
///      `tests/distributor/test_multiproof_loop.py` checks it against OpenZeppelin's on valid and
///      broken multiproofs (`contracts/test/MultiProofHarness.sol`).
library MultiProofCalldata {
    /// @notice The root `proof` and the packed `flagBits` lead to from `leaves` (in the
    ///         multiproof's order).
    function processMultiProof(bytes32[] memory leaves, bytes32[] calldata proof, uint256[] calldata flagBits)
        internal
        pure
        returns (bytes32 root)
    {
        uint256 leavesLen = leaves.length;
        uint256 total = leavesLen + proof.length;
        if (total == 0) revert MerkleProof.MerkleProofInvalidMultiproof();
        uint256 steps = total - 1;
        // Exactly the words the flags need, and no bit set past the last flag.
        if (flagBits.length != (steps + 255) >> 8) revert MerkleProof.MerkleProofInvalidMultiproof();
        if (steps & 255 != 0 && flagBits[flagBits.length - 1] >> (steps & 255) != 0) {
            revert MerkleProof.MerkleProofInvalidMultiproof();
        }
        if (steps == 0) return leavesLen > 0 ? leaves[0] : proof[0];
        bool bad;
        assembly ("memory-safe") {
            // OpenZeppelin's leaves and hashes are one first-in first-out queue: the leaves, then
            // each computed hash. Here it is one run of memory: the leaves, then the hashes written
            // right after them, so a step pops the queue with one pointer and no branch.
            // Safe: the hashes go to unallocated memory from the free memory pointer on (the
            // leaves are copied there first unless they end at it), never read after this block;
            // pairs are hashed in scratch space 0x00-0x3f; calldata is read within `proof` and
            // `flagBits`, whose offsets and lengths the ABI decoder checked (a node read past the
            // proof is refused at the end).
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
            let word := flagBits.offset
            let outEnd := add(out, shl(5, steps))
            // One flag word per 256 steps; a step reads its flag as the word's lowest bit.
            for {} lt(out, outEnd) { word := add(word, 0x20) } {
                let bits := calldataload(word)
                let wordEnd := add(out, 0x2000)
                if gt(wordEnd, outEnd) { wordEnd := outEnd }
                for {} lt(out, wordEnd) { out := add(out, 0x20) } {
                    // A step pairs the queue's next hash with the proof's next node (flag 0, most
                    // steps of a sparse sweep: the path without a jump) or with the queue's
                    // following hash (flag 1).
                    let a := mload(q)
                    q := add(q, 0x20)
                    let b := calldataload(node)
                    node := add(node, 0x20)
                    if and(bits, 1) {
                        b := mload(q)
                        q := add(q, 0x20)
                        node := sub(node, 0x20)
                    }
                    bits := shr(1, bits)
                    // The smaller of the pair first (`Hashes.commutativeKeccak256`).
                    let slot := shl(5, gt(a, b))
                    mstore(slot, a)
                    mstore(xor(slot, 0x20), b)
                    mstore(out, keccak256(0x00, 0x40))
                }
            }
            // Every node used, none read past the proof. With `leaves + proof = steps + 1`, that
            // also means no step read a hash not yet computed: the unread queue (`out - q`)
            // shrinks by one word on each two-hash step and never grows, so it ends at one word
            // (the root) only if it never fell below one.
            bad := iszero(eq(node, add(proof.offset, shl(5, proof.length))))
            root := mload(sub(out, 0x20))
        }
        if (bad) revert MerkleProof.MerkleProofInvalidMultiproof();
    }
}
