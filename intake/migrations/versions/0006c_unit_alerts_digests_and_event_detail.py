"""alerts to units and tip-page extras: a unit's daily digests (one per unit and day), notices
about no single tip (the digest), and the facts of internal timeline steps (a call with the
reporter, a category change)

Revision ID: 0006c
Revises: 0005
Create Date: 2026-11-27 11:15:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006c'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('unit_digests',
    sa.Column('unit_code', sa.String(length=60), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('covered_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('covered_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('unit_code', 'day', name=op.f('pk_unit_digests'))
    )
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail', sa.JSON(), nullable=True))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('tip_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE tip_id IS NULL")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('tip_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.drop_column('detail')
    op.drop_table('unit_digests')
