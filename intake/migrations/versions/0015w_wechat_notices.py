"""WeChat notices: when each chat person last wrote (the 48-hour window), a shared API token

Revision ID: 0015w
Revises: 0014c
Create Date: 2026-12-07 18:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0015w'
down_revision = '0014c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('channel_users') as batch_op:
        batch_op.add_column(sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'api_tokens',
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('sealed_token', sa.LargeBinary(), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_api_tokens')),
    )


def downgrade() -> None:
    op.drop_table('api_tokens')
    with op.batch_alter_table('channel_users') as batch_op:
        batch_op.drop_column('last_message_at')
