// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IEngagement
/// @notice Posts, comments, votes (plus/minus on posts), reactions (like/dislike on comments) and
///         PnL report purchases. Every Twei that moves is paid in the same transaction, from the
///         acting account's own balance (allowance or EIP-2612 permit), and is attributed by a
///         `Flow` event to a post, an account and one of the thirteen PnL categories.
/// @dev Post, comment and report ids come from one counter, so an id names exactly one thing.
interface IEngagement {
    /// @notice The thirteen PnL categories of a post report (SPEC §5); `Flow.category` is one of
    ///         them as a `uint8`. Profit side: 0–6; loss side: 7–12. On-chain flows use only
    ///         5, 7, 8, 9, 11 and 12; the others are paid from the daily reward pool.
    enum FlowCategory {
        EarnedForPluses, // 0
        CommentRewards, // 1
        LikesOwn, // 2
        LikesCommenter, // 3
        LikesAuthor, // 4
        DislikesAuthor, // 5
        ReadRewards, // 6
        SpentForMinuses, // 7
        CommentTributes, // 8
        DislikesOwn, // 9
        DislikesCommenter, // 10
        PostPublishTribute, // 11
        PnlReports // 12
    }

    /// @notice A vote on a post.
    enum Vote {
        Plus,
        Minus
    }

    /// @notice A reaction to a comment.
    enum Reaction {
        Like,
        Dislike
    }

    /// @notice What a post is, as stored: one storage slot.
    /// @param author Who published it (zero: no such post).
    /// @param wordCount Its length, from which Time to Read is estimated.
    /// @param pluses Pluses it has received.
    /// @param minuses Minuses it has received.
    struct Post {
        address author;
        uint32 wordCount;
        uint32 pluses;
        uint32 minuses;
    }

    /// @notice What a comment is, as stored: one storage slot.
    /// @param commenter Who wrote it (zero: no such comment).
    /// @param postId The post it is under.
    struct Comment {
        address commenter;
        uint96 postId;
    }

    /// @notice The parameters whose changes wait `PARAMETER_DELAY()`, as
    ///         `ParameterChangeScheduled` and `pendingParameterChange` name them. All but
    ///         `Treasury` and `Levels` take effect at their announced instant by themselves; those
    ///         two are switched by `applyParameterChange` (anyone) from that instant.
    enum Parameter {
        PublishTribute,
        CommentTribute,
        MinusFee,
        DislikeFee,
        DislikeAuthorShareBps,
        ReportPrice,
        CommentMinLevel,
        Treasury,
        Levels
    }

    /// @notice A commenter's leaf in the active daily root, which proves its level there.
    /// @param cumulativeAmount The leaf's cumulative amount.
    /// @param level The leaf's level.
    /// @param proof The leaf's Merkle proof.
    struct LevelProof {
        uint256 cumulativeAmount;
        uint16 level;
        bytes32[] proof;
    }

    /// @notice The economy's settable parameters, as the constructor takes them (SPEC §2).
    /// @param publishTribute Paid to the treasury to publish a post, in wei.
    /// @param commentTribute Paid to the treasury to comment, in wei.
    /// @param minusFee Paid to the treasury to give a post a minus, in wei.
    /// @param dislikeFee Paid to dislike a comment, in wei; split between the post's author and
    ///        the treasury.
    /// @param dislikeAuthorShareBps The post author's share of a dislike fee, in basis points.
    /// @param reportPrice Paid to the treasury for one PnL report instance, in wei.
    /// @param commentMinLevel The level an account needs to comment.
    struct Parameters {
        uint256 publishTribute;
        uint256 commentTribute;
        uint256 minusFee;
        uint256 dislikeFee;
        uint16 dislikeAuthorShareBps;
        uint256 reportPrice;
        uint16 commentMinLevel;
    }

    // ---------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------

    /// @notice `account` paid or received `amount` wei of Twei on post `postId`, under `category`.
    /// @dev Each paying action emits, in this order: the payer's Flow (the whole fee, under the
    ///      action's loss category: 11 publish, 8 comment, 7 minus, 9 dislike, 12 report), then
    ///      one Flow per receiver: the post's author for its dislike share (Dislikes Author, 5)
    ///      and the treasury for the rest (under the payer's category). So within one
    ///      transaction the first Flow is paid and the others are received, and the payer's
    ///      amount equals the sum of the receivers'. Zero amounts emit no Flow.
    event Flow(uint256 indexed postId, address indexed account, uint8 indexed category, uint256 amount);

    /// @notice `author` published post `postId` with content `contentHash` of `wordCount` words.
    event PostPublished(uint256 indexed postId, address indexed author, bytes32 contentHash, uint32 wordCount);

    /// @notice `commenter` wrote comment `commentId`, with content `contentHash`, under `postId`.
    event Commented(
        uint256 indexed commentId, uint256 indexed postId, address indexed commenter, bytes32 contentHash
    );

    /// @notice `voter` gave post `postId` a plus or a minus.
    event Voted(uint256 indexed postId, address indexed voter, Vote vote);

    /// @notice `reactor` liked or disliked comment `commentId`, which is under post `postId`.
    event Reacted(uint256 indexed commentId, uint256 indexed postId, address indexed reactor, Reaction reaction);

    /// @notice `buyer` bought PnL report instance `reportId` of post `postId`.
    event ReportPurchased(uint256 indexed reportId, uint256 indexed postId, address indexed buyer);

    /// @notice The publish tribute is now `tribute` wei.
    event PublishTributeSet(uint256 tribute);

    /// @notice The comment tribute is now `tribute` wei.
    event CommentTributeSet(uint256 tribute);

    /// @notice The minus fee is now `fee` wei.
    event MinusFeeSet(uint256 fee);

    /// @notice The dislike fee is now `fee` wei.
    event DislikeFeeSet(uint256 fee);

    /// @notice The post author's share of a dislike fee is now `shareBps` basis points.
    event DislikeAuthorShareSet(uint16 shareBps);

    /// @notice A PnL report instance now costs `price` wei.
    event ReportPriceSet(uint256 price);

    /// @notice `parameter` becomes `value` at `effectiveAt` (an address as a number for the
    ///         treasury and the level source, which `applyParameterChange` switches from then);
    ///         until then the current value holds.
    event ParameterChangeScheduled(Parameter indexed parameter, uint256 value, uint256 effectiveAt);

    /// @notice Commenting now needs level `level`.
    event CommentMinLevelSet(uint16 level);

    /// @notice Fees now go to `treasury`.
    event TreasurySet(address indexed treasury);

    /// @notice Levels are now read from `levels`.
    event LevelsSet(address indexed levels);

    // ---------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------

    /// @notice No post has id `postId`.
    error PostNotFound(uint256 postId);

    /// @notice No comment has id `commentId`.
    error CommentNotFound(uint256 commentId);

    /// @notice A post must have at least one word.
    error EmptyPost();

    /// @notice `account` has level `level`, below the `required` level to comment.
    error LevelTooLow(address account, uint16 level, uint16 required);

    /// @notice The chain's record of `account`'s level comes from an earlier root than the active
    ///         one: comment with the account's leaf and proof (`commentWithLevel`), or claim first.
    error LevelNotCurrent(address account);

    /// @notice The leaf and proof given for `account` are not in the active daily root.
    error InvalidLevelProof(address account);

    /// @notice No change of `parameter` is scheduled.
    error NoParameterChange(Parameter parameter);

    /// @notice The change of `parameter` takes effect at `effectiveAt`, not before.
    error ParameterChangeNotDue(Parameter parameter, uint256 effectiveAt);

    /// @notice Authors may not vote on their own post `postId`.
    error VoteOnOwnPost(uint256 postId);

    /// @notice Commenters may not react to their own comment `commentId`.
    error ReactionToOwnComment(uint256 commentId);

    /// @notice `voter` has already voted (plus or minus) on post `postId`.
    error AlreadyVoted(uint256 postId, address voter);

    /// @notice `reactor` has already reacted (like or dislike) to comment `commentId`.
    error AlreadyReacted(uint256 commentId, address reactor);

    /// @notice `fee` is above `maxFee`, the most any fee or price may be.
    error FeeTooHigh(uint256 fee, uint256 maxFee);

    /// @notice The action costs `fee` now, above the `maxFee` the caller agreed to pay.
    error FeeAboveAgreed(uint256 fee, uint256 maxFee);

    /// @notice `shareBps` is above 10,000 basis points (100 %).
    error AuthorShareTooHigh(uint16 shareBps);

    /// @notice An address that must be set (token, admin, treasury, level source) is zero.
    error ZeroAddress();

    // ---------------------------------------------------------------------------------------
    // Actions
    // ---------------------------------------------------------------------------------------

    /// @notice Publish a post, paying `publishTribute()` to the treasury (Post Publish Tribute).
    /// @param contentHash A hash of the post's content (emitted, not stored).
    /// @param wordCount The post's length in words, at least 1.
    /// @param maxFee The most the caller agrees to pay (`FeeAboveAgreed` if the tribute is more):
    ///        every allowance form takes one, so a standing allowance never pays a price the user
    ///        did not see.
    /// @return postId The new post's id.
    function publishPost(bytes32 contentHash, uint32 wordCount, uint256 maxFee) external returns (uint256 postId);

    /// @notice `publishPost` with an EIP-2612 permit for `publishTribute()`, in one transaction.
    /// @param deadline The permit's deadline (a unix time).
    /// @param v The permit signature's recovery byte.
    /// @param r The permit signature's `r`.
    /// @param s The permit signature's `s`.
    /// @dev The permit (owner: the caller, spender: this contract, value: the current tribute)
    ///      may already have been used by someone else; the action goes through as long as the
    ///      allowance is there. Otherwise the token's own error (expired, invalid signer) is
    ///      re-raised.
    function publishPostWithPermit(bytes32 contentHash, uint32 wordCount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 postId);

    /// @notice Comment on post `postId`, paying `commentTribute()` to the treasury (Comment
    ///         Tributes). Needs the caller's level in the active daily root to be at least
    ///         `commentMinLevel()`; this form reads the level the caller's last claim recorded,
    ///         and reverts with `LevelNotCurrent` if that claim was under an earlier root.
    /// @param contentHash A hash of the comment's content (emitted, not stored).
    /// @return commentId The new comment's id.
    function comment(uint256 postId, bytes32 contentHash, uint256 maxFee) external returns (uint256 commentId);

    /// @notice `comment` with an EIP-2612 permit for `commentTribute()` (see `publishPostWithPermit`).
    function commentWithPermit(uint256 postId, bytes32 contentHash, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 commentId);

    /// @notice `comment` with the caller's leaf of the active root, which proves its level there
    ///         whether or not it has claimed since the root activated.
    function commentWithLevel(uint256 postId, bytes32 contentHash, LevelProof calldata leaf, uint256 maxFee)
        external
        returns (uint256 commentId);

    /// @notice `commentWithLevel` with an EIP-2612 permit for `commentTribute()`.
    function commentWithLevelAndPermit(
        uint256 postId,
        bytes32 contentHash,
        LevelProof calldata leaf,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 commentId);

    /// @notice Give post `postId` a plus. Free; the author's reward comes from the daily pool.
    function plus(uint256 postId) external;

    /// @notice Give post `postId` a minus, paying `minusFee()` to the treasury (Spent for Minuses).
    function minus(uint256 postId, uint256 maxFee) external;

    /// @notice `minus` with an EIP-2612 permit for `minusFee()` (see `publishPostWithPermit`).
    function minusWithPermit(uint256 postId, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Like comment `commentId`. Free; rewards come from the daily pool.
    function like(uint256 commentId) external;

    /// @notice Dislike comment `commentId`, paying `dislikeFee()` (Dislikes Own): the post's
    ///         author gets `dislikeAuthorShareBps()` of it (Dislikes Author), the treasury the rest.
    function dislike(uint256 commentId, uint256 maxFee) external;

    /// @notice `dislike` with an EIP-2612 permit for `dislikeFee()` (see `publishPostWithPermit`).
    function dislikeWithPermit(uint256 commentId, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Buy a PnL report instance of post `postId`, paying `reportPrice()` to the treasury
    ///         (PnL Reports).
    /// @return reportId The report instance's id.
    function buyReport(uint256 postId, uint256 maxFee) external returns (uint256 reportId);

    /// @notice `buyReport` with an EIP-2612 permit for `reportPrice()` (see `publishPostWithPermit`).
    function buyReportWithPermit(uint256 postId, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 reportId);

    // ---------------------------------------------------------------------------------------
    // Admin (DEFAULT_ADMIN_ROLE)
    // ---------------------------------------------------------------------------------------

    /// @notice Schedule the publish tribute to `tribute` wei (at most `MAX_FEE()`), effective
    ///         `PARAMETER_DELAY()` from now (`ParameterChangeScheduled`); a new schedule replaces
    ///         a pending one and restarts its delay.
    function setPublishTribute(uint256 tribute) external;

    /// @notice Schedule the comment tribute to `tribute` wei (at most `MAX_FEE()`), effective
    ///         `PARAMETER_DELAY()` from now (`ParameterChangeScheduled`); a new schedule replaces
    ///         a pending one and restarts its delay.
    function setCommentTribute(uint256 tribute) external;

    /// @notice Schedule the minus fee to `fee` wei (at most `MAX_FEE()`), effective
    ///         `PARAMETER_DELAY()` from now (`ParameterChangeScheduled`); a new schedule replaces
    ///         a pending one and restarts its delay.
    function setMinusFee(uint256 fee) external;

    /// @notice Schedule the dislike fee to `fee` wei (at most `MAX_FEE()`), effective
    ///         `PARAMETER_DELAY()` from now (`ParameterChangeScheduled`); a new schedule replaces
    ///         a pending one and restarts its delay.
    function setDislikeFee(uint256 fee) external;

    /// @notice Schedule the post author's share of a dislike fee to `shareBps` (at most 10,000), effective
    ///         `PARAMETER_DELAY()` from now (`ParameterChangeScheduled`); a new schedule replaces
    ///         a pending one and restarts its delay.
    function setDislikeAuthorShareBps(uint16 shareBps) external;

    /// @notice Schedule the price of a PnL report instance to `price` wei (at most `MAX_FEE()`), effective
    ///         `PARAMETER_DELAY()` from now (`ParameterChangeScheduled`); a new schedule replaces
    ///         a pending one and restarts its delay.
    function setReportPrice(uint256 price) external;

    /// @notice Switches the treasury or the level source to its scheduled address once its time
    ///         has come; anyone may call. (Every other parameter takes effect by itself.)
    function applyParameterChange(Parameter parameter) external;

    /// @notice Schedule the level needed to comment, effective `PARAMETER_DELAY()` from now, by
    ///         itself (`ParameterChangeScheduled`).
    function setCommentMinLevel(uint16 level) external;

    /// @notice Schedule fees to go to `newTreasury` (not the zero address) from
    ///         `PARAMETER_DELAY()` from now, once `applyParameterChange(Treasury)` is called.
    function setTreasury(address newTreasury) external;

    /// @notice Schedule levels to be read from `newLevels` (not the zero address) from
    ///         `PARAMETER_DELAY()` from now, once `applyParameterChange(Levels)` is called.
    function setLevels(address newLevels) external;

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @notice The most any fee or price may be: 1,000 TWEI.
    function MAX_FEE() external view returns (uint256);

    /// @notice How long a fee or price change waits before it may take effect (one day).
    function PARAMETER_DELAY() external view returns (uint256);

    /// @notice The scheduled change of `parameter` that has not taken effect yet (effectiveAt 0: none).
    function pendingParameterChange(Parameter parameter) external view returns (uint256 value, uint256 effectiveAt);

    /// @notice The Twei token every fee is paid in.
    function token() external view returns (address);

    /// @notice Where the treasury's part of every fee goes.
    function treasury() external view returns (address);

    /// @notice The contract whose `levelOf` gates commenting.
    function levels() external view returns (address);

    /// @notice The fee to publish a post, in wei.
    function publishTribute() external view returns (uint256);

    /// @notice The fee to comment, in wei.
    function commentTribute() external view returns (uint256);

    /// @notice The fee to give a minus, in wei.
    function minusFee() external view returns (uint256);

    /// @notice The fee to dislike a comment, in wei.
    function dislikeFee() external view returns (uint256);

    /// @notice The post author's share of a dislike fee, in basis points.
    function dislikeAuthorShareBps() external view returns (uint16);

    /// @notice The price of a PnL report instance, in wei.
    function reportPrice() external view returns (uint256);

    /// @notice The level needed to comment.
    function commentMinLevel() external view returns (uint16);

    /// @notice The last id given to a post, comment or report (0 before the first).
    function lastId() external view returns (uint256);

    /// @notice Post `postId` (all zero if there is none).
    function getPost(uint256 postId) external view returns (Post memory);

    /// @notice Comment `commentId` (all zero if there is none).
    function getComment(uint256 commentId) external view returns (Comment memory);

    /// @notice Whether `account` has voted (plus or minus) on post `postId`.
    function hasVoted(uint256 postId, address account) external view returns (bool);

    /// @notice Whether `account` has reacted (like or dislike) to comment `commentId`.
    function hasReacted(uint256 commentId, address account) external view returns (bool);
}
