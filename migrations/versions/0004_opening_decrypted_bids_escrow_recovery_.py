"""opening: decrypted bids, escrow recovery, opening objections

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 12:13:02.035750
"""

from alembic import op
import sqlalchemy as sa
import core.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('opening_objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('bidder_org_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('raised_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by'], ['user_account.id'], name=op.f('fk_opening_objection_answered_by_user_account')),
    sa.ForeignKeyConstraint(['bidder_org_id'], ['organisation.id'], name=op.f('fk_opening_objection_bidder_org_id_organisation')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_opening_objection_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_objection'))
    )
    with op.batch_alter_table('opening_objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_objection_tender_id'), ['tender_id'], unique=False)

    op.create_table('bid_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('metadata_json', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_bid_file_bid_id_bid'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid_file'))
    )
    with op.batch_alter_table('bid_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_file_bid_id'), ['bid_id'], unique=False)

    op.create_table('escrow_recovery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=False),
    sa.Column('requested_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('holders', sa.String(length=1000), nullable=False),
    sa.Column('peeled', sa.Integer(), nullable=False),
    sa.Column('layer', sa.LargeBinary(), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('approved_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('completed_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by'], ['user_account.id'], name=op.f('fk_escrow_recovery_approved_by_user_account')),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_escrow_recovery_bid_id_bid'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['user_account.id'], name=op.f('fk_escrow_recovery_requested_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escrow_recovery')),
    sa.UniqueConstraint('bid_id', name=op.f('uq_escrow_recovery_bid_id'))
    )
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decrypted_at', core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('decrypted_via', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('bid_form', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('failure_fault', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('failure_note', sa.Text(), nullable=True))
        batch_op.alter_column('status',
               existing_type=sa.VARCHAR(length=20),
               type_=sa.String(length=24),
               existing_nullable=False)

    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('decryption_deadline', core.db.UTCDateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.drop_column('decryption_deadline')
        batch_op.drop_column('opened_at')

    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.alter_column('status',
               existing_type=sa.String(length=24),
               type_=sa.VARCHAR(length=20),
               existing_nullable=False)
        batch_op.drop_column('failure_note')
        batch_op.drop_column('failure_fault')
        batch_op.drop_column('bid_form')
        batch_op.drop_column('decrypted_via')
        batch_op.drop_column('decrypted_at')

    op.drop_table('escrow_recovery')
    with op.batch_alter_table('bid_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_file_bid_id'))

    op.drop_table('bid_file')
    with op.batch_alter_table('opening_objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opening_objection_tender_id'))

    op.drop_table('opening_objection')
