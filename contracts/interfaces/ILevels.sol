// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title ILevels
/// @notice Where the chain learns an account's platform level. The reward distributor records it
///         from each day's Merkle root when the account claims; the engagement contract reads it
///         to gate commenting.
interface ILevels {
    /// @notice The level last recorded for `account` (0 if none).
    function levelOf(address account) external view returns (uint16);
}
