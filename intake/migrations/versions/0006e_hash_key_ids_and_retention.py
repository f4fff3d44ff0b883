"""look-up hashes name their hash key ("h0:<hex>"), so hash keys can rotate; tips record when
retention erased their reporter's personal data

Revision ID: 0006e
Revises: 0005
Create Date: 2026-11-27 11:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006e'
down_revision = '0005'
branch_labels = None
depends_on = None

#: Every stored look-up hash: (table, column). Before this revision there was one hash key;
#: keyrings that never rotated call it "h0" (intake.platform.crypto.LEGACY_HASH_KEY_ID).
HASH_COLUMNS = (
    ('tips', 'tracking_hash'), ('tips', 'pin_hash'), ('tips', 'channel_user_hash'),
    ('drafts', 'owner_hash'), ('people', 'phone_hash'), ('people', 'email_hash'),
    ('channel_users', 'user_hash'), ('link_tokens', 'token_hash'), ('partners', 'key_hash'),
)
WIDE = 100  # "<key id>:" + 64 hex digits


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    for table, column in HASH_COLUMNS:
        if postgres:  # SQLite does not enforce VARCHAR lengths: no table copy needed there
            op.alter_column(table, column, type_=sa.String(WIDE), existing_type=sa.String(64))
        op.execute(
            f"UPDATE {table} SET {column} = 'h0:' || {column} "
            f"WHERE {column} IS NOT NULL AND {column} NOT LIKE '%:%'"
        )
    with op.batch_alter_table('tips') as batch_op:
        batch_op.add_column(sa.Column('personal_erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('tips') as batch_op:
        batch_op.drop_column('personal_erased_at')
    for table, column in HASH_COLUMNS:
        # Hashes of keys other than h0 cannot go back: they stay, and find nothing.
        op.execute(f"UPDATE {table} SET {column} = substr({column}, 4) WHERE {column} LIKE 'h0:%'")
        if postgres:
            op.alter_column(table, column, type_=sa.String(64), existing_type=sa.String(WIDE))
