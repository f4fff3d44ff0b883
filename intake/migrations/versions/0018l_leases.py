"""Leases: which instance of a deployment does a job that must be done once (the daily
housekeeping, the Telegram bot's long polling)

Revision ID: 0018l
Revises: 0018c
Create Date: 2026-12-07 22:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0018l'
down_revision = '0018c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'leases',
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('holder', sa.String(length=120), nullable=False),
        sa.Column('until', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_leases')),
    )


def downgrade() -> None:
    op.drop_table('leases')
