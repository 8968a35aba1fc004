"""Demo data for `make run`: one account per role, approved companies, published tenders.

Everything goes through the domain functions, so the demo's ledger is a real one and verifies.
Loading twice changes nothing (the admin account marks the data as present).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import demo_award_pool, demo_experts, demo_lifecycle
from bidding import escrow, parties, tenders
from bidding.notices import Signing
from bidding.schemas import SectionInput, TenderInput
from core import credit_code
from core.actor import Actor, OrgKind, Role
from core.clock import Clock, FrozenClock
from core.files import FileStore
from core.identity import Organisation, User, UserRole, hash_password
from signing import encryption_keys, envelope, ledger, pki


@dataclass(frozen=True)
class _Accounts:
    password: str
    signing_pin: str
    rows: tuple[tuple[str, str, str], ...]


ACCOUNTS = _Accounts(
    password="sealbid-demo",
    signing_pin="246810",
    rows=(
        ("admin", "admin", "平台管理员"),
        ("agent", "agent", "华信招标代理有限公司 · 王代理"),
        ("tenderee", "tenderee", "市城市建设投资集团 · 李招标"),
        ("bidder1", "bidder", "宏远建设工程有限公司"),
        ("bidder2", "bidder", "中坚路桥集团有限公司"),
        ("bidder3", "bidder", "锦程市政工程有限公司"),
        *[(f"expert{i}", "expert", "评标专家（已关联专家库，道路与桥梁）") for i in range(1, 17)],
        *[(f"staff{i}", "tenderee", f"市城市建设投资集团 · 定标委员库 · {name}") for i, (name, _, _) in
          enumerate(demo_award_pool.STAFF, start=1)],
        ("supervisor", "supervisor", "市公共资源交易监督科 · 赵监督"),
    ),
)


def demo_code(n: int) -> str:
    """A valid unified social credit code for demo organisation ``n``."""
    first17 = f"91330100MA{n:07d}"
    return first17 + credit_code.check_character(first17)


def _pdf(title: str, lines: list[str]) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont("STSong-Light", 18)
    page.drawString(72, 770, title)
    page.setFont("STSong-Light", 11)
    for i, line in enumerate(lines):
        page.drawString(72, 730 - 18 * i, line)
    page.showPage()
    page.save()
    return buffer.getvalue()


ESCROW_HOLDERS = ("agent", "tenderee", "supervisor")
# The waiver's legal basis as a demo agent would state it (domain-rules section 2).
DEMO_WAIVER_BASIS = "浙江省发展改革委等《关于政府投资工程建设项目免收投标保证金的通知》第二条；国办发〔2024〕21号"


def _encryption_keys(session: Session, clock: Clock, key_dir: Path, usernames: list[str]) -> dict[str, int]:
    """Demo encryption key pairs: the public half registered, the private half written to a key file
    in the instance folder, as a real person would keep it on their own machine."""
    key_dir.mkdir(parents=True, exist_ok=True)
    ids = {}
    for username in usernames:
        person = session.scalars(select(User).where(User.username == username)).one()
        private = X25519PrivateKey.generate()
        path = key_dir / f"{username}.pem"
        path.write_bytes(envelope.private_key_pem(private))
        path.chmod(0o600)
        encryption_keys.register(session, clock, person.actor(), envelope.raw_public(private.public_key()))
        ids[username] = person.id
    return ids


def load(session: Session, clock: Clock, store: FileStore, settings: pki.PlatformSettings, key_dir: Path) -> bool:
    if session.scalar(select(User.id).where(User.username == "admin")) is not None:
        return False
    # The platform, the people and the finished tender come first, weeks ago; the open tenders today.
    today = clock
    clock = FrozenClock(today.now() - demo_lifecycle.HISTORY)
    now = clock.now()
    pki.init_platform(session, clock, Actor.system(), settings)
    admin = User(username="admin", display_name="平台管理员", password_hash=hash_password(ACCOUNTS.password),
                 active=True, created_at=now, role_rows=[UserRole(role=Role.ADMIN)])
    session.add(admin)
    session.flush()
    admin_actor = admin.actor()
    ledger.append(session, clock, admin_actor, "user.create", "user", admin.id, after={"username": "admin"})

    def org(n: int, name: str, kind: OrgKind, region: str = "浙江省杭州市") -> Organisation:
        return parties.create_organisation(session, clock, admin_actor, parties.OrganisationInput(
            name=name, kind=kind, credit_code=demo_code(n), legal_representative="张三", contact_name="李四",
            contact_phone="0571-88888888", region=region))

    def user(username: str, name: str, role: Role, organisation: Organisation | None) -> User:
        return parties.create_user(session, clock, admin_actor, parties.UserInput(
            username=username, display_name=name, password=ACCOUNTS.password, roles=(role,),
            organisation_id=organisation.id if organisation else None))

    centre = org(1, "市公共资源交易中心", OrgKind.CENTRE)
    agency = org(2, "华信招标代理有限公司", OrgKind.AGENCY)
    tenderee = org(3, "市城市建设投资集团有限公司", OrgKind.TENDEREE)
    bidders = [org(10 + i, name, OrgKind.BIDDER) for i, name in
               enumerate(("宏远建设工程有限公司", "中坚路桥集团有限公司", "锦程市政工程有限公司"), start=1)]
    agent = user("agent", "王代理", Role.AGENT, agency)
    user("tenderee", "李招标", Role.TENDEREE, tenderee)
    for i, (name, _, _) in enumerate(demo_award_pool.STAFF, start=1):
        user(f"staff{i}", name, Role.TENDEREE, tenderee)
    for i, company in enumerate(bidders, start=1):
        user(f"bidder{i}", f"{company.name}投标员", Role.BIDDER, company)
    demo_experts.load(session, clock, admin_actor, lambda name, display: user(name, display, Role.EXPERT, None),
                      key_dir.parent / "demo-files")
    user("supervisor", "赵监督", Role.SUPERVISOR, centre)
    for username in ("agent", "tenderee", *[f"expert{i}" for i in range(1, demo_experts.EXPERT_ACCOUNTS + 1)],
                     "supervisor", "bidder1", "bidder2", "bidder3",
                     *[f"staff{i}" for i in range(1, len(demo_award_pool.STAFF) + 1)]):
        person = session.scalars(select(User).where(User.username == username)).one()
        pki.issue_person(session, clock, admin_actor, settings, person.id, person.display_name,
                         person.organisation.name if person.organisation else None, ACCOUNTS.signing_pin)
    agent_actor = agent.actor()
    demo_award_pool.load(session, clock, session.scalars(select(User).where(User.username == "tenderee")).one().actor())
    holder_ids = _encryption_keys(session, clock, key_dir,
                                  [*ESCROW_HOLDERS, "bidder1", "bidder2", "bidder3"])
    issuer = demo_lifecycle.DemoIssuer.create(now, key_dir)
    issuer.register(session, clock, admin_actor)
    people = demo_lifecycle.DemoPeople(
        actors={u.username: u.actor() for u in session.scalars(select(User))},
        keys={name: envelope.load_private_pem((key_dir / f"{name}.pem").read_bytes())
              for name in ("bidder1", "bidder2", "bidder3")},
        holder_ids=[holder_ids[n] for n in ESCROW_HOLDERS], tenderee_org_id=tenderee.id)
    demo_lifecycle.finished_tender(session, clock, store, settings, people, issuer, ACCOUNTS.signing_pin,
                                   _pdf("城北污水管网改造工程施工 招标文件", ["项目编号：HZ-2026-GC-0098", "第一章 招标公告"]))
    clock = today
    now = clock.now()

    projects = [
        ("HZ-2026-GC-0001", "城东快速路二期工程施工", "works", True, True, "浙江省杭州市",
         [("第一标段 主线工程", "48000000.00", "required", "800000.00"),
          ("第二标段 匝道工程", "16500000.00", "waived_credit_commitment", None)]),
        ("HZ-2026-HW-0002", "智慧交通信号控制设备采购", "goods", True, True, "浙江省杭州市",
         [("信号机及配套设备", "6200000.00", "required", "120000.00")]),
        ("NB-2026-FW-0003", "滨江片区市政设施监理服务", "services", False, False, "浙江省宁波市",
         [("监理服务", "1850000.00", "waived", None)]),
    ]
    for code, title, category, compulsory, state_funded, region, sections in projects:
        start = now  # documents go out at once, so demo bidders can obtain them and provide bonds
        tender = tenders.create_tender(session, clock, agent_actor, TenderInput(
            code=code, title=title, tenderee_org_id=tenderee.id, category=category, is_compulsory=compulsory,
            is_state_funded=state_funded, region=region,
            description=f"{title}。资金来源：{'财政资金' if state_funded else '企业自筹'}，招标人为市城市建设投资集团有限公司。",
            sale_start=start, sale_end=start + timedelta(days=7), clarification_deadline=start + timedelta(days=12),
            bid_deadline=start + timedelta(days=25), bid_validity_days=90,
            sections=[SectionInput(name=n, estimated_price=Decimal(p), bond_policy=policy,
                                   bond_amount=Decimal(b) if b else None,
                                   bond_waiver_basis="" if b else DEMO_WAIVER_BASIS)
                      for n, p, policy, b in sections]))
        body = _pdf(f"{title} 招标文件", [f"项目编号：{code}", "第一章 招标公告", "第二章 投标人须知",
                                          "第三章 评标办法", "第四章 合同条款及格式", "第五章 工程量清单"])
        tenders.add_document(session, clock, agent_actor, store, tender.id,
                             tenders.Upload("招标文件", f"{code}-招标文件.pdf", "application/pdf", io.BytesIO(body)),
                             max_bytes=len(body))
        escrow.set_escrow(session, clock, agent_actor, tender.id, [holder_ids[n] for n in ESCROW_HOLDERS], 2)
        tenders.publish_tender(session, clock, agent_actor, tender.id, Signing(settings, store, ACCOUNTS.signing_pin))
        if code == "HZ-2026-GC-0001":
            demo_lifecycle.try_files(session, tender, issuer, key_dir.parent / "demo-files", [b.id for b in bidders])
    return True

