"""The people and organisations most tests need, made through the domain functions."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy.orm import Session

from app.demo import demo_code
from bidding import escrow, parties, tenders
from bidding.models import Tender
from bidding.notices import Signing
from bidding.schemas import SectionInput, TenderInput
from core.actor import Actor, OrgKind, Role
from core.clock import Clock
from core.files import FileStore
from core.identity import User, UserRole, hash_password
from signing import encryption_keys, envelope, pki

PASSWORD = "correct-horse-battery"


@dataclass
class World:
    admin: Actor
    agent: Actor
    tenderee: Actor
    bidders: list[Actor]
    expert: Actor
    supervisor: Actor
    other_agent: Actor
    tenderee_org_id: int
    users: dict[str, User]
    encryption_keys: dict[str, X25519PrivateKey] = field(default_factory=dict)


def build_world(session: Session, clock: Clock) -> World:
    admin_user = User(username="admin", display_name="管理员", password_hash=hash_password(PASSWORD), active=True,
                      created_at=clock.now(), role_rows=[UserRole(role=Role.ADMIN)])
    session.add(admin_user)
    session.flush()
    admin = admin_user.actor()
    users = {"admin": admin_user}

    def org(n: int, name: str, kind: OrgKind):
        return parties.create_organisation(session, clock, admin, parties.OrganisationInput(
            name=name, kind=kind, credit_code=demo_code(n), legal_representative="法人", contact_name="联系人",
            contact_phone="010-12345678", region="北京市"))

    def user(username: str, role: Role, organisation) -> Actor:
        users[username] = parties.create_user(session, clock, admin, parties.UserInput(
            username=username, display_name=username, password=PASSWORD, roles=(role,),
            organisation_id=organisation.id if organisation else None))
        return users[username].actor()

    agency = org(1, "甲招标代理公司", OrgKind.AGENCY)
    other_agency = org(2, "乙招标代理公司", OrgKind.AGENCY)
    tenderee_org = org(3, "某市建设局", OrgKind.TENDEREE)
    centre = org(4, "交易中心", OrgKind.CENTRE)
    bidder_orgs = [org(10 + i, f"投标公司{i}", OrgKind.BIDDER) for i in range(1, 4)]
    return World(
        admin=admin,
        agent=user("agent", Role.AGENT, agency),
        tenderee=user("tenderee", Role.TENDEREE, tenderee_org),
        bidders=[user(f"bidder{i}", Role.BIDDER, o) for i, o in enumerate(bidder_orgs, start=1)],
        expert=user("expert", Role.EXPERT, centre),
        supervisor=user("supervisor", Role.SUPERVISOR, centre),
        other_agent=user("agent2", Role.AGENT, other_agency),
        tenderee_org_id=tenderee_org.id,
        users=users,
    )


def tender_data(world: World, clock: Clock, **overrides: Any) -> dict[str, Any]:
    """A valid compulsory works tender as plain input values: sale starts in an hour, 25 days to the deadline."""
    start = clock.now() + timedelta(hours=1)
    data: dict[str, Any] = {
        "code": "BJ-2026-001",
        "title": "道路改造工程施工",
        "tenderee_org_id": world.tenderee_org_id,
        "category": "works",
        "method": "open",
        "is_compulsory": True,
        "is_state_funded": True,
        "region": "北京市朝阳区",
        "description": "道路改造。",
        "sale_start": start,
        "sale_end": start + timedelta(days=7),
        "clarification_deadline": start + timedelta(days=10),
        "bid_deadline": start + timedelta(days=25),
        "bid_validity_days": 90,
        "sections": [{"name": "一标段", "estimated_price": "10000000.00", "bond_amount": "200000.00"}],
    }
    data.update(overrides)
    return data


def tender_input(world: World, clock: Clock, **overrides: Any) -> TenderInput:
    data = tender_data(world, clock, **overrides)
    data["sections"] = [SectionInput(**s) for s in data["sections"]]
    return TenderInput(**data)


def pdf_bytes(label: str = "招标文件") -> bytes:
    return b"%PDF-1.4\n% " + label.encode() + b"\n%%EOF\n"


SIGNING = pki.PlatformSettings(passphrase="test-signing-passphrase", crl_url="http://127.0.0.1:5000/pki/crl.der")
SIGNING_PIN = "135790"


def ensure_signing(session: Session, clock: Clock, world: World, *usernames: str) -> None:
    """The platform CA (as the test app configures it) and certificates for ``usernames`` (default: the agent)."""
    pki.init_platform(session, clock, Actor.system(), SIGNING)
    for username in usernames or ("agent",):
        user = world.users[username]
        if pki.person_certificate(session, user.id) is None:
            pki.issue_person(session, clock, user.actor(), SIGNING, user.id, user.display_name,
                             user.organisation.name if user.organisation else None, SIGNING_PIN)
    session.flush()


def signing(store: FileStore, pin: str = SIGNING_PIN) -> Signing:
    return Signing(SIGNING, store, pin)


ESCROW_HOLDERS = ("agent", "tenderee", "supervisor")


def encryption_key(session: Session, clock: Clock, world: World, username: str) -> X25519PrivateKey:
    """The user's encryption key pair, registered with the platform once; the private half stays with the test."""
    user = world.users[username]
    if username not in world.encryption_keys:
        private = X25519PrivateKey.generate()
        encryption_keys.register(session, clock, user.actor(), envelope.raw_public(private.public_key()))
        world.encryption_keys[username] = private
    return world.encryption_keys[username]


def draft_with_escrow(session: Session, clock: Clock, store: FileStore, world: World, **overrides: Any) -> Tender:
    """A draft ready to publish: one document, and a 2-of-3 escrow of agent, tenderee and supervisor."""
    ensure_signing(session, clock, world)
    tender = tenders.create_tender(session, clock, world.agent, tender_input(world, clock, **overrides))
    tenders.add_document(session, clock, world.agent, store, tender.id,
                         tenders.Upload("招标文件", "doc.pdf", "application/pdf", io.BytesIO(pdf_bytes())), 10**6)
    for name in ESCROW_HOLDERS:
        encryption_key(session, clock, world, name)
    escrow.set_escrow(session, clock, world.agent, tender.id, [world.users[n].id for n in ESCROW_HOLDERS], 2)
    return tender


def published_tender(session: Session, clock: Clock, store: FileStore, world: World, **overrides: Any) -> Tender:
    tender = draft_with_escrow(session, clock, store, world, **overrides)
    tenders.publish_tender(session, clock, world.agent, tender.id, signing(store))
    session.commit()
    return tender

