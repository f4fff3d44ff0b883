"""a warning's link to an organisation, and its views per day (the campaign's prevention figures)

Revision ID: 0016f
Revises: 0015w
Create Date: 2026-12-07 20:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0016f'
down_revision = '0015w'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('warnings') as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_warnings_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_warnings_organisation_id_organisations'), 'organisations',
                                    ['organisation_id'], ['id'], ondelete='SET NULL')
    op.create_table(
        'warning_views',
        sa.Column('warning_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['warning_id'], ['warnings.id'], name=op.f('fk_warning_views_warning_id_warnings'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('warning_id', 'day', name=op.f('pk_warning_views')),
    )


def downgrade() -> None:
    op.drop_table('warning_views')
    with op.batch_alter_table('warnings') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_warnings_organisation_id_organisations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_warnings_organisation_id'))
        batch_op.drop_column('organisation_id')
