// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

/// @title ITweiToken
/// @notice The Twei ERC-20: permit, burnable, capped, minted only by holders of `MINTER_ROLE`
///         (the reward distributor). Once the admin seals the minters to one account, the
///         distributor, `MINTER_ROLE` can be neither granted nor revoked again, so nobody (the
///         admin included) can mint around the distributor's oracle quorum, nor take its minting
///         away and freeze its roots.
interface ITweiToken is IERC20, IERC20Metadata, IERC20Permit, IAccessControl {
    /// @notice `minter` is the sole `MINTER_ROLE` holder from now on.
    event MintersSealed(address indexed admin, address indexed minter);

    /// @notice `sealMinters(minter)` while `minter` is not the only one of the `count` minters.
    error MinterSetNotSole(address minter, uint256 count);

    /// @notice `MINTER_ROLE` was granted, revoked or renounced after the minters were sealed.
    error MinterRoleSealed();

    /// @notice The minters are already sealed.
    error MintersAlreadySealed();

    /// @notice Makes `minter` the sole minter for good; only the admin, once, and only while
    ///         `minter` is exactly the set of `MINTER_ROLE` holders (`MinterSetNotSole` otherwise:
    ///         a second minter could take the cap's headroom from under a pending root).
    function sealMinters(address minter) external;

    /// @notice Whether the set of minters is final.
    function mintersSealed() external view returns (bool);

    /// @notice The role allowed to mint; granted to the reward distributor.
    function MINTER_ROLE() external view returns (bytes32);

    /// @notice The most tokens that may ever exist.
    function cap() external view returns (uint256);

    /// @notice Mints `amount` tokens to `to`.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` unless the caller holds `MINTER_ROLE`,
    ///      and with `ERC20ExceededCap` if the supply would pass `cap()`.
    function mint(address to, uint256 amount) external;

    /// @notice Destroys `amount` of the caller's tokens.
    function burn(uint256 amount) external;

    /// @notice Destroys `amount` tokens of `account`, spending the caller's allowance.
    function burnFrom(address account, uint256 amount) external;

    /// @notice The batch's `to` and `values` differ in length.
    error BatchLengthMismatch(uint256 recipients, uint256 values);

    /// @notice Transfers `values[i]` from the caller to `to[i]` for every i, in one call (the
    ///         distributor's sweep pays its accounts this way); emits a `Transfer` for each.
    function transferBatch(address[] calldata to, uint256[] calldata values) external;
}
