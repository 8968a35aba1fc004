"""The committee's result, computed in one place (domain-rules 5.3): totals, means, deviations, ranking, candidates.

Pure functions over plain values (no database), so the evaluation workflow, the report, the score-sheet export, the
benchmark and the property tests all run exactly the same arithmetic.

综合评估法:

- an expert's total for a bid = the points the expert typed for every scoring item + the platform's price score
  (the price score is objective and the same for every expert: it comes from :mod:`bidding.price_rules`);
- the bid's final score = the arithmetic mean of the totals over the scorers, after dropping the single highest and
  the single lowest total when the evaluation says so (a local rule [L], allowed only with ≥ 7 scorers so at least
  5 remain), rounded half-up to 2 decimals;
- 偏离度: an expert whose total for a bid deviates from the plain mean of all totals for that bid by more than the
  threshold (percent of the mean) must explain in writing before the report exists;
- ranking by final score, descending; equal scores go to the lower price (87号令第55条 writes the rule for GP; the
  engineering documents commonly copy it); equal score and price is a joint rank;
- candidates (条例第53条: 1–3): the first N in that order. Unranked (评定分离, 建市规〔2019〕11号) returns the same
  N bidders, but the order is not part of the result: they are listed in opening order so nothing leaks a ranking.

经评审的最低投标价法: the ranking is by evaluated price ascending (:class:`bidding.price_rules.LowestEvaluatedPrice`);
:func:`lowest_price_result` wraps it in the same result shape.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any

from bidding.price_rules import HUNDRED, EvaluatedPrice, half_up, precise_mean

MIN_SCORERS_TO_DROP = 7
MIN_CANDIDATES, MAX_CANDIDATES = 1, 3


@dataclass(frozen=True)
class Options:
    drop_extremes: bool = False
    deviation_threshold_pct: Decimal = Decimal(20)
    candidates: int = 3
    ranked: bool = True


@dataclass(frozen=True)
class BidderResult:
    key: Hashable
    price: Decimal
    totals: dict[Hashable, Decimal]
    mean_all: Decimal
    dropped: tuple[Hashable, ...]
    final: Decimal
    rank: int
    joint: bool = False


@dataclass(frozen=True)
class Deviation:
    scorer: Hashable
    bidder: Hashable
    total: Decimal
    mean: Decimal
    deviation_pct: Decimal


@dataclass(frozen=True)
class CommitteeResult:
    """``bidders`` in ranking order; ``candidates`` as the committee recommends them (ranked, or in opening order)."""

    method: str
    bidders: list[BidderResult]
    deviations: list[Deviation] = field(default_factory=list)
    candidates: list[Hashable] = field(default_factory=list)
    ranked: bool = True

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "ranked": self.ranked,
            "bidders": [{"key": str(b.key), "price": str(b.price), "totals": {str(k): str(v) for k, v in b.totals.items()},
                         "mean_all": str(b.mean_all), "dropped": [str(d) for d in b.dropped], "final": str(b.final),
                         "rank": b.rank, "joint": b.joint} for b in self.bidders],
            "deviations": [{"scorer": str(d.scorer), "bidder": str(d.bidder), "total": str(d.total), "mean": str(d.mean),
                            "deviation_pct": str(d.deviation_pct)} for d in self.deviations],
            "candidates": [str(c) for c in self.candidates],
        }


def _seat_order(key: Hashable) -> tuple[int, int | str]:
    """Keys in seat order: numeric ids by value (so "10" follows "9"), anything else by text."""
    text = str(key)
    return (0, int(text)) if text.isdigit() else (1, text)


def expert_total(typed: Mapping[Hashable, Decimal], price_score: Decimal | None) -> Decimal:
    """One expert's total for one bid: the typed items plus the platform's price score."""
    return sum(typed.values(), Decimal(0)) + (price_score or Decimal(0))


def final_score(totals: Mapping[Hashable, Decimal], drop_extremes: bool) -> tuple[Decimal, tuple[Hashable, ...]]:
    """The mean of the totals, without the highest and the lowest when asked (and there are ≥ 3), half-up to 0.01.

    Equal totals at either end: the one later in seat order counts as the highest, the earlier as the lowest (it
    changes nothing in the mean, only whose name the report prints as dropped)."""
    if not totals:
        return Decimal("0.00"), ()
    order = sorted(totals, key=lambda k: (totals[k], _seat_order(k)))
    dropped: tuple[Hashable, ...] = ()
    if drop_extremes and len(order) >= 3:
        dropped = (order[-1], order[0])
    used = [totals[k] for k in order if k not in dropped]
    return half_up(precise_mean(used)), dropped


def deviation_pct(total: Decimal, mean: Decimal) -> Decimal:
    """(total − mean) / mean × 100, half-up to 0.01; a zero mean means every total was zero: no deviation."""
    if mean == 0:
        return Decimal("0.00")
    with localcontext() as ctx:
        ctx.prec = 40
        return half_up((total - mean) / mean * HUNDRED)


def deviations(totals: Mapping[Hashable, Decimal], bidder: Hashable, threshold_pct: Decimal) -> tuple[Decimal, list[Deviation]]:
    """The plain mean of the totals and the scorers beyond the threshold (偏离度 to explain)."""
    if not totals:
        return Decimal("0.00"), []
    mean = precise_mean(list(totals.values()))
    found = []
    for scorer, total in totals.items():
        pct = deviation_pct(total, mean)
        if abs(pct) > threshold_pct:
            found.append(Deviation(scorer, bidder, total, half_up(mean), pct))
    return half_up(mean), found


def rank(finals: Mapping[Hashable, Decimal], prices: Mapping[Hashable, Decimal], *, descending: bool = True
         ) -> list[tuple[Hashable, int, bool]]:
    """(key, rank, joint) in order: by final (descending, or ascending for prices), then lower price, then joint."""
    sign = -1 if descending else 1
    order = sorted(finals, key=lambda k: (sign * finals[k], prices[k], _seat_order(k)))
    ranked: list[tuple[Hashable, int, bool]] = []
    for position, key in enumerate(order, start=1):
        if ranked:
            previous = ranked[-1][0]
            if (finals[previous], prices[previous]) == (finals[key], prices[key]):
                ranked[-1] = (previous, ranked[-1][1], True)
                ranked.append((key, ranked[-1][1], True))
                continue
        ranked.append((key, position, False))
    return ranked


def pick_candidates(order: Sequence[Hashable], opening_order: Sequence[Hashable], count: int, ranked: bool
                    ) -> list[Hashable]:
    """The first ``count`` of the ranking; unranked (评定分离) lists them in opening order instead."""
    chosen = list(order[:count])
    if ranked:
        return chosen
    position = {k: i for i, k in enumerate(opening_order)}
    return sorted(chosen, key=lambda k: position.get(k, len(position)))


def committee_result(prices: Mapping[Hashable, Decimal], totals: Mapping[Hashable, Mapping[Hashable, Decimal]],
                     options: Options) -> CommitteeResult:
    """综合评估法: ``prices`` of the scored (not rejected) bids in opening order; ``totals[bidder][scorer]``."""
    finals: dict[Hashable, Decimal] = {}
    dropped: dict[Hashable, tuple[Hashable, ...]] = {}
    means: dict[Hashable, Decimal] = {}
    flagged: list[Deviation] = []
    for bidder in prices:
        per_scorer = dict(totals.get(bidder, {}))
        finals[bidder], dropped[bidder] = final_score(per_scorer, options.drop_extremes)
        means[bidder], found = deviations(per_scorer, bidder, options.deviation_threshold_pct)
        flagged += found
    ranking = rank(finals, prices)
    bidders = [BidderResult(key=k, price=prices[k], totals=dict(totals.get(k, {})), mean_all=means[k], dropped=dropped[k],
                            final=finals[k], rank=r, joint=joint) for k, r, joint in ranking]
    candidates = pick_candidates([b.key for b in bidders], list(prices), options.candidates, options.ranked)
    return CommitteeResult("comprehensive", bidders, flagged, candidates, options.ranked)


def lowest_price_result(evaluated: Sequence[EvaluatedPrice], opening_order: Sequence[str], options: Options
                        ) -> CommitteeResult:
    """经评审的最低投标价法: the ranking of :meth:`LowestEvaluatedPrice.rank`, the final being the evaluated price."""
    joint_ranks = {e.rank for i, e in enumerate(evaluated) if any(o.rank == e.rank for o in evaluated[i + 1:])}
    bidders = [BidderResult(key=e.key, price=e.price, totals={}, mean_all=e.evaluated, dropped=(), final=e.evaluated,
                            rank=e.rank, joint=e.rank in joint_ranks) for e in evaluated]
    candidates = pick_candidates([b.key for b in bidders], list(opening_order), options.candidates, options.ranked)
    return CommitteeResult("lowest_evaluated_price", bidders, [], candidates, options.ranked)
