// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ITweiToken} from "./interfaces/ITweiToken.sol";

/// @title TweiToken
/// @notice The platform's ERC-20 (`Twei`/`TWEI`, 18 decimals) with EIP-2612 permit, burning and a
///         hard supply cap. New Twei only ever comes from `mint`, which only `MINTER_ROLE` holders
///         (the reward distributor) may call; the deploy script seals the minters to exactly
///         the distributor (`sealMinters(distributor)`, which refuses any other minter set), after
///         which no role, the admin included, can change it.
/// @dev A plain composition of OpenZeppelin 5 extensions; nothing here re-implements them but the
///      count of minters (`_minterCount`, kept in `_grantRole`/`_revokeRole`), which lets the seal
///      prove there is exactly one. Not `AccessControlEnumerable`: its four extra external
///      functions made every `transfer` dearer by about 110 gas through the selector dispatch
///      (a claim pays one; bench/distributor_gas.py), for enumeration the deploy gets from the
///      `RoleGranted` events instead.
contract TweiToken is ERC20, ERC20Burnable, ERC20Capped, ERC20Permit, AccessControl, ITweiToken {
    /// @inheritdoc ITweiToken
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @dev Set once by `sealMinters`; from then on `MINTER_ROLE` never changes hands.
    bool private _mintersSealed;
    /// @dev How many accounts hold `MINTER_ROLE`.
    uint256 private _minterCount;

    /// @param admin Receives `DEFAULT_ADMIN_ROLE` (grants `MINTER_ROLE` until it seals the minters).
    /// @param supplyCap The most tokens that may ever exist, in wei.
    constructor(address admin, uint256 supplyCap) ERC20("Twei", "TWEI") ERC20Capped(supplyCap) ERC20Permit("Twei") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc ITweiToken
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    /// @inheritdoc ITweiToken
    function sealMinters(address minter) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_mintersSealed) revert MintersAlreadySealed();
        uint256 count = _minterCount;
        if (count != 1 || !hasRole(MINTER_ROLE, minter)) revert MinterSetNotSole(minter, count);
        _mintersSealed = true;
        emit MintersSealed(msg.sender, minter);
    }

    /// @inheritdoc ITweiToken
    function mintersSealed() external view returns (bool) {
        return _mintersSealed;
    }

    /// @inheritdoc ITweiToken
    function transferBatch(address[] calldata to, uint256[] calldata values) external {
        if (to.length != values.length) revert BatchLengthMismatch(to.length, values.length);
        // OpenZeppelin's balances are private, so the sender's debit is one warm `_update` per
        // recipient (about 200 gas); the external call, the dispatch and the sender's cold read are
        // paid once per batch.
        for (uint256 i = 0; i < to.length; ++i) {
            _transfer(msg.sender, to[i], values[i]);
        }
    }

    /// @inheritdoc ITweiToken
    function cap() public view override(ERC20Capped, ITweiToken) returns (uint256) {
        return super.cap();
    }

    /// @inheritdoc ITweiToken
    function burn(uint256 amount) public override(ERC20Burnable, ITweiToken) {
        super.burn(amount);
    }

    /// @inheritdoc ITweiToken
    function burnFrom(address account, uint256 amount) public override(ERC20Burnable, ITweiToken) {
        super.burnFrom(account, amount);
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, IERC20Permit) returns (uint256) {
        return super.nonces(owner);
    }

    /// @dev Every grant passes here (`grantRole` and the constructor): after the seal, no new minter.
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        if (role != MINTER_ROLE) return super._grantRole(role, account);
        if (_mintersSealed) revert MinterRoleSealed();
        bool granted = super._grantRole(role, account);
        if (granted) ++_minterCount;
        return granted;
    }

    /// @dev Every revocation passes here (`revokeRole` and `renounceRole`): after the seal, the
    ///      distributor keeps minting, so a published root can always be paid.
    function _revokeRole(bytes32 role, address account) internal override returns (bool) {
        if (role != MINTER_ROLE) return super._revokeRole(role, account);
        if (_mintersSealed) revert MinterRoleSealed();
        bool revoked = super._revokeRole(role, account);
        if (revoked) --_minterCount;
        return revoked;
    }

    /// @dev Every balance change passes here; `ERC20Capped` checks the cap on mint.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Capped) {
        super._update(from, to, value);
    }
}
