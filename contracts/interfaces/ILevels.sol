// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title ILevels
/// @notice Where the chain learns an account's platform level. Each day's Merkle root commits every
///         account's level; the reward distributor records an account's level (and the root it came
///         from) when the account claims, and proves any account's level in the active root from
///         its leaf and proof. The engagement contract reads either to gate commenting, so the level
///         that counts is always the active root's, whether or not the account has claimed since.
interface ILevels {
    /// @notice The level last recorded for `account` by a claim (0 if none), whichever root it
    ///         came from.
    function levelOf(address account) external view returns (uint16);

    /// @notice `account`'s recorded level and whether it is current: `current` is true when the
    ///         record comes from the active root (a claim since that root activated), or when no
    ///         root has ever activated (every level is then 0); never while claims are paused (a
    ///         paused root grants neither Twei nor levels).
    function currentLevelOf(address account) external view returns (uint16 level, bool current);

    /// @notice Whether `(account, cumulativeAmount, level)` is a leaf of the active root, as
    ///         `proof` shows; false while no root is active or claims are paused.
    function isActiveLeaf(address account, uint256 cumulativeAmount, uint16 level, bytes32[] calldata proof)
        external
        view
        returns (bool);
}
