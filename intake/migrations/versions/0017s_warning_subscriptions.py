"""Subscriptions to new warnings in a county (Telegram, e-mail), and the outbox's lanes (a
broadcast is claimed after every case notice)

Revision ID: 0017s
Revises: 0016f
Create Date: 2026-12-07 20:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0017s'
down_revision = '0016f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'warning_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('address_hash', sa.String(length=100), nullable=False),
        sa.Column('token_hash', sa.String(length=100), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.Column('region', sa.String(length=12), nullable=False),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmation_sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_warning_subscriptions')),
        sa.UniqueConstraint('address_hash', 'region', name='uq_warning_subscriptions_address_region'),
        sa.UniqueConstraint('token_hash', name=op.f('uq_warning_subscriptions_token_hash')),
    )
    with op.batch_alter_table('warning_subscriptions') as batch_op:
        batch_op.create_index('ix_warning_subscriptions_region_status', ['region', 'status'], unique=False)
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.add_column(sa.Column('lane', sa.SmallInteger(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_column('lane')
    with op.batch_alter_table('warning_subscriptions') as batch_op:
        batch_op.drop_index('ix_warning_subscriptions_region_status')
    op.drop_table('warning_subscriptions')
