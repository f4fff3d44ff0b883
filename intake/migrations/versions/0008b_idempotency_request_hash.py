"""drafts: the keyed hash of an API request's body, so a reused Idempotency-Key with another body is refused

Revision ID: 0008b
Revises: 0007
Create Date: 2026-11-28 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008b'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('drafts') as batch_op:
        batch_op.add_column(sa.Column('request_hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('drafts') as batch_op:
        batch_op.drop_column('request_hash')
