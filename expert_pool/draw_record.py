"""The expert draw record (专家抽取记录): what was asked, how big each pool was, the snapshot hash, the seed
commitment (and the seed once revealed), who was drawn and how each answered, signed by the platform.

Domain-rules 4.2 asks for "seed or RNG evidence, candidate pool size, every call and its response, and
the operator" (条例第70条 makes improper committee formation punishable, so the record is the
evidence). It names the experts, so it is a supervisors' record (法第37条: names stay confidential);
the page that serves it must show it to supervisors only until the evaluation ends. ID numbers and
phone numbers are left out: the record identifies experts by name, employer and platform number.

The record can be signed again at any time (after the answers, after the seed is revealed); each
signing is a new record with its own id and the draw points at the newest.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from core.actor import Actor, Role
from core.clock import Clock, shanghai_text
from core.errors import N_, NotFound, NotPermitted
from core.files import FileStore
from expert_pool import draw as draws
from expert_pool import recusal, specialties
from expert_pool.models import ExpertDraw
from signing import pki, records, seal, signed_records
from signing.signed_records import SignedRecord

KIND = "draw_record"
VENUES = {"main": "主场", "sub": "副场"}
ROLES = {"member": "正选", "backup": "备选"}
PICK_STATUSES = {
    "reserve": "备选未启用",
    "notified": "已通知待确认",
    "confirmed": "确认参加",
    "declined": "拒绝参加",
    "expired": "逾期未答复",
    "recused": "回避",
}
METHOD = (
    "抽取方法：抽取前冻结各组符合条件的专家编号（候选池快照，其 SHA-256 见上），"
    "由平台生成 32 字节随机种子并公布其 SHA-256（种子承诺），"
    "二者已于抽取时记入平台记录链。"
    "各组候选专家按 HMAC-SHA256（种子，“组号:专家编号”）由小到大排序，"
    "先按组序取各组正选专家，再取备选专家，同一专家不重复入选。"
    "专家拒绝或逾期未答复的，由同组下一名备选专家递补。"
    "评标结束后公开种子，具有监督权限的人员可据快照和种子重新计算并核对抽取结果"
    "（flask experts verify-draw）。"
)
DRAW_STATUSES = {"notifying": "通知确认中", "complete": "已全部确认", "short": "备选专家不足"}
REASONS = {
    "removed": "已清退",
    "suspended": "已暂停",
    "tenderee_employee": "招标人单位",
    "agent_employee": "代理机构单位",
    "bidder_employee": "投标人单位",
    "declared_conflict": "申报利害关系",
    "unavailable": "当日不能参加",
    "recent_same_tenderee": "近期同一招标人",
    "excluded_by_tenderee": "招标人书面排除",
}


def _time(value) -> str:
    return shanghai_text(value) if value is not None else "—"


def _org(ref: dict) -> str:
    code = ref.get("credit_code") or ""
    return f"{ref.get('name', '')}（{code}）" if code else str(ref.get("name", ""))


def draw_record(draw: ExpertDraw, record_id: str, now_text: str) -> records.Record:
    checked = json.loads(draw.snapshot).get("checked", {})
    seed = draw.seed_hex if draw.seed_revealed_at is not None else "评标结束后公开"
    recent = f"近 {draw.recent_days} 日内已为同一招标人评标的专家回避" if draw.recent_days else "未设置"
    group_rows = []
    reason_rows = []
    for g in draw.groups:
        excluded = json.loads(g.exclusions)
        group_rows.append([str(g.number), f"{g.specialty_code} {specialties.path_name(g.specialty_code)}", g.region,
                           VENUES.get(g.venue, g.venue) + (f"（{g.venue_place}）" if g.venue_place else ""),
                           str(g.count), str(g.backups), str(g.matching), str(g.matching - g.pool_size),
                           str(g.pool_size)])
        reason_rows.append([str(g.number), *[str(excluded.get(r, 0)) for r in recusal.REASONS]])
    pick_rows = [[str(p.group.number), str(p.rank), ROLES.get(p.role, p.role), p.expert.name, p.expert.employer_name,
                  p.expert.title, PICK_STATUSES.get(p.status, p.status), _time(p.notified_at), _time(p.answered_at),
                  p.note or "—"]
                 for p in sorted(draw.picks, key=lambda p: (p.group.number, p.rank))]
    blocks: list[records.Block] = [
        records.Facts([
            ("项目编号", draw.tender_code),
            ("项目名称", draw.tender_title),
            ("标段", draw.section_label),
            ("抽取时间（北京时间）", shanghai_text(draw.requested_at)),
            ("评标时间（北京时间）", shanghai_text(draw.evaluation_at)),
            ("评标地点（主场）", draw.place),
            ("评标委员会组成", f"专家 {draw.experts} 人、招标人代表 {draw.representatives} 人，"
                              f"共 {draw.experts + draw.representatives} 人"),
            ("抽取状态", DRAW_STATUSES.get(draw.status, draw.status)
             + (f"（第 {draw.short_group} 组备选专家不足）" if draw.short_group else "")),
            ("专家答复期限", f"通知后 {draw.answer_minutes} 分钟"),
            ("候选池快照 SHA-256", draw.snapshot_sha256),
            ("随机种子承诺 SHA-256", draw.seed_commitment),
            ("随机种子", seed),
            ("记录时间（北京时间）", now_text),
        ]),
        records.Heading("抽取条件"),
        records.Table(["组", "专业", "地区", "场地", "抽取人数", "备选人数", "专业地区相符", "回避排除", "候选池"],
                      group_rows, col_widths=[0.7, 4, 3, 3.2, 1.4, 1.4, 1.6, 1.6, 1.4]),
        records.Heading("回避"),
        records.Paragraph(
            f"招标人：{_org(checked.get('tenderee', {}))}；招标代理机构：{_org(checked.get('agent', {}))}；"
            f"投标人 {len(checked.get('bidders', []))} 家（名单及统一社会信用代码见候选池快照）。"
            "以上单位的在职人员、申报与其有利害关系的专家、已暂停或清退的专家、评标当日登记不能参加的专家不予抽取"
            f"（法第37条；条例第46条；12号令第12条）。同一招标人回避：{recent}。每名被排除的专家只按下表第一项原因计一次。"),
        records.Table(["组", *[REASONS[r] for r in recusal.REASONS]], reason_rows),
    ]
    if draw.exclusions:
        blocks += [records.Heading("招标人书面理由排除的专家"),
                   records.Table(["姓名", "理由", "库中同名人数"],
                                 [[e.name, e.reason, str(e.matched)] for e in draw.exclusions], col_widths=[2, 8, 2])]
    blocks += [
        records.Heading("抽取结果"),
        records.Table(["组", "序位", "身份", "姓名", "工作单位", "职称", "状态", "通知时间", "答复时间", "说明"], pick_rows,
                      col_widths=[0.8, 0.9, 1.3, 2.4, 4, 2.4, 2.8, 3.2, 3.2, 2.2]),
        records.Paragraph(METHOD),
        records.SignaturePlaces(["sealbid 平台电子签章"]),
    ]
    return records.Record(kind=KIND, title=f"{draw.tender_title} 评标专家抽取记录", tender_code=draw.tender_code,
                          record_id=record_id, blocks=blocks)


def readable(session: Session, actor: Actor, draw_id: int | None) -> ExpertDraw:
    """Who may download a draw record: it names the experts, so supervisors at once and the draw's agent and
    tenderee once the evaluation has ended (法第37条); to anyone else it does not exist."""
    draw = session.get(ExpertDraw, draw_id) if draw_id else None
    if draw is None or not draws.names_visible(actor, draw):
        raise NotFound(N_("记录不存在。"))
    return draw


def sign_draw_record(session: Session, clock: Clock, actor: Actor, draw_id: int, settings: pki.PlatformSettings,
                     store: FileStore) -> SignedRecord:
    """Render the draw's record as it stands and sign it with the platform seal (the platform attests the draw)."""
    draw = draws.get_draw(session, draw_id)
    if not (actor == Actor.system() or actor.has(Role.SUPERVISOR)
            or (actor.has(Role.AGENT) and actor.org_id == draw.agent_org_id)):
        raise NotPermitted(N_("您没有执行此操作的权限。"))
    record_id = signed_records.new_record_id()
    record = draw_record(draw, record_id, shanghai_text(clock.now()))
    pdf = seal.sign_as_platform(session, clock, settings, records.render(record), field_name="platform",
                                reason=f"评标专家抽取记录 {draw.tender_code}")
    row = signed_records.register(session, clock, actor, store, record_id=record_id, kind=KIND, title=record.title,
                                  content_sha256=records.content_digest(record), pdf=pdf, tender_id=draw.tender_id,
                                  subject_id=draw.id)
    draw.record_id = row.id
    session.flush()
    return row
