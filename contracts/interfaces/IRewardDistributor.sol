// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ILevels} from "./ILevels.sol";

/// @title IRewardDistributor
/// @notice The daily cumulative Merkle distributor of the Twei reward pool (SPEC §5). Once per UTC
///         day the settlement job publishes one root over leaves `(account, cumulative amount ever
///         earned, level)`, signed by a quorum of oracles. After a challenge period the root is
///         active and every account can claim, in one transaction, all it has earned and not yet
///         claimed; the claim also records the account's level.
interface IRewardDistributor is ILevels {
    /// @notice One account's claim, as `claimMany` takes it.
    struct Claim {
        address account;
        uint256 cumulativeAmount;
        uint16 level;
        bytes32[] proof;
    }

    /// @notice One leaf of a `sweep`: an account, its cumulative amount and level.
    struct SweepLeaf {
        address account;
        uint256 cumulativeAmount;
        uint16 level;
    }

    // ---------------------------------------------------------------- events

    /// @notice A root with enough oracle signatures was accepted; it activates at `activatesAt`.
    event RootPublished(
        uint64 indexed epoch, bytes32 root, uint256 total, bytes32 dataHash, uint256 activatesAt
    );

    /// @notice A guardian revoked the pending root of `epoch`; it will never activate.
    event RootRevoked(uint64 indexed epoch, bytes32 root, address indexed guardian);

    /// @notice The pending root of `epoch` passed its challenge period and is now the one claims use;
    ///         the day's increment `minted` was minted to the distributor.
    event RootActivated(uint64 indexed epoch, bytes32 root, uint256 total, uint256 minted);

    /// @notice `account` received `amount` (possibly 0) and its level is now `level`.
    event Claimed(address indexed account, uint256 amount, uint16 level);

    /// @notice The oracle set and the number of distinct signatures a root needs changed.
    event OraclesSet(address[] oracles, uint8 threshold);

    /// @notice The most the distributor may mint in any 24 hours (and one root may add) changed.
    event DailyCapSet(uint256 dailyCap);

    /// @notice How long a published root stays pending changed (applies to roots published later).
    event ChallengePeriodSet(uint32 challengePeriod);

    /// @notice A guardian paused claims.
    event ClaimsPaused(address indexed guardian);

    /// @notice The admin resumed claims.
    event ClaimsUnpaused(address indexed admin);

    // ---------------------------------------------------------------- errors

    /// @notice A root's `epoch` is not after the latest accepted root's `latest`.
    error EpochNotIncreasing(uint64 epoch, uint64 latest);

    /// @notice A root's `epoch` is a UTC day that has not begun yet (`today`).
    error EpochInFuture(uint64 epoch, uint64 today);

    /// @notice A root's `total` is below the latest accepted root's `previous`.
    error TotalDecreased(uint256 total, uint256 previous);

    /// @notice A root's `total` grows by more than `dailyCap` over the latest accepted root's.
    error TotalAboveDailyCap(uint256 total, uint256 previous, uint256 dailyCap);

    /// @notice Only `count` distinct oracle signatures, fewer than `threshold`.
    error InsufficientSignatures(uint256 count, uint256 threshold);

    /// @notice A signature recovers to `signer`, who is not in the current oracle set.
    error SignerNotOracle(address signer);

    /// @notice Two signatures come from the same oracle `signer`.
    error DuplicateSigner(address signer);

    /// @notice The previous root (`epoch`) is still in its challenge period, until `activatesAt`;
    ///         publish the next one after that (nothing is lost: amounts are cumulative).
    error PendingRootNotDue(uint64 epoch, uint256 activatesAt);

    /// @notice There is no pending root to revoke.
    error NoPendingRoot();

    /// @notice The proof does not lead from `account`'s leaf to the active root nor to the previous
    ///         one (`account` is zero for a `sweep`'s multiproof).
    error InvalidProof(address account);

    /// @notice A leaf's cumulative amount does not fit the claimed-amount record.
    error AmountTooLarge(address account, uint256 cumulativeAmount);

    /// @notice Claims are paused.
    error ClaimsArePaused();

    /// @notice Claims are not paused.
    error ClaimsNotPaused();

    /// @notice The oracle set is empty, too large, or holds the zero address.
    error InvalidOracleSet();

    /// @notice `threshold` is zero or above the number of oracles.
    error InvalidThreshold(uint256 threshold, uint256 oracles);

    /// @notice The challenge period must be at least `minimum` (an hour, so a guardian can react)
    ///         and at most `maximum` (under a day, so a root is active before the next one arrives).
    error ChallengePeriodOutOfRange(uint256 challengePeriod, uint256 minimum, uint256 maximum);

    /// @notice The daily cap must be above zero (a zero cap would let no root ever activate).
    error DailyCapZero();

    /// @notice A daily cap below the pending root's `increment` would leave that root unable to
    ///         activate on any day; revoke the root first (while pending) or wait for it.
    error DailyCapBelowPendingIncrement(uint256 dailyCap, uint256 increment);

    /// @notice This exact root (`epoch`, `root`, `total`) was revoked by a guardian and can never
    ///         be published again, whoever submits its signatures; publish a corrected root.
    error RootWasRevoked(uint64 epoch, bytes32 root, uint256 total);

    /// @notice The root's increment over the active total is more than the token's cap still
    ///         allows to mint (`mintable`): such a root could never be paid.
    error TotalAboveSupplyCap(uint256 increment, uint256 mintable);

    /// @notice Activating the due root would mint `increment` within 24 hours of mints counting
    ///         `minted`, beyond `dailyCap`; it can be activated from `availableAt` (24 hours after
    ///         the last mint).
    error DailyCapReached(uint256 availableAt, uint256 minted, uint256 increment, uint256 dailyCap);

    // ---------------------------------------------------------------- roots

    /// @notice Publishes the root of UTC day `epoch`; anyone may submit it.
    /// @param epoch The UTC day settled (days since 1970-01-01); strictly increasing.
    /// @param root The StandardMerkleTree root over `(address account, uint256 cumulative, uint16 level)`.
    /// @param total The sum of all cumulative amounts: never decreasing, growing by at most
    ///        `dailyCap()` and by no more than the token's cap can still mint.
    /// @param dataHash keccak256 of the day's published breakdown file.
    /// @param signatures EIP-712 `DailyRoot` signatures of at least `threshold()` distinct oracles.
    function publishRoot(
        uint64 epoch,
        bytes32 root,
        uint256 total,
        bytes32 dataHash,
        bytes[] calldata signatures
    ) external;

    /// @notice Revokes the pending root for good; only a `GUARDIAN_ROLE` holder. The same epoch,
    ///         root and total can never be published again; the oracles may publish a corrected
    ///         root for the same epoch.
    function revokePendingRoot() external;

    /// @notice Activates the pending root once its challenge period has passed and mints its
    ///         increment to this contract; anyone may call (the daily job does, right after the
    ///         period, so that no user's claim pays for the mint). Reverts with `NoPendingRoot`,
    ///         `PendingRootNotDue` or `DailyCapReached`.
    function activatePendingRoot() external;

    /// @notice Pauses claims; only a `GUARDIAN_ROLE` holder. Roots still publish and activate. While
    ///         paused no level counts: `currentLevelOf` is not current and `isActiveLeaf` false.
    function pause() external;

    /// @notice Resumes claims; only the admin.
    function unpause() external;

    /// @notice Schedules a new oracle set and signature threshold; only the admin. It applies after
    ///         `GOVERNANCE_DELAY` unless a guardian vetoes it (IDistributorGovernance).
    function setOracles(address[] calldata oracles, uint8 threshold) external;

    /// @notice Sets the most the distributor may mint in any 24 hours (and one root may add); only
    ///         the admin. Lowering is immediate, raising waits `GOVERNANCE_DELAY`, up to `maxDailyCap`.
    function setDailyCap(uint96 dailyCap) external;

    /// @notice Sets the challenge period (an hour or more, below one day) of roots published from
    ///         now on; only the admin.
    function setChallengePeriod(uint32 challengePeriod) external;

    // ---------------------------------------------------------------- claims

    /// @notice Pays `account` what it has earned and not yet claimed under the active root, or under
    ///         the previous one (a proof stays good for one more root: amounts are cumulative, so
    ///         the difference from what was claimed is paid), and records the level with that
    ///         root's epoch, unless a later root's level is recorded already; anyone may call, the
    ///         Twei always goes to `account`.
    /// @return amount The Twei paid now (0 if everything was already claimed).
    function claim(address account, uint256 cumulativeAmount, uint16 level, bytes32[] calldata proof)
        external
        returns (uint256 amount);

    /// @notice `claim` for many accounts in one transaction.
    function claimMany(Claim[] calldata claims) external;

    /// @notice `claim` for many accounts of one root with one OpenZeppelin multiproof
    ///         (`StandardMerkleTree.getMultiProof`: `leaves` in the order it returns them), paid by
    ///         one token `transferBatch`; the operator's daily sweep. Anyone may call.
    /// @param proofFlagBits The multiproof's flags packed as bits, 256 a word: flag `i` is bit
    ///        `i % 256` (least significant first) of word `i / 256`; exactly
    ///        `leaves.length + proof.length - 1` flags, no bit set past the last
    ///        (`twei.merkle.pack_flags`), else `MerkleProofInvalidMultiproof`.
    function sweep(SweepLeaf[] calldata leaves, bytes32[] calldata proof, uint256[] calldata proofFlagBits) external;

    // ---------------------------------------------------------------- views

    /// @notice The token paid out (minted to this contract as roots activate).
    function token() external view returns (address);

    /// @notice The role that may revoke pending roots and pause claims.
    function GUARDIAN_ROLE() external view returns (bytes32);

    /// @notice The EIP-712 typehash of `DailyRoot(uint64 epoch,bytes32 root,uint256 total,bytes32 dataHash)`.
    function DAILY_ROOT_TYPEHASH() external view returns (bytes32);

    /// @notice The EIP-712 digest the oracles sign for a root.
    function dailyRootDigest(uint64 epoch, bytes32 root, uint256 total, bytes32 dataHash)
        external
        view
        returns (bytes32);

    /// @notice The root claims use now: a pending root that passed its period counts as active only
    ///         when its activation fits the rolling daily cap now, as a claim from it would activate
    ///         it (otherwise that claim reverts `DailyCapReached`).
    function activeRoot() external view returns (bytes32 root, uint64 epoch, uint256 total);

    /// @notice The root whose challenge period is over but that nobody has activated yet, and the
    ///         increment its activation will mint (epoch 0 if none): what `activatePendingRoot`
    ///         would try now (it reverts `DailyCapReached` when the rolling cap blocks it; see
    ///         `mintWindow`).
    function dueRoot() external view returns (uint64 epoch, uint256 increment);

    /// @notice The root waiting for its challenge period to end (zero root if none).
    function pendingRoot() external view returns (bytes32 root, uint64 epoch, uint256 total, uint256 activatesAt);

    /// @notice Whether a guardian revoked the root (`epoch`, `root`, `total`): it can never be
    ///         published again.
    function isRevoked(uint64 epoch, bytes32 root, uint256 total) external view returns (bool);

    /// @notice What `account` has claimed so far.
    function claimed(address account) external view returns (uint256);

    /// @notice The current oracles.
    function oracles() external view returns (address[] memory);

    /// @notice Distinct oracle signatures a root needs.
    function threshold() external view returns (uint8);

    /// @notice The most the distributor mints in any 24 hours (rolling, not per UTC day), and the
    ///         most one root may add.
    function dailyCap() external view returns (uint256);

    /// @notice The rolling cap's ledger: the last minting activation's time, and what was minted
    ///         since the last 24-hour gap between mints (it counts against the cap until 24 hours
    ///         after `lastMintAt`, then nothing does).
    function mintWindow() external view returns (uint256 lastMintAt, uint256 minted);

    /// @notice The root before the active one (as `activeRoot()` counts it), whose proofs claims
    ///         still accept: its high 224 bits (claims compare those) and its epoch; zero if none.
    function previousRoot() external view returns (bytes32 rootHigh224, uint64 epoch);

    /// @notice How long a root published now stays pending, in seconds.
    function challengePeriod() external view returns (uint32);

    /// @notice Whether claims are paused.
    function paused() external view returns (bool);
}
