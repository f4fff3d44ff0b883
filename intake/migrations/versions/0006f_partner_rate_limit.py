"""partners: a rate limit of their own (reports per hour), for a large partner or a benchmark

Revision ID: 0006f
Revises: 0005
Create Date: 2026-11-27 11:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006f'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('partners') as batch_op:
        batch_op.add_column(sa.Column('reports_per_hour', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('partners') as batch_op:
        batch_op.drop_column('reports_per_hour')
