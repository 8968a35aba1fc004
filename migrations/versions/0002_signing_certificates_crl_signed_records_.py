"""signing: certificates, CRL, signed records, ledger checkpoints

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 11:48:38.371983
"""

from alembic import op
import sqlalchemy as sa
import core.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('chain_head', sa.String(length=64), nullable=False),
    sa.Column('merkle_root', sa.String(length=64), nullable=False),
    sa.Column('at', core.db.UTCDateTime(), nullable=False),
    sa.Column('tree_head', sa.String(length=500), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_checkpoint'))
    )
    with op.batch_alter_table('ledger_checkpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_checkpoint_seq'), ['seq'], unique=False)

    op.create_table('pki_crl',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('der', sa.LargeBinary(), nullable=True),
    sa.Column('issued_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pki_crl'))
    )
    op.create_table('signed_record',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('signatures', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signed_record'))
    )
    with op.batch_alter_table('signed_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signed_record_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_signed_record_tender_id'), ['tender_id'], unique=False)

    op.create_table('pki_certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=40), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('der', sa.LargeBinary(), nullable=False),
    sa.Column('sealed_key', sa.LargeBinary(), nullable=True),
    sa.Column('not_before', core.db.UTCDateTime(), nullable=False),
    sa.Column('not_after', core.db.UTCDateTime(), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('revoked_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('revocation_reason', sa.String(length=40), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_pki_certificate_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pki_certificate')),
    sa.UniqueConstraint('serial', name=op.f('uq_pki_certificate_serial'))
    )
    with op.batch_alter_table('pki_certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pki_certificate_purpose'), ['purpose'], unique=False)
        batch_op.create_index(batch_op.f('ix_pki_certificate_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('pki_certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pki_certificate_user_id'))
        batch_op.drop_index(batch_op.f('ix_pki_certificate_purpose'))

    op.drop_table('pki_certificate')
    with op.batch_alter_table('signed_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signed_record_tender_id'))
        batch_op.drop_index(batch_op.f('ix_signed_record_kind'))

    op.drop_table('signed_record')
    op.drop_table('pki_crl')
    with op.batch_alter_table('ledger_checkpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_checkpoint_seq'))

    op.drop_table('ledger_checkpoint')
