"""What rings of K wallets take from the daily pool over 30 days, beside an honest population and
an honest newcomer, under the settlement's own rules (trust weights included).

    .venv/bin/python -m bench.adversary                  # K = 100, 1,000, 10,000; 10,000 honest accounts
    .venv/bin/python -m bench.adversary --ks 100 --honest 2000 --days 14   # a quick look

Every day is computed with the functions the daily job uses: :func:`twei.trust.weights_from_edges`
(personalised PageRank from the genesis seeds over the window's pluses and likes),
:func:`twei.trust.trust_day` (budgets, held reads released), :func:`twei.economy.settle_day`
(weighted lines, caps, netting, pro-rata scaling), :func:`twei.economy.apply_xp` (weighted XP) and
the trust level lift; levels the day before gate commenting, as the chain does with the root's
levels. Prints figures, asserts nothing.

The population: ``--honest`` established accounts (the genesis seeds, LVL 13), each reading 30
minutes a day, giving one plus a day to an honest post of the day (a tenth of them publish one a
day), a tenth commenting once a day, and each liking one comment of the day. The honest newcomer:
a fresh wallet (holding 20 TWEI it bought) reading 30 minutes a day, and from day 8 publishing one
post a week (5 TWEI) that three established accounts plus.

The strategies of the K ring wallets (cost: tributes; the design asks for no capital):

* ``read farm``: every wallet reads 500 minutes a day (kept wallets);
* ``plus ring``: one wallet publishes 20 posts a day, every other wallet pluses each;
* ``comment/like ring``: every wallet that may comment (the root's level ≥ 13) comments once a day
  and every wallet likes up to 20 ring comments a day;
* ``all together``: the three at once;
* ``fresh wallets``: read farm and plus ring with K new wallets every day;
* ``camouflage``: all together, and every wallet also pluses one honest post and likes one honest
  comment a day; one ring wallet may comment from day 1 (as if it had bought a commenting
  account) and buys one honest like a day (an honest account likes one ring comment a day).
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from twei.economy import DayActivity, Like, Plus, PoolRates, Read, apply_xp, level_for_xp, settle_day
from twei.flows import FlowCategory
from twei.trust import TrustParams, trust_day, weights_from_edges

STRATEGIES = ("read farm", "plus ring", "comment/like ring", "all together", "fresh wallets", "camouflage")
NEWCOMER = "0xnewcomer"
COMMENT_LEVEL = 13


@dataclass
class Outcome:
    take: int = 0
    cost: int = 0
    paid_total: int = 0
    honest: int = 0
    newcomer: int = 0
    newcomer_read: int = 0
    newcomer_week_one: int = 0
    newcomer_comment_day: int | None = None
    ring_comment_days: int = 0
    daily: list = field(default_factory=list)


def run(strategy: str | None, k: int, honest_n: int, days: int, seed: int = 7, params: TrustParams = TrustParams(),
        rates: PoolRates = PoolRates()) -> Outcome:
    rng = np.random.default_rng(seed)  # the honest population's draws: the same with and without a ring
    ring_rng = np.random.default_rng(seed + 1)
    honest = [f"0xh{n:06d}" for n in range(honest_n)]
    seeds = list(honest)
    xp: dict[str, int] = {h: 10 * COMMENT_LEVEL**2 for h in honest}
    level: dict[str, int] = {h: COMMENT_LEVEL for h in honest}
    held: dict[str, int] = {}
    window: list[Counter] = []
    edges: Counter = Counter()
    out = Outcome()
    next_post = 1
    next_comment = 1
    ring_of_day: list[str] = [f"0xr{n:06d}" for n in range(k)]
    camouflage = strategy == "camouflage"
    if camouflage:
        level[ring_of_day[0]] = COMMENT_LEVEL  # bought a commenting account
    for day in range(days):
        if strategy == "fresh wallets":
            ring_of_day = [f"0xr{day:03d}{n:06d}" for n in range(k)]
        ring = ring_of_day if strategy else []
        reads: list[Read] = []
        pluses: list[Plus] = []
        likes: list[Like] = []
        # ---- honest activity (same draws every run)
        authors = rng.choice(honest_n, size=max(1, honest_n // 10), replace=False)
        posts = []
        for a in authors:
            posts.append((next_post, honest[a]))
            next_post += 1
        read_posts = rng.integers(0, len(posts), size=honest_n)
        plus_posts = rng.integers(0, len(posts), size=honest_n)
        for i, h in enumerate(honest):
            pid, author = posts[read_posts[i]]
            if author != h:
                reads.append(Read(h, pid, 30 * 60, i))
            pid, author = posts[plus_posts[i]]
            if author != h:
                pluses.append(Plus(pid, h, author))
        commenters = rng.choice(honest_n, size=max(1, honest_n // 10), replace=False)
        comment_posts = rng.integers(0, len(posts), size=len(commenters))
        comments = []  # (comment id, post id, commenter, post author)
        for c, p in zip(commenters, comment_posts):
            pid, author = posts[p]
            comments.append((next_comment, pid, honest[c], author))
            next_comment += 1
        like_targets = rng.integers(0, len(comments), size=honest_n)
        liked: set[int] = set()
        for i, h in enumerate(honest):
            cid, pid, commenter, author = comments[like_targets[i]]
            if commenter != h:
                likes.append(Like(cid, pid, h, commenter, author, cid not in liked))
                liked.add(cid)
        # ---- the honest newcomer
        reads.append(Read(NEWCOMER, posts[0][0], 30 * 60, 0))
        if day >= 7 and (day - 7) % 7 == 0:
            pid = next_post
            next_post += 1
            for h in honest[day % 97: day % 97 + 3]:
                pluses.append(Plus(pid, h, NEWCOMER))
        # ---- the ring
        if strategy:
            farm = strategy in ("read farm", "all together", "fresh wallets", "camouflage")
            plus_ring = strategy in ("plus ring", "all together", "fresh wallets", "camouflage")
            comment_ring = strategy in ("comment/like ring", "all together", "camouflage")
            if farm:
                for w in ring:
                    for j in range(5):
                        reads.append(Read(w, posts[(j + day) % len(posts)][0], 100 * 60, j))
            if plus_ring and k > 1:
                publisher = ring[0]
                ring_posts = list(range(next_post, next_post + 20))
                next_post += 20
                out.cost += 20 * 5 * 10**18
                for w in ring[1:]:
                    for pid in ring_posts:
                        pluses.append(Plus(pid, w, publisher))
            if comment_ring or camouflage:
                able = [w for w in ring if level.get(w, 0) >= COMMENT_LEVEL]
                out.ring_comment_days += bool(able)
                ring_comments = []
                host = posts[0][0]
                for w in able:
                    ring_comments.append((next_comment, host, w, posts[0][1]))
                    next_comment += 1
                    out.cost += 10**18
                if ring_comments:
                    for i, w in enumerate(ring):
                        for j in range(min(20, len(ring_comments))):
                            cid, pid, commenter, author = ring_comments[(i + j) % len(ring_comments)]
                            if commenter != w:
                                likes.append(Like(cid, pid, w, commenter, author, cid not in liked))
                                liked.add(cid)
                    if camouflage:  # one honest like a day, bought
                        cid, pid, commenter, author = ring_comments[0]
                        buyer = honest[day % honest_n]
                        likes.append(Like(cid, pid, buyer, commenter, author, cid not in liked))
                        liked.add(cid)
            if camouflage:
                targets = ring_rng.integers(0, len(posts), size=len(ring))
                ctargets = ring_rng.integers(0, len(comments), size=len(ring))
                for i, w in enumerate(ring):
                    pid, author = posts[targets[i]]
                    pluses.append(Plus(pid, w, author))
                    cid, pid, commenter, author = comments[ctargets[i]]
                    likes.append(Like(cid, pid, w, commenter, author, cid not in liked))
                    liked.add(cid)
        activity = DayActivity(reads=reads, pluses=pluses, likes=likes)
        # ---- the settlement's rules
        today: Counter = Counter()
        for p in pluses:
            if p.voter != p.author:
                today[(p.voter, p.author)] += params.plus_edge
        for lk in likes:
            if lk.liker != lk.commenter:
                today[(lk.liker, lk.commenter)] += params.like_edge
        window.append(today)
        edges.update(today)
        if len(window) > params.window_days:
            edges.subtract(window.pop(0))
        weight = weights_from_edges({e: w for e, w in edges.items() if w > 0}, seeds, params)
        given_p = Counter(p.voter for p in pluses)
        given_l = Counter(lk.liker for lk in likes)
        td = trust_day(weight, len(seeds), given_p, given_l, held, params, seeds)
        result = settle_day(activity, rates, lambda a: level.get(a, 0), td.weights)
        held = td.held_after()
        new_xp = apply_xp(xp, activity, td.weights)
        lift = td.lift()
        for a in set(new_xp) | set(lift):
            if new_xp.get(a) != xp.get(a) or a in lift:
                level[a] = max(level_for_xp(new_xp.get(a, 0)), lift.get(a, 0))
        xp = new_xp
        # ---- the figures
        ring_set = set(ring) if strategy != "fresh wallets" else {a for a in result.paid if a.startswith("0xr")}
        take = sum(result.paid.get(w, 0) for w in ring_set)
        out.take += take
        out.paid_total += result.total
        out.honest += sum(result.paid.get(h, 0) for h in honest)
        out.newcomer += result.paid.get(NEWCOMER, 0)
        read_paid = sum(v for (p, c), v in result.lines.get(NEWCOMER, {}).items() if c == FlowCategory.READ_REWARDS)
        out.newcomer_read += read_paid
        if out.newcomer_comment_day is None and level.get(NEWCOMER, 0) >= COMMENT_LEVEL:
            out.newcomer_comment_day = day + 2  # the root of day d+1 lifts it; it comments the day after
        out.daily.append((day + 1, take, result.total, result.scaled, weight.get(NEWCOMER, 0)))
    out.newcomer_week_one = 7 * 30 * rates.read_per_minute  # what its first week's reading is worth
    return out


def _timed(strategy: str | None, k: int, honest: int, days: int) -> tuple[Outcome, float]:
    start = time.perf_counter()
    return run(strategy, k, honest, days), time.perf_counter() - start


def _t(wei: int) -> str:
    return f"{wei / 10**18:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks", type=int, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument("--honest", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES), choices=STRATEGIES)
    parser.add_argument("--jobs", type=int, default=2, help="runs at once (processes)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    tasks = [(None, 0)] + [(s, k) for s in args.strategies for k in args.ks]
    pool = multiprocessing.Pool(args.jobs)
    pending = [pool.apply_async(_timed, (s, k, args.honest, args.days)) for s, k in tasks]
    base, spent = pending[0].get()
    print(f"honest population {args.honest:,}, {args.days} days, no ring: pool paid {_t(base.paid_total)} TWEI,"
          f" honest {_t(base.honest)}; newcomer paid {_t(base.newcomer)} (reading {_t(base.newcomer_read)},"
          f" its first week's reading is worth {_t(base.newcomer_week_one)}), may comment from day"
          f" {base.newcomer_comment_day}  [{spent:.0f} s]")
    print()
    print("| strategy | K | take | cost | net | share of pool | honest loss | newcomer paid (reading) | newcomer comments from |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (strategy, k), job in zip(tasks[1:], pending[1:]):
        o, spent = job.get()
        share = o.take / max(1, o.paid_total)
        loss = 1 - o.honest / max(1, base.honest)
        print(f"| {strategy} | {k:,} | {_t(o.take)} | {_t(o.cost)} | {_t(o.take - o.cost)} | {share:.2%} |"
              f" {loss:.2%} | {_t(o.newcomer)} ({_t(o.newcomer_read)}) | day {o.newcomer_comment_day} |"
              f"  [{spent:.0f} s]", flush=True)
    pool.close()
    print(f"\ncapital-holding ring: not run, the rule asks for no capital (nothing to lock).")
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
