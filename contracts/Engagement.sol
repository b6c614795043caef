// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {BitMaps} from "@openzeppelin/contracts/utils/structs/BitMaps.sol";
import {ITweiToken} from "./interfaces/ITweiToken.sol";
import {ILevels} from "./interfaces/ILevels.sol";
import {IEngagement} from "./interfaces/IEngagement.sol";

/// @title Engagement
/// @notice What a wallet does on the platform every day: publish, comment, vote, react and buy
///         reports. Paying actions take their fee from the caller in the same transaction, by
///         allowance or by an EIP-2612 permit, and emit a `Flow` for every account that pays or
///         receives, so every post's PnL can be rebuilt from the chain alone.
/// @dev Gas-driven layout: a post is one slot (author, word count, vote counters), a comment one
///      slot (commenter, post id), each vote or reaction one bit of the account's bitmap in
///      `_acted`, and every parameter an action reads sits in the same slot as the treasury or
///      the level source, so an action reads at most two parameter slots. Contents are only
///      emitted. Fees are bounded by `MAX_FEE` (a `uint80`) so that they fit those slots.
///      Fee changes wait `PARAMETER_DELAY` in `_pendingChanges`, which no action reads: a payer
///      is charged what the fee slots hold, announced a day before it may change.
///      Levels: the level that gates commenting is the active daily root's. `comment` reads the
///      level the commenter's last claim recorded, if it is the active root's; `commentWithLevel`
///      proves it from the commenter's leaf, for an account that has not claimed since.
///      Slither (low): `timestamp` on the parameter delay (a day, which a validator's few
///      seconds of skew cannot shorten) and on comparisons it wrongly taints; nothing above low
///      (the one assembly block is explained where it is).
contract Engagement is AccessControl, IEngagement {
    using SafeERC20 for ITweiToken;
    using BitMaps for BitMaps.BitMap;

    /// @inheritdoc IEngagement
    uint256 public constant MAX_FEE = type(uint80).max;

    /// @inheritdoc IEngagement
    uint256 public constant PARAMETER_DELAY = 1 days;

    /// @dev 100 % in basis points.
    uint16 private constant _BPS = 10_000;

    ITweiToken private immutable _token;

    // Slot: what a dislike reads (the treasury also serves every other fee).
    address private _treasury;
    uint80 private _dislikeFee;
    uint16 private _dislikeAuthorShareBps;

    // Slot: the other treasury fees.
    uint80 private _publishTribute;
    uint80 private _minusFee;
    uint80 private _reportPrice;

    // Slot: what a comment reads besides the treasury.
    ILevels private _levels;
    uint80 private _commentTribute;
    uint16 private _commentMinLevel;

    /// @dev The next id to give. Starts at 1 (0 means "none") so that taking an id never writes
    ///      a zero slot.
    uint256 private _nextId = 1;

    mapping(uint256 postId => Post) private _posts;
    mapping(uint256 commentId => Comment) private _comments;
    /// @dev Per account, one bit per post voted on or comment reacted to. Ids are unique across
    ///      posts and comments, so one bitmap holds both; neighbouring ids share a storage word,
    ///      so an account's later actions on nearby targets write a word that is already set.
    mapping(address account => BitMaps.BitMap) private _acted;

    /// @dev A scheduled parameter change: the new value, and when it may be applied (0: none).
    struct PendingChange {
        uint216 value;
        uint40 effectiveAt;
    }

    mapping(Parameter parameter => PendingChange) private _pendingChanges;

    /// @param token_ The Twei token fees are paid in.
    /// @param admin Receives `DEFAULT_ADMIN_ROLE` (sets every parameter).
    /// @param treasury_ Receives the treasury's part of every fee.
    /// @param levels_ The level source that gates commenting (the reward distributor).
    /// @param params The fees, dislike split and comment level (defaults in `twei/params.py`).
    constructor(ITweiToken token_, address admin, address treasury_, ILevels levels_, Parameters memory params) {
        if (address(token_) == address(0) || admin == address(0)) revert ZeroAddress();
        _token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setTreasury(treasury_);
        _setLevels(address(levels_));
        _setPublishTribute(params.publishTribute);
        _setCommentTribute(params.commentTribute);
        _setMinusFee(params.minusFee);
        _setDislikeFee(params.dislikeFee);
        _setDislikeAuthorShareBps(params.dislikeAuthorShareBps);
        _setReportPrice(params.reportPrice);
        _setCommentMinLevel(params.commentMinLevel);
    }

    // ---------------------------------------------------------------------------------------
    // Actions
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IEngagement
    function publishPost(bytes32 contentHash, uint32 wordCount) external returns (uint256 postId) {
        postId = _publishPost(contentHash, wordCount);
        _payTreasury(postId, FlowCategory.PostPublishTribute, _publishTribute);
    }

    /// @inheritdoc IEngagement
    function publishPostWithPermit(bytes32 contentHash, uint32 wordCount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 postId)
    {
        postId = _publishPost(contentHash, wordCount);
        _payTreasuryWithPermit(postId, FlowCategory.PostPublishTribute, _publishTribute, deadline, v, r, s);
    }

    /// @inheritdoc IEngagement
    function comment(uint256 postId, bytes32 contentHash) external returns (uint256 commentId) {
        _requirePost(postId);
        commentId = _comment(postId, contentHash, _recordedLevel());
        _payTreasury(postId, FlowCategory.CommentTributes, _commentTribute);
    }

    /// @inheritdoc IEngagement
    function commentWithPermit(uint256 postId, bytes32 contentHash, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 commentId)
    {
        _requirePost(postId);
        commentId = _comment(postId, contentHash, _recordedLevel());
        _payTreasuryWithPermit(postId, FlowCategory.CommentTributes, _commentTribute, deadline, v, r, s);
    }

    /// @inheritdoc IEngagement
    function commentWithLevel(uint256 postId, bytes32 contentHash, LevelProof calldata leaf)
        external
        returns (uint256 commentId)
    {
        _requirePost(postId);
        commentId = _comment(postId, contentHash, _provenLevel(leaf));
        _payTreasury(postId, FlowCategory.CommentTributes, _commentTribute);
    }

    /// @inheritdoc IEngagement
    function commentWithLevelAndPermit(
        uint256 postId,
        bytes32 contentHash,
        LevelProof calldata leaf,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 commentId) {
        _requirePost(postId);
        commentId = _comment(postId, contentHash, _provenLevel(leaf));
        _payTreasuryWithPermit(postId, FlowCategory.CommentTributes, _commentTribute, deadline, v, r, s);
    }

    /// @inheritdoc IEngagement
    function plus(uint256 postId) external {
        _vote(postId, Vote.Plus);
    }

    /// @inheritdoc IEngagement
    function minus(uint256 postId) external {
        _vote(postId, Vote.Minus);
        _payTreasury(postId, FlowCategory.SpentForMinuses, _minusFee);
    }

    /// @inheritdoc IEngagement
    function minusWithPermit(uint256 postId, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external {
        _vote(postId, Vote.Minus);
        _payTreasuryWithPermit(postId, FlowCategory.SpentForMinuses, _minusFee, deadline, v, r, s);
    }

    /// @inheritdoc IEngagement
    function like(uint256 commentId) external {
        _react(commentId, Reaction.Like);
    }

    /// @inheritdoc IEngagement
    function dislike(uint256 commentId) external {
        (address author, uint256 authorPart, address treasury_, uint256 treasuryPart) = _dislike(commentId);
        _transferSplit(author, authorPart, treasury_, treasuryPart);
    }

    /// @inheritdoc IEngagement
    function dislikeWithPermit(uint256 commentId, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external {
        (address author, uint256 authorPart, address treasury_, uint256 treasuryPart) = _dislike(commentId);
        uint256 fee = authorPart + treasuryPart;
        if (fee != 0) _permit(fee, deadline, v, r, s);
        _transferSplit(author, authorPart, treasury_, treasuryPart);
    }

    /// @inheritdoc IEngagement
    function buyReport(uint256 postId) external returns (uint256 reportId) {
        reportId = _buyReport(postId);
        _payTreasury(postId, FlowCategory.PnlReports, _reportPrice);
    }

    /// @inheritdoc IEngagement
    function buyReportWithPermit(uint256 postId, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 reportId)
    {
        reportId = _buyReport(postId);
        _payTreasuryWithPermit(postId, FlowCategory.PnlReports, _reportPrice, deadline, v, r, s);
    }

    // ---------------------------------------------------------------------------------------
    // Admin
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IEngagement
    function setPublishTribute(uint256 tribute) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _schedule(Parameter.PublishTribute, _fee(tribute));
    }

    /// @inheritdoc IEngagement
    function setCommentTribute(uint256 tribute) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _schedule(Parameter.CommentTribute, _fee(tribute));
    }

    /// @inheritdoc IEngagement
    function setMinusFee(uint256 fee) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _schedule(Parameter.MinusFee, _fee(fee));
    }

    /// @inheritdoc IEngagement
    function setDislikeFee(uint256 fee) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _schedule(Parameter.DislikeFee, _fee(fee));
    }

    /// @inheritdoc IEngagement
    function setDislikeAuthorShareBps(uint16 shareBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _schedule(Parameter.DislikeAuthorShareBps, _checkShare(shareBps));
    }

    /// @inheritdoc IEngagement
    function setReportPrice(uint256 price) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _schedule(Parameter.ReportPrice, _fee(price));
    }

    /// @inheritdoc IEngagement
    function applyParameterChange(Parameter parameter) external {
        PendingChange memory change = _pendingChanges[parameter];
        if (!_isScheduled(change)) revert NoParameterChange(parameter);
        if (block.timestamp < change.effectiveAt) revert ParameterChangeNotDue(parameter, change.effectiveAt);
        delete _pendingChanges[parameter];
        uint256 value = change.value;
        // Each value was bounded when it was scheduled (`_fee`, `_checkShare`), so the setters'
        // own checks pass and the narrowing to uint16 is exact.
        if (parameter == Parameter.PublishTribute) _setPublishTribute(value);
        else if (parameter == Parameter.CommentTribute) _setCommentTribute(value);
        else if (parameter == Parameter.MinusFee) _setMinusFee(value);
        else if (parameter == Parameter.DislikeFee) _setDislikeFee(value);
        else if (parameter == Parameter.DislikeAuthorShareBps) _setDislikeAuthorShareBps(uint16(value));
        else _setReportPrice(value);
    }

    /// @inheritdoc IEngagement
    function setCommentMinLevel(uint16 level) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setCommentMinLevel(level);
    }

    /// @inheritdoc IEngagement
    function setTreasury(address newTreasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTreasury(newTreasury);
    }

    /// @inheritdoc IEngagement
    function setLevels(address newLevels) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setLevels(newLevels);
    }

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IEngagement
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IEngagement
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IEngagement
    function levels() external view returns (address) {
        return address(_levels);
    }

    /// @inheritdoc IEngagement
    function publishTribute() external view returns (uint256) {
        return _publishTribute;
    }

    /// @inheritdoc IEngagement
    function commentTribute() external view returns (uint256) {
        return _commentTribute;
    }

    /// @inheritdoc IEngagement
    function minusFee() external view returns (uint256) {
        return _minusFee;
    }

    /// @inheritdoc IEngagement
    function dislikeFee() external view returns (uint256) {
        return _dislikeFee;
    }

    /// @inheritdoc IEngagement
    function dislikeAuthorShareBps() external view returns (uint16) {
        return _dislikeAuthorShareBps;
    }

    /// @inheritdoc IEngagement
    function reportPrice() external view returns (uint256) {
        return _reportPrice;
    }

    /// @inheritdoc IEngagement
    function commentMinLevel() external view returns (uint16) {
        return _commentMinLevel;
    }

    /// @inheritdoc IEngagement
    function pendingParameterChange(Parameter parameter) external view returns (uint256 value, uint256 effectiveAt) {
        PendingChange memory change = _pendingChanges[parameter];
        return (change.value, change.effectiveAt);
    }

    /// @inheritdoc IEngagement
    function lastId() external view returns (uint256) {
        return _nextId - 1;
    }

    /// @inheritdoc IEngagement
    function getPost(uint256 postId) external view returns (Post memory) {
        return _posts[postId];
    }

    /// @inheritdoc IEngagement
    function getComment(uint256 commentId) external view returns (Comment memory) {
        return _comments[commentId];
    }

    /// @inheritdoc IEngagement
    function hasVoted(uint256 postId, address account) external view returns (bool) {
        return _posts[postId].author != address(0) && _acted[account].get(postId);
    }

    /// @inheritdoc IEngagement
    function hasReacted(uint256 commentId, address account) external view returns (bool) {
        return _comments[commentId].commenter != address(0) && _acted[account].get(commentId);
    }

    // ---------------------------------------------------------------------------------------
    // Action bodies: check and write state and emit; the callers then take the payment, whose
    // Flows are emitted before the permit and the transfers, the only external calls.
    // ---------------------------------------------------------------------------------------

    function _publishPost(bytes32 contentHash, uint32 wordCount) private returns (uint256 postId) {
        if (wordCount == 0) revert EmptyPost();
        postId = _takeId();
        _posts[postId] = Post({author: msg.sender, wordCount: wordCount, pluses: 0, minuses: 0});
        emit PostPublished(postId, msg.sender, contentHash, wordCount);
    }

    /// @dev Records a comment by the caller, whose level in the active root is `level` (the post
    ///      exists: the callers checked).
    function _comment(uint256 postId, bytes32 contentHash, uint16 level) private returns (uint256 commentId) {
        uint16 required = _commentMinLevel;
        if (level < required) revert LevelTooLow(msg.sender, level, required);
        commentId = _takeId();
        // postId < _nextId, and ids would need 2^96 transactions to outgrow a uint96.
        _comments[commentId] = Comment({commenter: msg.sender, postId: uint96(postId)});
        emit Commented(commentId, postId, msg.sender, contentHash);
    }

    /// @dev The caller's level as its last claim recorded it; reverts with `LevelNotCurrent` if
    ///      that claim was under an earlier root than the active one (unless no level is needed).
    function _recordedLevel() private view returns (uint16 level) {
        // A view call (STATICCALL) to the level source: it cannot re-enter or change state.
        bool current;
        (level, current) = _levels.currentLevelOf(msg.sender);
        if (!current && _commentMinLevel != 0) revert LevelNotCurrent(msg.sender);
    }

    /// @dev The caller's level proven by its leaf in the active root (a view call, as above).
    function _provenLevel(LevelProof calldata leaf) private view returns (uint16) {
        if (!_levels.isActiveLeaf(msg.sender, leaf.cumulativeAmount, leaf.level, leaf.proof)) {
            revert InvalidLevelProof(msg.sender);
        }
        return leaf.level;
    }

    function _buyReport(uint256 postId) private returns (uint256 reportId) {
        _requirePost(postId);
        reportId = _takeId();
        emit ReportPurchased(reportId, postId, msg.sender);
    }

    /// @dev One vote per account per post: a minus after a plus (or the reverse) is a second vote.
    function _vote(uint256 postId, Vote vote) private {
        Post storage post = _posts[postId];
        address author = post.author;
        if (author == address(0)) revert PostNotFound(postId);
        if (author == msg.sender) revert VoteOnOwnPost(postId);
        BitMaps.BitMap storage acted = _acted[msg.sender];
        if (acted.get(postId)) revert AlreadyVoted(postId, msg.sender);
        acted.set(postId);
        if (vote == Vote.Plus) post.pluses += 1;
        else post.minuses += 1;
        emit Voted(postId, msg.sender, vote);
    }

    /// @dev One reaction per account per comment. Returns the comment's post.
    function _react(uint256 commentId, Reaction reaction) private returns (uint256 postId) {
        Comment memory target = _comments[commentId];
        if (target.commenter == address(0)) revert CommentNotFound(commentId);
        if (target.commenter == msg.sender) revert ReactionToOwnComment(commentId);
        BitMaps.BitMap storage acted = _acted[msg.sender];
        if (acted.get(commentId)) revert AlreadyReacted(commentId, msg.sender);
        acted.set(commentId);
        postId = target.postId;
        emit Reacted(commentId, postId, msg.sender, reaction);
    }

    /// @dev Records the dislike and emits its Flows; returns who gets how much of the fee.
    function _dislike(uint256 commentId)
        private
        returns (address author, uint256 authorPart, address treasury_, uint256 treasuryPart)
    {
        uint256 postId = _react(commentId, Reaction.Dislike);
        uint256 fee = _dislikeFee;
        if (fee == 0) return (author, 0, treasury_, 0);
        author = _posts[postId].author;
        treasury_ = _treasury;
        // fee < 2^80 and the share <= 10,000, so the product cannot overflow.
        authorPart = (fee * _dislikeAuthorShareBps) / _BPS;
        treasuryPart = fee - authorPart;
        emit Flow(postId, msg.sender, uint8(FlowCategory.DislikesOwn), fee);
        if (authorPart != 0) emit Flow(postId, author, uint8(FlowCategory.DislikesAuthor), authorPart);
        if (treasuryPart != 0) emit Flow(postId, treasury_, uint8(FlowCategory.DislikesOwn), treasuryPart);
    }

    /// @dev Moves a dislike fee's two parts from the caller.
    function _transferSplit(address author, uint256 authorPart, address treasury_, uint256 treasuryPart) private {
        if (authorPart != 0) _token.safeTransferFrom(msg.sender, author, authorPart);
        if (treasuryPart != 0) _token.safeTransferFrom(msg.sender, treasury_, treasuryPart);
    }

    /// @dev Emits the payer's and the treasury's Flow, then moves `amount` from the caller.
    function _payTreasury(uint256 postId, FlowCategory category, uint256 amount) private {
        if (amount == 0) return;
        address treasury_ = _treasuryFlows(postId, category, amount);
        _token.safeTransferFrom(msg.sender, treasury_, amount);
    }

    /// @dev `_payTreasury`, applying the caller's permit for `amount` before the transfer.
    function _payTreasuryWithPermit(
        uint256 postId,
        FlowCategory category,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) private {
        if (amount == 0) return;
        address treasury_ = _treasuryFlows(postId, category, amount);
        _permit(amount, deadline, v, r, s);
        _token.safeTransferFrom(msg.sender, treasury_, amount);
    }

    /// @dev Emits the Flows of a fee paid wholly to the treasury; returns the treasury.
    function _treasuryFlows(uint256 postId, FlowCategory category, uint256 amount) private returns (address treasury_) {
        treasury_ = _treasury;
        emit Flow(postId, msg.sender, uint8(category), amount);
        emit Flow(postId, treasury_, uint8(category), amount);
    }

    /// @dev Applies the caller's permit for `value`. Anyone who saw the permit in the mempool may
    ///      have submitted it first (the "ERC20Permit front-running" of OpenZeppelin's SafeERC20
    ///      docs): then it reverts here, yet the allowance is in place and the action must go on.
    ///      Only when the allowance is short is the token's own error re-raised.
    function _permit(uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) private {
        try _token.permit(msg.sender, address(this), value, deadline, v, r, s) {}
        catch (bytes memory reason) {
            if (_token.allowance(msg.sender, address(this)) < value) {
                // Re-raise the revert data exactly as the token gave it; `reason` is a bytes
                // array in memory (length word, then data), and nothing runs after the revert.
                assembly ("memory-safe") {
                    revert(add(reason, 0x20), mload(reason))
                }
            }
        }
    }

    function _requirePost(uint256 postId) private view {
        if (_posts[postId].author == address(0)) revert PostNotFound(postId);
    }

    function _takeId() private returns (uint256 id) {
        id = _nextId;
        // Each id costs a transaction's worth of gas; 2^256 of them cannot be taken.
        unchecked {
            _nextId = id + 1;
        }
    }

    // ---------------------------------------------------------------------------------------
    // Setters: each checks its bound, writes and emits. The fee setters run at construction and
    // when a scheduled change is applied.
    // ---------------------------------------------------------------------------------------

    /// @dev Whether a change is scheduled (effectiveAt is a timestamp, so only 0 when none is).
    function _isScheduled(PendingChange memory change) private pure returns (bool) {
        return change.effectiveAt > 0;
    }

    /// @dev Schedules `parameter` to become `value` after `PARAMETER_DELAY`.
    function _schedule(Parameter parameter, uint256 value) private {
        uint256 effectiveAt = block.timestamp + PARAMETER_DELAY;
        // Safe casts: values are bounded by MAX_FEE (2^80) or 10,000; timestamps fit 40 bits.
        _pendingChanges[parameter] = PendingChange({value: uint216(value), effectiveAt: uint40(effectiveAt)});
        emit ParameterChangeScheduled(parameter, value, effectiveAt);
    }

    function _setPublishTribute(uint256 tribute) private {
        _publishTribute = _fee(tribute);
        emit PublishTributeSet(tribute);
    }

    function _setCommentTribute(uint256 tribute) private {
        _commentTribute = _fee(tribute);
        emit CommentTributeSet(tribute);
    }

    function _setMinusFee(uint256 fee) private {
        _minusFee = _fee(fee);
        emit MinusFeeSet(fee);
    }

    function _setDislikeFee(uint256 fee) private {
        _dislikeFee = _fee(fee);
        emit DislikeFeeSet(fee);
    }

    function _setDislikeAuthorShareBps(uint16 shareBps) private {
        _dislikeAuthorShareBps = uint16(_checkShare(shareBps));
        emit DislikeAuthorShareSet(shareBps);
    }

    function _setReportPrice(uint256 price) private {
        _reportPrice = _fee(price);
        emit ReportPriceSet(price);
    }

    function _setCommentMinLevel(uint16 level) private {
        _commentMinLevel = level;
        emit CommentMinLevelSet(level);
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert ZeroAddress();
        _treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    function _setLevels(address levels_) private {
        if (levels_ == address(0)) revert ZeroAddress();
        _levels = ILevels(levels_);
        emit LevelsSet(levels_);
    }

    /// @dev `shareBps`, or a revert if it is above 100 %.
    function _checkShare(uint16 shareBps) private pure returns (uint256) {
        if (shareBps > _BPS) revert AuthorShareTooHigh(shareBps);
        return shareBps;
    }

    /// @dev `amount` as a packed fee, or a revert if it is above `MAX_FEE`.
    function _fee(uint256 amount) private pure returns (uint80) {
        if (amount > MAX_FEE) revert FeeTooHigh(amount, MAX_FEE);
        // Checked just above: amount <= type(uint80).max.
        return uint80(amount);
    }
}
