// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title MultiProofCalldata
/// @notice OpenZeppelin's `MerkleProof.processMultiProofCalldata` (5.4.0) for leaves built in memory:
///         the same multiproofs (JS `StandardMerkleTree.getMultiProof`: leaves, sibling nodes, one
///         flag per hashing step), the same root, the same `MerkleProofInvalidMultiproof` error.
/// @dev Written by hand because OpenZeppelin's loop costs about 700 gas a step (bounds-checked
///      memory and calldata reads, checked counters; measured on the embedded chain), which alone
///      is 9,000 gas an account for 100 random leaves of a million-leaf tree, while this loop costs
///      about 100. It is stricter, never looser: it also refuses a step that would read a hash not
///      yet computed (OpenZeppelin reads zero there) and a flag word that is not 0 or 1.
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
            // Safe: the computed hashes go to unallocated memory at the free memory pointer (read
            // back only here, nothing allocates meanwhile); pairs are hashed in scratch space
            // 0x00-0x3f; calldata is read within `proof` and `proofFlags`, whose offsets and lengths
            // the ABI decoder checked.
            let leaf := add(leaves, 0x20)
            let leafEnd := add(leaf, shl(5, leavesLen))
            let hashes := mload(0x40)
            let hash := hashes // the next computed hash to consume
            let out := hashes // where the next one goes
            let node := proof.offset
            let nodeEnd := add(node, shl(5, proof.length))
            let flag := proofFlags.offset
            let flagEnd := add(flag, shl(5, steps))
            for {} lt(flag, flagEnd) { flag := add(flag, 0x20) } {
                let a
                switch lt(leaf, leafEnd)
                case 1 {
                    a := mload(leaf)
                    leaf := add(leaf, 0x20)
                }
                default {
                    bad := or(bad, iszero(lt(hash, out)))
                    a := mload(hash)
                    hash := add(hash, 0x20)
                }
                let b
                let f := calldataload(flag)
                bad := or(bad, gt(f, 1))
                switch f
                case 0 {
                    bad := or(bad, iszero(lt(node, nodeEnd)))
                    b := calldataload(node)
                    node := add(node, 0x20)
                }
                default {
                    switch lt(leaf, leafEnd)
                    case 1 {
                        b := mload(leaf)
                        leaf := add(leaf, 0x20)
                    }
                    default {
                        bad := or(bad, iszero(lt(hash, out)))
                        b := mload(hash)
                        hash := add(hash, 0x20)
                    }
                }
                // The smaller of the pair first (`Hashes.commutativeKeccak256`).
                let slot := shl(5, gt(a, b))
                mstore(slot, a)
                mstore(xor(slot, 0x20), b)
                mstore(out, keccak256(0x00, 0x40))
                out := add(out, 0x20)
            }
            bad := or(bad, iszero(eq(node, nodeEnd)))
            root := mload(sub(out, 0x20))
        }
        if (bad) revert MerkleProof.MerkleProofInvalidMultiproof();
    }
}
