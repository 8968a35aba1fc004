"""bonds guarantees bank payments contracts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 13:30:38.367784
"""

from alembic import op
import sqlalchemy as sa
import core.db


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('basic_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('bank_name', sa.String(length=100), nullable=False),
    sa.Column('account_no', sa.String(length=40), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_basic_account_org_id_organisation')),
    sa.ForeignKeyConstraint(['updated_by'], ['user_account.id'], name=op.f('fk_basic_account_updated_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_basic_account')),
    sa.UniqueConstraint('org_id', name=op.f('uq_basic_account_org_id'))
    )
    with op.batch_alter_table('basic_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_basic_account_account_no'), ['account_no'], unique=False)

    op.create_table('guarantee_issuer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('certificate_pem', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('api_url', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('revoked_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('revoke_reason', sa.String(length=500), nullable=False),
    sa.Column('registered_by', sa.Integer(), nullable=False),
    sa.Column('registered_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['registered_by'], ['user_account.id'], name=op.f('fk_guarantee_issuer_registered_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guarantee_issuer')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_guarantee_issuer_credit_code')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_guarantee_issuer_fingerprint'))
    )
    op.create_table('rigging_signal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('org_ids', sa.String(length=500), nullable=False),
    sa.Column('detected_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_rigging_signal_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rigging_signal')),
    sa.UniqueConstraint('tender_id', 'kind', 'key', name=op.f('uq_rigging_signal_tender_id'))
    )
    with op.batch_alter_table('rigging_signal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rigging_signal_tender_id'), ['tender_id'], unique=False)

    op.create_table('bond',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('bidder_org_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.String(length=30), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('provided_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('provided_by', sa.Integer(), nullable=False),
    sa.Column('virtual_account', sa.String(length=40), nullable=True),
    sa.Column('paid_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('paid_amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('payer_account', sa.String(length=40), nullable=True),
    sa.Column('guarantee_number', sa.String(length=64), nullable=True),
    sa.Column('issuer_id', sa.Integer(), nullable=True),
    sa.Column('valid_until', core.db.UTCDateTime(), nullable=True),
    sa.Column('document_sha256', sa.String(length=64), nullable=True),
    sa.Column('record_id', sa.String(length=36), nullable=True),
    sa.Column('release_due_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('released_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('interest', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('release_reference', sa.String(length=100), nullable=False),
    sa.Column('release_note', sa.String(length=500), nullable=False),
    sa.Column('reminded_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('overdue_since', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['bidder_org_id'], ['organisation.id'], name=op.f('fk_bond_bidder_org_id_organisation')),
    sa.ForeignKeyConstraint(['issuer_id'], ['guarantee_issuer.id'], name=op.f('fk_bond_issuer_id_guarantee_issuer')),
    sa.ForeignKeyConstraint(['provided_by'], ['user_account.id'], name=op.f('fk_bond_provided_by_user_account')),
    sa.ForeignKeyConstraint(['section_id'], ['section.id'], name=op.f('fk_bond_section_id_section'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_bond_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bond')),
    sa.UniqueConstraint('guarantee_number', name=op.f('uq_bond_guarantee_number')),
    sa.UniqueConstraint('section_id', 'bidder_org_id', name=op.f('uq_bond_section_id')),
    sa.UniqueConstraint('virtual_account', name=op.f('uq_bond_virtual_account'))
    )
    with op.batch_alter_table('bond', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bond_bidder_org_id'), ['bidder_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bond_release_due_at'), ['release_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bond_section_id'), ['section_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bond_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_bond_tender_id'), ['tender_id'], unique=False)

    op.create_table('contract',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('winner_org_id', sa.Integer(), nullable=False),
    sa.Column('price', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('signed_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('performance_bond', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['user_account.id'], name=op.f('fk_contract_recorded_by_user_account')),
    sa.ForeignKeyConstraint(['section_id'], ['section.id'], name=op.f('fk_contract_section_id_section'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_contract_tender_id_tender'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['winner_org_id'], ['organisation.id'], name=op.f('fk_contract_winner_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract')),
    sa.UniqueConstraint('section_id', name=op.f('uq_contract_section_id'))
    )
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_tender_id'), ['tender_id'], unique=False)

    op.create_table('bond_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_serial', sa.String(length=64), nullable=False),
    sa.Column('received_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('payer_name', sa.String(length=200), nullable=False),
    sa.Column('payer_account', sa.String(length=40), nullable=False),
    sa.Column('payer_bank', sa.String(length=100), nullable=False),
    sa.Column('virtual_account', sa.String(length=40), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('bond_id', sa.Integer(), nullable=True),
    sa.Column('tender_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('imported_by', sa.Integer(), nullable=True),
    sa.Column('imported_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bond_id'], ['bond.id'], name=op.f('fk_bond_payment_bond_id_bond'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['imported_by'], ['user_account.id'], name=op.f('fk_bond_payment_imported_by_user_account')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_bond_payment_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bond_payment')),
    sa.UniqueConstraint('bank_serial', name=op.f('uq_bond_payment_bank_serial'))
    )
    with op.batch_alter_table('bond_payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bond_payment_bond_id'), ['bond_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bond_payment_payer_account'), ['payer_account'], unique=False)
        batch_op.create_index(batch_op.f('ix_bond_payment_tender_id'), ['tender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bond_payment_virtual_account'), ['virtual_account'], unique=False)

    with op.batch_alter_table('section', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bond_policy', sa.String(length=30), nullable=False, server_default='required'))
        batch_op.add_column(sa.Column('bond_forms', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('bond_waiver_basis', sa.Text(), nullable=False, server_default=''))
    # A section that waived its bond before this revision did so without a stated basis.
    op.execute("UPDATE section SET bond_policy = 'waived', bond_waiver_basis = '（本版本之前免收，未记载依据）' "
               "WHERE bond_waived")
    op.execute("UPDATE section SET bond_forms = 'cash,bank_guarantee,insurance_guarantee,guarantor_guarantee' "
               "WHERE NOT bond_waived")
    with op.batch_alter_table('section', schema=None) as batch_op:
        batch_op.drop_column('bond_waived')



def downgrade() -> None:
    with op.batch_alter_table('section', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bond_waived', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE section SET bond_waived = (bond_policy <> 'required')")
    with op.batch_alter_table('section', schema=None) as batch_op:
        batch_op.drop_column('bond_waiver_basis')
        batch_op.drop_column('bond_forms')
        batch_op.drop_column('bond_policy')

    with op.batch_alter_table('bond_payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bond_payment_virtual_account'))
        batch_op.drop_index(batch_op.f('ix_bond_payment_tender_id'))
        batch_op.drop_index(batch_op.f('ix_bond_payment_payer_account'))
        batch_op.drop_index(batch_op.f('ix_bond_payment_bond_id'))

    op.drop_table('bond_payment')
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_tender_id'))

    op.drop_table('contract')
    with op.batch_alter_table('bond', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bond_tender_id'))
        batch_op.drop_index(batch_op.f('ix_bond_status'))
        batch_op.drop_index(batch_op.f('ix_bond_section_id'))
        batch_op.drop_index(batch_op.f('ix_bond_release_due_at'))
        batch_op.drop_index(batch_op.f('ix_bond_bidder_org_id'))

    op.drop_table('bond')
    with op.batch_alter_table('rigging_signal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rigging_signal_tender_id'))

    op.drop_table('rigging_signal')
    op.drop_table('guarantee_issuer')
    with op.batch_alter_table('basic_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_basic_account_account_no'))

    op.drop_table('basic_account')
