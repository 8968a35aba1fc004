"""resumable bid uploads

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 12:34:41.508353
"""

from alembic import op
import sqlalchemy as sa
import core.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bid_upload',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('section_number', sa.Integer(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_bid_upload_bid_id_bid'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_bid_upload_tender_id_tender'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_bid_upload_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid_upload'))
    )
    with op.batch_alter_table('bid_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_upload_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bid_upload_tender_id'), ['tender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bid_upload_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('bid_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_upload_user_id'))
        batch_op.drop_index(batch_op.f('ix_bid_upload_tender_id'))
        batch_op.drop_index(batch_op.f('ix_bid_upload_expires_at'))

    op.drop_table('bid_upload')
