"""partners: API keys of partner apps (kept as keyed hashes)

Revision ID: 0004d
Revises: 0003
Create Date: 2026-11-27 09:35:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004d'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('key_prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_partners_key_hash')),
    sa.UniqueConstraint('name', name=op.f('uq_partners_name'))
    )


def downgrade() -> None:
    op.drop_table('partners')
