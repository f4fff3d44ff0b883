"""one history again: duplicates, rewards and partners

Revision ID: 0005
Revises: 0004a, 0004b, 0004d
Create Date: 2026-11-27 10:12:00.433927
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = ('0004a', '0004b', '0004d')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
