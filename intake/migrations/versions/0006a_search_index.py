"""full-text search index of the tips (intake/casework/search.py)

SQLite: an FTS5 table over the tokens intake/casework/search.py writes (tokenize='ascii' keeps each
non-ASCII token whole), rowid = the tip's id. PostgreSQL: a tsvector per tip with a GIN index.
The migration cannot tokenise: `tipline search reindex` fills the index for existing tips.

Revision ID: 0006a
Revises: 0005
Create Date: 2026-11-27 11:15:00
"""
from __future__ import annotations

from alembic import op


revision = '0006a'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE tip_search ("
            " tip_id INTEGER NOT NULL CONSTRAINT pk_tip_search PRIMARY KEY"
            " CONSTRAINT fk_tip_search_tip_id_tips REFERENCES tips (id) ON DELETE CASCADE,"
            " tokens TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_tip_search_tokens ON tip_search USING gin (tokens)")
    else:
        # detail=full (the default) keeps positions for phrases; column sizes are not needed.
        op.execute("CREATE VIRTUAL TABLE tip_search USING fts5(tokens, tokenize='ascii', columnsize=0)")


def downgrade() -> None:
    op.execute("DROP TABLE tip_search")
