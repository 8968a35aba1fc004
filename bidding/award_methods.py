"""The award methods of 评定分离 (domain-rules section 6) as pure strategies: no database, no clock.

Each function takes what the committee did (ballots, prices, opinions, a revealed seed) and returns a dataclass that
says what happened (the tally of every round, who was tied or eliminated, the shortlist, the draw's evidence), so the
award record prints exactly what decided the award and anyone can re-run it from the record.

Candidates are keys (text: the evaluation bidder's id as a string). Ballots name a candidate key each.

- 票决法 :func:`close_round`: one vote per member; ``majority`` 'simple' (most votes, alone at the top) or
  'absolute' (more than half of the votes cast). No winner: the leaders (all tied at the top; or the leader and the
  runners-up when the leader lacks an absolute majority) vote again while rounds remain (``max_rounds``); after the
  last round the ``tie`` rule settles it among them: 'lottery' (a draw) or 'chair' (the chair decides). A ``tie`` of
  'revote' has no settling rule of its own, so after the last round it is settled by lot.
- 抽签法 :func:`lottery`: winner = the candidate with the smallest HMAC-SHA256(seed, "lottery:{key}"); the seed is
  committed (its SHA-256) before the draw and revealed after, so the draw is re-runnable.
- 价格竞争法 :func:`price`: the lowest price among the candidates wins; equal lowest prices go to the ``tie`` rule
  ('lottery' or 'vote' among the tied).
- 票决抽签法 :func:`shortlist`: one vote round; the ``size`` candidates with the most votes form the shortlist, those
  tied at the cut-off join it; then :func:`lottery` among the shortlist.
- 集体议事法 :func:`deliberation`: every seated member's opinion is recorded, the chair's choice must be a candidate.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from core.errors import N_, Conflict, InvalidInput
from expert_pool.draw import sha256_hex

MAJORITIES = ("simple", "absolute")
FINAL_TIE_RULES = ("lottery", "chair")


def _check_candidates(candidates: Sequence[str]) -> tuple[str, ...]:
    keys = tuple(str(c) for c in candidates)
    if not keys or len(set(keys)) != len(keys):
        raise InvalidInput(N_("候选人名单无效。"), field="candidates")
    return keys


# --- 票决法 ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteRound:
    """One round of votes: who could be voted for, the tally (every eligible candidate, zeros included), and what
    follows: 'winner', 'revote' (``next_eligible`` vote again), 'lottery' or 'chair' (settled among ``tied``)."""

    number: int
    eligible: tuple[str, ...]
    tally: dict[str, int]
    votes_cast: int
    majority: str
    outcome: str
    winner: str | None = None
    tied: tuple[str, ...] = ()
    eliminated: tuple[str, ...] = ()
    next_eligible: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {"round": self.number, "eligible": list(self.eligible), "tally": dict(self.tally),
                "votes_cast": self.votes_cast, "majority": self.majority, "outcome": self.outcome,
                "winner": self.winner, "tied": list(self.tied), "eliminated": list(self.eliminated),
                "next_eligible": list(self.next_eligible)}


def tally(eligible: Sequence[str], ballots: Sequence[str]) -> dict[str, int]:
    """Votes per eligible candidate (zeros included); a ballot for anyone else is refused."""
    counts = {key: 0 for key in eligible}
    for ballot in ballots:
        if ballot not in counts:
            raise InvalidInput(N_("只能投票给本轮的候选人。"), field="bidder_id")
        counts[ballot] += 1
    return counts


def close_round(number: int, eligible: Sequence[str], ballots: Sequence[str], *, majority: str = "absolute",
                max_rounds: int = 3, tie: str = "lottery") -> VoteRound:
    """The result of round ``number`` once every member voted."""
    eligible = _check_candidates(eligible)
    if majority not in MAJORITIES:
        raise InvalidInput(N_("票决规则无效。"), field="majority")
    if not ballots:
        raise InvalidInput(N_("本轮没有选票。"), field="ballots")
    counts = tally(eligible, ballots)
    cast = len(ballots)
    top = max(counts.values())
    leaders = tuple(k for k in eligible if counts[k] == top)
    alone = len(leaders) == 1
    if alone and (majority == "simple" or top * 2 > cast):
        return VoteRound(number, eligible, counts, cast, majority, "winner", winner=leaders[0])
    if alone:  # a leader without more than half: the leader and the runners-up vote again
        second = max(v for k, v in counts.items() if k != leaders[0])
        contenders = tuple(k for k in eligible if counts[k] in (top, second))
    else:
        contenders = leaders
    eliminated = tuple(k for k in eligible if k not in contenders)
    if number < max_rounds:
        return VoteRound(number, eligible, counts, cast, majority, "revote", tied=contenders,
                         eliminated=eliminated, next_eligible=contenders)
    final = tie if tie in FINAL_TIE_RULES else "lottery"
    return VoteRound(number, eligible, counts, cast, majority, final, tied=contenders, eliminated=eliminated)


# --- 抽签法 ----------------------------------------------------------------------------------------------------------


def lottery_key(seed: bytes, candidate: str) -> str:
    """Where a candidate falls in the draw: HMAC-SHA256(seed, "lottery:{key}") in hex."""
    return hmac.new(seed, f"lottery:{candidate}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class LotteryDraw:
    """The draw's evidence: the seed and its commitment, every candidate's HMAC, the order, the winner."""

    seed_hex: str
    commitment: str
    keys: dict[str, str]
    order: tuple[str, ...]
    winner: str

    def as_json(self) -> dict[str, object]:
        return {"seed": self.seed_hex, "commitment": self.commitment, "keys": dict(self.keys),
                "order": list(self.order), "winner": self.winner}


def lottery(seed: bytes, candidates: Sequence[str]) -> LotteryDraw:
    """The winner is the candidate with the smallest HMAC; anyone with the revealed seed gets the same order."""
    keys = {c: lottery_key(seed, c) for c in _check_candidates(candidates)}
    order = tuple(sorted(keys, key=lambda c: (keys[c], c)))
    return LotteryDraw(seed.hex(), sha256_hex(seed), keys, order, order[0])


# --- 价格竞争法 --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceOutcome:
    """The prices compared; ``winner`` when one price is lowest, else ``tied`` go to ``next`` ('lottery'|'vote')."""

    prices: dict[str, str]
    lowest: str
    tied: tuple[str, ...]
    winner: str | None
    next: str

    def as_json(self) -> dict[str, object]:
        return {"prices": dict(self.prices), "lowest": self.lowest, "tied": list(self.tied), "winner": self.winner,
                "next": self.next}


def price(prices: Mapping[str, Decimal | str | None], *, tie: str = "lottery") -> PriceOutcome:
    """The lowest price wins (a candidate without a price cannot take part in a price competition)."""
    keys = _check_candidates(list(prices))
    if tie not in ("lottery", "vote"):
        raise InvalidInput(N_("平票处理规则无效。"), field="tie")
    values = {}
    for key in keys:
        if prices[key] is None:
            raise InvalidInput(N_("候选人没有投标报价，不能价格竞争定标。"), field="prices")
        values[key] = Decimal(str(prices[key]))
    lowest = min(values.values())
    tied = tuple(k for k in keys if values[k] == lowest)
    shown = {k: str(v) for k, v in values.items()}
    if len(tied) == 1:
        return PriceOutcome(shown, str(lowest), tied, tied[0], "decided")
    return PriceOutcome(shown, str(lowest), tied, None, tie)


# --- 票决抽签法 --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shortlist:
    """The vote that shortlists: the tally, the cut-off count and who made the list (ties at the cut-off join)."""

    tally: dict[str, int]
    size: int
    cutoff: int
    shortlist: tuple[str, ...]
    dropped: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"tally": dict(self.tally), "size": self.size, "cutoff": self.cutoff, "shortlist": list(self.shortlist),
                "dropped": list(self.dropped)}


def shortlist(candidates: Sequence[str], ballots: Sequence[str], size: int) -> Shortlist:
    """The ``size`` candidates with most votes, and every candidate tied with the last of them."""
    keys = _check_candidates(candidates)
    if not 1 <= size:
        raise InvalidInput(N_("入围数量无效。"), field="shortlist")
    counts = tally(keys, ballots)
    ordered = sorted(keys, key=lambda k: -counts[k])
    cutoff = counts[ordered[min(size, len(ordered)) - 1]]
    listed = tuple(k for k in keys if counts[k] >= cutoff)
    return Shortlist(counts, size, cutoff, listed, tuple(k for k in keys if k not in listed))


# --- 集体议事法 --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deliberation:
    """Every member's opinion (member key -> favoured candidate and reasons) and the chair's decision."""

    opinions: dict[str, tuple[str, str]]
    favoured: dict[str, int]
    winner: str
    statement: str

    def as_json(self) -> dict[str, object]:
        return {"opinions": {k: list(v) for k, v in self.opinions.items()}, "favoured": dict(self.favoured),
                "winner": self.winner, "statement": self.statement}


def deliberation(candidates: Sequence[str], members: Sequence[str], opinions: Mapping[str, tuple[str, str]],
                 chair_choice: str, statement: str) -> Deliberation:
    """The chair decides and bears the responsibility, after every seated member stated an opinion."""
    keys = _check_candidates(candidates)
    missing = [m for m in members if m not in opinions or not opinions[m][1].strip()]
    if missing:
        raise Conflict(N_("还有 %(n)s 名定标委员未发表意见，组长不能作出决定。"), n=len(missing))
    if chair_choice not in keys:
        raise InvalidInput(N_("只能确定中标候选人为中标人。"), field="bidder_id")
    if not statement.strip():
        raise InvalidInput(N_("请填写组长的决定理由。"), field="statement")
    favoured = {k: 0 for k in keys}
    for member in members:
        choice = opinions[member][0]
        if choice in favoured:
            favoured[choice] += 1
    return Deliberation({m: opinions[m] for m in members}, favoured, chair_choice, statement.strip())


@dataclass
class VoteHistory:
    """Rounds replayed from the stored ballots: the closed rounds and who may be voted for now."""

    rounds: list[VoteRound] = field(default_factory=list)
    eligible: tuple[str, ...] = ()
    pending: str = "vote"  # vote | winner | lottery | chair
    winner: str | None = None
    tied: tuple[str, ...] = ()


def replay(candidates: Sequence[str], ballots_by_round: Mapping[int, Sequence[str]], voters: int, *,
           majority: str, max_rounds: int, tie: str) -> VoteHistory:
    """The state of a vote from its ballots: every complete round (``voters`` ballots) is closed in turn."""
    history = VoteHistory(eligible=_check_candidates(candidates))
    number = 1
    while True:
        ballots = list(ballots_by_round.get(number, ()))
        if len(ballots) < voters:
            return history
        closed = close_round(number, history.eligible, ballots, majority=majority, max_rounds=max_rounds, tie=tie)
        history.rounds.append(closed)
        if closed.outcome == "revote":
            history.eligible = closed.next_eligible
            number += 1
            continue
        history.pending = closed.outcome
        history.winner = closed.winner
        history.tied = closed.tied
        return history
