// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title TweiTimelock
/// @notice OpenZeppelin's `TimelockController`, unchanged: `ape run deploy` can make it the admin
///         of the token, the distributor and the engagement contract, so every admin action
///         (oracle set, daily cap, guardians, treasury, fee schedules) waits `minDelay` in public.
/// @dev Only here so that Ape compiles it with the project's settings; nothing is added.
contract TweiTimelock is TimelockController {
    /// @param minDelay Seconds an operation waits between scheduling and execution.
    /// @param proposers Who may schedule (and cancel) operations.
    /// @param executors Who may execute them once due (the zero address: anyone).
    /// @param admin An optional admin for setting up roles (zero: none, the timelock governs itself).
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
