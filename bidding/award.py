"""The award (定标) of a section up to ``decided``: the tenderee's review of the evaluation report, the ranked award
(条例第55条) and the award committee's methods (评定分离, domain-rules section 6), and the signed award record.

The flow (bidding.award_models.AWARD_STATUSES): the closed evaluation hands its report over (:func:`receive_report`,
``review``); the tenderee accepts it or sends it back for a stated error (``returned``) that the evaluation chair
answers; the candidates are published (bidding.publicity, not here) and the award is then ``deciding``:

- ranked mode: the tenderee decides (:func:`decide_ranked`) and signs the 定标结果 record;
- separated mode: the committee drawn from the tenderee's pool (bidding.award_pool) runs the tender's method
  (:mod:`bidding.award_methods`): votes (:func:`cast_vote`), a committed lottery (:func:`commit_lottery`,
  :func:`draw_lottery`), opinions and the chair's decision (:func:`record_opinion`, :func:`chair_decide`) or the
  price (:func:`decide_by_price`). Once the winner is known the chair renders and signs the 定标报告, every seated
  member signs it (:func:`sign_award_record`) and the tenderee seals it (:func:`seal_award_record`) → ``decided``.

Every action checks the actor, the status and that the tender is not suspended; every change is on the ledger.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidding import award_methods as methods
from bidding import award_record, award_rules, award_state
from bidding.access import is_tenderee, manages
from bidding.award_models import Award, AwardBallot, AwardMember, ReportReturn
from bidding.evaluation_models import Evaluation, EvaluationBidder, EvaluationMember
from bidding.models import Tender
from bidding.notices import Signing
from core.actor import Actor, Role
from core.clock import Clock
from core.errors import N_, Conflict, InvalidInput, NotPermitted, RuleViolation, phrase
from core.files import FileStore
from expert_pool.draw import SEED_BYTES, canonical_json, sha256_hex
from signing import ledger, records, seal, signed_records
from signing.signed_records import SignedRecord

RECORD_KIND = award_record.KIND
MAX_TEXT = 2000
RULE_55 = N_("条例第55条")
RULE_40 = N_("法第40条")
OPEN_STATUSES = ("accepted", "candidates_publicity", "deciding")


# --- reading ----------------------------------------------------------------------------------------------------------


def candidates(award: Award) -> list[dict[str, Any]]:
    """The candidates as the committee recommended them: {bidder_id, org_id, name, price, rank|null}."""
    return list(json.loads(award.candidates))


def candidate_keys(award: Award) -> list[str]:
    return [str(c["bidder_id"]) for c in candidates(award)]


def params(award: Award) -> dict[str, Any]:
    """The method's parameters as the tender fixed them, over the defaults."""
    return {**award_rules.DEFAULT_PARAMS.get(award.method, {}), **award_rules.plan_params(award.tender.award_params)}


def _candidate(award: Award, bidder_id: int | str) -> dict[str, Any]:
    for c in candidates(award):
        if str(c["bidder_id"]) == str(bidder_id):
            return c
    raise RuleViolation(N_("只能在评标委员会推荐的中标候选人中确定中标人（%(rule)s）。"), field="bidder_id",
                        rule=RULE_40)


def _require_tenderee(actor: Actor, tender: Tender) -> None:
    if not is_tenderee(actor, tender):
        raise NotPermitted(N_("只有本项目的招标人可以执行此操作。"))


def _open(session: Session, award_id: int, *statuses: str) -> Award:
    """The award, its tender not suspended, in one of ``statuses``."""
    award = award_state.get_award(session, award_id)
    award_state.require_not_suspended(award.tender)
    if statuses and award.status not in statuses:
        raise Conflict(N_("定标当前状态为“%(status)s”，不能执行此操作。"),
                       status=phrase(award_state.status_label(award.status)))
    return award


def _text(value: str, field_name: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(message, field=field_name)
    if len(text) > MAX_TEXT:
        raise InvalidInput(N_("内容不能超过 %(max)s 字。"), field=field_name, max=MAX_TEXT)
    return text


def _log(session: Session, clock: Clock, actor: Actor, award: Award, action: str, after: dict[str, Any]) -> None:
    ledger.append(session, clock, actor, action, "award", award.id, tender_id=award.tender_id, after=after)


# --- the report arrives -----------------------------------------------------------------------------------------------


def _candidates_of(evaluation: Evaluation) -> list[dict[str, Any]]:
    result = json.loads(evaluation.result or "{}")
    ranked = bool(result.get("ranked", True))
    by_id = {str(b.id): b for b in evaluation.bidders}
    out = []
    for rank, key in enumerate(result.get("candidates", []), start=1):
        bidder: EvaluationBidder = by_id[str(key)]
        out.append({"bidder_id": bidder.id, "org_id": bidder.bidder_org_id, "name": bidder.bidder.name,
                    "price": None if bidder.price is None else str(bidder.price), "rank": rank if ranked else None})
    return out


def receive_report(session: Session, clock: Clock, evaluation: Evaluation) -> Award | None:
    """The closed evaluation's report reaches the tenderee (条例第54条 counts from here): the award starts in
    ``review`` with the tender's mode, method and rule set. No candidate (every bid rejected): no award, the tender
    is re-tendered (法第42条). Idempotent: the same evaluation never starts two awards."""
    live = award_state.current_award(session, evaluation.section_id)
    if live is not None and live.evaluation_id == evaluation.id:
        return live
    found = _candidates_of(evaluation)
    if not found:
        return None
    tender = evaluation.tender
    attempts = session.scalars(select(Award.attempt).where(Award.section_id == evaluation.section_id)).all()
    award = Award(tender_id=tender.id, section_id=evaluation.section_id, evaluation_id=evaluation.id,
                  attempt=max(attempts, default=0) + 1, mode=tender.award_mode,
                  method=tender.award_method if tender.award_mode == "separated" else "", rule_set=tender.rule_set,
                  status="review", candidates=canonical_json(found), report_received_at=clock.now(),
                  created_by=evaluation.created_by, created_at=clock.now())
    session.add(award)
    session.flush()
    _log(session, clock, Actor.system(), award, "award.receive",
         {"status": "review", "evaluation_id": evaluation.id, "attempt": award.attempt, "mode": award.mode,
          "method": award.method, "rule_set": award.rule_set, "candidates": found})
    return award


# --- the tenderee reviews the report (12号令第39条) ----------------------------------------------------------------------


def accept_report(session: Session, clock: Clock, actor: Actor, award_id: int) -> Award:
    """The tenderee accepts the report: the candidates can be published and the award clock starts."""
    award = _open(session, award_id, "review")
    _require_tenderee(actor, award.tender)
    award_state.move(session, clock, actor, award, "review", "accepted", "award.accept", {"accepted_at": clock.now()})
    award_state.sync_tender(session, clock, award.tender)
    return award


def return_report(session: Session, clock: Clock, actor: Actor, award_id: int, error: str) -> ReportReturn:
    """The tenderee sends the report back to the committee for a stated error (a miscount, a missing signature, a
    rule applied wrongly: 12号令第39条; 条例第56条 for re-checks). Sending back may not change a judgement: the
    committee alone judges the bids, so the return only names the error and the chair's answer is recorded."""
    award = _open(session, award_id, "review")
    _require_tenderee(actor, award.tender)
    text = _text(error, "error", N_("请写明评标报告存在的错误。"))
    row = ReportReturn(award_id=award.id, error=text, returned_by=actor.user_id, returned_at=clock.now())
    session.add(row)
    session.flush()
    award_state.move(session, clock, actor, award, "review", "returned", "award.return",
                     note={"return_id": row.id, "error": text})
    return row


def _chairs_evaluation(session: Session, actor: Actor, evaluation: Evaluation | None) -> bool:
    """Whether the actor is the chair of the evaluation committee."""
    if evaluation is None or evaluation.chair_member_id is None or actor.user_id is None:
        return False
    lead = session.get(EvaluationMember, evaluation.chair_member_id)
    return lead is not None and lead.user_id == actor.user_id


def _require_evaluation_chair(session: Session, actor: Actor, award: Award) -> None:
    """Only the chair of the committee that wrote the report answers its return."""
    if not _chairs_evaluation(session, actor, session.get(Evaluation, award.evaluation_id)):
        raise NotPermitted(N_("只有评标委员会组长可以答复退回的评标报告。"))


def award_to_answer(session: Session, actor: Actor, award_id: int) -> Award:
    """The award whose returned report the actor is to answer: only the evaluation committee's chair reads it."""
    award = award_state.get_award(session, award_id)
    _require_evaluation_chair(session, actor, award)
    return award


def returned_award(session: Session, actor: Actor, evaluation: Evaluation) -> Award | None:
    """The award whose report the tenderee returned, when the actor chairs the evaluation committee (else None)."""
    if not _chairs_evaluation(session, actor, evaluation):
        return None
    return session.scalars(select(Award).where(Award.evaluation_id == evaluation.id,
                                               Award.status == "returned")).first()


def answer_return(session: Session, clock: Clock, actor: Actor, award_id: int, answer: str,
                  corrected: bool) -> ReportReturn:
    """The evaluation committee's chair answers the return, saying whether the error was corrected; the report is
    back in review. The answer is recorded as given: the platform does not re-judge."""
    award = _open(session, award_id, "returned")
    _require_evaluation_chair(session, actor, award)
    text = _text(answer, "answer", N_("请填写答复。"))
    row = award.returns[-1]
    row.answer, row.corrected, row.answered_by, row.answered_at = text, bool(corrected), actor.user_id, clock.now()
    session.flush()
    award_state.move(session, clock, actor, award, "returned", "review", "award.answer",
                     note={"return_id": row.id, "answer": text, "corrected": bool(corrected)})
    return row


# --- the deadline -----------------------------------------------------------------------------------------------------


def award_due(award: Award) -> datetime | None:
    """When the award must be decided: the rule set's days after the report was accepted (None before that)."""
    if award.accepted_at is None:
        return None
    return award.accepted_at + timedelta(days=award_rules.rule_set(award.rule_set).award_days)


def overdue_awards(session: Session, clock: Clock) -> list[Award]:
    """Awards not yet decided past their due time, for the supervisor's list (oldest first)."""
    rows = session.scalars(select(Award).where(Award.status.in_(OPEN_STATUSES)).order_by(Award.accepted_at)).all()
    now = clock.now()
    return [a for a in rows if (due := award_due(a)) is not None and due < now]


# --- ranked mode (条例第55条) --------------------------------------------------------------------------------------------


def _check_ranked_choice(award: Award, winner: dict[str, Any], reason: str,
                         dropouts: Mapping[int, tuple[str, str]]) -> dict[str, Any]:
    listed = candidates(award)
    order = sorted(listed, key=lambda c: (c["rank"] is None, c["rank"] or 0))
    passed = [c for c in order[:order.index(winner)]]
    tender = award.tender
    notes = {}
    for bidder_id, (ground, facts) in dropouts.items():
        _candidate(award, bidder_id)
        if ground not in award_rules.DROPOUT_GROUNDS:
            raise InvalidInput(N_("放弃或不能中标的情形无效。"), field="dropouts")
        notes[str(bidder_id)] = {"ground": ground, "facts": _text(facts, "dropouts", N_("请写明相关事实。"))}
    if tender.is_compulsory and tender.is_state_funded:
        missing = [c["name"] for c in passed if str(c["bidder_id"]) not in notes]
        if missing:
            raise RuleViolation(N_("依法必须招标的国有资金项目应当确定排名第一的中标候选人为中标人；排名在前的候选人"
                                   "放弃中标、因不可抗力不能履行合同、不按要求提交履约保证金或被查实存在影响中标结果的违法"
                                   "行为的，方可依次确定其他候选人（%(rule)s）。"), field="bidder_id", rule=RULE_55)
    elif passed and not reason.strip():
        raise InvalidInput(N_("未确定排名第一的中标候选人为中标人的，请写明理由。"), field="reason")
    return notes


def decide_ranked(session: Session, clock: Clock, actor: Actor, award_id: int, winner_bidder_id: int, reason: str,
                  signing: Signing, *, dropouts: Mapping[int, tuple[str, str]] | None = None) -> SignedRecord:
    """The tenderee fixes the winner from the ranked candidates and signs the 定标结果 record → ``decided``.

    A state-funded compulsory tender takes the first-ranked candidate; a later one only when every candidate ranked
    above it dropped out (``dropouts``: bidder id → (ground of :data:`bidding.award_rules.DROPOUT_GROUNDS`, facts),
    条例第55条). Others may take any candidate, with a written reason when it is not the first. Never a non-candidate
    (法第40条)."""
    award = _open(session, award_id, "deciding")
    _require_tenderee(actor, award.tender)
    if award.mode != "ranked":
        raise Conflict(N_("本项目实行评定分离，由定标委员会定标。"))
    winner = _candidate(award, winner_bidder_id)
    notes = _check_ranked_choice(award, winner, reason or "", dropouts or {})
    decision = {"mode": "ranked", "winner": str(winner["bidder_id"]), "dropouts": notes,
                "reason": (reason or "").strip()}
    award.winner_bidder_id, award.winner_org_id = winner["bidder_id"], winner["org_id"]
    award.decision, award.reason = canonical_json(decision), (reason or "").strip()
    session.flush()
    signed = _sign_new_record(session, clock, actor, award, signing, field_name="tenderee",
                              reason=f"招标人确定中标人 {award.tender.code}")
    award_state.move(session, clock, actor, award, "deciding", "decided", "award.decide",
                     {"winner_bidder_id": winner["bidder_id"], "winner_org_id": winner["org_id"],
                      "decided_at": clock.now(), "record_id": signed.id}, note={"decision": decision})
    award_state.sync_tender(session, clock, award.tender)
    return signed


# --- separated mode: the committee at work -----------------------------------------------------------------------------


def seated(award: Award) -> list[AwardMember]:
    return [m for m in award.members if m.status == "seated"]


def member_of(award: Award, actor: Actor) -> AwardMember | None:
    return next((m for m in award.members if m.user_id == actor.user_id and actor.user_id is not None), None)


def chair(award: Award) -> AwardMember | None:
    return next((m for m in seated(award) if m.chair), None)


def require_committee_reader(actor: Actor, award: Award) -> None:
    """Who follows the committee: supervisors, its members, the tender's managers and the tenderee."""
    if not (actor.has(Role.SUPERVISOR) or member_of(award, actor) is not None or manages(actor, award.tender)
            or is_tenderee(actor, award.tender)):
        raise NotPermitted(N_("您没有查看定标委员会的权限。"))


def my_awards(session: Session, actor: Actor) -> list[tuple[Award, AwardMember]]:
    """The awards in which the actor holds a seat, newest first (a member lists only its own seats)."""
    if actor.user_id is None:
        return []
    rows = session.execute(select(Award, AwardMember).join(AwardMember, AwardMember.award_id == Award.id)
                           .where(AwardMember.user_id == actor.user_id).order_by(Award.id.desc())).all()
    return [(a, m) for a, m in rows]


def ballots_cast(session: Session, actor: Actor, award: Award, number: int | None) -> int:
    """How many members voted in the round: a count, never who (for those who follow the committee)."""
    require_committee_reader(actor, award)
    if number is None:
        return 0
    return session.scalar(select(func.count()).select_from(AwardBallot)
                          .where(AwardBallot.award_id == award.id, AwardBallot.round == number)) or 0


def has_voted(session: Session, actor: Actor, award: Award, number: int | None) -> bool:
    """Whether the actor's own seat has voted in the round (a member learns only about its own ballot)."""
    member = member_of(award, actor)
    if number is None or member is None:
        return False
    return session.scalars(select(AwardBallot.id).where(AwardBallot.award_id == award.id, AwardBallot.round == number,
                                                       AwardBallot.member_id == member.id)).first() is not None


def _ready(session: Session, award_id: int) -> Award:
    """A separated award in ``deciding`` whose drawn committee is complete and has declared, not yet concluded."""
    award = _open(session, award_id, "deciding")
    if award.mode != "separated":
        raise Conflict(N_("本项目按排序推荐由招标人定标。"))
    if award.drawn_at is None:
        raise Conflict(N_("定标委员会尚未抽取。"))
    members = seated(award)
    size = award.tender.award_committee_size
    if len(members) < size:
        raise Conflict(N_("定标委员会成员不足 %(size)s 人（备选已用完），须重新抽取。"), size=size)
    if any(m.declared_at is None for m in members):
        raise Conflict(N_("定标委员会成员全部作出回避声明后才能定标。"))
    if award.winner_bidder_id is not None:
        raise Conflict(N_("中标人已经确定。"))
    return award


def _seated_member(award: Award, actor: Actor) -> AwardMember:
    member = member_of(award, actor)
    if member is None or member.status != "seated":
        raise NotPermitted(N_("只有本次定标委员会的成员可以执行此操作。"))
    return member


def _ballots(session: Session, award: Award) -> dict[int, list[AwardBallot]]:
    rows = session.scalars(select(AwardBallot).where(AwardBallot.award_id == award.id)
                           .order_by(AwardBallot.round, AwardBallot.id)).all()
    out: dict[int, list[AwardBallot]] = {}
    for row in rows:
        out.setdefault(row.round, []).append(row)
    return out


def _vote_params(award: Award) -> dict[str, Any]:
    p = params(award)
    if award.method == "price":  # the tied lowest prices vote: the vote's defaults, settled by lot in the end
        return {**award_rules.DEFAULT_PARAMS["vote"], "tie": "lottery"}
    return p


class Phase:
    """Where a separated award stands: ``step`` is vote | lottery | chair | deliberation | winner, with the
    candidates it concerns (``pool``), and the evidence so far (``evidence``: JSON for the record)."""

    def __init__(self, step: str, pool: tuple[str, ...], evidence: dict[str, Any], winner: str | None = None):
        self.step, self.pool, self.evidence, self.winner = step, pool, evidence, winner


def phase(session: Session, award: Award) -> Phase:
    """Replay the award's method from its rows: ballots, the price outcome, the lottery, the opinions."""
    keys = tuple(candidate_keys(award))
    p = params(award)
    evidence: dict[str, Any] = {"method": award.method, "params": p}
    voters = len(seated(award))
    by_round = {n: [str(b.bidder_id) for b in rows] for n, rows in _ballots(session, award).items()}
    if award.method == "deliberation":
        return Phase("deliberation", keys, evidence)
    if award.method == "lottery":
        step = Phase("lottery", keys, evidence)
    elif award.method == "price":
        outcome = methods.price({c: _candidate(award, c)["price"] for c in keys}, tie=p.get("tie", "lottery"))
        evidence["price"] = outcome.as_json()
        if outcome.winner is not None:
            return Phase("winner", keys, evidence, outcome.winner)
        if outcome.next == "lottery":
            step = Phase("lottery", outcome.tied, evidence)
        else:
            step = _vote_phase(award, outcome.tied, by_round, voters, evidence)
    elif award.method == "vote_lottery":
        ballots = by_round.get(1, [])
        if len(ballots) < voters:
            evidence["current_round"] = 1
            return Phase("vote", keys, evidence)
        listed = methods.shortlist(keys, ballots, int(p.get("shortlist", 2)))
        evidence["shortlist"] = listed.as_json()
        step = Phase("lottery", listed.shortlist, evidence) if len(listed.shortlist) > 1 else \
            Phase("winner", listed.shortlist, evidence, listed.shortlist[0])
    else:
        step = _vote_phase(award, keys, by_round, voters, evidence)
    if step.step == "lottery" and award.lottery_drawn_at is not None and award.lottery_seed_hex:
        drawn = methods.lottery(bytes.fromhex(award.lottery_seed_hex), step.pool)
        evidence["lottery"] = drawn.as_json()
        return Phase("winner", step.pool, evidence, drawn.winner)
    return step


def _vote_phase(award: Award, keys: tuple[str, ...], by_round: dict[int, list[str]], voters: int,
                evidence: dict[str, Any]) -> Phase:
    vp = _vote_params(award)
    history = methods.replay(keys, by_round, voters, majority=vp.get("majority", "absolute"),
                             max_rounds=int(vp.get("max_rounds", 3)), tie=vp.get("tie", "lottery"))
    evidence["rounds"] = [r.as_json() for r in history.rounds]
    if history.pending == "winner":
        return Phase("winner", keys, evidence, history.winner)
    if history.pending in ("lottery", "chair"):
        return Phase(history.pending, history.tied, evidence)
    evidence["current_round"] = len(history.rounds) + 1
    return Phase("vote", history.eligible, evidence)


def _conclude(session: Session, clock: Clock, actor: Actor, award: Award, found: Phase) -> None:
    """The winner is known: it and how it was reached are fixed on the award; the record is signed next."""
    assert found.winner is not None
    winner = _candidate(award, found.winner)
    decision = {**found.evidence, "mode": "separated", "winner": found.winner}
    award.winner_bidder_id, award.winner_org_id = winner["bidder_id"], winner["org_id"]
    award.decision = canonical_json(decision)
    session.flush()
    _log(session, clock, actor, award, "award.conclude", {"winner_bidder_id": winner["bidder_id"],
                                                         "decision": decision})


def _conclude_if_known(session: Session, clock: Clock, actor: Actor, award: Award) -> Phase:
    found = phase(session, award)
    if found.step == "winner":
        _conclude(session, clock, actor, award, found)
    return found


def cast_vote(session: Session, clock: Clock, actor: Actor, award_id: int, bidder_id: int) -> AwardBallot:
    """A seated member's signed ballot for a candidate of the current round (票决法, 票决抽签法, or the tied lowest
    prices). When every seated member has voted the round closes: a winner, a new round among the tied, or the
    tie rule (lottery or the chair)."""
    award = _ready(session, award_id)
    member = _seated_member(award, actor)
    now_phase = phase(session, award)
    if now_phase.step != "vote":
        raise Conflict(N_("当前不是投票阶段。"))
    key = str(_candidate(award, bidder_id)["bidder_id"])
    if key not in now_phase.pool:
        raise InvalidInput(N_("只能投票给本轮的候选人。"), field="bidder_id")
    number = int(now_phase.evidence.get("current_round", 1))
    done = session.scalars(select(AwardBallot).where(AwardBallot.award_id == award.id, AwardBallot.round == number,
                                                     AwardBallot.member_id == member.id)).first()
    if done is not None:
        raise Conflict(N_("您在本轮已经投票。"))
    ballot = AwardBallot(award_id=award.id, round=number, member_id=member.id, bidder_id=int(key), at=clock.now())
    session.add(ballot)
    session.flush()
    _log(session, clock, actor, award, "award.vote", {"round": number, "member_id": member.id, "bidder_id": int(key)})
    after = phase(session, award)
    closed = int(after.evidence.get("current_round", number + 1)) > number or after.step != "vote"
    if closed:
        award.vote_round = int(after.evidence.get("current_round", number))
        _log(session, clock, Actor.system(), award, "award.round",
             {"round": number, "next": after.step, "pool": list(after.pool),
              "rounds": after.evidence.get("rounds"), "shortlist": after.evidence.get("shortlist")})
        if after.step == "winner":
            _conclude(session, clock, actor, award, after)
    return ballot


def _organiser(award: Award, actor: Actor) -> None:
    """The lottery is run by the tenderee (the meeting's organiser) or the committee's chair."""
    lead = chair(award)
    if not (is_tenderee(actor, award.tender) and member_of(award, actor) is None) and not (
            lead is not None and lead.user_id == actor.user_id):
        raise NotPermitted(N_("只有招标人或定标委员会组长可以组织抽签。"))


def commit_lottery(session: Session, clock: Clock, actor: Actor, award_id: int) -> str:
    """Commit the lottery's seed on the ledger (its SHA-256) before anything is drawn; returns the commitment.
    The candidates in the draw are fixed in the same entry."""
    award = _ready(session, award_id)
    _organiser(award, actor)
    found = phase(session, award)
    if found.step != "lottery":
        raise Conflict(N_("当前不需要抽签。"))
    if award.lottery_commitment is not None:
        raise Conflict(N_("抽签的随机种子已经承诺。"))
    seed = secrets.token_bytes(SEED_BYTES)
    award.lottery_seed_hex, award.lottery_commitment = seed.hex(), sha256_hex(seed)
    session.flush()
    _log(session, clock, actor, award, "award.lottery_commit",
         {"commitment": award.lottery_commitment, "pool": list(found.pool)})
    return award.lottery_commitment


def draw_lottery(session: Session, clock: Clock, actor: Actor, award_id: int) -> methods.LotteryDraw:
    """Reveal the committed seed and draw: the winner is the smallest HMAC-SHA256(seed, candidate)."""
    award = _ready(session, award_id)
    _organiser(award, actor)
    found = phase(session, award)
    if found.step != "lottery":
        raise Conflict(N_("当前不需要抽签。"))
    if award.lottery_commitment is None or award.lottery_seed_hex is None:
        raise Conflict(N_("请先承诺抽签的随机种子。"))
    drawn = methods.lottery(bytes.fromhex(award.lottery_seed_hex), found.pool)
    award.lottery_drawn_at = clock.now()
    session.flush()
    _log(session, clock, actor, award, "award.lottery_draw", drawn.as_json())
    _conclude_if_known(session, clock, actor, award)
    return drawn


def record_opinion(session: Session, clock: Clock, actor: Actor, award_id: int, bidder_id: int,
                   opinion: str) -> AwardMember:
    """集体议事法: a seated member states which candidate they favour and why (recorded, printed in the report)."""
    award = _ready(session, award_id)
    member = _seated_member(award, actor)
    if award.method != "deliberation":
        raise Conflict(N_("本项目的定标方法不是集体议事法。"))
    candidate = _candidate(award, bidder_id)
    member.opinion = _text(opinion, "opinion", N_("请填写意见和理由。"))
    member.opinion_bidder_id, member.opinion_at = candidate["bidder_id"], clock.now()
    session.flush()
    _log(session, clock, actor, award, "award.opinion",
         {"member_id": member.id, "bidder_id": candidate["bidder_id"], "opinion": member.opinion})
    return member


def chair_decide(session: Session, clock: Clock, actor: Actor, award_id: int, winner_bidder_id: int,
                 statement: str) -> Award:
    """The chair decides: 集体议事法 once every seated member's opinion is recorded, or a vote still tied after
    its last round when the tie rule is 'chair'. The chair's statement goes into the record."""
    award = _ready(session, award_id)
    member = _seated_member(award, actor)
    if not member.chair:
        raise NotPermitted(N_("只有定标委员会组长可以作出决定。"))
    found = phase(session, award)
    key = str(_candidate(award, winner_bidder_id)["bidder_id"])
    if found.step == "deliberation":
        opinions = {str(m.id): (str(m.opinion_bidder_id or ""), m.opinion) for m in seated(award)
                    if m.opinion_at is not None}
        result = methods.deliberation(found.pool, [str(m.id) for m in seated(award)], opinions, key, statement)
        found.evidence["deliberation"] = result.as_json()
    elif found.step == "chair":
        if key not in found.pool:
            raise InvalidInput(N_("组长只能在得票相同的候选人中决定。"), field="bidder_id")
        found.evidence["chair"] = {"winner": key, "statement": _text(statement, "statement",
                                                                     N_("请填写组长的决定理由。")),
                                   "among": list(found.pool)}
    else:
        raise Conflict(N_("当前不由组长决定。"))
    found.winner = key
    award.reason = statement.strip()
    _conclude(session, clock, actor, award, found)
    return award


def decide_by_price(session: Session, clock: Clock, actor: Actor, award_id: int) -> Phase:
    """价格竞争法: the lowest price among the candidates wins at once; equal lowest prices go to the tie rule."""
    award = _ready(session, award_id)
    if award.method != "price":
        raise Conflict(N_("本项目的定标方法不是价格竞争法。"))
    _organiser(award, actor)
    found = _conclude_if_known(session, clock, actor, award)
    _log(session, clock, actor, award, "award.price", {"price": found.evidence.get("price"), "next": found.step})
    return found


# --- the award record: every member signs, the tenderee seals ----------------------------------------------------------


def _reason(award: Award, member: AwardMember) -> str:
    role = "组长" if member.chair else "定标委员会成员"
    return f"定标报告 {award.tender.code} 第{award.section.number}标段：{role}签署"


def _sign_new_record(session: Session, clock: Clock, actor: Actor, award: Award, signing: Signing, *,
                     field_name: str, reason: str) -> SignedRecord:
    """Render the award's record as it stands, sign it as ``actor`` and register it."""
    record_id = signed_records.new_record_id()
    record = award_record.build_record(award_record.record_data(session, award), record_id)
    pdf = seal.sign_as_person(session, clock, signing.settings, actor.user_id, signing.pin, records.render(record),
                              field_name=field_name, reason=reason)
    return signed_records.register(session, clock, actor, signing.store, record_id=record_id, kind=RECORD_KIND,
                                   title=record.title, content_sha256=records.content_digest(record), pdf=pdf,
                                   tender_id=award.tender_id, subject_id=award.id)


def _countersign(session: Session, clock: Clock, actor: Actor, award: Award, signing: Signing, *,
                 field_name: str, reason: str) -> SignedRecord:
    """Add ``actor``'s signature to the award's current record (locked) as an incremental update."""
    current = session.scalars(select(SignedRecord).where(SignedRecord.id == award.record_id).with_for_update()
                              .execution_options(populate_existing=True)).one()
    with signing.store.open(current.pdf_sha256) as handle:
        pdf = handle.read()
    pdf = seal.sign_as_person(session, clock, signing.settings, actor.user_id, signing.pin, pdf,
                              field_name=field_name, reason=reason)
    return signed_records.add_version(session, clock, actor, signing.store, current, pdf)


def sign_award_record(session: Session, clock: Clock, actor: Actor, award_id: int, signing: Signing) -> SignedRecord:
    """The chair renders and signs the 定标报告 once the winner is known (that fixes its content); then every other
    seated member adds their own signature with their PIN as an incremental update."""
    award = _open(session, award_id, "deciding")
    member = _seated_member(award, actor)
    if award.winner_bidder_id is None:
        raise Conflict(N_("中标人确定后才能签署定标报告。"))
    if award.record_id is None:
        if not member.chair:
            raise Conflict(N_("定标报告由组长先签署。"))
        signed = _sign_new_record(session, clock, actor, award, signing, field_name=f"member{member.id}",
                                  reason=_reason(award, member))
        award.record_id = signed.id
    else:
        if member.signed_at is not None:
            raise Conflict(N_("您已签署定标报告。"))
        signed = _countersign(session, clock, actor, award, signing, field_name=f"member{member.id}",
                              reason=_reason(award, member))
    member.signed_at = clock.now()
    session.flush()
    _log(session, clock, actor, award, "award.sign", {"member_id": member.id, "record_id": award.record_id,
                                                     "signatures": signed.signatures})
    return signed


def seal_award_record(session: Session, clock: Clock, actor: Actor, award_id: int, signing: Signing) -> SignedRecord:
    """The tenderee signs (seals) the 定标报告 after every seated member: the award is ``decided``, and the draw's
    seed is marked revealed (the committee's names are no longer confidential)."""
    award = _open(session, award_id, "deciding")
    _require_tenderee(actor, award.tender)
    if member_of(award, actor) is not None:
        # the seal confirms the committee's record for the tenderee: a member cannot confirm its own decision
        raise NotPermitted(N_("定标委员会成员不能为本单位盖章确认定标报告。"))
    if award.record_id is None or any(m.signed_at is None for m in seated(award)):
        raise Conflict(N_("定标委员会全体成员签署定标报告后，招标人方可盖章确认。"))
    signed = _countersign(session, clock, actor, award, signing, field_name="tenderee",
                          reason=f"招标人盖章确认定标报告 {award.tender.code}")
    now = clock.now()
    award_state.move(session, clock, actor, award, "deciding", "decided", "award.decide",
                     {"decided_at": now, "seed_revealed_at": now},
                     note={"winner_bidder_id": award.winner_bidder_id, "winner_org_id": award.winner_org_id,
                           "record_id": award.record_id, "seed": award.seed_hex,
                           "seed_commitment": award.seed_commitment})
    award_state.sync_tender(session, clock, award.tender)
    return signed


def require_record_reader(actor: Actor, award: Award) -> None:
    """Who reads the 定标报告 (it names the members and their ballots): supervisors and the committee's members at
    any time; the tender's managers once every member has signed (the meeting is over); everyone else never."""
    signed_by_all = award.record_id is not None and all(m.signed_at is not None for m in seated(award))
    if not (actor.has(Role.SUPERVISOR) or member_of(award, actor) is not None or (manages(actor, award.tender) and (
            signed_by_all or award.status not in ("deciding",)))):
        raise NotPermitted(N_("您没有查看该定标报告的权限。"))


def award_record_pdf(session: Session, actor: Actor, award_id: int, store: FileStore) -> bytes:
    """The current signed PDF: supervisors and the committee's members at any time; the tender's managers once
    every member has signed (the meeting is over and the names are no longer confidential)."""
    award = award_state.get_award(session, award_id)
    require_record_reader(actor, award)
    if award.record_id is None:
        raise Conflict(N_("定标报告尚未形成。"))
    record = signed_records.get(session, award.record_id)
    with store.open(record.pdf_sha256) as handle:
        return handle.read()
