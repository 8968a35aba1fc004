"""award publicity complaints notices

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 16:33:33.257090
"""

from alembic import op
import sqlalchemy as sa
import core.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('award_pool_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenderee_org_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.String(length=100), server_default='', nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('principal', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='active', nullable=False),
    sa.Column('added_by', sa.Integer(), nullable=False),
    sa.Column('added_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by'], ['user_account.id'], name=op.f('fk_award_pool_member_added_by_user_account')),
    sa.ForeignKeyConstraint(['tenderee_org_id'], ['organisation.id'], name=op.f('fk_award_pool_member_tenderee_org_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_award_pool_member_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_pool_member')),
    sa.UniqueConstraint('tenderee_org_id', 'user_id', name=op.f('uq_award_pool_member_tenderee_org_id'))
    )
    with op.batch_alter_table('award_pool_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_pool_member_tenderee_org_id'), ['tenderee_org_id'], unique=False)

    op.create_table('award',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), server_default='1', nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('method', sa.String(length=20), server_default='', nullable=False),
    sa.Column('rule_set', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('candidates', sa.Text(), nullable=False),
    sa.Column('report_received_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('accepted_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('pool_snapshot', sa.Text(), nullable=True),
    sa.Column('pool_sha256', sa.String(length=64), nullable=True),
    sa.Column('seed_hex', sa.String(length=64), nullable=True),
    sa.Column('seed_commitment', sa.String(length=64), nullable=True),
    sa.Column('seed_revealed_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('drawn_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('lottery_seed_hex', sa.String(length=64), nullable=True),
    sa.Column('lottery_commitment', sa.String(length=64), nullable=True),
    sa.Column('lottery_drawn_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('vote_round', sa.Integer(), server_default='1', nullable=False),
    sa.Column('winner_bidder_id', sa.Integer(), nullable=True),
    sa.Column('winner_org_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('decided_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('record_id', sa.String(length=36), nullable=True),
    sa.Column('notified_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('void_reason', sa.Text(), server_default='', nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_award_created_by_user_account')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_award_evaluation_id_evaluation')),
    sa.ForeignKeyConstraint(['section_id'], ['section.id'], name=op.f('fk_award_section_id_section'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_award_tender_id_tender'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['winner_bidder_id'], ['evaluation_bidder.id'], name=op.f('fk_award_winner_bidder_id_evaluation_bidder')),
    sa.ForeignKeyConstraint(['winner_org_id'], ['organisation.id'], name=op.f('fk_award_winner_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award'))
    )
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_section_id'), ['section_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_tender_id'), ['tender_id'], unique=False)

    op.create_table('award_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('pool_member_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('chair', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('declared_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('conflict_note', sa.String(length=500), server_default='', nullable=False),
    sa.Column('opinion', sa.Text(), server_default='', nullable=False),
    sa.Column('opinion_bidder_id', sa.Integer(), nullable=True),
    sa.Column('opinion_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('signed_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_award_member_award_id_award'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pool_member_id'], ['award_pool_member.id'], name=op.f('fk_award_member_pool_member_id_award_pool_member')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_award_member_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_member')),
    sa.UniqueConstraint('award_id', 'pool_member_id', name=op.f('uq_award_member_award_id'))
    )
    with op.batch_alter_table('award_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_member_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_member_user_id'), ['user_id'], unique=False)

    op.create_table('award_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('bidder_org_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('issued_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('read_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_award_notice_award_id_award'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['bidder_org_id'], ['organisation.id'], name=op.f('fk_award_notice_bidder_org_id_organisation')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_award_notice_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_notice')),
    sa.UniqueConstraint('award_id', 'bidder_org_id', name=op.f('uq_award_notice_award_id'))
    )
    with op.batch_alter_table('award_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_notice_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_notice_bidder_org_id'), ['bidder_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_notice_tender_id'), ['tender_id'], unique=False)

    op.create_table('award_report_return',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('returned_by', sa.Integer(), nullable=False),
    sa.Column('returned_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('corrected', sa.Boolean(), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('answered_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by'], ['user_account.id'], name=op.f('fk_award_report_return_answered_by_user_account')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_award_report_return_award_id_award'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['returned_by'], ['user_account.id'], name=op.f('fk_award_report_return_returned_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_report_return'))
    )
    with op.batch_alter_table('award_report_return', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_report_return_award_id'), ['award_id'], unique=False)

    op.create_table('publicity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('starts_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('ends_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='running', nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_publicity_award_id_award'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by'], ['user_account.id'], name=op.f('fk_publicity_published_by_user_account')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_publicity_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publicity'))
    )
    with op.batch_alter_table('publicity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publicity_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_publicity_ends_at'), ['ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_publicity_tender_id'), ['tender_id'], unique=False)

    op.create_table('award_ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_award_ballot_award_id_award'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['bidder_id'], ['evaluation_bidder.id'], name=op.f('fk_award_ballot_bidder_id_evaluation_bidder')),
    sa.ForeignKeyConstraint(['member_id'], ['award_member.id'], name=op.f('fk_award_ballot_member_id_award_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_ballot')),
    sa.UniqueConstraint('award_id', 'round', 'member_id', name=op.f('uq_award_ballot_award_id'))
    )
    with op.batch_alter_table('award_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_ballot_award_id'), ['award_id'], unique=False)

    op.create_table('award_objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publicity_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('bidder_org_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('raised_by', sa.Integer(), nullable=False),
    sa.Column('raised_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('answer_due', core.db.UTCDateTime(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('answered_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by'], ['user_account.id'], name=op.f('fk_award_objection_answered_by_user_account')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_award_objection_award_id_award'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['bidder_org_id'], ['organisation.id'], name=op.f('fk_award_objection_bidder_org_id_organisation')),
    sa.ForeignKeyConstraint(['publicity_id'], ['publicity.id'], name=op.f('fk_award_objection_publicity_id_publicity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['raised_by'], ['user_account.id'], name=op.f('fk_award_objection_raised_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_objection'))
    )
    with op.batch_alter_table('award_objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_objection_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_objection_publicity_id'), ['publicity_id'], unique=False)

    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=True),
    sa.Column('objection_id', sa.Integer(), nullable=True),
    sa.Column('complainant_org_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('filed_by', sa.Integer(), nullable=False),
    sa.Column('filed_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('accept_due', core.db.UTCDateTime(), nullable=False),
    sa.Column('decide_due', core.db.UTCDateTime(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='filed', nullable=False),
    sa.Column('handled_by', sa.Integer(), nullable=True),
    sa.Column('accepted_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), server_default='', nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('decision', sa.Text(), server_default='', nullable=False),
    sa.Column('decided_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('record_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_complaint_award_id_award')),
    sa.ForeignKeyConstraint(['complainant_org_id'], ['organisation.id'], name=op.f('fk_complaint_complainant_org_id_organisation')),
    sa.ForeignKeyConstraint(['filed_by'], ['user_account.id'], name=op.f('fk_complaint_filed_by_user_account')),
    sa.ForeignKeyConstraint(['handled_by'], ['user_account.id'], name=op.f('fk_complaint_handled_by_user_account')),
    sa.ForeignKeyConstraint(['objection_id'], ['award_objection.id'], name=op.f('fk_complaint_objection_id_award_objection')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_complaint_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_tender_id'), ['tender_id'], unique=False)

    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('award_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_contract_award_id_award'), 'award', ['award_id'], ['id'])

    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.add_column(sa.Column('award_mode', sa.String(length=10), server_default='ranked', nullable=False))
        batch_op.add_column(sa.Column('award_method', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('award_committee_size', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('award_params', sa.Text(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('rule_set', sa.String(length=30), server_default='national', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.drop_column('rule_set')
        batch_op.drop_column('award_params')
        batch_op.drop_column('award_committee_size')
        batch_op.drop_column('award_method')
        batch_op.drop_column('award_mode')

    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contract_award_id_award'), type_='foreignkey')
        batch_op.drop_column('award_id')

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_tender_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_status'))

    op.drop_table('complaint')
    with op.batch_alter_table('award_objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_objection_publicity_id'))
        batch_op.drop_index(batch_op.f('ix_award_objection_award_id'))

    op.drop_table('award_objection')
    with op.batch_alter_table('award_ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_ballot_award_id'))

    op.drop_table('award_ballot')
    with op.batch_alter_table('publicity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publicity_tender_id'))
        batch_op.drop_index(batch_op.f('ix_publicity_ends_at'))
        batch_op.drop_index(batch_op.f('ix_publicity_award_id'))

    op.drop_table('publicity')
    with op.batch_alter_table('award_report_return', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_report_return_award_id'))

    op.drop_table('award_report_return')
    with op.batch_alter_table('award_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_notice_tender_id'))
        batch_op.drop_index(batch_op.f('ix_award_notice_bidder_org_id'))
        batch_op.drop_index(batch_op.f('ix_award_notice_award_id'))

    op.drop_table('award_notice')
    with op.batch_alter_table('award_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_member_user_id'))
        batch_op.drop_index(batch_op.f('ix_award_member_award_id'))

    op.drop_table('award_member')
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_tender_id'))
        batch_op.drop_index(batch_op.f('ix_award_status'))
        batch_op.drop_index(batch_op.f('ix_award_section_id'))
        batch_op.drop_index(batch_op.f('ix_award_evaluation_id'))

    op.drop_table('award')
    with op.batch_alter_table('award_pool_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_pool_member_tenderee_org_id'))

    op.drop_table('award_pool_member')
