"""sealed bids: encryption keys, escrow holders, bids and their history, section status

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 12:07:06.972331
"""

from alembic import op
import sqlalchemy as sa
import core.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('encryption_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('public_raw', sa.LargeBinary(), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_encryption_key_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_encryption_key')),
    sa.UniqueConstraint('key_id', name=op.f('uq_encryption_key_key_id'))
    )
    with op.batch_alter_table('encryption_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_encryption_key_user_id'), ['user_id'], unique=False)

    op.create_table('escrow_holder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('public_raw', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_escrow_holder_tender_id_tender'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_escrow_holder_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escrow_holder')),
    sa.UniqueConstraint('tender_id', 'user_id', name=op.f('uq_escrow_holder_tender_id'))
    )
    with op.batch_alter_table('escrow_holder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escrow_holder_tender_id'), ['tender_id'], unique=False)

    op.create_table('bid',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('bidder_org_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('envelope_sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('submitted_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('receipt_record_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['bidder_org_id'], ['organisation.id'], name=op.f('fk_bid_bidder_org_id_organisation')),
    sa.ForeignKeyConstraint(['section_id'], ['section.id'], name=op.f('fk_bid_section_id_section'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_bid_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid')),
    sa.UniqueConstraint('section_id', 'bidder_org_id', name=op.f('uq_bid_section_id'))
    )
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_section_id'), ['section_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bid_tender_id'), ['tender_id'], unique=False)

    op.create_table('bid_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('envelope_sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('at', core.db.UTCDateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('source_ip', sa.String(length=64), nullable=False),
    sa.Column('client_fingerprint', sa.String(length=200), nullable=False),
    sa.Column('bidder_signature', sa.LargeBinary(), nullable=True),
    sa.Column('receipt_record_id', sa.String(length=36), nullable=True),
    sa.Column('ledger_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_bid_submission_bid_id_bid'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_bid_submission_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid_submission'))
    )
    with op.batch_alter_table('bid_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_submission_bid_id'), ['bid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bid_submission_envelope_sha256'), ['envelope_sha256'], unique=False)

    with op.batch_alter_table('section', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=False, server_default='open'))

    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escrow_k', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.drop_column('escrow_k')

    with op.batch_alter_table('section', schema=None) as batch_op:
        batch_op.drop_column('status')

    with op.batch_alter_table('bid_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_submission_envelope_sha256'))
        batch_op.drop_index(batch_op.f('ix_bid_submission_bid_id'))

    op.drop_table('bid_submission')
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_tender_id'))
        batch_op.drop_index(batch_op.f('ix_bid_section_id'))

    op.drop_table('bid')
    with op.batch_alter_table('escrow_holder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escrow_holder_tender_id'))

    op.drop_table('escrow_holder')
    with op.batch_alter_table('encryption_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_encryption_key_user_id'))

    op.drop_table('encryption_key')
