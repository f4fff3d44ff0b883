"""one history again: staff sessions and sign-in back-off, idempotency request hashes

Revision ID: 0009
Revises: 0008a, 0008b
Create Date: 2026-12-07 12:00:00
"""
from __future__ import annotations


revision = '0009'
down_revision = ('0008a', '0008b')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
