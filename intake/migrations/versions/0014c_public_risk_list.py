"""public risk list: an organisation's determination and public flag, objections, daily counts (issue 18)

Revision ID: 0014c
Revises: 0013l
Create Date: 2026-12-07 17:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0014c'
down_revision = '0013l'
branch_labels = None
depends_on = None

_COLUMNS = (
    ('credit_code', sa.String(length=18)),
    ('determination_unit', sa.String(length=200)),
    ('determination_ref', sa.String(length=100)),
    ('determination_date', sa.Date()),
    ('determination_expires', sa.Date()),
    ('public_phone_key', sa.String(length=40)),
    ('public_website', sa.String(length=200)),
    ('public_website_key', sa.String(length=200)),
    ('published_by', sa.String(length=60)),
    ('published_at', sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table('organisations') as batch_op:
        batch_op.add_column(sa.Column('public', sa.Boolean(), server_default=sa.false(), nullable=False))
        for name, kind in _COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
        batch_op.create_index(batch_op.f('ix_organisations_public_phone_key'), ['public_phone_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisations_public_website_key'), ['public_website_key'], unique=False)
    op.create_table(
        'risk_objections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('contact_sealed', sa.LargeBinary(), nullable=True),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('outcome', sa.String(length=10), nullable=True),
        sa.Column('answered_by', sa.String(length=60), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_risk_objections_organisation_id_organisations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_objections')),
    )
    with op.batch_alter_table('risk_objections') as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_objections_organisation_id'), ['organisation_id'], unique=False)
    op.create_table(
        'daily_counts',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'name', name=op.f('pk_daily_counts')),
    )


def downgrade() -> None:
    op.drop_table('daily_counts')
    with op.batch_alter_table('risk_objections') as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_objections_organisation_id'))
    op.drop_table('risk_objections')
    with op.batch_alter_table('organisations') as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisations_public_website_key'))
        batch_op.drop_index(batch_op.f('ix_organisations_public_phone_key'))
        for name, _kind in reversed(_COLUMNS):
            batch_op.drop_column(name)
        batch_op.drop_column('public')
