"""一标一评: after each evaluation the agent, the tenderee and a supervisor each rate every expert who served, once;
the ratings feed the expert's credit score, and a supervisor may suspend or remove (清退) an expert (domain-rules 8;
条例第71、72条; 财库〔2016〕198号 for GP).

The credit formula (a points-deduction model, 记分, as local rules use [L]): every aspect is rated 1–5, 3 being
"satisfactory"; each point below 3 on an aspect costs the expert ``POINTS_PER_STEP`` (2) credit points, so a 1 costs
4 and a rating of all 1s costs 16; ratings of 3 and above cost nothing and earn nothing (the score starts at 100 and
only the administrator's yearly reset raises it). The score never goes below 0. The deduction is stored with the rating
and on the ledger, so the score can be re-derived from the ratings.

``expert_pool`` never imports ``bidding``; this module reads and writes the expert's row and calls
:func:`expert_pool.roster.set_status` for suspensions, which is the direction the layers allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import evaluation as ev
from bidding.access import is_agent, is_tenderee, manages
from bidding.evaluation_models import RATING_ASPECTS, ExpertRating
from core.actor import Actor, Role
from core.clock import Clock
from core.errors import N_, Conflict, InvalidInput, NotFound, NotPermitted
from expert_pool import roster
from expert_pool.models import Expert
from signing import ledger

POINTS_PER_STEP = 2
SATISFACTORY = 3
ASPECT_LABELS = {"timeliness": N_("守时"), "competence": N_("专业能力"), "fairness": N_("公正"), "discipline": N_("纪律")}


def credit_delta(ratings: Mapping[str, int]) -> int:
    """The credit points a rating costs: ``POINTS_PER_STEP`` for each point below 3 on each aspect (≤ 0)."""
    return -sum(max(0, SATISFACTORY - ratings[a]) * POINTS_PER_STEP for a in RATING_ASPECTS)


def rater_role(actor: Actor, evaluation) -> str:
    """Whose rating this is: the supervisor's, the tender's agent's or the tenderee's; anyone else is refused."""
    tender = evaluation.tender
    if actor.has(Role.SUPERVISOR):
        return "supervisor"
    if is_agent(actor, tender):
        return "agent"
    if is_tenderee(actor, tender):
        return "tenderee"
    raise NotPermitted(N_("只有本项目的招标代理、招标人和监督人员可以评价评标专家。"))


def _served(evaluation) -> dict[int, str]:
    """The experts who served on the committee to the end (recused ones did not judge)."""
    return {m.expert_id: m.name for m in ev.active_members(evaluation) if m.kind == "expert" and m.expert_id is not None}


def rate_expert(session: Session, clock: Clock, actor: Actor, evaluation_id: int, expert_id: int,
                ratings: Mapping[str, int], comment: str = "") -> ExpertRating:
    """One rating of one expert by one of the three raters, once, after the evaluation closed."""
    evaluation = ev.get_evaluation(session, evaluation_id)
    role = rater_role(actor, evaluation)
    if evaluation.status != "closed":
        raise Conflict(N_("评标结束后才能评价评标专家。"))
    if expert_id not in _served(evaluation):
        raise NotFound(N_("该专家没有参加本次评标。"))
    clean: dict[str, int] = {}
    for aspect in RATING_ASPECTS:
        value = ratings.get(aspect)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise InvalidInput(N_("每项评价应为 1 至 5 分的整数。"), field=aspect)
        clean[aspect] = value
    if set(ratings) - set(RATING_ASPECTS):
        raise InvalidInput(N_("评价项目不正确。"), field="ratings")
    text = (comment or "").strip()
    if len(text) > 1000:
        raise InvalidInput(N_("评价意见最多 1000 字。"), field="comment")
    if min(clean.values()) < SATISFACTORY and len(text) < 2:
        raise InvalidInput(N_("评价低于 3 分的，请写明事实和理由。"), field="comment")
    existing = session.scalars(select(ExpertRating).where(ExpertRating.evaluation_id == evaluation.id,
                                                          ExpertRating.expert_id == expert_id,
                                                          ExpertRating.rater_role == role)).first()
    if existing is not None:
        raise Conflict(N_("您方已评价过该专家，每次评标只评价一次。"))
    delta = credit_delta(clean)
    rating = ExpertRating(evaluation_id=evaluation.id, expert_id=expert_id, rater_role=role, rater_user_id=actor.user_id,
                          comment=text, credit_delta=delta, at=clock.now(), **clean)
    session.add(rating)
    expert = session.scalars(select(Expert).where(Expert.id == expert_id).with_for_update()
                             .execution_options(populate_existing=True)).one()
    before = expert.credit_score
    expert.credit_score = max(0, before + delta)
    expert.updated_at = clock.now()
    session.flush()
    ledger.append(session, clock, actor, "expert.rating", "expert", expert_id, tender_id=evaluation.tender_id,
                  before={"credit_score": before},
                  after={"evaluation_id": evaluation.id, "rater_role": role, **clean, "comment": text,
                         "credit_delta": delta, "credit_score": expert.credit_score})
    return rating


@dataclass(frozen=True)
class ToRate:
    expert_id: int
    name: str
    rated: bool


def experts_to_rate(session: Session, actor: Actor, evaluation_id: int) -> list[ToRate]:
    """The rater's list for the evaluation: every expert who served, and whether this rater's side has rated them."""
    evaluation = ev.get_evaluation(session, evaluation_id)
    role = rater_role(actor, evaluation)
    if evaluation.status != "closed":
        raise Conflict(N_("评标结束后才能评价评标专家。"))
    done = set(session.scalars(select(ExpertRating.expert_id).where(ExpertRating.evaluation_id == evaluation.id,
                                                                    ExpertRating.rater_role == role)))
    return [ToRate(expert_id, name, expert_id in done) for expert_id, name in _served(evaluation).items()]


def ratings(session: Session, actor: Actor, evaluation_id: int) -> list[ExpertRating]:
    """Every rating of the evaluation: supervisors, and the tender's managers (who rated)."""
    evaluation = ev.get_evaluation(session, evaluation_id)
    if not (actor.has(Role.SUPERVISOR) or manages(actor, evaluation.tender)):
        raise NotPermitted(N_("您没有查看该评价的权限。"))
    return list(session.scalars(select(ExpertRating).where(ExpertRating.evaluation_id == evaluation.id)
                                .order_by(ExpertRating.expert_id, ExpertRating.id)))


def sanction(session: Session, clock: Clock, actor: Actor, expert_id: int, status: str, note: str) -> Expert:
    """A supervisor suspends (暂停) or removes (清退) an expert, who is then never drawn (条例第71、72条); the written
    reason is required and goes on the ledger (through :func:`expert_pool.roster.set_status`)."""
    if not actor.has(Role.SUPERVISOR):
        raise NotPermitted(N_("只有监督人员可以暂停或清退评标专家。"))
    if status not in ("suspended", "removed"):
        raise InvalidInput(N_("只能暂停或清退评标专家。"), field="status")
    return roster.set_status(session, clock, actor, expert_id, status, note)
