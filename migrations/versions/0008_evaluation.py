"""evaluation

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 14:23:36.314359
"""

from alembic import op
import sqlalchemy as sa
import core.db


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('config', sa.Text(), nullable=False),
    sa.Column('representatives', sa.Integer(), server_default='0', nullable=False),
    sa.Column('chair_member_id', sa.Integer(), nullable=True),
    sa.Column('election_round', sa.Integer(), server_default='1', nullable=False),
    sa.Column('election_note', sa.String(length=500), server_default='', nullable=False),
    sa.Column('review_closed_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('scoring_closed_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('price_inputs', sa.Text(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('report_record_id', sa.String(length=36), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('closed_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_evaluation_created_by_user_account')),
    sa.ForeignKeyConstraint(['draw_id'], ['expert_draw.id'], name=op.f('fk_evaluation_draw_id_expert_draw')),
    sa.ForeignKeyConstraint(['section_id'], ['section.id'], name=op.f('fk_evaluation_section_id_section')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_evaluation_tender_id_tender')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation')),
    sa.UniqueConstraint('section_id', name=op.f('uq_evaluation_section_id'))
    )
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_draw_id'), ['draw_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_tender_id'), ['tender_id'], unique=False)

    op.create_table('evaluation_bidder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('bidder_org_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('price', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('status', sa.String(length=15), server_default='valid', nullable=False),
    sa.Column('grounds', sa.Text(), server_default='', nullable=False),
    sa.Column('rejected_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('low_price', sa.String(length=15), server_default='', nullable=False),
    sa.Column('low_price_reason', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_evaluation_bidder_bid_id_bid')),
    sa.ForeignKeyConstraint(['bidder_org_id'], ['organisation.id'], name=op.f('fk_evaluation_bidder_bidder_org_id_organisation')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_bidder_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_bidder')),
    sa.UniqueConstraint('evaluation_id', 'bid_id', name=op.f('uq_evaluation_bidder_evaluation_id'))
    )
    with op.batch_alter_table('evaluation_bidder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_bidder_bidder_org_id'), ['bidder_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_bidder_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('evaluation_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('group_name', sa.String(length=100), server_default='', nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('max_points', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('basis', sa.String(length=500), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_criterion_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_criterion'))
    )
    with op.batch_alter_table('evaluation_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_criterion_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('expert_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('rater_role', sa.String(length=15), nullable=False),
    sa.Column('rater_user_id', sa.Integer(), nullable=False),
    sa.Column('timeliness', sa.Integer(), nullable=False),
    sa.Column('competence', sa.Integer(), nullable=False),
    sa.Column('fairness', sa.Integer(), nullable=False),
    sa.Column('discipline', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=1000), server_default='', nullable=False),
    sa.Column('credit_delta', sa.Integer(), server_default='0', nullable=False),
    sa.Column('at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_expert_rating_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_expert_rating_expert_id_expert')),
    sa.ForeignKeyConstraint(['rater_user_id'], ['user_account.id'], name=op.f('fk_expert_rating_rater_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_rating')),
    sa.UniqueConstraint('evaluation_id', 'expert_id', 'rater_role', name=op.f('uq_expert_rating_evaluation_id'))
    )
    with op.batch_alter_table('expert_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_rating_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_rating_expert_id'), ['expert_id'], unique=False)

    op.create_table('evaluation_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=15), nullable=False),
    sa.Column('pick_id', sa.Integer(), nullable=True),
    sa.Column('expert_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('venue', sa.String(length=10), server_default='main', nullable=False),
    sa.Column('venue_place', sa.String(length=300), server_default='', nullable=False),
    sa.Column('status', sa.String(length=15), server_default='seated', nullable=False),
    sa.Column('replaces_member_id', sa.Integer(), nullable=True),
    sa.Column('signed_in_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('sign_in_venue', sa.String(length=200), server_default='', nullable=False),
    sa.Column('last_seen_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('last_seen_venue', sa.String(length=200), server_default='', nullable=False),
    sa.Column('declaration', sa.String(length=15), nullable=True),
    sa.Column('conflict_bidder_id', sa.Integer(), nullable=True),
    sa.Column('declaration_note', sa.String(length=500), server_default='', nullable=False),
    sa.Column('declared_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('vote_member_id', sa.Integer(), nullable=True),
    sa.Column('vote_round', sa.Integer(), nullable=True),
    sa.Column('voted_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('scores_submitted_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('dissent', sa.Text(), server_default='', nullable=False),
    sa.Column('report_signed_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('refused_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('refusal_note', sa.String(length=500), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_member_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_evaluation_member_expert_id_expert')),
    sa.ForeignKeyConstraint(['pick_id'], ['expert_draw_pick.id'], name=op.f('fk_evaluation_member_pick_id_expert_draw_pick')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_evaluation_member_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_member')),
    sa.UniqueConstraint('evaluation_id', 'user_id', name=op.f('uq_evaluation_member_evaluation_id'))
    )
    with op.batch_alter_table('evaluation_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_member_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_member_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_member_user_id'), ['user_id'], unique=False)

    op.create_table('evaluation_clarification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=15), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('asked_by_member_id', sa.Integer(), nullable=True),
    sa.Column('asked_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('deadline', core.db.UTCDateTime(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('answered_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by'], ['user_account.id'], name=op.f('fk_evaluation_clarification_answered_by_user_account')),
    sa.ForeignKeyConstraint(['asked_by_member_id'], ['evaluation_member.id'], name=op.f('fk_evaluation_clarification_asked_by_member_id_evaluation_member')),
    sa.ForeignKeyConstraint(['bidder_id'], ['evaluation_bidder.id'], name=op.f('fk_evaluation_clarification_bidder_id_evaluation_bidder'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_clarification_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_clarification'))
    )
    with op.batch_alter_table('evaluation_clarification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_clarification_bidder_id'), ['bidder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_clarification_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('evaluation_deviation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('total', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('mean', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('deviation_pct', sa.Numeric(precision=9, scale=2), nullable=False),
    sa.Column('explanation', sa.Text(), server_default='', nullable=False),
    sa.Column('explained_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['bidder_id'], ['evaluation_bidder.id'], name=op.f('fk_evaluation_deviation_bidder_id_evaluation_bidder'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_deviation_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['evaluation_member.id'], name=op.f('fk_evaluation_deviation_member_id_evaluation_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_deviation')),
    sa.UniqueConstraint('member_id', 'bidder_id', name=op.f('uq_evaluation_deviation_member_id'))
    )
    with op.batch_alter_table('evaluation_deviation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_deviation_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_deviation_member_id'), ['member_id'], unique=False)

    op.create_table('evaluation_price_adjustment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bidder_id'], ['evaluation_bidder.id'], name=op.f('fk_evaluation_price_adjustment_bidder_id_evaluation_bidder'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_price_adjustment_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['evaluation_member.id'], name=op.f('fk_evaluation_price_adjustment_member_id_evaluation_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_price_adjustment'))
    )
    with op.batch_alter_table('evaluation_price_adjustment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_price_adjustment_bidder_id'), ['bidder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_price_adjustment_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('evaluation_review_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=500), server_default='', nullable=False),
    sa.Column('automatic', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bidder_id'], ['evaluation_bidder.id'], name=op.f('fk_evaluation_review_mark_bidder_id_evaluation_bidder'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['evaluation_criterion.id'], name=op.f('fk_evaluation_review_mark_criterion_id_evaluation_criterion'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_review_mark_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['evaluation_member.id'], name=op.f('fk_evaluation_review_mark_member_id_evaluation_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_review_mark')),
    sa.UniqueConstraint('member_id', 'criterion_id', 'bidder_id', name=op.f('uq_evaluation_review_mark_member_id'))
    )
    with op.batch_alter_table('evaluation_review_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_review_mark_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_review_mark_member_id'), ['member_id'], unique=False)

    op.create_table('evaluation_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bidder_id'], ['evaluation_bidder.id'], name=op.f('fk_evaluation_score_bidder_id_evaluation_bidder'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['evaluation_criterion.id'], name=op.f('fk_evaluation_score_criterion_id_evaluation_criterion'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_score_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['evaluation_member.id'], name=op.f('fk_evaluation_score_member_id_evaluation_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_score')),
    sa.UniqueConstraint('member_id', 'criterion_id', 'bidder_id', name=op.f('uq_evaluation_score_member_id'))
    )
    with op.batch_alter_table('evaluation_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_score_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_score_member_id'), ['member_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('evaluation_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_score_member_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_score_evaluation_id'))

    op.drop_table('evaluation_score')
    with op.batch_alter_table('evaluation_review_mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_review_mark_member_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_review_mark_evaluation_id'))

    op.drop_table('evaluation_review_mark')
    with op.batch_alter_table('evaluation_price_adjustment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_price_adjustment_evaluation_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_price_adjustment_bidder_id'))

    op.drop_table('evaluation_price_adjustment')
    with op.batch_alter_table('evaluation_deviation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_deviation_member_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_deviation_evaluation_id'))

    op.drop_table('evaluation_deviation')
    with op.batch_alter_table('evaluation_clarification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_clarification_evaluation_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_clarification_bidder_id'))

    op.drop_table('evaluation_clarification')
    with op.batch_alter_table('evaluation_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_member_user_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_member_expert_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_member_evaluation_id'))

    op.drop_table('evaluation_member')
    with op.batch_alter_table('expert_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_rating_expert_id'))
        batch_op.drop_index(batch_op.f('ix_expert_rating_evaluation_id'))

    op.drop_table('expert_rating')
    with op.batch_alter_table('evaluation_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_criterion_evaluation_id'))

    op.drop_table('evaluation_criterion')
    with op.batch_alter_table('evaluation_bidder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_bidder_evaluation_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_bidder_bidder_org_id'))

    op.drop_table('evaluation_bidder')
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_tender_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_status'))
        batch_op.drop_index(batch_op.f('ix_evaluation_draw_id'))

    op.drop_table('evaluation')
