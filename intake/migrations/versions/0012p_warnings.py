"""warnings and typical cases (预警、典型案例) that coordinators publish, two people to a publication

Revision ID: 0012p
Revises: 0011w
Create Date: 2026-12-07 17:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012p'
down_revision = '0011w'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'warnings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('regions', sa.JSON(), nullable=False),
        sa.Column('texts', sa.JSON(), nullable=False),
        sa.Column('pending_texts', sa.JSON(), nullable=True),
        sa.Column('do_not_call', sa.JSON(), nullable=False),
        sa.Column('do_not_open', sa.JSON(), nullable=False),
        sa.Column('visible_until', sa.Date(), nullable=False),
        sa.Column('written_by', sa.String(length=60), nullable=False),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('edited_by', sa.String(length=60), nullable=False),
        sa.Column('proposed_by', sa.String(length=60), nullable=True),
        sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('approved_by', sa.String(length=60), nullable=True),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('rejection_reason', sa.Text(), nullable=True),
        sa.Column('withdrawn_by', sa.String(length=60), nullable=True),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('withdrawal_reason', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_warnings')),
    )
    with op.batch_alter_table('warnings') as batch_op:
        batch_op.create_index('ix_warnings_status_until', ['status', 'visible_until'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('warnings') as batch_op:
        batch_op.drop_index('ix_warnings_status_until')
    op.drop_table('warnings')
