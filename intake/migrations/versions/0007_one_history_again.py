"""one history again: search, queue columns, unit alerts, reward versions, key ids, partner limits

Revision ID: 0007
Revises: 0006a, 0006b, 0006c, 0006d, 0006e, 0006f
Create Date: 2026-11-27 12:50:00
"""
from __future__ import annotations


revision = '0007'
down_revision = ('0006a', '0006b', '0006c', '0006d', '0006e', '0006f')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
