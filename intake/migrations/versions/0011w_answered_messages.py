"""answered_messages: chat messages taken, with their replies, so a retried one is answered once

Revision ID: 0011w
Revises: 0010s
Create Date: 2026-12-07 17:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0011w'
down_revision = '0010s'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'answered_messages',
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sealed_reply', sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint('key_hash', name=op.f('pk_answered_messages')),
    )
    with op.batch_alter_table('answered_messages') as batch_op:
        batch_op.create_index(batch_op.f('ix_answered_messages_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('answered_messages') as batch_op:
        batch_op.drop_index(batch_op.f('ix_answered_messages_at'))
    op.drop_table('answered_messages')
