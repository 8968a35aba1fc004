"""foundation: parties, tenders, ledger

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 11:25:47.062854
"""

from alembic import op
import sqlalchemy as sa
import core.db


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_head'))
    )
    # The single head row every ledger append locks (signing/ledger.py).
    op.execute("INSERT INTO ledger_head (id, seq, entry_hash) VALUES (1, 0, '" + "0" * 64 + "')")
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('legal_representative', sa.String(length=100), nullable=False),
    sa.Column('contact_name', sa.String(length=100), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('contact_email', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('review_note', sa.String(length=500), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_organisation_credit_code'))
    )
    op.create_table('sign_in_throttle',
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', core.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_sign_in_throttle'))
    )
    op.create_table('organisation_certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_certificate_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_certificate'))
    )
    with op.batch_alter_table('organisation_certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_certificate_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_user_account_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_api_token_token_sha256'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('ledger_entry',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', core.db.UTCDateTime(), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_org_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('tender_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_org_id'], ['organisation.id'], name=op.f('fk_ledger_entry_actor_org_id_organisation')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['user_account.id'], name=op.f('fk_ledger_entry_actor_user_id_user_account')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_ledger_entry'))
    )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entry_tender_id'), ['tender_id'], unique=False)

    op.create_table('tender_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('tenderee_org_id', sa.Integer(), nullable=False),
    sa.Column('agent_org_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('estimated_amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('expected_notice_date', core.db.UTCDateTime(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('published_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_org_id'], ['organisation.id'], name=op.f('fk_tender_plan_agent_org_id_organisation')),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_tender_plan_created_by_user_account')),
    sa.ForeignKeyConstraint(['tenderee_org_id'], ['organisation.id'], name=op.f('fk_tender_plan_tenderee_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_plan'))
    )
    op.create_table('user_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_role_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_role')),
    sa.UniqueConstraint('user_id', 'role', name=op.f('uq_user_role_user_id'))
    )
    with op.batch_alter_table('user_role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_role_user_id'), ['user_id'], unique=False)

    op.create_table('tender',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('tenderee_org_id', sa.Integer(), nullable=False),
    sa.Column('agent_org_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('is_compulsory', sa.Boolean(), nullable=False),
    sa.Column('is_state_funded', sa.Boolean(), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('resume_status', sa.String(length=20), nullable=True),
    sa.Column('sale_start', core.db.UTCDateTime(), nullable=False),
    sa.Column('sale_end', core.db.UTCDateTime(), nullable=False),
    sa.Column('clarification_deadline', core.db.UTCDateTime(), nullable=False),
    sa.Column('bid_deadline', core.db.UTCDateTime(), nullable=False),
    sa.Column('bid_validity_days', sa.Integer(), nullable=False),
    sa.Column('published_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_org_id'], ['organisation.id'], name=op.f('fk_tender_agent_org_id_organisation')),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_tender_created_by_user_account')),
    sa.ForeignKeyConstraint(['plan_id'], ['tender_plan.id'], name=op.f('fk_tender_plan_id_tender_plan')),
    sa.ForeignKeyConstraint(['tenderee_org_id'], ['organisation.id'], name=op.f('fk_tender_tenderee_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender')),
    sa.UniqueConstraint('code', name=op.f('uq_tender_code'))
    )
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_agent_org_id'), ['agent_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_bid_deadline'), ['bid_deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_tenderee_org_id'), ['tenderee_org_id'], unique=False)

    op.create_table('amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('old_deadline', core.db.UTCDateTime(), nullable=False),
    sa.Column('new_deadline', core.db.UTCDateTime(), nullable=False),
    sa.Column('published_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_amendment_created_by_user_account')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_amendment_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment')),
    sa.UniqueConstraint('tender_id', 'number', name=op.f('uq_amendment_tender_id'))
    )
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_tender_id'), ['tender_id'], unique=False)

    op.create_table('document_obtained',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('bidder_org_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('obtained_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bidder_org_id'], ['organisation.id'], name=op.f('fk_document_obtained_bidder_org_id_organisation')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_document_obtained_tender_id_tender'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_document_obtained_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_obtained')),
    sa.UniqueConstraint('tender_id', 'bidder_org_id', name=op.f('uq_document_obtained_tender_id'))
    )
    with op.batch_alter_table('document_obtained', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_obtained_tender_id'), ['tender_id'], unique=False)

    op.create_table('objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('bidder_org_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('raised_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by'], ['user_account.id'], name=op.f('fk_objection_answered_by_user_account')),
    sa.ForeignKeyConstraint(['bidder_org_id'], ['organisation.id'], name=op.f('fk_objection_bidder_org_id_organisation')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_objection_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection'))
    )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_tender_id'), ['tender_id'], unique=False)

    op.create_table('question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('asker_org_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('asked_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by'], ['user_account.id'], name=op.f('fk_question_answered_by_user_account')),
    sa.ForeignKeyConstraint(['asker_org_id'], ['organisation.id'], name=op.f('fk_question_asker_org_id_organisation')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_question_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question'))
    )
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_tender_id'), ['tender_id'], unique=False)

    op.create_table('section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('estimated_price', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('bond_waived', sa.Boolean(), nullable=False),
    sa.Column('bond_amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('evaluation_method', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_section_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_section')),
    sa.UniqueConstraint('tender_id', 'number', name=op.f('uq_section_tender_id'))
    )
    with op.batch_alter_table('section', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_section_tender_id'), ['tender_id'], unique=False)

    op.create_table('tender_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], name=op.f('fk_tender_document_amendment_id_amendment')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['tender_document.id'], name=op.f('fk_tender_document_superseded_by_id_tender_document')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_tender_document_tender_id_tender'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['user_account.id'], name=op.f('fk_tender_document_uploaded_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_document'))
    )
    with op.batch_alter_table('tender_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_document_tender_id'), ['tender_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tender_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_document_tender_id'))

    op.drop_table('tender_document')
    with op.batch_alter_table('section', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_section_tender_id'))

    op.drop_table('section')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_tender_id'))

    op.drop_table('question')
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_tender_id'))

    op.drop_table('objection')
    with op.batch_alter_table('document_obtained', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_obtained_tender_id'))

    op.drop_table('document_obtained')
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendment_tender_id'))

    op.drop_table('amendment')
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_tenderee_org_id'))
        batch_op.drop_index(batch_op.f('ix_tender_status'))
        batch_op.drop_index(batch_op.f('ix_tender_region'))
        batch_op.drop_index(batch_op.f('ix_tender_published_at'))
        batch_op.drop_index(batch_op.f('ix_tender_category'))
        batch_op.drop_index(batch_op.f('ix_tender_bid_deadline'))
        batch_op.drop_index(batch_op.f('ix_tender_agent_org_id'))

    op.drop_table('tender')
    with op.batch_alter_table('user_role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_role_user_id'))

    op.drop_table('user_role')
    op.drop_table('tender_plan')
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entry_tender_id'))

    op.drop_table('ledger_entry')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_organisation_id'))

    op.drop_table('user_account')
    with op.batch_alter_table('organisation_certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_certificate_organisation_id'))

    op.drop_table('organisation_certificate')
    op.drop_table('sign_in_throttle')
    op.drop_table('organisation')
    op.drop_table('ledger_head')
