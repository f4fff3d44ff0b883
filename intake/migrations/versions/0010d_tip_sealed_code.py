"""tips: the tracking code, sealed, for the reporter's own chat to list (/mytips)

Tips filed before this revision have none (their codes were only ever kept as hashes and in
the drafts' receipts, which expire); their /mytips lines show no code.

Revision ID: 0010d
Revises: 0009
Create Date: 2026-12-07 14:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010d'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tips') as batch_op:
        batch_op.add_column(sa.Column('sealed_code', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tips') as batch_op:
        batch_op.drop_column('sealed_code')
