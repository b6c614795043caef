// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {MultiProofCalldata} from "../utils/MultiProofCalldata.sol";

/// @notice Test only: OpenZeppelin's multiproof processing beside the distributor's, for the
///         differential test in tests/distributor/test_multiproof_loop.py (OpenZeppelin's takes
///         the JS library's `bool` flags, the distributor's the same flags packed as bits).
contract MultiProofHarness {
    function openZeppelin(bytes32[] memory leaves, bytes32[] calldata proof, bool[] calldata proofFlags)
        external
        pure
        returns (bytes32)
    {
        return MerkleProof.processMultiProofCalldata(proof, proofFlags, leaves);
    }

    function distributors(bytes32[] memory leaves, bytes32[] calldata proof, uint256[] calldata proofFlagBits)
        external
        pure
        returns (bytes32)
    {
        return MultiProofCalldata.processMultiProof(leaves, proof, proofFlagBits);
    }
}
