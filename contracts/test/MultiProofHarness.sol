// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {MultiProofCalldata} from "../utils/MultiProofCalldata.sol";

/// @notice Test only: OpenZeppelin's multiproof processing beside the distributor's, for the
///         differential test in tests/distributor/test_sweep.py.
contract MultiProofHarness {
    function openZeppelin(bytes32[] memory leaves, bytes32[] calldata proof, bool[] calldata proofFlags)
        external
        pure
        returns (bytes32)
    {
        return MerkleProof.processMultiProofCalldata(proof, proofFlags, leaves);
    }

    function distributors(bytes32[] memory leaves, bytes32[] calldata proof, bool[] calldata proofFlags)
        external
        pure
        returns (bytes32)
    {
        return MultiProofCalldata.processMultiProof(leaves, proof, proofFlags);
    }
}
