// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILevels} from "../interfaces/ILevels.sol";

/// @title MockLevels
/// @notice FOR TESTS ONLY: a level source anyone can write. Never deployed by the project's
///         scripts; the real level source is the RewardDistributor, which records levels from
///         signed daily Merkle roots. Every level set here counts as current, and no leaf proves.
contract MockLevels is ILevels {
    mapping(address account => uint16) private _levels;

    /// @notice Emitted when a test sets `account`'s level.
    event LevelSet(address indexed account, uint16 level);

    /// @notice Set `account`'s level to `level`; unrestricted, for tests.
    function setLevel(address account, uint16 level) external {
        _levels[account] = level;
        emit LevelSet(account, level);
    }

    /// @inheritdoc ILevels
    function levelOf(address account) external view returns (uint16) {
        return _levels[account];
    }

    /// @inheritdoc ILevels
    function currentLevelOf(address account) external view returns (uint16, bool) {
        return (_levels[account], true);
    }

    /// @inheritdoc ILevels
    function isActiveLeaf(address, uint256, uint16, bytes32[] calldata) external pure returns (bool) {
        return false;
    }
}
