"""expert pool and draws

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 13:54:28.805574
"""

from alembic import op
import sqlalchemy as sa
import core.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.String(length=500), server_default='', nullable=False),
    sa.Column('ref_type', sa.String(length=40), server_default='', nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('sent_at', core.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_ref_id'), ['ref_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_status'), ['status'], unique=False)

    op.create_table('expert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=200), server_default='', nullable=False),
    sa.Column('employer_name', sa.String(length=200), nullable=False),
    sa.Column('employer_credit_code', sa.String(length=18), nullable=True),
    sa.Column('employer_org_id', sa.Integer(), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=50), nullable=False),
    sa.Column('years_of_practice', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='active', nullable=False),
    sa.Column('status_note', sa.String(length=500), server_default='', nullable=False),
    sa.Column('credit_score', sa.Integer(), server_default='100', nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['employer_org_id'], ['organisation.id'], name=op.f('fk_expert_employer_org_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_expert_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert')),
    sa.UniqueConstraint('id_number', name=op.f('uq_expert_id_number')),
    sa.UniqueConstraint('user_id', name=op.f('uq_expert_user_id'))
    )
    with op.batch_alter_table('expert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_employer_credit_code'), ['employer_credit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_employer_org_id'), ['employer_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_status'), ['status'], unique=False)

    op.create_table('expert_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('org_credit_code', sa.String(length=18), nullable=True),
    sa.Column('org_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=500), server_default='', nullable=False),
    sa.Column('declared_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('withdrawn_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_expert_conflict_expert_id_expert'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_conflict'))
    )
    with op.batch_alter_table('expert_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_conflict_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_conflict_org_credit_code'), ['org_credit_code'], unique=False)

    op.create_table('expert_specialty',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_expert_specialty_expert_id_expert'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_specialty')),
    sa.UniqueConstraint('expert_id', 'code', name=op.f('uq_expert_specialty_expert_id'))
    )
    with op.batch_alter_table('expert_specialty', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_specialty_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_specialty_expert_id'), ['expert_id'], unique=False)

    op.create_table('expert_unavailable',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), server_default='', nullable=False),
    sa.Column('declared_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_expert_unavailable_expert_id_expert'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_unavailable')),
    sa.UniqueConstraint('expert_id', 'day', name=op.f('uq_expert_unavailable_expert_id'))
    )
    with op.batch_alter_table('expert_unavailable', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_unavailable_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_unavailable_expert_id'), ['expert_id'], unique=False)

    op.create_table('expert_draw',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('tender_code', sa.String(length=60), nullable=False),
    sa.Column('tender_title', sa.String(length=200), nullable=False),
    sa.Column('section_label', sa.String(length=200), nullable=False),
    sa.Column('tenderee_org_id', sa.Integer(), nullable=False),
    sa.Column('agent_org_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('requested_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('evaluation_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('representatives', sa.Integer(), nullable=False),
    sa.Column('answer_minutes', sa.Integer(), nullable=False),
    sa.Column('channels', sa.String(length=40), nullable=False),
    sa.Column('recent_days', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('short_group', sa.Integer(), nullable=True),
    sa.Column('snapshot', sa.Text(), nullable=False),
    sa.Column('snapshot_sha256', sa.String(length=64), nullable=False),
    sa.Column('seed_hex', sa.String(length=64), nullable=False),
    sa.Column('seed_commitment', sa.String(length=64), nullable=False),
    sa.Column('seed_revealed_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('evaluation_ended_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('record_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['agent_org_id'], ['organisation.id'], name=op.f('fk_expert_draw_agent_org_id_organisation')),
    sa.ForeignKeyConstraint(['requested_by'], ['user_account.id'], name=op.f('fk_expert_draw_requested_by_user_account')),
    sa.ForeignKeyConstraint(['section_id'], ['section.id'], name=op.f('fk_expert_draw_section_id_section')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_expert_draw_tender_id_tender')),
    sa.ForeignKeyConstraint(['tenderee_org_id'], ['organisation.id'], name=op.f('fk_expert_draw_tenderee_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_draw'))
    )
    with op.batch_alter_table('expert_draw', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_draw_requested_at'), ['requested_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_draw_section_id'), ['section_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_draw_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_draw_tender_id'), ['tender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_draw_tenderee_org_id'), ['tenderee_org_id'], unique=False)

    op.create_table('expert_draw_exclusion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['draw_id'], ['expert_draw.id'], name=op.f('fk_expert_draw_exclusion_draw_id_expert_draw'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_draw_exclusion'))
    )
    with op.batch_alter_table('expert_draw_exclusion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_draw_exclusion_draw_id'), ['draw_id'], unique=False)

    op.create_table('expert_draw_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('specialty_code', sa.String(length=10), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('venue', sa.String(length=10), nullable=False),
    sa.Column('venue_place', sa.String(length=300), server_default='', nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('backups', sa.Integer(), nullable=False),
    sa.Column('matching', sa.Integer(), nullable=False),
    sa.Column('pool_size', sa.Integer(), nullable=False),
    sa.Column('exclusions', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['draw_id'], ['expert_draw.id'], name=op.f('fk_expert_draw_group_draw_id_expert_draw'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_draw_group')),
    sa.UniqueConstraint('draw_id', 'number', name=op.f('uq_expert_draw_group_draw_id'))
    )
    with op.batch_alter_table('expert_draw_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_draw_group_draw_id'), ['draw_id'], unique=False)

    op.create_table('expert_draw_pick',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('notified_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('answer_due_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('answered_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('note', sa.String(length=500), server_default='', nullable=False),
    sa.Column('replaces_pick_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['draw_id'], ['expert_draw.id'], name=op.f('fk_expert_draw_pick_draw_id_expert_draw'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_expert_draw_pick_expert_id_expert')),
    sa.ForeignKeyConstraint(['group_id'], ['expert_draw_group.id'], name=op.f('fk_expert_draw_pick_group_id_expert_draw_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['replaces_pick_id'], ['expert_draw_pick.id'], name=op.f('fk_expert_draw_pick_replaces_pick_id_expert_draw_pick')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_draw_pick')),
    sa.UniqueConstraint('draw_id', 'expert_id', name=op.f('uq_expert_draw_pick_draw_id'))
    )
    with op.batch_alter_table('expert_draw_pick', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_draw_pick_answer_due_at'), ['answer_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_draw_pick_draw_id'), ['draw_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_draw_pick_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_draw_pick_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_draw_pick_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('expert_draw_pick', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_draw_pick_status'))
        batch_op.drop_index(batch_op.f('ix_expert_draw_pick_group_id'))
        batch_op.drop_index(batch_op.f('ix_expert_draw_pick_expert_id'))
        batch_op.drop_index(batch_op.f('ix_expert_draw_pick_draw_id'))
        batch_op.drop_index(batch_op.f('ix_expert_draw_pick_answer_due_at'))

    op.drop_table('expert_draw_pick')
    with op.batch_alter_table('expert_draw_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_draw_group_draw_id'))

    op.drop_table('expert_draw_group')
    with op.batch_alter_table('expert_draw_exclusion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_draw_exclusion_draw_id'))

    op.drop_table('expert_draw_exclusion')
    with op.batch_alter_table('expert_draw', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_draw_tenderee_org_id'))
        batch_op.drop_index(batch_op.f('ix_expert_draw_tender_id'))
        batch_op.drop_index(batch_op.f('ix_expert_draw_status'))
        batch_op.drop_index(batch_op.f('ix_expert_draw_section_id'))
        batch_op.drop_index(batch_op.f('ix_expert_draw_requested_at'))

    op.drop_table('expert_draw')
    with op.batch_alter_table('expert_unavailable', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_unavailable_expert_id'))
        batch_op.drop_index(batch_op.f('ix_expert_unavailable_day'))

    op.drop_table('expert_unavailable')
    with op.batch_alter_table('expert_specialty', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_specialty_expert_id'))
        batch_op.drop_index(batch_op.f('ix_expert_specialty_code'))

    op.drop_table('expert_specialty')
    with op.batch_alter_table('expert_conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_conflict_org_credit_code'))
        batch_op.drop_index(batch_op.f('ix_expert_conflict_expert_id'))

    op.drop_table('expert_conflict')
    with op.batch_alter_table('expert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_status'))
        batch_op.drop_index(batch_op.f('ix_expert_region'))
        batch_op.drop_index(batch_op.f('ix_expert_name'))
        batch_op.drop_index(batch_op.f('ix_expert_employer_org_id'))
        batch_op.drop_index(batch_op.f('ix_expert_employer_credit_code'))

    op.drop_table('expert')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_status'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_ref_id'))

    op.drop_table('outbox_message')
