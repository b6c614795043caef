// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IDistributorGovernance
/// @notice The delayed governance of the reward distributor (SPEC §5, "Governance"). Whatever could
///         put minting in one key's hands waits `GOVERNANCE_DELAY` in public, announced by an event:
///         a new oracle set or threshold (which a guardian may veto), a higher daily cap (never above
///         the immutable `maxDailyCap`), and a guardian's removal (which any guardian, the one
///         removed included, may veto). Lowering the daily cap is immediate: it only slows minting.
/// @dev Why a guardian may veto its own removal: otherwise an admin removes the guardian first,
///      then changes the oracles with nobody left to veto, and mints (the two-stage attack). The
///      price is that a rogue guardian cannot be removed against its will; its powers (revoke a
///      pending root, pause claims, veto) can stop rewards but never move or mint a token.
interface IDistributorGovernance {
    /// @notice The admin scheduled a new oracle set and threshold, which anyone may apply from
    ///         `effectiveAt` unless a guardian vetoes it first.
    event OraclesScheduled(address[] oracles, uint8 threshold, uint256 effectiveAt);

    /// @notice A guardian vetoed the scheduled oracle set.
    event OraclesVetoed(address indexed guardian);

    /// @notice The admin scheduled a higher daily cap, which anyone may apply from `effectiveAt`.
    event DailyCapRaiseScheduled(uint256 dailyCap, uint256 effectiveAt);

    /// @notice `by` (the admin, or the guardian itself renouncing) scheduled `guardian`'s removal,
    ///         which anyone may carry out from `effectiveAt` unless a guardian vetoes it first.
    event GuardianRemovalScheduled(address indexed guardian, address indexed by, uint256 effectiveAt);

    /// @notice Guardian `by` vetoed the scheduled removal of `guardian`.
    event GuardianRemovalVetoed(address indexed guardian, address indexed by);

    /// @notice There is no such scheduled change.
    error NoScheduledChange();

    /// @notice The scheduled change may be applied only from `effectiveAt`.
    error ChangeNotDue(uint256 effectiveAt);

    /// @notice `dailyCap` is above the immutable `maximum` set at construction.
    error DailyCapAboveMaximum(uint256 dailyCap, uint256 maximum);

    /// @notice `revokeRole`/`renounceRole` of `GUARDIAN_ROLE`: a guardian leaves only through
    ///         `scheduleGuardianRemoval`, after the delay.
    error GuardianRemovalIsDelayed();

    /// @notice `publishRoot` while this distributor holds no `MINTER_ROLE` on the token: the root
    ///         could never be paid.
    error DistributorNotMinter();

    /// @notice `account` holds no `GUARDIAN_ROLE`.
    error NotGuardian(address account);

    /// @notice Seconds a governance change waits: one day, the engagement fees' delay.
    function GOVERNANCE_DELAY() external view returns (uint256);

    /// @notice The highest `dailyCap` there can ever be: the cap given at construction.
    function maxDailyCap() external view returns (uint256);

    /// @notice Applies the scheduled oracle set once due; anyone, passing the set and threshold
    ///         `OraclesScheduled` announced (only their hash is stored: `NoScheduledChange` if they
    ///         differ).
    function applyOracles(address[] calldata oracles, uint8 threshold) external;

    /// @notice Cancels the scheduled oracle set; only a guardian, any time before it is applied.
    function vetoOracles() external;

    /// @notice keccak256(abi.encode(oracles, threshold)) of the scheduled oracle set and when it
    ///         may be applied (0: none).
    function pendingOracles() external view returns (bytes32 setHash, uint256 effectiveAt);

    /// @notice Applies the scheduled daily-cap raise once due; anyone.
    function applyDailyCap() external;

    /// @notice The scheduled daily cap and when it may be applied (0: none).
    function pendingDailyCap() external view returns (uint256 dailyCap, uint256 effectiveAt);

    /// @notice Schedules `guardian`'s removal; the admin, or the guardian itself (its renounce).
    function scheduleGuardianRemoval(address guardian) external;

    /// @notice Cancels `guardian`'s scheduled removal; only a guardian (`guardian` itself too).
    function vetoGuardianRemoval(address guardian) external;

    /// @notice Revokes `guardian`'s role once its removal is due; anyone.
    function removeGuardian(address guardian) external;

    /// @notice When `guardian`'s scheduled removal may be carried out (0: none scheduled).
    function guardianRemovalAt(address guardian) external view returns (uint256);
}
