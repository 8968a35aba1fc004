"""The evaluation of a section by its committee (评标), step by step, each step by the right person and on the ledger.

The steps and who takes them (domain-rules sections 4 and 5; DESIGN.md section 6):

1. ``set_up`` — the tender's agent, once the opening is finished and its record signed by agent and supervisor:
   the method of the section, the review and scoring criteria of the tender documents (条例第49条: only those may be
   used), the price formula, the options. The committee is the confirmed picks of the section's complete draw plus
   the tenderee's representatives, checked again (≥ 5, odd, experts ≥ 2/3: 法第37条; 12号令第9条).
2. ``name_representatives`` — the tenderee names its representatives (users of its organisation), as many as the
   draw reserved.
3. ``sign_in`` / ``heartbeat`` — every member signs in from the evaluation time, at their venue (主场/副场); the
   supervisor sees who is present (:func:`presence`).
4. ``declare`` — every member, having seen the bidder list, signs the recusal declaration (回避声明, 12号令第12条).
   A conflict ends the member's part: an expert's seat goes to the next backup of the draw
   (:func:`expert_pool.draw.release_pick`), who joins when confirmed and declares in turn; a representative's seat
   is filled by the tenderee naming another.
5. ``vote_chair`` — the members elect the chair (组长), who has the same vote as the others (12号令第9条).
6. ``mark_review`` / ``close_review`` — qualification and compliance review, pass/fail with reasons per member; the
   chair closes it and the platform applies the committee's majority: a failing bid is rejected with its grounds
   (否决投标, 条例第51条; 12号令第25条) and never scored. Abnormally low prices are then flagged (12号令第21条).
7. ``ask_clarification`` / ``answer_clarification`` — the chair asks a bidder in writing, with a deadline; only that
   bidder answers, and the answer is visible to the committee (条例第52条; 电子办法第34条).
8. ``decide_low_price`` — after the bidder's written justification (or its deadline), the chair records the
   committee's decision: accepted, or rejected as below cost (条例第51条第5项).
9. ``save_scores`` / ``submit_scores`` (综合评估法) — every member scores every scoring item of every valid bid,
   independently; the price score comes from the formula. Or ``adjust_price`` / ``finish_pricing`` (经评审的最低
   投标价法, 12号令第31条).
10. ``explain_deviation`` — members whose total deviates beyond the threshold explain (偏离度).
11. The report (:mod:`bidding.evaluation_report`): the chair signs first, then every member; when all have signed the
    evaluation closes, the draw's seed is revealed, and the agent may read everything.

Confidentiality (招标代理退出评标室; 法第37条, 法第44条): until the evaluation closes the agent and the tenderee see
the progress only (counts, the stage), never names, marks or scores; supervisors watch everything; a member sees the
others' scores only after submitting their own. A tenderee representative sees what a member sees, as a member.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bidding import aggregation, award, award_rules, award_state, opening_record, price_rules
from bidding.access import is_agent, is_tenderee, manages
from bidding.bonds import bond_states
from bidding.evaluation_models import (
    Clarification,
    DeviationNote,
    Evaluation,
    EvaluationBidder,
    EvaluationCriterion,
    EvaluationMember,
    PriceAdjustment,
    ReviewMark,
    Score,
)
from bidding.lifecycle import transition
from bidding.models import BidFile, Tender
from bidding.opening import bids_at_opening
from core.actor import Actor, Role
from core.clock import Clock, shanghai_text
from core.errors import N_, Conflict, DeadlinePassed, InvalidInput, NotFound, NotPermitted, RuleViolation, phrase
from core.identity import User
from expert_pool import draw as expert_draw
from expert_pool.models import ExpertDraw
from signing import ledger, signed_records

CONFIG_FORMAT = "sealbid-evaluation/1"
PRESENT_SECONDS = 120
MAX_REVIEW_ITEMS = 50
MAX_SCORE_ITEMS = 60
MAX_TEXT = 2000
MAX_CLARIFICATION_DAYS = 7
TOTAL_POINTS = Decimal(100)
MAX_POINTS = Decimal(100000)
MAX_ADJUSTMENT = Decimal("1000000000000")
PASS_RULE = N_("条例第51条；12号令第25条")
BELOW_COST_RULE = N_("条例第51条第5项；12号令第21条")
BOND_ITEM = "投标保证金"
PRICE_LIMIT_ITEM = "投标报价不超过招标控制价"
PRICE_ITEM = "投标报价得分"

STATUS_LABELS = {
    "representatives": N_("等待招标人指派代表"),
    "sign_in": N_("签到和回避声明"),
    "review": N_("资格和符合性评审"),
    "low_price": N_("异常低价说明"),
    "scoring": N_("详细评审打分"),
    "pricing": N_("评标价格调整"),
    "report": N_("形成评标报告"),
    "signing": N_("评标报告签署中"),
    "closed": N_("评标结束"),
}
REVIEW_KIND_LABELS = {"qualification": N_("资格评审"), "compliance": N_("符合性评审"), "bond": N_("投标保证金"),
                      "price_limit": N_("投标报价")}
REVIEW_GROUND_RULES = {"qualification": "条例第51条第3项", "compliance": "条例第51条第6项", "bond": "12号令第25条第1项",
                       "price_limit": "条例第51条第5项"}
NOT_WATCHING = N_("评标期间招标代理和招标人不得查看评审和打分情况（招标代理退出评标室），评标结束后方可查看。")


# --- the setup ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewItem:
    """A pass/fail item of the qualification (资格) or compliance (符合性) review, as the documents state it."""

    name: str
    kind: str = "compliance"
    basis: str = ""


@dataclass(frozen=True)
class ScoreItem:
    """A scoring item of 综合评估法 (never the price: that is the price rule's ``full_marks``)."""

    group: str
    name: str
    max_points: Decimal | str
    objective: bool = False
    basis: str = ""


@dataclass(frozen=True)
class Setup:
    review_items: tuple[ReviewItem, ...]
    score_items: tuple[ScoreItem, ...] = ()
    price_rule: price_rules.MeanDeviationRule | None = None
    price_group: str = "投标报价"
    drop_extremes: bool = False
    deviation_threshold_pct: Decimal | str = Decimal(20)
    candidates: int = 3
    ranked: bool = True
    low_price_trigger_pct: Decimal | str | None = Decimal(15)
    low_price_answer_minutes: int = 60


def _text(value: str, what: str, field_name: str, limit: int = 200) -> str:
    text = (value or "").strip()
    if not 1 <= len(text) <= limit:
        raise InvalidInput(N_("%(what)s：请填写 1 到 %(max)s 个字。"), field=field_name, what=phrase(what), max=limit)
    return text


def _long_text(value: str, field_name: str, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if not 2 <= len(text) <= limit:
        raise InvalidInput(N_("请填写 2 到 %(max)s 字的内容。"), field=field_name, max=limit)
    return text


def _points(value: Any, field_name: str = "points") -> Decimal:
    """A number with at most 2 decimals (the documents score to 0.01)."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(N_("分值必须是数字。"), field=field_name) from exc
    if not number.is_finite():
        raise InvalidInput(N_("分值必须是数字。"), field=field_name)
    if abs(number) >= MAX_POINTS:
        raise InvalidInput(N_("分值超出范围。"), field=field_name)
    if number.as_tuple().exponent < -2 and number != number.quantize(price_rules.CENT):
        raise InvalidInput(N_("分值最多保留两位小数。"), field=field_name)
    return number.quantize(price_rules.CENT)


def _percent(value: Any, field_name: str) -> Decimal:
    number = _points(value, field_name)
    if not 0 < number < 100:
        raise InvalidInput(N_("百分比应大于 0、小于 100。"), field=field_name)
    return number


def _check_setup(setup: Setup, method: str, committee_size: int) -> dict[str, Any]:
    """The setup as stored, or the first thing wrong with it."""
    if not 1 <= len(setup.review_items) <= MAX_REVIEW_ITEMS:
        raise InvalidInput(N_("请填写 1 至 %(max)s 项资格和符合性评审因素。"), field="review_items", max=MAX_REVIEW_ITEMS)
    for item in setup.review_items:
        _text(item.name, N_("评审因素"), "review_items")
        if item.kind not in ("qualification", "compliance"):
            raise InvalidInput(N_("评审因素的类别只能是资格评审或符合性评审。"), field="review_items")
    if method == "comprehensive":
        if not isinstance(setup.price_rule, price_rules.MeanDeviationRule):
            raise InvalidInput(N_("综合评估法须设定价格分计算公式。"), field="price_rule")
        if not 1 <= len(setup.score_items) <= MAX_SCORE_ITEMS:
            raise InvalidInput(N_("请填写 1 至 %(max)s 项评分因素。"), field="score_items", max=MAX_SCORE_ITEMS)
        total = setup.price_rule.full_marks
        for item in setup.score_items:
            _text(item.group, N_("评分因素分组"), "score_items", 100)
            _text(item.name, N_("评分因素"), "score_items")
            points = _points(item.max_points, "score_items")
            if not 0 < points <= TOTAL_POINTS:
                raise InvalidInput(N_("评分因素“%(name)s”的满分应大于 0、不超过 100 分。"), field="score_items",
                                   name=item.name.strip())
            total += points
        if total != TOTAL_POINTS:
            raise InvalidInput(N_("各评分因素满分与价格分满分之和应为 100 分，现为 %(total)s 分。"), field="score_items",
                               total=str(total))
        rule = setup.price_rule.to_json()
    else:
        if setup.score_items or setup.price_rule is not None:
            raise InvalidInput(N_("经评审的最低投标价法不打分，也不设价格分公式（法第41条）。"), field="score_items")
        rule = price_rules.LowestEvaluatedPrice().to_json()
    if setup.drop_extremes and (method != "comprehensive" or committee_size < aggregation.MIN_SCORERS_TO_DROP):
        raise RuleViolation(N_("评标委员会 7 人以上时才能去掉最高分和最低分，本委员会为 %(size)s 人。"), field="drop_extremes",
                            size=committee_size)
    if not aggregation.MIN_CANDIDATES <= setup.candidates <= aggregation.MAX_CANDIDATES:
        raise RuleViolation(N_("评标委员会推荐的中标候选人应为 1 至 3 人（%(rule)s）。"), field="candidates",
                            rule=N_("条例第53条"))
    if not 10 <= setup.low_price_answer_minutes <= 24 * 60:
        raise InvalidInput(N_("异常低价的说明期限应为 10 分钟至 24 小时。"), field="low_price_answer_minutes")
    trigger = setup.low_price_trigger_pct
    return {
        "format": CONFIG_FORMAT,
        "method": method,
        "price_rule": rule,
        "price_group": _text(setup.price_group, N_("价格分分组"), "price_group", 100),
        "drop_extremes": bool(setup.drop_extremes),
        "deviation_threshold_pct": str(_percent(setup.deviation_threshold_pct, "deviation_threshold_pct")),
        "candidates": setup.candidates,
        "ranked": bool(setup.ranked),
        "low_price_trigger_pct": None if trigger is None else str(_percent(trigger, "low_price_trigger_pct")),
        "low_price_answer_minutes": setup.low_price_answer_minutes,
    }


def config(evaluation: Evaluation) -> dict[str, Any]:
    return json.loads(evaluation.config)


def options(evaluation: Evaluation) -> aggregation.Options:
    data = config(evaluation)
    return aggregation.Options(drop_extremes=data["drop_extremes"],
                               deviation_threshold_pct=Decimal(data["deviation_threshold_pct"]),
                               candidates=data["candidates"], ranked=data["ranked"])


def price_rule(evaluation: Evaluation) -> price_rules.PriceRule:
    return price_rules.rule_from_json(config(evaluation)["price_rule"])


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _price_of(bid_form: str | None) -> Decimal | None:
    """The price the bidder sealed in its bid form (read at the opening); None if missing or not a number."""
    try:
        value = json.loads(bid_form or "{}").get("price")
        price = Decimal(str(value).replace(",", "").strip())
    except (ValueError, InvalidOperation, AttributeError, TypeError):
        return None
    return price.quantize(price_rules.CENT) if price.is_finite() and price > 0 else None


def complete_draw(session: Session, section_id: int) -> ExpertDraw:
    """The section's latest draw, which must have every seat confirmed."""
    draws = expert_draw.draws_for_section(session, section_id)
    if not draws or draws[-1].status != "complete":
        raise Conflict(N_("该标段的评标专家尚未抽取完毕（须全部确认参加）。"))
    return draws[-1]


def set_up(session: Session, clock: Clock, actor: Actor, tender_id: int, section_number: int,
           setup: Setup) -> Evaluation:
    """The tender's agent sets up the section's evaluation after the opening (status ``opened``)."""
    tender = session.get(Tender, tender_id)
    if tender is None:
        raise NotFound(N_("招标项目不存在。"))
    if not is_agent(actor, tender):
        raise NotPermitted(N_("只有本项目的招标代理可以组织评标。"))
    if tender.status not in ("opened", "evaluating"):
        raise Conflict(N_("开标结束后才能组织评标。"))
    section = next((s for s in tender.sections if s.number == section_number), None)
    if section is None:
        raise NotFound(N_("标段不存在。"))
    if section.status != "proceeding":
        raise Conflict(N_("该标段已流标或未开标，不能评标。"))
    if evaluation_for_section(session, section.id) is not None:
        raise Conflict(N_("该标段的评标已经组织。"))
    record = signed_records.for_tender(session, tender.id, opening_record.KIND)
    if not record or record[-1].signatures < 2:
        raise Conflict(N_("开标记录须由招标代理和监督人员签署后才能开始评标（评标报告须附开标记录）。"))
    draw = complete_draw(session, section.id)
    picks = expert_draw.committee(draw)
    expert_draw.check_committee(len(picks), draw.representatives)
    if any(p.expert.user_id is None for p in picks):
        raise Conflict(N_("有 %(n)s 名评标专家尚未开通平台账户，请联系管理员。"),
                       n=sum(1 for p in picks if p.expert.user_id is None))
    data = _check_setup(setup, section.evaluation_method, len(picks) + draw.representatives)
    if data["ranked"] != (tender.award_mode == "ranked"):
        # the tender fixed its award mode at publication: ranked candidates, or unranked for 评定分离 (法第40条)
        raise RuleViolation(N_("招标文件规定的定标方式为“%(mode)s”，中标候选人的推荐方式应与之一致。"), field="ranked",
                            mode=phrase(award_rules.MODE_LABELS[tender.award_mode]))
    data["price_limit"] = str(section.estimated_price)
    now = clock.now()
    evaluation = Evaluation(tender_id=tender.id, section_id=section.id, draw_id=draw.id, method=section.evaluation_method,
                            status="representatives" if draw.representatives else "sign_in", config=_canonical(data),
                            representatives=draw.representatives, created_by=actor.user_id, created_at=now)
    position = 0
    for item in setup.review_items:
        position += 1
        evaluation.criteria.append(EvaluationCriterion(
            stage="review", position=position, group_name=REVIEW_KIND_LABELS[item.kind], name=item.name.strip(),
            kind=item.kind, basis=item.basis.strip()[:500]))
    evaluation.criteria.append(EvaluationCriterion(stage="review", position=position + 1, group_name="投标保证金",
                                                   name=BOND_ITEM, kind="bond", basis="12号令第25条"))
    evaluation.criteria.append(EvaluationCriterion(stage="review", position=position + 2, group_name="投标报价",
                                                   name=PRICE_LIMIT_ITEM, kind="price_limit", basis="条例第51条第5项"))
    for number, item in enumerate(setup.score_items, start=1):
        evaluation.criteria.append(EvaluationCriterion(
            stage="score", position=number, group_name=item.group.strip(), name=item.name.strip(),
            kind="objective" if item.objective else "subjective", max_points=_points(item.max_points),
            basis=item.basis.strip()[:500]))
    if setup.price_rule is not None:
        evaluation.criteria.append(EvaluationCriterion(
            stage="score", position=len(setup.score_items) + 1, group_name=data["price_group"], name=PRICE_ITEM,
            kind="price", max_points=setup.price_rule.full_marks, basis="评标基准价与偏差率公式"))
    bids = [b for b in bids_at_opening(session, tender) if b.section_id == section.id and b.status == "decrypted"]
    for position, bid in enumerate(bids, start=1):
        evaluation.bidders.append(EvaluationBidder(bid_id=bid.id, bidder_org_id=bid.bidder_org_id, position=position,
                                                   price=_price_of(bid.bid_form)))
    for pick in picks:
        evaluation.members.append(_expert_member(draw, pick))
    session.add(evaluation)
    session.flush()
    if tender.status == "opened":
        transition(session, clock, actor, tender, "opened", "evaluating", "evaluation.start")
    ledger.append(session, clock, actor, "evaluation.setup", "evaluation", evaluation.id, tender_id=tender.id,
                  after={"section_id": section.id, "draw_id": draw.id, "method": evaluation.method, "config": data,
                         "criteria": [_criterion_json(c) for c in evaluation.criteria],
                         "bidders": [{"id": b.id, "bid_id": b.bid_id, "price": b.price} for b in evaluation.bidders],
                         "experts": len(picks), "representatives": draw.representatives})
    return evaluation


def _criterion_json(c: EvaluationCriterion) -> dict[str, Any]:
    return {"id": c.id, "stage": c.stage, "group": c.group_name, "name": c.name, "kind": c.kind,
            "max_points": c.max_points}


def _expert_member(draw: ExpertDraw, pick: Any, replaces: int | None = None) -> EvaluationMember:
    group = pick.group
    return EvaluationMember(kind="expert", pick_id=pick.id, expert_id=pick.expert_id, user_id=pick.expert.user_id,
                            name=pick.expert.name, venue=group.venue, venue_place=group.venue_place or draw.place,
                            status="seated", replaces_member_id=replaces)


def evaluation_for_section(session: Session, section_id: int) -> Evaluation | None:
    return session.scalars(select(Evaluation).where(Evaluation.section_id == section_id)).one_or_none()


def get_evaluation(session: Session, evaluation_id: int, *, lock: bool = False) -> Evaluation:
    """The evaluation; ``lock`` takes its row lock first (PostgreSQL ``FOR UPDATE``), so steps that decide from the
    other members' rows (the last vote, the last submission, the next signature) run one at a time on every worker."""
    query = select(Evaluation).where(Evaluation.id == evaluation_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    evaluation = session.scalars(query).one_or_none()
    if evaluation is None:
        raise NotFound(N_("评标不存在。"))
    return evaluation


def evaluations_of_tender(session: Session, tender_id: int) -> list[Evaluation]:
    return list(session.scalars(select(Evaluation).where(Evaluation.tender_id == tender_id).order_by(Evaluation.id)))


# --- stages, members, permissions -------------------------------------------------------------------------------------


def status_label(status: str) -> Any:
    return phrase(STATUS_LABELS.get(status, status))


def require_stage(evaluation: Evaluation, stages: Sequence[str], action: str) -> None:
    if evaluation.status not in stages:
        raise Conflict(N_("评标当前处于“%(status)s”阶段，现在不能%(action)s。"), status=status_label(evaluation.status),
                       action=phrase(action))


def move(session: Session, clock: Clock, actor: Actor, evaluation: Evaluation, expected: str, to: str,
          after: dict[str, Any] | None = None, **values: Any) -> bool:
    """The one transition of the evaluation aggregate: conditional on the expected stage, with its ledger entry."""
    done = session.execute(update(Evaluation).where(Evaluation.id == evaluation.id, Evaluation.status == expected)
                           .values(status=to, **values).execution_options(synchronize_session=False)).rowcount
    session.refresh(evaluation)
    if not done:
        if evaluation.status == to:
            return False
        raise Conflict(N_("评标当前处于“%(status)s”阶段，现在不能%(action)s。"), status=status_label(evaluation.status),
                       action=phrase(STATUS_LABELS.get(to, to)))
    ledger.append(session, clock, actor, f"evaluation.stage.{to}", "evaluation", evaluation.id, tender_id=evaluation.tender_id,
                  before={"status": expected}, after={"status": to, **(after or {})})
    return True


def active_members(evaluation: Evaluation) -> list[EvaluationMember]:
    return [m for m in evaluation.members if m.active]


def committee_size(evaluation: Evaluation) -> int:
    draw_experts = sum(g.count for g in _draw(evaluation).groups)
    return draw_experts + evaluation.representatives


def _draw(evaluation: Evaluation) -> ExpertDraw:
    session = Session.object_session(evaluation)
    return session.get(ExpertDraw, evaluation.draw_id)


def member_of(evaluation: Evaluation, actor: Actor) -> EvaluationMember | None:
    """The actor's seat on this committee, if they hold one (a recused member holds none)."""
    if actor.user_id is None:
        return None
    return next((m for m in evaluation.members if m.user_id == actor.user_id and m.active), None)


def require_member(evaluation: Evaluation, actor: Actor) -> EvaluationMember:
    member = member_of(evaluation, actor)
    if member is None:
        raise NotPermitted(N_("您不是本标段评标委员会的成员。"))
    return member


def _present_member(evaluation: Evaluation, actor: Actor) -> EvaluationMember:
    member = require_member(evaluation, actor)
    if member.signed_in_at is None:
        raise Conflict(N_("请先签到。"))
    return member


def _chair(evaluation: Evaluation, actor: Actor) -> EvaluationMember:
    member = require_member(evaluation, actor)
    if evaluation.chair_member_id != member.id:
        raise NotPermitted(N_("只有评标委员会组长可以执行此操作。"))
    return member


def watcher(evaluation: Evaluation, actor: Actor) -> str:
    """Who reads the evaluation's findings: ``supervisor``, ``member`` or, once closed, ``manager``.

    The agent and the tenderee are refused while it runs (招标代理退出评标室), everyone else always."""
    if actor.has(Role.SUPERVISOR):
        return "supervisor"
    if member_of(evaluation, actor) is not None:
        return "member"
    tender = evaluation.tender
    if manages(actor, tender):
        if evaluation.status == "closed":
            return "manager"
        raise NotPermitted(NOT_WATCHING)
    raise NotPermitted(N_("您没有查看该评标的权限。"))


def _bidder(evaluation: Evaluation, bidder_id: int) -> EvaluationBidder:
    bidder = next((b for b in evaluation.bidders if b.id == bidder_id), None)
    if bidder is None:
        raise NotFound(N_("该投标人不在本标段的评标中。"))
    return bidder


def log(session: Session, clock: Clock, actor: Actor, evaluation: Evaluation, action: str,
         after: dict[str, Any]) -> ledger.LedgerEntry:
    return ledger.append(session, clock, actor, f"evaluation.{action}", "evaluation", evaluation.id,
                         tender_id=evaluation.tender_id, after=after)


# --- representatives, sign-in, presence, recusal -----------------------------------------------------------------------


def name_representatives(session: Session, clock: Clock, actor: Actor, evaluation_id: int,
                         user_ids: Sequence[int]) -> list[EvaluationMember]:
    """The tenderee names its representatives on the committee (法第37条: at most a third), filling every free seat."""
    evaluation = get_evaluation(session, evaluation_id)
    tender = evaluation.tender
    if not is_tenderee(actor, tender):
        raise NotPermitted(N_("只有本项目的招标人可以指派招标人代表。"))
    require_stage(evaluation, ("representatives", "sign_in"), N_("指派招标人代表"))
    seated = [m for m in active_members(evaluation) if m.kind == "representative"]
    free = evaluation.representatives - len(seated)
    ids = list(dict.fromkeys(user_ids))
    if free <= 0:
        raise Conflict(N_("招标人代表已经指派齐全。"))
    if len(ids) != free or len(user_ids) != free:
        raise InvalidInput(N_("请指派 %(n)s 名招标人代表。"), field="user_ids", n=free)
    taken = {m.user_id for m in evaluation.members}
    added = []
    for user_id in ids:
        user = session.get(User, user_id)
        if user is None or not user.active or user.organisation_id != tender.tenderee_org_id:
            raise InvalidInput(N_("招标人代表须是招标人单位的在用账户。"), field="user_ids")
        if user_id in taken:
            raise InvalidInput(N_("该用户已在（或曾在）本评标委员会中。"), field="user_ids")
        replaced = next((m.id for m in evaluation.members if m.kind == "representative" and not m.active
                         and not any(o.replaces_member_id == m.id for o in evaluation.members)), None)
        member = EvaluationMember(kind="representative", user_id=user.id, name=user.display_name, venue="main",
                                  venue_place=_draw(evaluation).place, status="seated", replaces_member_id=replaced)
        evaluation.members.append(member)
        added.append(member)
    session.flush()
    log(session, clock, actor, evaluation, "representatives",
         {"members": [{"member_id": m.id, "user_id": m.user_id} for m in added]})
    if evaluation.status == "representatives":
        move(session, clock, actor, evaluation, "representatives", "sign_in")
    return added


def _sync_members(session: Session, clock: Clock, evaluation: Evaluation) -> None:
    """Seat the backups who confirmed after a recusal (the draw promotes them; the evaluation follows)."""
    if evaluation.status != "sign_in":
        return
    draw = _draw(evaluation)
    session.refresh(draw)
    seated = {m.pick_id for m in evaluation.members if m.pick_id is not None}
    for pick in expert_draw.committee(draw):
        if pick.id in seated or pick.expert.user_id is None:
            continue
        replaces = next((m.id for m in evaluation.members if m.pick_id is not None and m.pick_id == pick.replaces_pick_id),
                        None)
        member = _expert_member(draw, pick, replaces)
        evaluation.members.append(member)
        session.flush()
        log(session, clock, Actor.system(), evaluation, "seat",
             {"member_id": member.id, "pick_id": pick.id, "replaces_member_id": replaces})


def sign_in(session: Session, clock: Clock, actor: Actor, evaluation_id: int, venue: str) -> EvaluationMember:
    """A member signs in at their venue (workstation) from the evaluation time on; signing in again only refreshes
    presence."""
    evaluation = get_evaluation(session, evaluation_id)
    _sync_members(session, clock, evaluation)
    member = require_member(evaluation, actor)
    if evaluation.status == "closed":
        raise Conflict(N_("评标已经结束。"))
    place = _text(venue, N_("评标地点（工位）"), "venue")
    now = clock.now()
    if member.signed_in_at is not None:
        member.last_seen_at, member.last_seen_venue = now, place
        return member
    draw = _draw(evaluation)
    if now < draw.evaluation_at:
        raise RuleViolation(N_("评标时间 %(at)s 开始后才能签到。"), at=shanghai_text(draw.evaluation_at))
    require_stage(evaluation, ("sign_in",), N_("签到"))
    member.signed_in_at, member.sign_in_venue = now, place
    member.last_seen_at, member.last_seen_venue = now, place
    session.flush()
    log(session, clock, actor, evaluation, "sign_in", {"member_id": member.id, "venue": place,
                                                        "seat": member.venue})
    return member


def heartbeat(session: Session, clock: Clock, actor: Actor, evaluation_id: int, venue: str = "") -> EvaluationMember:
    """The member's page reports it is still open (every minute or so). Not on the ledger: it records no decision,
    only presence, and would flood the chain; sign-in and every step are on it."""
    evaluation = get_evaluation(session, evaluation_id)
    member = _present_member(evaluation, actor)
    member.last_seen_at = clock.now()
    if venue.strip():
        member.last_seen_venue = venue.strip()[:200]
    return member


@dataclass(frozen=True)
class Presence:
    member_id: int
    name: str
    kind: str
    venue: str
    venue_place: str
    status: str
    signed_in_at: datetime | None
    sign_in_venue: str
    last_seen_at: datetime | None
    last_seen_venue: str
    present: bool
    declaration: str | None
    chair: bool


def present(session: Session, clock: Clock, evaluation: Evaluation) -> list[Presence]:
    """Every seat, with whether its member's page was seen in the last two minutes (the heartbeat)."""
    _sync_members(session, clock, evaluation)
    now = clock.now()
    limit = timedelta(seconds=PRESENT_SECONDS)
    return [Presence(member_id=m.id, name=m.name, kind=m.kind, venue=m.venue, venue_place=m.venue_place, status=m.status,
                     signed_in_at=m.signed_in_at, sign_in_venue=m.sign_in_venue, last_seen_at=m.last_seen_at,
                     last_seen_venue=m.last_seen_venue,
                     present=m.active and m.last_seen_at is not None and now - m.last_seen_at <= limit,
                     declaration=m.declaration, chair=evaluation.chair_member_id == m.id)
            for m in evaluation.members]


def presence(session: Session, clock: Clock, actor: Actor, evaluation_id: int) -> list[Presence]:
    """The supervisor's view of the room (names included); members see it too. The agent only sees counts
    (:func:`progress`) until the evaluation ends."""
    evaluation = get_evaluation(session, evaluation_id)
    watcher(evaluation, actor)
    return present(session, clock, evaluation)


@dataclass(frozen=True)
class BidderRow:
    bidder_id: int
    bid_id: int
    name: str
    credit_code: str
    price: Decimal | None
    status: str
    grounds: str
    low_price: str


def bidder_list(session: Session, actor: Actor, evaluation_id: int) -> list[BidderRow]:
    """The bids before the committee: members once signed in (they declare conflicts against it), supervisors, and
    the tender's managers after the evaluation."""
    evaluation = get_evaluation(session, evaluation_id)
    if watcher(evaluation, actor) == "member":
        _present_member(evaluation, actor)
    return [BidderRow(b.id, b.bid_id, b.bidder.name, b.bidder.credit_code, b.price, b.status, b.grounds, b.low_price)
            for b in evaluation.bidders]


def bid_documents(session: Session, actor: Actor, evaluation_id: int) -> list[tuple[EvaluationBidder, list[BidFile]]]:
    """The decrypted bid documents before the committee (评标, 电子办法第33条), each checked against the sealed
    manifest at the opening: for members who declared no conflict, supervisors, and the managers after the end."""
    evaluation = get_evaluation(session, evaluation_id)
    if watcher(evaluation, actor) == "member":
        member = _present_member(evaluation, actor)
        if member.declaration is None:
            raise Conflict(N_("请先签署回避声明，再查阅投标文件。"))
    return [(b, list(b.bid.files)) for b in evaluation.bidders]


def bid_document(session: Session, actor: Actor, evaluation_id: int, file_id: int) -> BidFile:
    """One document of a bid before this committee, for whoever may read ``bid_documents``."""
    for _, files in bid_documents(session, actor, evaluation_id):
        for document in files:
            if document.id == file_id:
                return document
    raise NotFound(N_("投标文件不存在。"))


def declare(session: Session, clock: Clock, actor: Actor, evaluation_id: int, conflict_bidder_id: int | None = None,
            note: str = "") -> EvaluationMember:
    """The recusal declaration (回避声明, 12号令第12条; 条例第46条), signed after seeing the bidder list.

    A conflict ends the member's part at once; an expert's seat goes to the next backup of the draw."""
    evaluation = get_evaluation(session, evaluation_id)
    _sync_members(session, clock, evaluation)
    member = _present_member(evaluation, actor)
    require_stage(evaluation, ("sign_in",), N_("签署回避声明"))
    if member.declaration is not None:
        raise Conflict(N_("您已签署回避声明。"))
    now = clock.now()
    if conflict_bidder_id is None:
        member.declaration, member.declared_at = "none", now
        session.flush()
        log(session, clock, actor, evaluation, "declare", {"member_id": member.id, "declaration": "none"})
        return member
    bidder = _bidder(evaluation, conflict_bidder_id)
    text = _long_text(note, "note", 500)
    member.declaration, member.declared_at, member.conflict_bidder_id = "conflict", now, bidder.id
    member.declaration_note, member.status = text, "recused"
    session.flush()
    log(session, clock, actor, evaluation, "declare", {"member_id": member.id, "declaration": "conflict",
                                                        "bidder_id": bidder.id, "note": text})
    if member.pick_id is not None:
        expert_draw.release_pick(session, clock, actor, member.pick_id, f"与投标人{bidder.bidder.name}存在利害关系：{text}")
    return member


# --- the chair ---------------------------------------------------------------------------------------------------------


def committee_ready(evaluation: Evaluation) -> bool:
    """Every seat filled, and every member signed in and declared no conflict: the chair may be elected."""
    members = active_members(evaluation)
    return (len(members) == committee_size(evaluation)
            and all(m.signed_in_at is not None and m.declaration == "none" for m in members))


def vote_chair(session: Session, clock: Clock, actor: Actor, evaluation_id: int, candidate_member_id: int) -> Evaluation:
    """A member's vote for the chair (组长, 12号令第9条: elected by the members, same vote as the others).

    The rule: an absolute majority of the committee elects at once; once every member has voted, the most votes
    elect, and a tie among the most voted is drawn by lot from the SHA-256 of the ledger entry of the last vote
    (its value modulo the number tied, over the tied members in seat order), which anyone can recompute.
    Only experts stand: a tenderee representative is not chair (87号令第47条 forbids it in GP; adopted for all)."""
    evaluation = get_evaluation(session, evaluation_id, lock=True)
    _sync_members(session, clock, evaluation)
    voter = _present_member(evaluation, actor)
    require_stage(evaluation, ("sign_in",), N_("推选组长"))
    if not committee_ready(evaluation):
        raise Conflict(N_("评标委员会成员尚未全部签到并签署回避声明，不能推选组长。"))
    members = active_members(evaluation)
    candidate = next((m for m in members if m.id == candidate_member_id), None)
    if candidate is None:
        raise InvalidInput(N_("只能推选本评标委员会的成员为组长。"), field="candidate")
    if candidate.kind != "expert":
        raise RuleViolation(N_("招标人代表不担任评标委员会组长。"), field="candidate")
    if voter.vote_round == evaluation.election_round:
        raise Conflict(N_("您已投票。"))
    voter.vote_member_id, voter.vote_round, voter.voted_at = candidate.id, evaluation.election_round, clock.now()
    session.flush()
    entry = log(session, clock, actor, evaluation, "vote", {"member_id": voter.id, "for": candidate.id,
                                                             "round": evaluation.election_round})
    votes = Counter(m.vote_member_id for m in members if m.vote_round == evaluation.election_round)
    top, count = votes.most_common(1)[0]
    note = ""
    if count * 2 > len(members):
        chair = top
        note = f"过半数当选：{count}/{len(members)} 票"
    elif sum(votes.values()) == len(members):
        most = max(votes.values())
        tied = sorted(k for k, v in votes.items() if v == most)
        chair = tied[int(entry.entry_hash, 16) % len(tied)]
        note = (f"得票最多当选：{most}/{len(members)} 票" if len(tied) == 1 else
                f"{len(tied)} 人各得 {most} 票，按第 {entry.seq} 条记录的哈希 {entry.entry_hash} 抽签")
    else:
        return evaluation
    move(session, clock, Actor.system(), evaluation, "sign_in", "review", {"chair_member_id": chair, "note": note},
          chair_member_id=chair, election_note=note[:500])
    _prefill_review(session, clock, evaluation)
    return evaluation


# --- review ------------------------------------------------------------------------------------------------------------


def _automatic_answer(session: Session, evaluation: Evaluation, criterion: EvaluationCriterion,
                      bidder: EvaluationBidder, bonds: Mapping[tuple[int, int], Any]) -> tuple[bool, str]:
    if criterion.kind == "bond":
        state = bonds.get((evaluation.section_id, bidder.bidder_org_id))
        if state is None:
            return False, "平台无该投标的保证金记录"
        return (not state.missing), f"平台核验：{state.text}"
    limit = Decimal(config(evaluation)["price_limit"])
    if bidder.price is None:
        return False, "投标报价缺失或无法识别"
    if bidder.price > limit:
        return False, f"投标报价 {bidder.price:,.2f} 元高于招标控制价 {limit:,.2f} 元"
    return True, f"投标报价 {bidder.price:,.2f} 元，招标控制价 {limit:,.2f} 元"


def _prefill_review(session: Session, clock: Clock, evaluation: Evaluation) -> None:
    """The platform answers the objective review items (bond, price limit) on every member's sheet; a member may
    overrule an answer with a reason (domain-rules 5.3: objective items computed, experts confirm)."""
    bonds = bond_states(session, evaluation.tender)
    now = clock.now()
    for criterion in (c for c in evaluation.criteria if c.stage == "review" and c.automatic):
        for bidder in evaluation.bidders:
            passed, reason = _automatic_answer(session, evaluation, criterion, bidder, bonds)
            for member in active_members(evaluation):
                session.add(ReviewMark(evaluation_id=evaluation.id, member_id=member.id, criterion_id=criterion.id,
                                       bidder_id=bidder.id, passed=passed, reason=reason, automatic=True, at=now))
    session.flush()


def review_criteria(evaluation: Evaluation) -> list[EvaluationCriterion]:
    return [c for c in evaluation.criteria if c.stage == "review"]


def score_criteria(evaluation: Evaluation, *, typed_only: bool = False) -> list[EvaluationCriterion]:
    return [c for c in evaluation.criteria if c.stage == "score" and not (typed_only and c.kind == "price")]


def mark_review(session: Session, clock: Clock, actor: Actor, evaluation_id: int, bidder_id: int,
                marks: Mapping[int, tuple[bool, str]]) -> list[ReviewMark]:
    """A member's pass/fail per review item for one bid; a fail, or overruling the platform's answer, needs a reason."""
    evaluation = get_evaluation(session, evaluation_id)
    member = _present_member(evaluation, actor)
    require_stage(evaluation, ("review",), N_("进行资格和符合性评审"))
    bidder = _bidder(evaluation, bidder_id)
    criteria = {c.id: c for c in review_criteria(evaluation)}
    if not marks:
        raise InvalidInput(N_("请至少评审一项。"), field="marks")
    existing = {m.criterion_id: m for m in session.scalars(select(ReviewMark).where(
        ReviewMark.member_id == member.id, ReviewMark.bidder_id == bidder.id))}
    now = clock.now()
    saved = []
    for criterion_id, (passed, reason) in marks.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise InvalidInput(N_("评审因素不属于本次评标。"), field="marks")
        text = (reason or "").strip()[:500]
        previous = existing.get(criterion_id)
        overrules = previous is not None and previous.automatic and previous.passed != bool(passed)
        if (not passed or overrules) and len(text) < 2:
            raise InvalidInput(N_("评审因素“%(name)s”：不合格或改变平台核验结果须写明理由。"), field="marks",
                               name=criterion.name)
        if previous is None:
            previous = ReviewMark(evaluation_id=evaluation.id, member_id=member.id, criterion_id=criterion_id,
                                  bidder_id=bidder.id, passed=bool(passed), reason=text, automatic=False, at=now)
            session.add(previous)
        else:
            previous.passed, previous.at = bool(passed), now
            previous.reason = text or previous.reason
            previous.automatic = previous.automatic and not overrules and not text
        saved.append(previous)
    session.flush()
    log(session, clock, actor, evaluation, "review", {
        "member_id": member.id, "bidder_id": bidder.id,
        "marks": {str(k): {"passed": bool(p), "reason": (r or "").strip()[:500]} for k, (p, r) in marks.items()}})
    return saved


@dataclass(frozen=True)
class ItemResult:
    criterion_id: int
    bidder_id: int
    passes: int
    fails: int
    passed: bool
    reasons: list[str]


def review_results(session: Session, evaluation: Evaluation) -> list[ItemResult]:
    """The committee's result per item and bid: a pass needs more than half of the seated members' marks; with an odd
    committee and every member marking there are no ties, and a missing or tied vote fails (the bid must show it
    meets the requirement)."""
    members = {m.id for m in active_members(evaluation)}
    marks = [m for m in session.scalars(select(ReviewMark).where(ReviewMark.evaluation_id == evaluation.id))
             if m.member_id in members]
    by_item: dict[tuple[int, int], list[ReviewMark]] = {}
    for mark in marks:
        by_item.setdefault((mark.criterion_id, mark.bidder_id), []).append(mark)
    results = []
    for criterion in review_criteria(evaluation):
        for bidder in evaluation.bidders:
            rows = by_item.get((criterion.id, bidder.id), [])
            passes = sum(1 for r in rows if r.passed)
            fails = sum(1 for r in rows if not r.passed)
            reasons = list(dict.fromkeys(r.reason for r in rows if not r.passed and r.reason))
            results.append(ItemResult(criterion.id, bidder.id, passes, fails, passes * 2 > len(members), reasons))
    return results


def close_review(session: Session, clock: Clock, actor: Actor, evaluation_id: int) -> Evaluation:
    """The chair closes the review once every member marked every item of every bid; failing bids are rejected
    (否决投标) with their grounds, and abnormally low prices among the rest are flagged for a written justification."""
    evaluation = get_evaluation(session, evaluation_id)
    _chair(evaluation, actor)
    require_stage(evaluation, ("review",), N_("结束资格和符合性评审"))
    members = active_members(evaluation)
    criteria = review_criteria(evaluation)
    marked = {(m.member_id, m.criterion_id, m.bidder_id) for m in session.scalars(
        select(ReviewMark).where(ReviewMark.evaluation_id == evaluation.id))}
    missing = sum(1 for m in members for c in criteria for b in evaluation.bidders if (m.id, c.id, b.id) not in marked)
    if missing:
        raise Conflict(N_("还有 %(n)s 项评审未完成，不能结束评审。"), n=missing)
    now = clock.now()
    by_id = {c.id: c for c in criteria}
    failed: dict[int, list[str]] = {}
    for result in review_results(session, evaluation):
        if not result.passed:
            criterion = by_id[result.criterion_id]
            reasons = "；".join(result.reasons) or "未获评标委员会多数通过"
            rule = REVIEW_GROUND_RULES[criterion.kind]
            failed.setdefault(result.bidder_id, []).append(
                f"{criterion.name}不合格（{rule}；{result.fails}/{len(members)} 人不通过）：{reasons}")
    for bidder in evaluation.bidders:
        if bidder.id in failed:
            bidder.status, bidder.rejected_at = "rejected", now
            bidder.grounds = "\n".join(failed[bidder.id])
            log(session, clock, actor, evaluation, "reject", {"bidder_id": bidder.id, "grounds": bidder.grounds,
                                                               "stage": "review"})
    session.flush()
    flagged = _flag_low_prices(session, clock, actor, evaluation)
    nxt = "low_price" if flagged else _after_review(evaluation)
    move(session, clock, actor, evaluation, "review", nxt, {"rejected": sorted(failed), "low_price": flagged},
          review_closed_at=now)
    if nxt == "report":
        _close_scoring(session, clock, actor, evaluation)
    return evaluation


def _valid(evaluation: Evaluation) -> list[EvaluationBidder]:
    return [b for b in evaluation.bidders if b.status == "valid"]


def _after_review(evaluation: Evaluation) -> str:
    if not _valid(evaluation):
        return "report"  # every bid rejected: nothing to score, the report says so (12号令第27条; 法第42条)
    return "scoring" if evaluation.method == "comprehensive" else "pricing"


def _flag_low_prices(session: Session, clock: Clock, actor: Actor, evaluation: Evaluation) -> list[int]:
    """12号令第21条: a price clearly below the others must be justified in writing; the trigger (below the mean of the
    valid prices by X%) is the evaluation's setting [L]. The platform sends the request with the set time limit."""
    data = config(evaluation)
    trigger = data["low_price_trigger_pct"]
    if trigger is None:
        return []
    prices = {b.id: b.price for b in _valid(evaluation) if b.price is not None}
    flagged = price_rules.below_mean(prices, Decimal(trigger))
    if not flagged:
        return []
    mean = price_rules.half_up(sum(prices.values(), Decimal(0)) / len(prices))
    deadline = clock.now() + timedelta(minutes=data["low_price_answer_minutes"])
    for bidder in (b for b in evaluation.bidders if b.id in flagged):
        bidder.low_price = "flagged"
        question = (f"你单位投标报价 {bidder.price:,.2f} 元，低于各有效投标报价平均值 {mean:,.2f} 元的 {trigger}% 以上，"
                    f"可能低于成本。请于 {shanghai_text(deadline)} 前书面说明报价的合理性并提供证明材料"
                    f"（《评标委员会和评标方法暂行规定》第二十一条）。逾期未说明或不能合理说明的，评标委员会将认定为低于成本报价，"
                    f"否决其投标。")
        session.add(Clarification(evaluation_id=evaluation.id, bidder_id=bidder.id, kind="low_price", question=question,
                                  asked_by_member_id=None, asked_at=clock.now(), deadline=deadline))
        log(session, clock, actor, evaluation, "low_price_flag", {"bidder_id": bidder.id, "price": bidder.price,
                                                                   "mean": mean, "trigger_pct": trigger,
                                                                   "deadline": deadline})
    session.flush()
    return flagged


# --- clarifications ----------------------------------------------------------------------------------------------------


def ask_clarification(session: Session, clock: Clock, actor: Actor, evaluation_id: int, bidder_id: int, question: str,
                      deadline: datetime) -> Clarification:
    """The chair asks a bidder for a written clarification on behalf of the committee (条例第52条: never to change
    the substance of the bid; the committee may not induce or accept unasked clarifications)."""
    evaluation = get_evaluation(session, evaluation_id)
    member = _chair(evaluation, actor)
    require_stage(evaluation, ("review", "low_price", "scoring", "pricing"), N_("要求投标人澄清"))
    bidder = _bidder(evaluation, bidder_id)
    if bidder.status != "valid":
        raise Conflict(N_("该投标已被否决。"))
    text = _long_text(question, "question")
    now = clock.now()
    if deadline.tzinfo is None:
        raise ValueError("deadline must be timezone-aware")
    if not now < deadline <= now + timedelta(days=MAX_CLARIFICATION_DAYS):
        raise InvalidInput(N_("澄清期限应晚于现在，且不超过 %(days)s 天。"), field="deadline", days=MAX_CLARIFICATION_DAYS)
    item = Clarification(evaluation_id=evaluation.id, bidder_id=bidder.id, kind="question", question=text,
                         asked_by_member_id=member.id, asked_at=now, deadline=deadline)
    session.add(item)
    session.flush()
    log(session, clock, actor, evaluation, "clarify", {"clarification_id": item.id, "bidder_id": bidder.id,
                                                        "question": text, "deadline": deadline})
    return item


def answer_clarification(session: Session, clock: Clock, actor: Actor, clarification_id: int,
                         answer: str) -> Clarification:
    """The bidder answers a clarification addressed to it, before the deadline; nobody else can."""
    item = session.get(Clarification, clarification_id)
    if item is None:
        raise NotFound(N_("澄清要求不存在。"))
    if not (actor.has(Role.BIDDER) and actor.org_id == item.bidder.bidder_org_id):
        raise NotFound(N_("澄清要求不存在。"))
    evaluation = get_evaluation(session, item.evaluation_id)
    if evaluation.status in ("report", "signing", "closed"):
        raise Conflict(N_("评审已经结束，不再接受澄清。"))
    if item.answer is not None:
        raise Conflict(N_("该澄清已经答复。"))
    if clock.now() > item.deadline:
        raise DeadlinePassed(N_("澄清期限已过。"))
    item.answer, item.answered_by, item.answered_at = _long_text(answer, "answer", 5000), actor.user_id, clock.now()
    session.flush()
    log(session, clock, actor, evaluation, "clarification_answer", {"clarification_id": item.id, "answer": item.answer})
    return item


def clarifications_for_bidder(session: Session, actor: Actor) -> list[Clarification]:
    """The bidder's own clarification requests (open and answered), newest first; never another bidder's."""
    if not actor.has(Role.BIDDER) or actor.org_id is None:
        raise NotPermitted(N_("您没有执行此操作的权限。"))
    return list(session.scalars(select(Clarification).join(EvaluationBidder, EvaluationBidder.id == Clarification.bidder_id)
                                .where(EvaluationBidder.bidder_org_id == actor.org_id)
                                .order_by(Clarification.asked_at.desc(), Clarification.id.desc())))


def clarifications(session: Session, actor: Actor, evaluation_id: int) -> list[Clarification]:
    """Every request and answer of the evaluation: the committee, supervisors, and the managers after it ends."""
    evaluation = get_evaluation(session, evaluation_id)
    watcher(evaluation, actor)
    return list(session.scalars(select(Clarification).where(Clarification.evaluation_id == evaluation.id)
                                .order_by(Clarification.asked_at, Clarification.id)))


def decide_low_price(session: Session, clock: Clock, actor: Actor, evaluation_id: int, bidder_id: int, accept: bool,
                     reason: str) -> EvaluationBidder:
    """The committee's decision on an abnormally low price, recorded by the chair once the bidder's written
    justification is in (or its time is up): accepted, or rejected as below cost (条例第51条第5项; 12号令第21条)."""
    evaluation = get_evaluation(session, evaluation_id)
    _chair(evaluation, actor)
    require_stage(evaluation, ("low_price",), N_("认定异常低价"))
    bidder = _bidder(evaluation, bidder_id)
    if bidder.low_price != "flagged":
        raise Conflict(N_("该投标没有待认定的异常低价。"))
    request = session.scalars(select(Clarification).where(Clarification.bidder_id == bidder.id,
                                                          Clarification.kind == "low_price")).first()
    if request is not None and request.answer is None and clock.now() <= request.deadline:
        raise Conflict(N_("投标人的书面说明尚未提交，且说明期限未到。"))
    text = _long_text(reason, "reason", 1000)
    bidder.low_price, bidder.low_price_reason = ("accepted" if accept else "rejected"), text
    if not accept:
        bidder.status, bidder.rejected_at = "rejected", clock.now()
        bidder.grounds = f"投标报价低于成本（{BELOW_COST_RULE}）：{text}"
    session.flush()
    log(session, clock, actor, evaluation, "low_price_decision", {"bidder_id": bidder.id, "accepted": bool(accept),
                                                                   "reason": text})
    if not any(b.low_price == "flagged" for b in evaluation.bidders):
        nxt = _after_review(evaluation)
        move(session, clock, actor, evaluation, "low_price", nxt)
        if nxt == "report":
            _close_scoring(session, clock, actor, evaluation)
    return bidder


# --- scoring (综合评估法) -----------------------------------------------------------------------------------------------


def save_scores(session: Session, clock: Clock, actor: Actor, evaluation_id: int, bidder_id: int,
                points: Mapping[int, Decimal | str | int]) -> list[Score]:
    """A member's points for one bid (any subset of the items, saved as a draft until submitted): 0 ≤ points ≤ the
    item's maximum, at most 2 decimals; the price item is the platform's and a rejected bid is never scored."""
    evaluation = get_evaluation(session, evaluation_id)
    member = _present_member(evaluation, actor)
    require_stage(evaluation, ("scoring",), N_("打分"))
    if member.scores_submitted_at is not None:
        raise Conflict(N_("您已提交评分，不能再修改。"))
    bidder = _bidder(evaluation, bidder_id)
    if bidder.status != "valid":
        raise RuleViolation(N_("该投标已被否决，不参与打分（%(rule)s）。"), rule=PASS_RULE)
    criteria = {c.id: c for c in score_criteria(evaluation)}
    if not points:
        raise InvalidInput(N_("请至少填写一项分值。"), field="points")
    clean: dict[int, Decimal] = {}
    for criterion_id, value in points.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise InvalidInput(N_("评分因素不属于本次评标。"), field="points")
        if criterion.kind == "price":
            raise InvalidInput(N_("价格分由平台按招标文件的公式计算，不能手工录入。"), field="points")
        number = _points(value)
        if not 0 <= number <= criterion.max_points:
            raise InvalidInput(N_("评分因素“%(name)s”的分值应在 0 至 %(max)s 分之间。"), field="points", name=criterion.name,
                               max=str(criterion.max_points))
        clean[criterion_id] = number
    existing = {s.criterion_id: s for s in session.scalars(select(Score).where(Score.member_id == member.id,
                                                                               Score.bidder_id == bidder.id))}
    now = clock.now()
    saved = []
    for criterion_id, number in clean.items():
        score = existing.get(criterion_id)
        if score is None:
            score = Score(evaluation_id=evaluation.id, member_id=member.id, criterion_id=criterion_id,
                          bidder_id=bidder.id, points=number, at=now)
            session.add(score)
        else:
            score.points, score.at = number, now
        saved.append(score)
    session.flush()
    log(session, clock, actor, evaluation, "score", {"member_id": member.id, "bidder_id": bidder.id,
                                                      "points": {str(k): v for k, v in clean.items()}})
    return saved


def scores_of(session: Session, evaluation: Evaluation) -> list[Score]:
    return list(session.scalars(select(Score).where(Score.evaluation_id == evaluation.id)))


def submit_scores(session: Session, clock: Clock, actor: Actor, evaluation_id: int) -> EvaluationMember:
    """A member submits their scores, which needs every item of every valid bid scored; from then on they are final
    and the member sees the others' scores. The last submission closes the scoring and computes the result."""
    evaluation = get_evaluation(session, evaluation_id, lock=True)
    member = _present_member(evaluation, actor)
    require_stage(evaluation, ("scoring",), N_("提交评分"))
    if member.scores_submitted_at is not None:
        raise Conflict(N_("您已提交评分。"))
    criteria = score_criteria(evaluation, typed_only=True)
    mine = {(s.criterion_id, s.bidder_id) for s in scores_of(session, evaluation) if s.member_id == member.id}
    missing = sum(1 for c in criteria for b in _valid(evaluation) if (c.id, b.id) not in mine)
    if missing:
        raise Conflict(N_("还有 %(n)s 项未打分，不能提交。"), n=missing)
    member.scores_submitted_at = clock.now()
    session.flush()
    totals = _typed_totals(session, evaluation).get(member.id, {})
    log(session, clock, actor, evaluation, "submit", {"member_id": member.id,
                                                       "typed_totals": {str(k): v for k, v in totals.items()}})
    if all(m.scores_submitted_at is not None for m in active_members(evaluation)):
        _close_scoring(session, clock, Actor.system(), evaluation)
    return member


def _typed_totals(session: Session, evaluation: Evaluation) -> dict[int, dict[int, Decimal]]:
    """Per member, per bid: the sum of the typed points."""
    totals: dict[int, dict[int, Decimal]] = {}
    for score in scores_of(session, evaluation):
        per = totals.setdefault(score.member_id, {})
        per[score.bidder_id] = per.get(score.bidder_id, Decimal(0)) + score.points
    return totals


def compute_result(session: Session, evaluation: Evaluation) -> tuple[dict[str, Any], aggregation.CommitteeResult]:
    """The price computation and the committee result from the stored rows (what scoring's end freezes, and what a
    supervisor can recompute and compare with the frozen copy)."""
    valid = _valid(evaluation)
    opening_order = [str(b.id) for b in valid]
    rule = price_rule(evaluation)
    if isinstance(rule, price_rules.LowestEvaluatedPrice):
        adjustments: dict[str, list[Decimal]] = {}
        for row in price_adjustments(session, evaluation):
            adjustments.setdefault(str(row.bidder_id), []).append(row.amount)
        prices = {str(b.id): b.price for b in valid if b.price is not None}
        ranked = rule.rank(prices, adjustments)
        inputs = {"rule": rule.to_json(), "prices": {k: str(v) for k, v in prices.items()},
                  "adjustments": {k: [str(a) for a in v] for k, v in adjustments.items()},
                  "evaluated": {e.key: str(e.evaluated) for e in ranked}}
        return inputs, aggregation.lowest_price_result(ranked, opening_order, options(evaluation))
    priced = {str(b.id): b.price for b in valid if b.price is not None}
    computation = rule.compute(priced) if priced else None
    price_scores = {k: s.score for k, s in computation.scores.items()} if computation else {}
    typed = _typed_totals(session, evaluation)
    members = active_members(evaluation)
    totals = {str(b.id): {str(m.id): aggregation.expert_total({"typed": typed.get(m.id, {}).get(b.id, Decimal(0))},
                                                               price_scores.get(str(b.id), Decimal(0)))
                          for m in members}
              for b in valid}
    prices = {str(b.id): b.price if b.price is not None else Decimal(0) for b in valid}
    inputs = computation.as_json() if computation else {"rule": rule.to_json(), "valid_prices": {}}
    return inputs, aggregation.committee_result(prices, totals, options(evaluation))


def _close_scoring(session: Session, clock: Clock, actor: Actor, evaluation: Evaluation) -> None:
    """Freeze the price inputs and the committee result; list the deviations that need an explanation."""
    inputs, result = compute_result(session, evaluation)
    evaluation.price_inputs, evaluation.result = _canonical(inputs), _canonical(result.as_json())
    evaluation.scoring_closed_at = clock.now()
    for deviation in result.deviations:
        session.add(DeviationNote(evaluation_id=evaluation.id, member_id=int(deviation.scorer),
                                  bidder_id=int(deviation.bidder), total=deviation.total, mean=deviation.mean,
                                  deviation_pct=deviation.deviation_pct))
    session.flush()
    if evaluation.status in ("scoring", "pricing"):
        move(session, clock, actor, evaluation, evaluation.status, "report",
              {"result": result.as_json(), "price_inputs": inputs})
    else:
        log(session, clock, actor, evaluation, "result", {"result": result.as_json(), "price_inputs": inputs})


# --- pricing (经评审的最低投标价法) --------------------------------------------------------------------------------------


def adjust_price(session: Session, clock: Clock, actor: Actor, evaluation_id: int, bidder_id: int,
                 amount: Decimal | str, reason: str) -> PriceAdjustment:
    """The committee's price adjustment for a commercial deviation (12号令第31条), entered by the chair with its
    reason; technical parts are never converted to money."""
    evaluation = get_evaluation(session, evaluation_id)
    member = _chair(evaluation, actor)
    require_stage(evaluation, ("pricing",), N_("调整评标价格"))
    bidder = _bidder(evaluation, bidder_id)
    if bidder.status != "valid":
        raise RuleViolation(N_("该投标已被否决，不参与评标价格比较（%(rule)s）。"), rule=PASS_RULE)
    try:
        value = Decimal(str(amount).replace(",", "").strip())
    except InvalidOperation as exc:
        raise InvalidInput(N_("调整金额必须是数字。"), field="amount") from exc
    if not value.is_finite() or value == 0 or abs(value) > MAX_ADJUSTMENT or value != value.quantize(price_rules.CENT):
        raise InvalidInput(N_("调整金额应为非零数字，最多两位小数。"), field="amount")
    row = PriceAdjustment(evaluation_id=evaluation.id, bidder_id=bidder.id, amount=value,
                          reason=_long_text(reason, "reason", 500), member_id=member.id, at=clock.now())
    session.add(row)
    session.flush()
    log(session, clock, actor, evaluation, "adjust", {"bidder_id": bidder.id, "amount": value, "reason": row.reason})
    return row


def price_adjustments(session: Session, evaluation: Evaluation) -> list[PriceAdjustment]:
    """The chair's price adjustments, in the order entered."""
    return list(session.scalars(select(PriceAdjustment).where(PriceAdjustment.evaluation_id == evaluation.id)
                                .order_by(PriceAdjustment.id)))


def finish_pricing(session: Session, clock: Clock, actor: Actor, evaluation_id: int) -> Evaluation:
    """The chair ends the price comparison; the ranking by evaluated price is frozen."""
    evaluation = get_evaluation(session, evaluation_id)
    _chair(evaluation, actor)
    require_stage(evaluation, ("pricing",), N_("结束评标价格比较"))
    _close_scoring(session, clock, actor, evaluation)
    return evaluation


# --- deviations, dissent -----------------------------------------------------------------------------------------------


def deviation_notes(session: Session, evaluation: Evaluation) -> list[DeviationNote]:
    return list(session.scalars(select(DeviationNote).where(DeviationNote.evaluation_id == evaluation.id)
                                .order_by(DeviationNote.bidder_id, DeviationNote.member_id)))


def explain_deviation(session: Session, clock: Clock, actor: Actor, evaluation_id: int, bidder_id: int,
                      text: str) -> DeviationNote:
    """The member's written explanation of a total beyond the deviation threshold (偏离度说明) [L]."""
    evaluation = get_evaluation(session, evaluation_id)
    member = require_member(evaluation, actor)
    require_stage(evaluation, ("report",), N_("填写偏离说明"))
    note = session.scalars(select(DeviationNote).where(DeviationNote.member_id == member.id,
                                                       DeviationNote.bidder_id == bidder_id)).one_or_none()
    if note is None:
        raise NotFound(N_("您对该投标的评分没有超出偏离度，无需说明。"))
    note.explanation, note.explained_at = _long_text(text, "explanation"), clock.now()
    session.flush()
    log(session, clock, actor, evaluation, "explain", {"member_id": member.id, "bidder_id": bidder_id,
                                                        "explanation": note.explanation})
    return note


def unexplained(session: Session, evaluation: Evaluation) -> list[DeviationNote]:
    return [n for n in deviation_notes(session, evaluation) if n.explained_at is None]


def record_dissent(session: Session, clock: Clock, actor: Actor, evaluation_id: int, text: str) -> EvaluationMember:
    """A member's written dissent (不同意见和理由, 条例第53条), recorded before they sign; it goes on the ledger and
    into their signature's reason in the report."""
    evaluation = get_evaluation(session, evaluation_id)
    member = require_member(evaluation, actor)
    require_stage(evaluation, ("report", "signing"), N_("陈述不同意见"))
    if member.report_signed_at is not None:
        raise Conflict(N_("您已签署评标报告。"))
    member.dissent = _long_text(text, "dissent", 1000)
    session.flush()
    log(session, clock, actor, evaluation, "dissent", {"member_id": member.id, "dissent": member.dissent})
    return member


def record_refusal(session: Session, clock: Clock, actor: Actor, evaluation_id: int, member_id: int,
                   note: str) -> EvaluationMember:
    """The chair records that a member refuses to sign without stating a dissent: deemed to agree (条例第53条)."""
    evaluation = get_evaluation(session, evaluation_id)
    _chair(evaluation, actor)
    require_stage(evaluation, ("signing",), N_("记录拒绝签字"))
    member = next((m for m in active_members(evaluation) if m.id == member_id), None)
    if member is None:
        raise NotFound(N_("该成员不在本评标委员会中。"))
    if member.report_signed_at is not None or member.refused_at is not None:
        raise Conflict(N_("该成员已签署或已记录拒签。"))
    member.refused_at, member.refusal_note = clock.now(), _long_text(note, "note", 500)
    session.flush()
    log(session, clock, actor, evaluation, "refuse", {"member_id": member.id, "note": member.refusal_note,
                                                       "deemed": "agreement", "rule": "条例第53条"})
    close_if_signed(session, clock, evaluation)
    return member


def close_if_signed(session: Session, clock: Clock, evaluation: Evaluation) -> bool:
    """When every member signed (or refused, deemed agreement): the evaluation closes, the draw's seed is revealed
    (anyone with supervisor rights can re-run the draw), and the tender moves to ``evaluated`` once every
    proceeding section's evaluation has closed."""
    if evaluation.status != "signing":
        return False
    members = active_members(evaluation)
    if not all(m.report_signed_at is not None or m.refused_at is not None for m in members):
        return False
    system = Actor.system()
    if not move(session, clock, system, evaluation, "signing", "closed", {"signed": sum(
            1 for m in members if m.report_signed_at is not None)}, closed_at=clock.now()):
        return False
    expert_draw.reveal_seed(session, clock, system, evaluation.draw_id)
    tender = evaluation.tender
    proceeding = [s.id for s in tender.sections if s.status == "proceeding"]
    closed = {e.section_id for e in evaluations_of_tender(session, tender.id) if e.status == "closed"}
    if tender.status == "evaluating" and set(proceeding) <= closed:
        transition(session, clock, system, tender, "evaluating", "evaluated", "evaluation.finish")
    award.receive_report(session, clock, evaluation)
    award_state.sync_tender(session, clock, tender)
    return True


# --- what each person sees ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """What the agent and the tenderee see while the committee works: counts and the stage, no names, no findings."""

    evaluation_id: int
    section_id: int
    method: str
    status: str
    seats: int
    seated: int
    signed_in: int
    declared: int
    scores_submitted: int
    signatures: int
    chair_elected: bool
    bidders: int
    rejected: int | None  # None until the evaluation ends


def progress(session: Session, actor: Actor, evaluation_id: int) -> Progress:
    """The stage and counts: for the tender's managers, supervisors and members."""
    evaluation = get_evaluation(session, evaluation_id)
    if not (manages(actor, evaluation.tender) or actor.has(Role.SUPERVISOR) or member_of(evaluation, actor)):
        raise NotPermitted(N_("您没有查看该评标的权限。"))
    members = active_members(evaluation)
    show_rejections = evaluation.status == "closed" or not manages(actor, evaluation.tender) or member_of(evaluation, actor)
    return Progress(
        evaluation_id=evaluation.id, section_id=evaluation.section_id, method=evaluation.method, status=evaluation.status,
        seats=committee_size(evaluation), seated=len(members),
        signed_in=sum(1 for m in members if m.signed_in_at is not None),
        declared=sum(1 for m in members if m.declaration == "none"),
        scores_submitted=sum(1 for m in members if m.scores_submitted_at is not None),
        signatures=sum(1 for m in members if m.report_signed_at is not None),
        chair_elected=evaluation.chair_member_id is not None, bidders=len(evaluation.bidders),
        rejected=sum(1 for b in evaluation.bidders if b.status == "rejected") if show_rejections else None)


@dataclass(frozen=True)
class ReviewView:
    marks: list[ReviewMark]
    results: list[ItemResult] | None  # the committee's result, once the review is closed (or to supervisors)


def review_view(session: Session, actor: Actor, evaluation_id: int) -> ReviewView:
    """Review marks: a member sees their own until the review closes, then everyone's; supervisors everything;
    the agent and the tenderee nothing before the end (NotPermitted)."""
    evaluation = get_evaluation(session, evaluation_id)
    role = watcher(evaluation, actor)
    marks = list(session.scalars(select(ReviewMark).where(ReviewMark.evaluation_id == evaluation.id)
                                 .order_by(ReviewMark.member_id, ReviewMark.bidder_id, ReviewMark.criterion_id)))
    closed = evaluation.review_closed_at is not None
    if role == "member" and not closed:
        me = require_member(evaluation, actor)
        return ReviewView([m for m in marks if m.member_id == me.id], None)
    return ReviewView(marks, review_results(session, evaluation) if closed or role == "supervisor" else None)


@dataclass(frozen=True)
class ScoreView:
    scores: list[Score]
    others_visible: bool
    submitted: dict[int, datetime | None] = field(default_factory=dict)


def score_view(session: Session, actor: Actor, evaluation_id: int) -> ScoreView:
    """Scores: a member sees only their own until they submit, then everyone's; supervisors watch everything;
    the agent and the tenderee are refused until the report is signed by all (NotPermitted)."""
    evaluation = get_evaluation(session, evaluation_id)
    role = watcher(evaluation, actor)
    scores = sorted(scores_of(session, evaluation), key=lambda s: (s.member_id, s.bidder_id, s.criterion_id))
    submitted = {m.id: m.scores_submitted_at for m in active_members(evaluation)}
    if role == "member":
        me = require_member(evaluation, actor)
        if me.scores_submitted_at is None:
            return ScoreView([s for s in scores if s.member_id == me.id], False, {me.id: None})
        # a member who submitted sees the others' submitted scores, never their drafts
        return ScoreView([s for s in scores if s.member_id == me.id or submitted.get(s.member_id) is not None], True,
                         submitted)
    return ScoreView(scores, True, submitted)


def committee_result(session: Session, actor: Actor, evaluation_id: int) -> dict[str, Any]:
    """The frozen committee result (JSON): members and supervisors once scoring ended, the managers after the end."""
    evaluation = get_evaluation(session, evaluation_id)
    watcher(evaluation, actor)
    if evaluation.result is None:
        raise Conflict(N_("评分尚未结束，还没有评标结果。"))
    return json.loads(evaluation.result)


def recompute(session: Session, actor: Actor, evaluation_id: int) -> bool:
    """A supervisor recomputes the result from the stored marks, scores and price inputs: True when it matches."""
    evaluation = get_evaluation(session, evaluation_id)
    if not actor.has(Role.SUPERVISOR):
        raise NotPermitted(N_("只有监督人员可以复核计算。"))
    if evaluation.result is None:
        raise Conflict(N_("评分尚未结束，还没有评标结果。"))
    inputs, result = compute_result(session, evaluation)
    return _canonical(result.as_json()) == evaluation.result and _canonical(inputs) == evaluation.price_inputs
