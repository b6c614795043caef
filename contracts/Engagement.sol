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
///      `_acted`, and each fee (its value before and after a scheduled change, and the instant)
///      is one slot of its own: an action reads its fee slot and the treasury's, and a comment
///      the level source's too. Contents are only emitted. Fees are bounded by `MAX_FEE`
///      (1,000 TWEI, see there).
///      A scheduled change takes effect at its announced instant by itself: each fee (and the
///      dislike split, and the comment level) keeps its value before the change, the value after
///      it and the instant, in the slot the action reads, and an action reads the one the clock
///      says, so nobody chooses the moment. The allowance forms take the `maxFee` the user agreed
///      to (`FeeAboveAgreed` above it). The treasury and the level source wait the same delay and
///      are switched by `applyParameterChange` (they change who receives, not what a user pays).
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
    /// @dev 1,000 TWEI: 200 times the dearest default fee (the 5 TWEI publish tribute) and 20 days
    ///      of a reader's whole daily reward (50 TWEI), so it leaves room for any sensible price
    ///      while a hostile or mistaken schedule can never price an action at a holder's fortune
    ///      (the former bound, 2^80 wei, was 1.2 million TWEI).
    uint256 public constant MAX_FEE = 1_000 ether;

    /// @inheritdoc IEngagement
    uint256 public constant PARAMETER_DELAY = 1 days;

    /// @dev 100 % in basis points.
    uint16 private constant _BPS = 10_000;

    ITweiToken private immutable _token;

    /// @dev A fee that changes by itself: `before` until `at`, `next` from then (`at` 0: `next`).
    ///      Timestamps fit 32 bits until 2106.
    struct Fee {
        uint80 before;
        uint80 next;
        uint32 at;
    }

    /// @dev The dislike fee and the author's share of it, each changing by itself, in one slot.
    struct DislikeTerms {
        uint80 feeBefore;
        uint80 feeNext;
        uint32 feeAt;
        uint16 shareBefore;
        uint16 shareNext;
        uint32 shareAt;
    }

    // Slot: where every fee goes, and the next id to give. Together because every action that
    // takes an id (publishPost, comment, buyReport) also pays the treasury: one cold read for both.
    address private _treasury;
    /// @dev The next id to give. Starts at 1 (0 means "none"). 2^96 ids would take 2^96
    ///      transactions: it never wraps.
    uint96 private _nextId = 1;

    // Slot: what gates a comment: the level source and the level needed (which changes by itself).
    ILevels private _levels;
    uint16 private _minLevelBefore;
    uint16 private _minLevelNext;
    uint32 private _minLevelAt;

    // One slot per fee: what its action reads besides the treasury.
    Fee private _publishTribute;
    Fee private _commentTribute;
    Fee private _minusFee;
    DislikeTerms private _dislike;
    Fee private _reportPrice;

    mapping(uint256 postId => Post) private _posts;
    mapping(uint256 commentId => Comment) private _comments;
    /// @dev Per account, one bit per post voted on or comment reacted to. Ids are unique across
    ///      posts and comments, so one bitmap holds both; neighbouring ids share a storage word,
    ///      so an account's later actions on nearby targets write a word that is already set.
    mapping(address account => BitMaps.BitMap) private _acted;

    /// @dev A scheduled treasury or level-source change: the new address, and when it may be
    ///      applied (0: none).
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
        _publishTribute = _initialFee(params.publishTribute);
        emit PublishTributeSet(params.publishTribute);
        _commentTribute = _initialFee(params.commentTribute);
        emit CommentTributeSet(params.commentTribute);
        _minusFee = _initialFee(params.minusFee);
        emit MinusFeeSet(params.minusFee);
        uint80 dislikeFee_ = _fee(params.dislikeFee);
        uint16 share = uint16(_checkShare(params.dislikeAuthorShareBps));
        _dislike = DislikeTerms(dislikeFee_, dislikeFee_, 0, share, share, 0);
        emit DislikeFeeSet(params.dislikeFee);
        emit DislikeAuthorShareSet(share);
        _reportPrice = _initialFee(params.reportPrice);
        emit ReportPriceSet(params.reportPrice);
        _minLevelBefore = params.commentMinLevel;
        _minLevelNext = params.commentMinLevel;
        emit CommentMinLevelSet(params.commentMinLevel);
    }

    // ---------------------------------------------------------------------------------------
    // Actions
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IEngagement
    function publishPost(bytes32 contentHash, uint32 wordCount, uint256 maxFee) external returns (uint256 postId) {
        postId = _publishPost(contentHash, wordCount);
        _payTreasury(postId, FlowCategory.PostPublishTribute, _agreed(_nowStored(_publishTribute), maxFee));
    }

    /// @inheritdoc IEngagement
    function publishPostWithPermit(bytes32 contentHash, uint32 wordCount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 postId)
    {
        postId = _publishPost(contentHash, wordCount);
        _payTreasuryWithPermit(postId, FlowCategory.PostPublishTribute, _nowStored(_publishTribute), deadline, v, r, s);
    }

    /// @inheritdoc IEngagement
    function comment(uint256 postId, bytes32 contentHash, uint256 maxFee) external returns (uint256 commentId) {
        _requirePost(postId);
        commentId = _comment(postId, contentHash, _recordedLevel());
        _payTreasury(postId, FlowCategory.CommentTributes, _agreed(_nowStored(_commentTribute), maxFee));
    }

    /// @inheritdoc IEngagement
    function commentWithPermit(uint256 postId, bytes32 contentHash, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 commentId)
    {
        _requirePost(postId);
        commentId = _comment(postId, contentHash, _recordedLevel());
        _payTreasuryWithPermit(postId, FlowCategory.CommentTributes, _nowStored(_commentTribute), deadline, v, r, s);
    }

    /// @inheritdoc IEngagement
    function commentWithLevel(uint256 postId, bytes32 contentHash, LevelProof calldata leaf, uint256 maxFee)
        external
        returns (uint256 commentId)
    {
        _requirePost(postId);
        commentId = _comment(postId, contentHash, _provenLevel(leaf));
        _payTreasury(postId, FlowCategory.CommentTributes, _agreed(_nowStored(_commentTribute), maxFee));
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
        _payTreasuryWithPermit(postId, FlowCategory.CommentTributes, _nowStored(_commentTribute), deadline, v, r, s);
    }

    /// @inheritdoc IEngagement
    function plus(uint256 postId) external {
        _vote(postId, Vote.Plus);
    }

    /// @inheritdoc IEngagement
    function minus(uint256 postId, uint256 maxFee) external {
        _vote(postId, Vote.Minus);
        _payTreasury(postId, FlowCategory.SpentForMinuses, _agreed(_nowStored(_minusFee), maxFee));
    }

    /// @inheritdoc IEngagement
    function minusWithPermit(uint256 postId, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external {
        _vote(postId, Vote.Minus);
        _payTreasuryWithPermit(postId, FlowCategory.SpentForMinuses, _nowStored(_minusFee), deadline, v, r, s);
    }

    /// @inheritdoc IEngagement
    function like(uint256 commentId) external {
        _react(commentId, Reaction.Like);
    }

    /// @inheritdoc IEngagement
    function dislike(uint256 commentId, uint256 maxFee) external {
        (address author, uint256 authorPart, address treasury_, uint256 treasuryPart) = _dislikeBody(commentId);
        _agreed(authorPart + treasuryPart, maxFee);
        _transferSplit(author, authorPart, treasury_, treasuryPart);
    }

    /// @inheritdoc IEngagement
    function dislikeWithPermit(uint256 commentId, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external {
        (address author, uint256 authorPart, address treasury_, uint256 treasuryPart) = _dislikeBody(commentId);
        uint256 fee = authorPart + treasuryPart;
        if (fee != 0) _permit(fee, deadline, v, r, s);
        _transferSplit(author, authorPart, treasury_, treasuryPart);
    }

    /// @inheritdoc IEngagement
    function buyReport(uint256 postId, uint256 maxFee) external returns (uint256 reportId) {
        reportId = _buyReport(postId);
        _payTreasury(postId, FlowCategory.PnlReports, _agreed(_nowStored(_reportPrice), maxFee));
    }

    /// @inheritdoc IEngagement
    function buyReportWithPermit(uint256 postId, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 reportId)
    {
        reportId = _buyReport(postId);
        _payTreasuryWithPermit(postId, FlowCategory.PnlReports, _nowStored(_reportPrice), deadline, v, r, s);
    }

    // ---------------------------------------------------------------------------------------
    // Admin
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IEngagement
    function setPublishTribute(uint256 tribute) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _publishTribute = _scheduleFee(Parameter.PublishTribute, _publishTribute, tribute);
    }

    /// @inheritdoc IEngagement
    function setCommentTribute(uint256 tribute) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _commentTribute = _scheduleFee(Parameter.CommentTribute, _commentTribute, tribute);
    }

    /// @inheritdoc IEngagement
    function setMinusFee(uint256 fee) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _minusFee = _scheduleFee(Parameter.MinusFee, _minusFee, fee);
    }

    /// @inheritdoc IEngagement
    function setDislikeFee(uint256 fee) external onlyRole(DEFAULT_ADMIN_ROLE) {
        DislikeTerms memory terms = _dislike;
        Fee memory next = _scheduleFee(Parameter.DislikeFee, Fee(terms.feeBefore, terms.feeNext, terms.feeAt), fee);
        (terms.feeBefore, terms.feeNext, terms.feeAt) = (next.before, next.next, next.at);
        _dislike = terms;
    }

    /// @inheritdoc IEngagement
    function setDislikeAuthorShareBps(uint16 shareBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkShare(shareBps);
        DislikeTerms memory terms = _dislike;
        terms.shareBefore = uint16(_current(terms.shareBefore, terms.shareNext, terms.shareAt));
        terms.shareNext = shareBps;
        terms.shareAt = _schedule(Parameter.DislikeAuthorShareBps, shareBps);
        _dislike = terms;
    }

    /// @inheritdoc IEngagement
    function setReportPrice(uint256 price) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _reportPrice = _scheduleFee(Parameter.ReportPrice, _reportPrice, price);
    }

    /// @inheritdoc IEngagement
    function setCommentMinLevel(uint16 level) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _minLevelBefore = uint16(_current(_minLevelBefore, _minLevelNext, _minLevelAt));
        _minLevelNext = level;
        _minLevelAt = _schedule(Parameter.CommentMinLevel, level);
    }

    /// @inheritdoc IEngagement
    function setTreasury(address newTreasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newTreasury == address(0)) revert ZeroAddress();
        _scheduleAddress(Parameter.Treasury, newTreasury);
    }

    /// @inheritdoc IEngagement
    function setLevels(address newLevels) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newLevels == address(0)) revert ZeroAddress();
        _scheduleAddress(Parameter.Levels, newLevels);
    }

    /// @inheritdoc IEngagement
    function applyParameterChange(Parameter parameter) external {
        // Only the treasury and the level source wait for a call; every other parameter takes
        // effect by itself, so none of them is ever pending here.
        PendingChange memory change = _pendingChanges[parameter];
        // `> 0`, not `== 0`: effectiveAt is a timestamp, which Slither's strict-equality check flags.
        if (!(change.effectiveAt > 0)) revert NoParameterChange(parameter);
        if (block.timestamp < change.effectiveAt) revert ParameterChangeNotDue(parameter, change.effectiveAt);
        delete _pendingChanges[parameter];
        // Safe: only addresses are scheduled here (`_scheduleAddress`).
        address value = address(uint160(change.value));
        if (parameter == Parameter.Treasury) _setTreasury(value);
        else _setLevels(value);
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
        return _nowStored(_publishTribute);
    }

    /// @inheritdoc IEngagement
    function commentTribute() external view returns (uint256) {
        return _nowStored(_commentTribute);
    }

    /// @inheritdoc IEngagement
    function minusFee() external view returns (uint256) {
        return _nowStored(_minusFee);
    }

    /// @inheritdoc IEngagement
    function dislikeFee() external view returns (uint256) {
        DislikeTerms memory terms = _dislike;
        return _current(terms.feeBefore, terms.feeNext, terms.feeAt);
    }

    /// @inheritdoc IEngagement
    function dislikeAuthorShareBps() external view returns (uint16) {
        DislikeTerms memory terms = _dislike;
        return uint16(_current(terms.shareBefore, terms.shareNext, terms.shareAt));
    }

    /// @inheritdoc IEngagement
    function reportPrice() external view returns (uint256) {
        return _nowStored(_reportPrice);
    }

    /// @inheritdoc IEngagement
    function commentMinLevel() external view returns (uint16) {
        return _commentMinLevelNow();
    }

    /// @inheritdoc IEngagement
    function pendingParameterChange(Parameter parameter) external view returns (uint256 value, uint256 effectiveAt) {
        uint256 next;
        uint256 at;
        if (parameter == Parameter.PublishTribute) (next, at) = (_publishTribute.next, _publishTribute.at);
        else if (parameter == Parameter.CommentTribute) (next, at) = (_commentTribute.next, _commentTribute.at);
        else if (parameter == Parameter.MinusFee) (next, at) = (_minusFee.next, _minusFee.at);
        else if (parameter == Parameter.DislikeFee) (next, at) = (_dislike.feeNext, _dislike.feeAt);
        else if (parameter == Parameter.DislikeAuthorShareBps) (next, at) = (_dislike.shareNext, _dislike.shareAt);
        else if (parameter == Parameter.ReportPrice) (next, at) = (_reportPrice.next, _reportPrice.at);
        else if (parameter == Parameter.CommentMinLevel) (next, at) = (_minLevelNext, _minLevelAt);
        else {
            PendingChange memory change = _pendingChanges[parameter];
            return (change.value, change.effectiveAt);
        }
        // A change that has taken effect is no longer pending.
        return block.timestamp < at ? (next, at) : (0, 0);
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
        uint16 required = _commentMinLevelNow();
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
        if (!current && _commentMinLevelNow() != 0) revert LevelNotCurrent(msg.sender);
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
    function _dislikeBody(uint256 commentId)
        private
        returns (address author, uint256 authorPart, address treasury_, uint256 treasuryPart)
    {
        uint256 postId = _react(commentId, Reaction.Dislike);
        DislikeTerms memory terms = _dislike;
        uint256 fee = _current(terms.feeBefore, terms.feeNext, terms.feeAt);
        // A free dislike pays nothing and emits no Flow (`> 0`: the fee depends on the clock).
        if (fee > 0) {
            author = _posts[postId].author;
            treasury_ = _treasury;
            // fee <= MAX_FEE and the share <= 10,000, so the product cannot overflow.
            authorPart = (fee * _current(terms.shareBefore, terms.shareNext, terms.shareAt)) / _BPS;
            treasuryPart = fee - authorPart;
            emit Flow(postId, msg.sender, uint8(FlowCategory.DislikesOwn), fee);
            if (authorPart != 0) emit Flow(postId, author, uint8(FlowCategory.DislikesAuthor), authorPart);
            if (treasuryPart != 0) emit Flow(postId, treasury_, uint8(FlowCategory.DislikesOwn), treasuryPart);
        }
    }

    /// @dev Moves a dislike fee's two parts from the caller.
    function _transferSplit(address author, uint256 authorPart, address treasury_, uint256 treasuryPart) private {
        if (authorPart != 0) _token.safeTransferFrom(msg.sender, author, authorPart);
        if (treasuryPart != 0) _token.safeTransferFrom(msg.sender, treasury_, treasuryPart);
    }

    /// @dev Emits the payer's and the treasury's Flow, then moves `amount` from the caller.
    function _payTreasury(uint256 postId, FlowCategory category, uint256 amount) private {
        // A free action pays nothing (`> 0`: the fee depends on the clock, see `_current`).
        if (amount > 0) {
            address treasury_ = _treasuryFlows(postId, category, amount);
            _token.safeTransferFrom(msg.sender, treasury_, amount);
        }
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
        if (amount > 0) {
            address treasury_ = _treasuryFlows(postId, category, amount);
            _permit(amount, deadline, v, r, s);
            _token.safeTransferFrom(msg.sender, treasury_, amount);
        }
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
        // Each id costs a transaction's worth of gas; 2^96 of them cannot be taken.
        unchecked {
            _nextId = uint96(id + 1);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Setters: each checks its bound, writes and emits. The fee setters run at construction and
    // when a scheduled change is applied.
    // ---------------------------------------------------------------------------------------

    /// @dev Announces that `parameter` becomes `value` at `PARAMETER_DELAY` from now; returns
    ///      that instant.
    function _schedule(Parameter parameter, uint256 value) private returns (uint32 effectiveAt) {
        // Safe until 2106 (SafeCast would only move the revert there).
        effectiveAt = uint32(block.timestamp + PARAMETER_DELAY);
        emit ParameterChangeScheduled(parameter, value, effectiveAt);
    }

    /// @dev `fee` with its value now kept as `before` and `value` (bounded by `MAX_FEE`) from
    ///      `PARAMETER_DELAY` on: a pending change is replaced and its delay restarts.
    function _scheduleFee(Parameter parameter, Fee memory fee, uint256 value) private returns (Fee memory) {
        uint80 next = _fee(value);
        return Fee({before: uint80(_now(fee)), next: next, at: _schedule(parameter, value)});
    }

    /// @dev Schedules the treasury or the level source, for `applyParameterChange`.
    function _scheduleAddress(Parameter parameter, address value) private {
        uint32 effectiveAt = _schedule(parameter, uint160(value));
        _pendingChanges[parameter] = PendingChange({value: uint160(value), effectiveAt: effectiveAt});
    }

    /// @dev A fee whose value is `amount` (bounded by `MAX_FEE`) from the start.
    function _initialFee(uint256 amount) private pure returns (Fee memory) {
        uint80 fee = _fee(amount);
        return Fee({before: fee, next: fee, at: 0});
    }

    /// @dev `before` until `at`, then `next`: what a scheduled value is now.
    function _current(uint256 before, uint256 next, uint256 at) private view returns (uint256) {
        return block.timestamp < at ? before : next;
    }

    /// @dev What `fee` is now.
    function _now(Fee memory fee) private view returns (uint256) {
        return _current(fee.before, fee.next, fee.at);
    }

    /// @dev What the stored `fee` is now: its fields read where they lie (one SLOAD, no copy to
    ///      memory), for the paying actions.
    function _nowStored(Fee storage fee) private view returns (uint256) {
        return _current(fee.before, fee.next, fee.at);
    }

    function _commentMinLevelNow() private view returns (uint16) {
        return uint16(_current(_minLevelBefore, _minLevelNext, _minLevelAt));
    }

    /// @dev `fee`, or `FeeAboveAgreed` if it is above the `maxFee` the caller agreed to pay.
    function _agreed(uint256 fee, uint256 maxFee) private pure returns (uint256) {
        if (fee > maxFee) revert FeeAboveAgreed(fee, maxFee);
        return fee;
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
