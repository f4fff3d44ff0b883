"""suggest_models: the category suggestion's model versions, as JSON (issue 19)

The newest installed version is in force; on a database without one, the shipped model
(intake/config/suggest_model.json) is stored and installed at start-up.

Revision ID: 0010s
Revises: 0010d
Create Date: 2026-12-07 17:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010s'
down_revision = '0010d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'suggest_models',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=40), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('stored_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('installed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_suggest_models')),
        sa.UniqueConstraint('version', name=op.f('uq_suggest_models_version')),
    )


def downgrade() -> None:
    op.drop_table('suggest_models')
