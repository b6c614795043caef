"""What a scripted reader farm takes from the daily pool, with and without the farm defence.

``python -m bench.farm`` prints, day by day for a week, what a farm of N fresh wallets is paid
and its share of the pool, beside honest readers whose claims add up to ``--honest`` TWEI a day,
at the default pool parameters (SPEC §2, :class:`twei.economy.PoolRates`). Each farm wallet reads
in real time (one focus: it cannot read two posts at once) ``--minutes`` a day, every read a
new post, so it reaches the per-reader daily cap when its level allows. Computed with the
settlement's own functions (:func:`twei.economy.settle_day`, XP and levels as the settlement
advances them); prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse

from twei.economy import DayActivity, PoolRates, Read, apply_xp, level_for_xp, settle_day

__all__ = ["farm_week"]


def _twei(wei: int) -> str:
    return f"{wei / 10**18:,.0f}"


def farm_week(wallets: int, minutes: int, honest_twei: int, days: int, rates: PoolRates) -> list[dict]:
    """One row per day: the farm's pay (TWEI), its share of the paid pool, honest readers' pay."""
    farm = [f"0xfa{n:038x}" for n in range(wallets)]
    # Honest readers: fixed, experienced (level 13+) accounts reading 30 min a day each.
    honest = [f"0x11{n:038x}" for n in range(honest_twei // 3)]
    xp: dict[str, int] = {h: 1_690 for h in honest}
    rows = []
    for day in range(days):
        reads = [Read(w, 10_000 * day + k, 60 * 6, k) for w in farm for k in range(minutes // 6)]
        reads += [Read(h, 10_000 * day, 30 * 60, 0) for h in honest]
        activity = DayActivity(reads=reads)
        result = settle_day(activity, rates, lambda a: level_for_xp(xp.get(a, 0)))
        farm_paid = sum(result.paid.get(w, 0) for w in farm)
        honest_paid = sum(result.paid.get(h, 0) for h in honest)
        rows.append({
            "day": day + 1,
            "farm_level": level_for_xp(xp.get(farm[0], 0)) if farm else 0,
            "farm": farm_paid,
            "honest": honest_paid,
            "share": farm_paid / max(1, farm_paid + honest_paid),
            "scaled": result.scaled,
        })  # fmt: skip
        xp = apply_xp(xp, activity)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wallets", type=int, nargs="+", default=[100, 1_000, 2_000])
    parser.add_argument("--minutes", type=int, default=500, help="reading minutes a wallet a day")
    parser.add_argument("--honest", type=int, default=30_000, help="honest readers' TWEI a day")
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args()
    for label, rates in (("defence off", PoolRates(read_cap_full_level=0)),
                         ("defence on (default: full cap at LVL 13)", PoolRates())):  # fmt: skip
        print(f"\n== {label}; farm wallets read {args.minutes} min/day; honest readers' claims"
              f" {args.honest:,} TWEI/day; pool {_twei(rates.daily_pool)} TWEI")
        for n in args.wallets:
            rows = farm_week(n, args.minutes, args.honest, args.days, rates)
            week = sum(r["farm"] for r in rows)
            print(f"  N = {n:>5}: " + "  ".join(
                f"d{r['day']} L{r['farm_level']} {_twei(r['farm']):>6} ({r['share']:.0%})"
                for r in rows
            ) + f"   {args.days} days {_twei(week)} TWEI")  # fmt: skip


if __name__ == "__main__":
    main()
