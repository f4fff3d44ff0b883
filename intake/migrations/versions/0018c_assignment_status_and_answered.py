"""queue: each assignment row carries its tip's status and reporter-answered flag (kept by the
models' flush hooks), with an index per view of a unit's queue in the queue's order

Revision ID: 0018c
Revises: 0017s
Create Date: 2026-12-07 22:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0018c'
down_revision = '0017s'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, not batch_alter_table: SQLite's batch mode copies the table and re-creates
    # its indexes from reflection, which drops the DESC of ix_assignments_queue (a sort per page).
    op.add_column('assignments', sa.Column('tip_status', sa.String(length=32), nullable=False, server_default='submitted'))
    op.add_column('assignments', sa.Column('reporter_answered', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE assignments SET tip_status = (SELECT tips.status FROM tips WHERE tips.id = assignments.tip_id), "
        "reporter_answered = (SELECT tips.reporter_answered FROM tips WHERE tips.id = assignments.tip_id)"
    )
    op.create_index('ix_assignments_status_queue', 'assignments',
                    ['unit_code', 'active', 'tip_status', 'queue_rank', sa.text('tip_id DESC')])
    op.create_index('ix_assignments_answered_queue', 'assignments',
                    ['unit_code', 'active', 'reporter_answered', 'queue_rank', sa.text('tip_id DESC')])


def downgrade() -> None:
    op.drop_index('ix_assignments_answered_queue', table_name='assignments')
    op.drop_index('ix_assignments_status_queue', table_name='assignments')
    op.drop_column('assignments', 'reporter_answered')  # SQLite 3.35+ drops a column in place, keeping the other indexes
    op.drop_column('assignments', 'tip_status')
