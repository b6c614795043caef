// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ITweiToken} from "./interfaces/ITweiToken.sol";
import {IRewardDistributor} from "./interfaces/IRewardDistributor.sol";
import {IDistributorGovernance} from "./interfaces/IDistributorGovernance.sol";
import {ILevels} from "./interfaces/ILevels.sol";
import {MultiProofCalldata} from "./utils/MultiProofCalldata.sol";

/// @title RewardDistributor
/// @notice Pays the daily reward pool through one cumulative Merkle root per UTC day (SPEC §5).
///
/// Trust: a root needs EIP-712 signatures of `threshold` distinct oracles, so one compromised
/// oracle key can publish nothing. A root is pending for `challengePeriod` (at least an hour, under
/// a day), during which a guardian may revoke it, for good: the same (epoch, root, total) can never
/// be published again, so resending the first transaction's signatures starts no revoke race. The
/// distributor mints at most `dailyCap` in any 24 hours (rolling, wherever midnight falls), however
/// many epochs a backlog publishes, which bounds what even a compromised quorum could mint before a
/// guardian reacts.
///
/// Pending then active: at most one root is pending. A root becomes active when its period has
/// passed: the daily job (or anyone) calls `activatePendingRoot` right after it, so claims find it
/// active; the next `publishRoot` and a claim whose proof needs it activate it too. A new root
/// never replaces or restarts a pending one: if the previous root is still in its period,
/// `publishRoot` reverts with `PendingRootNotDue` and may be retried once it is due (less than a
/// day; amounts are cumulative, so a later root carries everything an earlier one did).
///
/// Never wedged: `publishRoot` refuses a total whose increment the token's cap could not mint, and
/// a root's increment is at most `dailyCap` (which cannot be lowered below a pending root's
/// increment), so every accepted root can be activated (24 hours after the last mint at worst,
/// when the cap is spent) and every later root published.
///
/// Money: when a root activates, its increment over the previous active total is minted to this
/// contract, so the contract's balance is the active total minus everything paid: no claim can
/// ever pay past the active root's `total`, whatever the tree holds. A claim is a transfer.
///
/// Views: a due root counts as active in every view only once its activation fits the cap, exactly
/// when a claim from it would succeed. No proof goes stale: a claim may also prove its leaf in the
/// previous active root (amounts are cumulative: it is paid the difference).
///
/// Levels: a claim records the account's level with the epoch of the root it came from (never over
/// a later root's), so `currentLevelOf` tells whether the record is the active root's;
/// `isActiveLeaf` proves any account's level in the active root without a claim (the engagement
/// contract's comment form). While claims are paused no level counts.
///
/// Sweep: the operator claims for many accounts with one OpenZeppelin multiproof and one token
/// `transferBatch` (see `MultiProofCalldata` for why its loop is written by hand).
///
/// Gas (see bench/distributor_gas.py): a claim reads the account's slot (claimed amount, root epoch
/// and level packed) and one root slot, which holds the active root's first 224 bits and its epoch
/// (so recording the epoch costs no read); pausing clears that slot, so the hot path needs no
/// pause flag. Everything `publishRoot` reads and writes besides the roots and totals sits in one
/// slot.
///
/// Governance (IDistributorGovernance): who a user trusts, and for how long. Minting needs the
/// oracle quorum's signatures and a challenge period in which a guardian may revoke the root. The
/// admin cannot make itself the quorum faster than `GOVERNANCE_DELAY` (a day, on top of the
/// deploy's two-day timelock), and a guardian may veto that change; it cannot remove a guardian
/// who objects (a guardian vetoes its own removal), so it never mints while one honest guardian
/// holds the role. `dailyCap` never exceeds `maxDailyCap`, fixed at construction, and is raised
/// only after the delay. A publishRoot refuses a root unless this contract is the token's minter.
///
/// Slither (low, left as they are): `timestamp`, since days and challenge periods are time by
/// design and a validator's seconds of skew mean nothing at an hour's scale (other comparisons
/// it flags only share a storage slot with a timestamp); `reentrancy-benign`/`-events` in a claim
/// that activates the root, where the only external call is to the immutable token's `mint`;
/// `shadowing-local` in the interface, whose parameter names SPEC fixes.
contract RewardDistributor is IRewardDistributor, IDistributorGovernance, AccessControl, EIP712 {
    /// @notice The role that may revoke a pending root and pause claims.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @inheritdoc IRewardDistributor
    bytes32 public constant DAILY_ROOT_TYPEHASH =
        keccak256("DailyRoot(uint64 epoch,bytes32 root,uint256 total,bytes32 dataHash)");

    /// @inheritdoc IDistributorGovernance
    uint256 public constant GOVERNANCE_DELAY = 1 days;

    /// @dev The token's minter role (`TweiToken.MINTER_ROLE`).
    bytes32 private constant _MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @dev The most oracles a set may hold: signer indexes are bits of one uint256.
    uint256 private constant _MAX_ORACLES = 256;

    /// @dev An account record: claimed amount in the low 208 bits, then the epoch of the root the
    ///      level came from (32 bits), then the level (16 bits).
    uint256 private constant _CLAIMED_MASK = type(uint208).max;
    uint256 private constant _EPOCH_SHIFT = 208;
    uint256 private constant _LEVEL_SHIFT = 240;

    /// @dev The open-root slot: the root's high 224 bits, and the epoch in the low 32.
    uint256 private constant _EPOCH_MASK = type(uint32).max;

    /// @dev The challenge period's bounds: long enough for a guardian to react, short enough that
    ///      a root is active before the next day's arrives.
    uint256 private constant _MIN_CHALLENGE_PERIOD = 1 hours;
    uint256 private constant _MAX_CHALLENGE_PERIOD = 1 days - 1;

    /// @dev Everything `publishRoot` checks, in one storage slot (8+16+24+96+8+40+32+32 = 256 bits).
    ///      Epochs fit 32 bits because an epoch is a UTC day that has begun (`EpochInFuture`).
    struct State {
        uint8 threshold;
        uint16 oracleGeneration; // bumps on every `setOracles`, retiring the previous set
        uint24 challengePeriod; // below one day
        uint96 dailyCap;
        bool paused;
        uint40 pendingActivatesAt; // 0 when no root is pending
        uint32 pendingEpoch;
        uint32 activeEpoch;
    }

    /// @dev The active and pending totals, in one slot.
    struct Totals {
        uint128 active;
        uint128 pending;
    }

    /// @dev An account's claimed amount | root epoch << 208 | level << 240, in a struct so that a
    ///      claim computes the record's slot once for its read and its write.
    struct AccountRecord {
        uint256 packed;
    }

    /// @dev The rolling 24-hour cap's ledger: the time of the last minting activation, and what was
    ///      minted since the last 24-hour gap between two mints (so, at least everything minted in
    ///      the 24 hours before `lastMintAt`).
    struct MintLedger {
        uint40 lastMintAt;
        uint216 minted;
    }

    /// @dev What governance has scheduled (one slot): a daily-cap raise and when an oracle set
    ///      may apply (the set's hash in `_pendingOraclesHash`); a time of 0 means none.
    struct Scheduled {
        uint96 dailyCap;
        uint40 dailyCapAt;
        uint40 oraclesAt;
    }

    ITweiToken private immutable _token;
    /// @dev The highest daily cap there can ever be: the one given at construction.
    uint96 private immutable _maxDailyCap;
    /// @dev The token's supply cap (immutable in the token too).
    uint256 private immutable _supplyCap;

    State private _state;
    Totals private _totals;

    /// @dev While claims are open: the active root's high 224 bits | its epoch (`_openSlot`); zero
    ///      while paused or before any root. The only root slot a claim reads. A proof is checked
    ///      against the 224 bits: finding another tree whose root shares them is a 2^224 search.
    bytes32 private _openRoot;
    /// @dev The whole active root, paused or not.
    bytes32 private _activeRoot;
    bytes32 private _pendingRoot;
    /// @dev The root active before the active one, as an open-root slot (high 224 bits | epoch):
    ///      claims against it are accepted too, so a proof stays good for a root's whole next day.
    bytes32 private _previousRoot;
    MintLedger private _mintLedger;

    /// @dev keccak256(epoch, root, total) of every revoked root => true.
    mapping(bytes32 key => bool) private _revoked;

    /// @dev account => its record.
    mapping(address account => AccountRecord) private _accounts;
    /// @dev oracle => generation << 8 | index in the set; stale generations are not oracles.
    mapping(address oracle => uint256 entry) private _oracleEntries;
    address[] private _oracles;

    Scheduled private _scheduled;
    /// @dev keccak256(abi.encode(oracles, threshold)) of the scheduled set: only its hash is
    ///      stored (the set is in `OraclesScheduled`), which keeps this contract small.
    bytes32 private _pendingOraclesHash;
    /// @dev guardian => when its scheduled removal may be carried out (0: none).
    mapping(address guardian => uint256 at) private _guardianRemovalAt;

    /// @param admin Receives `DEFAULT_ADMIN_ROLE` (oracles, cap, period, guardians, unpause).
    /// @param token_ The Twei token; this contract needs its `MINTER_ROLE`.
    /// @param oracles_ The oracle signers.
    /// @param threshold_ Distinct oracle signatures a root needs.
    /// @param dailyCap_ The most minted in any 24 hours (and added by one root), and for good the
    ///        most `dailyCap` may ever be raised to (`maxDailyCap`).
    /// @param challengePeriod_ Seconds a root stays pending: an hour or more, below one day.
    constructor(
        address admin,
        ITweiToken token_,
        address[] memory oracles_,
        uint8 threshold_,
        uint96 dailyCap_,
        uint32 challengePeriod_
    ) EIP712("Twei RewardDistributor", "1") {
        _token = token_;
        _supplyCap = token_.cap();
        if (dailyCap_ == 0) revert DailyCapZero();
        _maxDailyCap = dailyCap_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setOracles(oracles_, threshold_);
        _setDailyCap(dailyCap_);
        _setChallengePeriod(challengePeriod_);
    }

    // ------------------------------------------------------------------------------------ roots

    /// @inheritdoc IRewardDistributor
    function publishRoot(
        uint64 epoch,
        bytes32 root,
        uint256 total,
        bytes32 dataHash,
        bytes[] calldata signatures
    ) external {
        State memory s = _state;
        Totals memory totals = _totals;
        uint256 minted = 0;
        uint256 today = block.timestamp / 1 days;
        if (epoch > today) revert EpochInFuture(epoch, uint64(today));
        if (_hasPending(s)) {
            if (!_isDue(s)) {
                revert PendingRootNotDue(s.pendingEpoch, s.pendingActivatesAt);
            }
            minted = _activate(s, totals);
        }
        if (epoch <= s.activeEpoch) revert EpochNotIncreasing(epoch, s.activeEpoch);
        uint256 previous = totals.active;
        if (total < previous) revert TotalDecreased(total, previous);
        uint256 increment;
        // Safe: total >= previous was checked just above.
        unchecked {
            increment = total - previous;
        }
        if (increment > s.dailyCap) revert TotalAboveDailyCap(total, previous, s.dailyCap);
        // A view call to the token (immutable, trusted) before any write. Once the token's minters
        // are sealed only this contract mints, so the supply cannot grow before activation.
        if (!_token.hasRole(_MINTER_ROLE, address(this))) revert DistributorNotMinter();
        uint256 supplied = _token.totalSupply() + minted;
        uint256 mintable = _supplyCap > supplied ? _supplyCap - supplied : 0;
        if (increment > mintable) revert TotalAboveSupplyCap(increment, mintable);
        if (_revoked[_revocationKey(epoch, root, total)]) revert RootWasRevoked(epoch, root, total);
        _checkSignatures(s, _dailyRootDigest(epoch, root, total, dataHash), signatures);

        // Safe casts: epoch <= today < 2**32 days; activatesAt < 2**40 seconds for 30,000 years.
        s.pendingEpoch = uint32(epoch);
        uint256 activatesAt = block.timestamp + s.challengePeriod;
        s.pendingActivatesAt = uint40(activatesAt);
        totals.pending = SafeCast.toUint128(total);
        _state = s;
        _totals = totals;
        _pendingRoot = root;
        emit RootPublished(epoch, root, total, dataHash, activatesAt);
        if (minted != 0) _token.mint(address(this), minted);
    }

    /// @inheritdoc IRewardDistributor
    function revokePendingRoot() external onlyRole(GUARDIAN_ROLE) {
        State memory s = _state;
        // A root past its period is active even if nothing has promoted it yet.
        if (!_hasPending(s) || _isDue(s)) revert NoPendingRoot();
        bytes32 root = _pendingRoot;
        uint64 epoch = s.pendingEpoch;
        _revoked[_revocationKey(epoch, root, _totals.pending)] = true;
        s.pendingActivatesAt = 0;
        s.pendingEpoch = 0;
        _state = s;
        _pendingRoot = 0;
        emit RootRevoked(epoch, root, msg.sender);
    }

    /// @inheritdoc IRewardDistributor
    function activatePendingRoot() external {
        State memory s = _state;
        if (!_hasPending(s)) revert NoPendingRoot();
        if (!_isDue(s)) revert PendingRootNotDue(s.pendingEpoch, s.pendingActivatesAt);
        _activateAndMint(s);
    }

    /// @inheritdoc IRewardDistributor
    function pause() external onlyRole(GUARDIAN_ROLE) {
        State memory s = _state;
        if (s.paused) revert ClaimsArePaused();
        s.paused = true;
        _state = s;
        _openRoot = 0;
        emit ClaimsPaused(msg.sender);
    }

    /// @inheritdoc IRewardDistributor
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        State memory s = _state;
        if (!s.paused) revert ClaimsNotPaused();
        s.paused = false;
        _state = s;
        bytes32 active = _activeRoot;
        if (active != 0) _openRoot = _openSlot(active, s.activeEpoch);
        emit ClaimsUnpaused(msg.sender);
    }

    /// @inheritdoc IRewardDistributor
    /// @dev Schedules the set: it takes effect through `applyOracles` after `GOVERNANCE_DELAY`,
    ///      unless a guardian vetoes it. A new call replaces the scheduled set and restarts the wait.
    function setOracles(address[] calldata oracles_, uint8 threshold_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 count = oracles_.length;
        if (count == 0 || count > _MAX_ORACLES) revert InvalidOracleSet();
        if (threshold_ == 0 || threshold_ > count) revert InvalidThreshold(threshold_, count);
        // Quadratic, but a governance call over at most 256 addresses: a set that would fail to
        // apply is refused now, not a day later.
        for (uint256 i = 0; i < count; ++i) {
            if (oracles_[i] == address(0)) revert InvalidOracleSet();
            for (uint256 j = 0; j < i; ++j) {
                if (oracles_[i] == oracles_[j]) revert InvalidOracleSet();
            }
        }
        uint256 effectiveAt = block.timestamp + GOVERNANCE_DELAY;
        // Safe cast: timestamps fit 40 bits for 30,000 years.
        _scheduled.oraclesAt = uint40(effectiveAt);
        _pendingOraclesHash = keccak256(abi.encode(oracles_, threshold_));
        emit OraclesScheduled(oracles_, threshold_, effectiveAt);
    }

    /// @inheritdoc IDistributorGovernance
    function applyOracles(address[] calldata oracles_, uint8 threshold_) external {
        _requireDue(_scheduled.oraclesAt);
        if (keccak256(abi.encode(oracles_, threshold_)) != _pendingOraclesHash) revert NoScheduledChange();
        _scheduled.oraclesAt = 0;
        _setOracles(oracles_, threshold_);
    }

    /// @inheritdoc IDistributorGovernance
    function vetoOracles() external onlyRole(GUARDIAN_ROLE) {
        if (_scheduled.oraclesAt == 0) revert NoScheduledChange();
        _scheduled.oraclesAt = 0;
        emit OraclesVetoed(msg.sender);
    }

    /// @inheritdoc IRewardDistributor
    /// @dev A cap at or below the current one applies at once (it only slows minting; a pending
    ///      root's increment still bounds it) and drops a scheduled raise; a higher one, never
    ///      above `maxDailyCap`, is scheduled for `applyDailyCap` after `GOVERNANCE_DELAY`.
    function setDailyCap(uint96 dailyCap_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (dailyCap_ == 0) revert DailyCapZero();
        if (dailyCap_ > _maxDailyCap) revert DailyCapAboveMaximum(dailyCap_, _maxDailyCap);
        Scheduled memory pending = _scheduled;
        if (dailyCap_ <= _state.dailyCap) {
            pending.dailyCapAt = 0;
            _scheduled = pending;
            _setDailyCap(dailyCap_);
            return;
        }
        uint256 effectiveAt = block.timestamp + GOVERNANCE_DELAY;
        pending.dailyCap = dailyCap_;
        // Safe cast: timestamps fit 40 bits for 30,000 years.
        pending.dailyCapAt = uint40(effectiveAt);
        _scheduled = pending;
        emit DailyCapRaiseScheduled(dailyCap_, effectiveAt);
    }

    /// @inheritdoc IDistributorGovernance
    function applyDailyCap() external {
        Scheduled memory pending = _scheduled;
        _requireDue(pending.dailyCapAt);
        pending.dailyCapAt = 0;
        _scheduled = pending;
        _setDailyCap(pending.dailyCap);
    }

    /// @inheritdoc IDistributorGovernance
    function scheduleGuardianRemoval(address guardian) external {
        if (msg.sender != guardian && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert AccessControlUnauthorizedAccount(msg.sender, DEFAULT_ADMIN_ROLE);
        }
        if (!hasRole(GUARDIAN_ROLE, guardian)) revert NotGuardian(guardian);
        uint256 effectiveAt = block.timestamp + GOVERNANCE_DELAY;
        _guardianRemovalAt[guardian] = effectiveAt;
        emit GuardianRemovalScheduled(guardian, msg.sender, effectiveAt);
    }

    /// @inheritdoc IDistributorGovernance
    function vetoGuardianRemoval(address guardian) external onlyRole(GUARDIAN_ROLE) {
        if (_guardianRemovalAt[guardian] == 0) revert NoScheduledChange();
        delete _guardianRemovalAt[guardian];
        emit GuardianRemovalVetoed(guardian, msg.sender);
    }

    /// @inheritdoc IDistributorGovernance
    function removeGuardian(address guardian) external {
        _requireDue(_guardianRemovalAt[guardian]);
        delete _guardianRemovalAt[guardian];
        _revokeRole(GUARDIAN_ROLE, guardian);
    }

    /// @notice `AccessControl.revokeRole`, except for `GUARDIAN_ROLE`: a guardian leaves only
    ///         through `scheduleGuardianRemoval` (`GuardianRemovalIsDelayed`).
    function revokeRole(bytes32 role, address account) public override {
        if (role == GUARDIAN_ROLE) revert GuardianRemovalIsDelayed();
        super.revokeRole(role, account);
    }

    /// @notice `AccessControl.renounceRole`, except for `GUARDIAN_ROLE`: a guardian renounces
    ///         through `scheduleGuardianRemoval(itself)` (`GuardianRemovalIsDelayed`).
    function renounceRole(bytes32 role, address callerConfirmation) public override {
        if (role == GUARDIAN_ROLE) revert GuardianRemovalIsDelayed();
        super.renounceRole(role, callerConfirmation);
    }

    /// @inheritdoc IRewardDistributor
    function setChallengePeriod(uint32 challengePeriod_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setChallengePeriod(challengePeriod_);
    }

    // ----------------------------------------------------------------------------------- claims

    /// @inheritdoc IRewardDistributor
    function claim(address account, uint256 cumulativeAmount, uint16 level, bytes32[] calldata proof)
        external
        returns (uint256 amount)
    {
        (amount,) = _claim(_openRoot, account, cumulativeAmount, level, proof, true);
    }

    /// @inheritdoc IRewardDistributor
    function claimMany(Claim[] calldata claims) external {
        // The open-root slot is read once per batch: only a claim's own activation of the pending
        // root changes it mid-batch, and `_claim` then returns the new one. The token debit is
        // batched as the sweep's: one `transferBatch` pays every account owed something, after
        // every claim is recorded (a mid-batch activation has minted by then).
        uint256 count = claims.length;
        address[] memory recipients = new address[](count);
        uint256[] memory amounts = new uint256[](count);
        uint256 paid = 0;
        bytes32 root = _openRoot;
        for (uint256 i = 0; i < count; ++i) {
            Claim calldata c = claims[i];
            uint256 amount;
            (amount, root) = _claim(root, c.account, c.cumulativeAmount, c.level, c.proof, false);
            if (amount != 0) {
                assembly ("memory-safe") {
                    // Safe: paid <= i < count, the length of both arrays.
                    let at := shl(5, add(paid, 1))
                    mstore(add(recipients, at), calldataload(c))
                    mstore(add(amounts, at), amount)
                }
                unchecked {
                    ++paid;
                }
            }
        }
        if (paid != 0) {
            assembly ("memory-safe") {
                // Safe: shortens both arrays in place to their first `paid` entries (never longer).
                mstore(recipients, paid)
                mstore(amounts, paid)
            }
            _token.transferBatch(recipients, amounts);
        }
    }

    /// @inheritdoc IRewardDistributor
    function sweep(SweepLeaf[] calldata leaves, bytes32[] calldata proof, uint256[] calldata proofFlagBits) external {
        uint256 count = leaves.length;
        bytes32[] memory hashes = new bytes32[](count);
        assembly ("memory-safe") {
            // `_leaf` of every leaf into `hashes`, without a bounds check or a call per leaf.
            // Safe: a `SweepLeaf` is three static words, and the ABI decoder checked that the
            // array lies within calldata; `hashes[i]` is written for i < count only; the 96 bytes
            // at the free memory pointer are unallocated scratch, the inner hash goes to scratch
            // space 0x00-0x1f. A dirty address or level reverts (empty data) as the decoder's
            // own check would.
            let src := leaves.offset
            let dst := add(hashes, 0x20)
            let end := add(dst, shl(5, count))
            let ptr := mload(0x40)
            for {} lt(dst, end) {} {
                let account := calldataload(src)
                let level := calldataload(add(src, 0x40))
                if or(shr(160, account), shr(16, level)) { revert(0, 0) }
                mstore(ptr, account)
                mstore(add(ptr, 0x20), calldataload(add(src, 0x20)))
                mstore(add(ptr, 0x40), level)
                mstore(0x00, keccak256(ptr, 0x60))
                mstore(dst, keccak256(0x00, 0x20))
                dst := add(dst, 0x20)
                src := add(src, 0x60)
            }
        }
        // OpenZeppelin's multiproof: one set of sibling nodes for all the leaves, in the order the
        // JS `StandardMerkleTree.getMultiProof` gives them (processed as `MerkleProof` does).
        bytes32 computed = MultiProofCalldata.processMultiProof(hashes, proof, proofFlagBits);
        bytes32 root = _openRoot;
        uint256 epoch = uint256(root) & _EPOCH_MASK;
        if ((uint256(computed) ^ uint256(root)) >> 32 != 0) (root, epoch) = _otherRoot(address(0), computed, root);
        bool fromPrevious = (uint256(computed) ^ uint256(root)) >> 32 != 0;

        // The token debit is batched: one `transferBatch` call pays every account owed something.
        // `hashes` is reused for the amounts (a leaf hash is not read again).
        address[] memory recipients = new address[](count);
        uint256 paid = 0;
        for (uint256 i = 0; i < count;) {
            address account;
            uint256 cumulativeAmount;
            uint16 level;
            assembly ("memory-safe") {
                // Safe: the leaf the loop above read (and checked) already.
                let src := add(leaves.offset, mul(i, 0x60))
                account := calldataload(src)
                cumulativeAmount := calldataload(add(src, 0x20))
                level := calldataload(add(src, 0x40))
            }
            uint256 e = epoch;
            if (fromPrevious) (e, level) = _notBefore(account, epoch, level);
            uint256 amount = _record(account, cumulativeAmount, level, e);
            if (amount != 0) {
                assembly ("memory-safe") {
                    // Safe: paid <= i < count, the length of both arrays.
                    let at := shl(5, add(paid, 1))
                    mstore(add(recipients, at), account)
                    mstore(add(hashes, at), amount)
                }
            }
            unchecked {
                if (amount != 0) ++paid;
                ++i;
            }
        }
        if (paid != 0) {
            uint256[] memory amounts;
            assembly ("memory-safe") {
                // Safe: shortens both arrays in place to their first `paid` entries (never longer).
                mstore(recipients, paid)
                mstore(hashes, paid)
                amounts := hashes
            }
            _token.transferBatch(recipients, amounts);
        }
    }

    // ------------------------------------------------------------------------------------ views

    /// @inheritdoc IRewardDistributor
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc ILevels
    function levelOf(address account) external view returns (uint16) {
        return uint16(_accounts[account].packed >> _LEVEL_SHIFT);
    }

    /// @inheritdoc ILevels
    function currentLevelOf(address account) external view returns (uint16 level, bool current) {
        // Every `comment` asks this, so the state slot's fields are read where they lie (one
        // SLOAD, no struct copied to memory) and the cap is consulted only for a due root.
        uint256 activatesAt = _state.pendingActivatesAt;
        uint256 epoch = _state.activeEpoch;
        if (activatesAt != 0 && block.timestamp >= activatesAt && _dueAndMintable(_state)) epoch = _state.pendingEpoch;
        uint256 record = _accounts[account].packed;
        level = uint16(record >> _LEVEL_SHIFT);
        // A record's epoch is that of the root it was claimed from (the active or the previous
        // one), and epochs only grow: it is never above the active one, so "not below" means
        // "equal". While claims are paused no root's levels count.
        current = !_state.paused && (record >> _EPOCH_SHIFT) & _EPOCH_MASK >= epoch;
    }

    /// @inheritdoc ILevels
    function isActiveLeaf(address account, uint256 cumulativeAmount, uint16 level, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        State memory s = _state;
        bytes32 active = _dueAndMintable(s) ? _pendingRoot : _activeRoot;
        return !s.paused && active != 0 && _processProof(_leaf(account, cumulativeAmount, level), proof) == active;
    }

    /// @inheritdoc IRewardDistributor
    function claimed(address account) external view returns (uint256) {
        return _accounts[account].packed & _CLAIMED_MASK;
    }

    /// @inheritdoc IRewardDistributor
    function dailyRootDigest(uint64 epoch, bytes32 root, uint256 total, bytes32 dataHash)
        external
        view
        returns (bytes32)
    {
        return _dailyRootDigest(epoch, root, total, dataHash);
    }

    /// @inheritdoc IRewardDistributor
    function activeRoot() external view returns (bytes32 root, uint64 epoch, uint256 total) {
        State memory s = _state;
        if (_dueAndMintable(s)) return (_pendingRoot, s.pendingEpoch, _totals.pending);
        return (_activeRoot, s.activeEpoch, _totals.active);
    }

    /// @inheritdoc IRewardDistributor
    function dueRoot() external view returns (uint64 epoch, uint256 increment) {
        State memory s = _state;
        if (!_isDue(s)) return (0, 0);
        Totals memory totals = _totals;
        return (s.pendingEpoch, totals.pending - totals.active);
    }

    /// @inheritdoc IRewardDistributor
    function pendingRoot() external view returns (bytes32 root, uint64 epoch, uint256 total, uint256 activatesAt) {
        State memory s = _state;
        if (!_hasPending(s) || _isDue(s)) return (0, 0, 0, 0);
        return (_pendingRoot, s.pendingEpoch, _totals.pending, s.pendingActivatesAt);
    }

    /// @inheritdoc IRewardDistributor
    function oracles() external view returns (address[] memory) {
        return _oracles;
    }

    /// @inheritdoc IRewardDistributor
    function threshold() external view returns (uint8) {
        return _state.threshold;
    }

    /// @inheritdoc IRewardDistributor
    function dailyCap() external view returns (uint256) {
        return _state.dailyCap;
    }

    /// @inheritdoc IDistributorGovernance
    function maxDailyCap() external view returns (uint256) {
        return _maxDailyCap;
    }

    /// @inheritdoc IDistributorGovernance
    function pendingOracles() external view returns (bytes32, uint256) {
        uint256 at = _scheduled.oraclesAt;
        return at > 0 ? (_pendingOraclesHash, at) : (bytes32(0), 0);
    }

    /// @inheritdoc IDistributorGovernance
    function pendingDailyCap() external view returns (uint256, uint256) {
        Scheduled memory pending = _scheduled;
        return pending.dailyCapAt > 0 ? (uint256(pending.dailyCap), uint256(pending.dailyCapAt)) : (0, 0);
    }

    /// @inheritdoc IDistributorGovernance
    function guardianRemovalAt(address guardian) external view returns (uint256) {
        return _guardianRemovalAt[guardian];
    }

    /// @inheritdoc IRewardDistributor
    function isRevoked(uint64 epoch, bytes32 root, uint256 total) external view returns (bool) {
        return _revoked[_revocationKey(epoch, root, total)];
    }

    /// @inheritdoc IRewardDistributor
    function previousRoot() external view returns (bytes32 rootHigh224, uint64 epoch) {
        State memory s = _state;
        uint256 slot = uint256(_previousRoot);
        // Once a due root is mintable the views count it active, and the active root is previous.
        if (_dueAndMintable(s)) slot = uint256(_openSlot(_activeRoot, s.activeEpoch));
        return (bytes32(slot & ~_EPOCH_MASK), uint64(slot & _EPOCH_MASK));
    }

    /// @inheritdoc IRewardDistributor
    function mintWindow() external view returns (uint256 lastMintAt, uint256 minted) {
        MintLedger memory ledger = _mintLedger;
        return (ledger.lastMintAt, ledger.minted);
    }

    /// @inheritdoc IRewardDistributor
    function challengePeriod() external view returns (uint32) {
        return _state.challengePeriod;
    }

    /// @inheritdoc IRewardDistributor
    function paused() external view returns (bool) {
        return _state.paused;
    }

    // --------------------------------------------------------------------------------- internal

    /// @dev Records a claim of `account` up to `cumulativeAmount` and `level` with the root's epoch,
    ///      given the open-root slot (read by the caller); returns the amount owed, paid here when
    ///      `payNow` (`claim`) or by the caller in one batch (`claimMany`), and the open-root slot
    ///      after the claim. The common path reads one storage slot, the account record.
    function _claim(
        bytes32 openRoot,
        address account,
        uint256 cumulativeAmount,
        uint16 level,
        bytes32[] calldata proof,
        bool payNow
    ) private returns (uint256 amount, bytes32 root) {
        bytes32 computed = _processProof(_leaf(account, cumulativeAmount, level), proof);
        root = openRoot;
        // The open slot's low 32 bits are its epoch: compare the high 224.
        uint256 epoch;
        if ((uint256(computed) ^ uint256(root)) >> 32 != 0) {
            (root, epoch) = _otherRoot(account, computed, root);
            // Still not the open root: the previous one.
            if ((uint256(computed) ^ uint256(root)) >> 32 != 0) (epoch, level) = _notBefore(account, epoch, level);
        } else {
            epoch = uint256(root) & _EPOCH_MASK;
        }
        // `_record`, written out again: the call costs the hot path about 100 gas.
        if (cumulativeAmount > _CLAIMED_MASK) revert AmountTooLarge(account, cumulativeAmount);
        AccountRecord storage slot = _accounts[account];
        uint256 record = slot.packed;
        uint256 already = record & _CLAIMED_MASK;
        uint256 claimedNow = already;
        if (cumulativeAmount > already) {
            // Safe: strictly greater, checked just above.
            unchecked {
                amount = cumulativeAmount - already;
            }
            claimedNow = cumulativeAmount;
        }
        uint256 updated = (uint256(level) << _LEVEL_SHIFT) | (epoch << _EPOCH_SHIFT) | claimedNow;
        if (updated != record) slot.packed = updated;
        if (payNow && amount != 0) _pay(account, amount);
        emit Claimed(account, amount, level);
    }

    /// @dev Records a proven leaf of the root of `epoch`: the claimed amount rises to
    ///      `cumulativeAmount` (the difference is returned, for the caller to pay), and `level` is
    ///      recorded with `epoch` (never an earlier epoch than the record's: `_otherRoot` sees to
    ///      it). Emits `Claimed`. The common path reads and writes one storage slot.
    function _record(address account, uint256 cumulativeAmount, uint16 level, uint256 epoch)
        private
        returns (uint256 amount)
    {
        if (cumulativeAmount > _CLAIMED_MASK) revert AmountTooLarge(account, cumulativeAmount);
        AccountRecord storage slot = _accounts[account];
        uint256 record = slot.packed;
        uint256 already = record & _CLAIMED_MASK;
        uint256 claimedNow = already;
        if (cumulativeAmount > already) {
            // Safe: strictly greater, checked just above.
            unchecked {
                amount = cumulativeAmount - already;
            }
            claimedNow = cumulativeAmount;
        }
        uint256 updated = (uint256(level) << _LEVEL_SHIFT) | (epoch << _EPOCH_SHIFT) | claimedNow;
        if (updated != record) slot.packed = updated;
        emit Claimed(account, amount, level);
    }

    /// @dev The slow path of a proof (`computed` is where it leads) that does not reach the open
    ///      root: claims are paused, or the proof is for the due pending root (activate it, within
    ///      the cap), or for the previous active root, or it is wrong (`InvalidProof(account)`).
    ///      Returns the open-root slot after it (which the proof reaches unless it was for the
    ///      previous root) and the epoch of the root proved.
    function _otherRoot(address account, bytes32 computed, bytes32 openRoot)
        private
        returns (bytes32 root, uint256 epoch)
    {
        State memory s = _state;
        if (s.paused) revert ClaimsArePaused();
        if (_isDue(s) && computed == _pendingRoot) {
            _activateAndMint(s);
            return (_openSlot(computed, s.activeEpoch), s.activeEpoch);
        }
        uint256 previous = uint256(_previousRoot);
        if (previous == 0 || (uint256(computed) ^ previous) >> 32 != 0) revert InvalidProof(account);
        return (openRoot, previous & _EPOCH_MASK);
    }

    /// @dev The epoch and level a claim from the previous root records: its own, unless the
    ///      account's record holds a later root's (a claim from the previous root, which anyone may
    ///      send, must not make a current level stale). Only claims from the previous root need
    ///      this; the hot path never compares epochs.
    function _notBefore(address account, uint256 epoch, uint16 level) private view returns (uint256, uint16) {
        uint256 record = _accounts[account].packed;
        uint256 recorded = (record >> _EPOCH_SHIFT) & _EPOCH_MASK;
        return recorded > epoch ? (recorded, uint16(record >> _LEVEL_SHIFT)) : (epoch, level);
    }

    /// @dev Activates the due pending root, stores the state, then mints the increment.
    function _activateAndMint(State memory s) private {
        Totals memory totals = _totals;
        uint256 minted = _activate(s, totals);
        _state = s;
        _totals = totals;
        if (minted != 0) _token.mint(address(this), minted);
    }

    /// @dev Makes the (due) pending root the active one, within the rolling cap. Updates `s` and
    ///      `totals` in memory; the caller stores them, then mints the returned increment to this
    ///      contract.
    function _activate(State memory s, Totals memory totals) private returns (uint256 minted) {
        bytes32 root = _pendingRoot;
        // Safe: a root is accepted only if its total is at least the active total.
        unchecked {
            minted = totals.pending - totals.active;
        }
        if (minted != 0) {
            MintLedger memory ledger = _mintLedger;
            uint256 already = _mintedInWindow(ledger);
            if (already + minted > s.dailyCap) {
                revert DailyCapReached(ledger.lastMintAt + 1 days, already, minted, s.dailyCap);
            }
            // Safe casts: a timestamp < 2**40 for 30,000 years; already + minted <= dailyCap < 2**96.
            _mintLedger = MintLedger({lastMintAt: uint40(block.timestamp), minted: uint216(already + minted)});
        }
        bytes32 previous = _activeRoot;
        if (previous != 0) _previousRoot = _openSlot(previous, s.activeEpoch);
        _activeRoot = root;
        if (!s.paused) _openRoot = _openSlot(root, s.pendingEpoch);
        _pendingRoot = 0;
        s.activeEpoch = s.pendingEpoch;
        s.pendingEpoch = 0;
        s.pendingActivatesAt = 0;
        totals.active = totals.pending;
        emit RootActivated(s.activeEpoch, root, totals.active, minted);
    }

    /// @dev Reverts unless `signatures` holds at least `threshold` signatures of `digest`, each by a
    ///      different oracle of the current set.
    function _checkSignatures(State memory s, bytes32 digest, bytes[] calldata signatures) private view {
        if (signatures.length < s.threshold) revert InsufficientSignatures(signatures.length, s.threshold);
        uint256 seen = 0; // bit i set: oracle i has signed
        for (uint256 i = 0; i < signatures.length; ++i) {
            address signer = ECDSA.recover(digest, signatures[i]);
            uint256 entry = _oracleEntries[signer];
            if (entry >> 8 != s.oracleGeneration) revert SignerNotOracle(signer);
            uint256 bit = 1 << (entry & 0xff);
            if (seen & bit != 0) revert DuplicateSigner(signer);
            seen |= bit;
        }
    }

    function _dailyRootDigest(uint64 epoch, bytes32 root, uint256 total, bytes32 dataHash)
        private
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(DAILY_ROOT_TYPEHASH, epoch, root, total, dataHash)));
    }

    /// @dev The open-root slot of `root` at `epoch`: the root's high 224 bits, the epoch below.
    function _openSlot(bytes32 root, uint256 epoch) private pure returns (bytes32) {
        return bytes32((uint256(root) & ~_EPOCH_MASK) | epoch);
    }

    /// @dev What identifies a root for revocation: epoch, root and total (the dataHash only names
    ///      the breakdown file; the same tree with another file pays the same).
    function _revocationKey(uint64 epoch, bytes32 root, uint256 total) private pure returns (bytes32) {
        return keccak256(abi.encode(epoch, root, total));
    }

    /// @dev Whether a root is pending (activatesAt is a timestamp, so only 0 when none is).
    function _hasPending(State memory s) private pure returns (bool) {
        return s.pendingActivatesAt > 0;
    }

    /// @dev What counts against the rolling 24-hour cap now: everything minted since the last
    ///      24-hour gap between mints, or nothing once 24 hours have passed since the last mint.
    ///      A 24-hour window holding mints from both sides of such a gap would be longer than 24
    ///      hours, so every window's mints are counted together, and no window mints more than
    ///      `dailyCap` (conservative: an activation may wait for the gap, at most 24 hours).
    function _mintedInWindow(MintLedger memory ledger) private view returns (uint256) {
        return block.timestamp >= uint256(ledger.lastMintAt) + 1 days ? 0 : ledger.minted;
    }

    /// @dev Whether the pending root is due and its activation would fit the rolling cap now: only
    ///      then do the views count it active (a claim would activate it; otherwise it reverts).
    function _dueAndMintable(State memory s) private view returns (bool) {
        if (!_isDue(s)) return false;
        Totals memory totals = _totals;
        uint256 increment = totals.pending - totals.active;
        return increment == 0 || _mintedInWindow(_mintLedger) + increment <= s.dailyCap;
    }

    /// @dev Whether a pending root exists and its challenge period has passed.
    function _isDue(State memory s) private view returns (bool) {
        return _hasPending(s) && block.timestamp >= s.pendingActivatesAt;
    }

    /// @dev The StandardMerkleTree leaf `keccak256(bytes.concat(keccak256(abi.encode(account,
    ///      cumulativeAmount, level))))`, hashed without allocating memory.
    function _leaf(address account, uint256 cumulativeAmount, uint16 level) private pure returns (bytes32 leaf) {
        assembly ("memory-safe") {
            // Safe: the 96 bytes at the free memory pointer are unallocated, so nothing reads them;
            // the inner hash then goes to scratch space (0x00-0x1f), which is free for such use.
            let ptr := mload(0x40)
            mstore(ptr, and(account, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(ptr, 0x20), cumulativeAmount)
            mstore(add(ptr, 0x40), and(level, 0xffff))
            mstore(0x00, keccak256(ptr, 0x60))
            leaf := keccak256(0x00, 0x20)
        }
    }

    /// @dev The root `proof` leads to from `leaf`, pairs hashed smaller first: OpenZeppelin's
    ///      `MerkleProof.processProofCalldata` (and the JS `StandardMerkleTree`), without its per-step
    ///      bounds checks and call overhead (about 25 gas a level, 500 on a 20-level proof).
    function _processProof(bytes32 leaf, bytes32[] calldata proof) private pure returns (bytes32 node) {
        assembly ("memory-safe") {
            // Safe: reads only the proof's calldata, whose offset and length the ABI decoder has
            // checked against calldatasize; writes only scratch space (0x00-0x3f).
            node := leaf
            let p := proof.offset
            let end := add(p, shl(5, proof.length))
            // An odd level first, then two levels per loop turn: the loop's jump and bound check
            // cost about 20 gas, paid once per two levels.
            if and(proof.length, 1) {
                // The larger of the two goes second: at 0x20 if it is `node`, else at 0x00.
                let slot := shl(5, gt(node, calldataload(p)))
                mstore(slot, node)
                mstore(xor(slot, 0x20), calldataload(p))
                node := keccak256(0x00, 0x40)
                p := add(p, 0x20)
            }
            for {} lt(p, end) { p := add(p, 0x40) } {
                let slot := shl(5, gt(node, calldataload(p)))
                mstore(slot, node)
                mstore(xor(slot, 0x20), calldataload(p))
                node := keccak256(0x00, 0x40)
                slot := shl(5, gt(node, calldataload(add(p, 0x20))))
                mstore(slot, node)
                mstore(xor(slot, 0x20), calldataload(add(p, 0x20)))
                node := keccak256(0x00, 0x40)
            }
        }
    }

    /// @dev `_token.transfer(account, amount)`, which returns true or reverts (TweiToken is an
    ///      OpenZeppelin ERC20); its revert is bubbled up unchanged. Cheaper than SafeERC20 by
    ///      skipping the memory allocation and ABI encoding.
    function _pay(address account, uint256 amount) private {
        address token_ = address(_token);
        assembly ("memory-safe") {
            // Safe: the 0x44 bytes at the free memory pointer are unallocated, so nothing reads
            // them later; the returned word lands in scratch space 0x00, cleared first so a call
            // that returns nothing does not read as `true`.
            let ptr := mload(0x40)
            mstore(ptr, shl(224, 0xa9059cbb)) // transfer(address,uint256)
            mstore(add(ptr, 0x04), account)
            mstore(add(ptr, 0x24), amount)
            mstore(0x00, 0)
            let ok := call(gas(), token_, 0, ptr, 0x44, 0x00, 0x20)
            if iszero(and(ok, eq(mload(0x00), 1))) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
        }
    }

    /// @dev Reverts unless a change scheduled for `effectiveAt` (0: none) is due.
    function _requireDue(uint256 effectiveAt) private view {
        // `> 0`, not `== 0`: a timestamp, which Slither's strict-equality check flags.
        if (!(effectiveAt > 0)) revert NoScheduledChange();
        if (block.timestamp < effectiveAt) revert ChangeNotDue(effectiveAt);
    }

    function _setOracles(address[] memory oracles_, uint8 threshold_) private {
        uint256 count = oracles_.length;
        if (count == 0 || count > _MAX_ORACLES) revert InvalidOracleSet();
        if (threshold_ == 0 || threshold_ > count) revert InvalidThreshold(threshold_, count);
        State memory s = _state;
        uint256 generation = ++s.oracleGeneration;
        for (uint256 i = 0; i < count; ++i) {
            address oracle = oracles_[i];
            // A repeated address would already carry this generation (entries never carry a later one).
            if (oracle == address(0) || _oracleEntries[oracle] >> 8 >= generation) revert InvalidOracleSet();
            _oracleEntries[oracle] = (generation << 8) | i;
        }
        s.threshold = threshold_;
        _state = s;
        _oracles = oracles_;
        emit OraclesSet(oracles_, threshold_);
    }

    /// @dev The callers refuse a zero cap (a scheduled raise is above the current one, so never 0).
    function _setDailyCap(uint96 dailyCap_) private {
        // A pending (or due) root must stay activatable: its increment fits a day's cap.
        State memory s = _state;
        if (_hasPending(s)) {
            Totals memory totals = _totals;
            uint256 increment = totals.pending - totals.active;
            if (dailyCap_ < increment) revert DailyCapBelowPendingIncrement(dailyCap_, increment);
        }
        _state.dailyCap = dailyCap_;
        emit DailyCapSet(dailyCap_);
    }

    function _setChallengePeriod(uint32 challengePeriod_) private {
        if (challengePeriod_ < _MIN_CHALLENGE_PERIOD || challengePeriod_ > _MAX_CHALLENGE_PERIOD) {
            revert ChallengePeriodOutOfRange(challengePeriod_, _MIN_CHALLENGE_PERIOD, _MAX_CHALLENGE_PERIOD);
        }
        // Safe cast: below one day, so below 2**24.
        _state.challengePeriod = uint24(challengePeriod_);
        emit ChallengePeriodSet(challengePeriod_);
    }
}
