"""the statistics' daily counts (tip_counts_daily, kept by triggers on tips), the tip's durations
to acceptance and to finishing, and the indexes of the live figures (overdue now, the medians)

The counts are kept by the database, in the transaction that changes a tip, whichever code
writes it (a Core insert at submission, the ORM in the workflow, a bulk load): each change takes
the tip's share from its old group (day, category, lead unit, status, region) and adds it to its
new one. The day is the submission's local day in Asia/Shanghai (UTC+8 all year; the statistics
use the table only when the deployment's time zone is that one). On PostgreSQL the trigger is
deferred to the commit, so a busy group's row is locked only while the transaction commits.

Revision ID: 0018r
Revises: 0017s
Create Date: 2026-12-07 23:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0018r'
down_revision = '0017s'
branch_labels = None
depends_on = None

TRACKED = "status, category, lead_unit, region_code, answers, accept_seconds, finish_seconds, created_at"
KEY = "day, category, lead_unit, status, region_code"
VALUES = "tips, money_lost_fen, with_money_lost, accepted, accept_seconds, finished, finish_seconds"
ADD = ", ".join(f"{name} = tip_counts_daily.{name} + excluded.{name}" for name in VALUES.split(", "))


def _sqlite_share(row: str) -> str:
    """The columns of one tip's share, for an INSERT's VALUES (SQLite)."""
    lost = (f"(CASE WHEN json_type({row}.answers, '$.money_lost') = 'integer' "
            f"THEN json_extract({row}.answers, '$.money_lost') ELSE 0 END)")
    return (f"date({row}.created_at, '+8 hours'), {row}.category, coalesce({row}.lead_unit, ''), {row}.status, "
            f"{row}.region_code, 1, {lost}, ({lost} > 0), ({row}.accept_seconds IS NOT NULL), "
            f"coalesce({row}.accept_seconds, 0), ({row}.finish_seconds IS NOT NULL), coalesce({row}.finish_seconds, 0)")


def _sqlite_triggers() -> list[str]:
    lost = ("(CASE WHEN json_type(OLD.answers, '$.money_lost') = 'integer' "
            "THEN json_extract(OLD.answers, '$.money_lost') ELSE 0 END)")
    take = (
        "UPDATE tip_counts_daily SET tips = tips - 1, "
        f"money_lost_fen = money_lost_fen - {lost}, with_money_lost = with_money_lost - ({lost} > 0), "
        "accepted = accepted - (OLD.accept_seconds IS NOT NULL), accept_seconds = accept_seconds - coalesce(OLD.accept_seconds, 0), "
        "finished = finished - (OLD.finish_seconds IS NOT NULL), finish_seconds = finish_seconds - coalesce(OLD.finish_seconds, 0) "
        "WHERE day = date(OLD.created_at, '+8 hours') AND category = OLD.category AND lead_unit = coalesce(OLD.lead_unit, '') "
        "AND status = OLD.status AND region_code = OLD.region_code;"
    )
    give = (f"INSERT INTO tip_counts_daily ({KEY}, {VALUES}) VALUES ({_sqlite_share('NEW')}) "
            f"ON CONFLICT ({KEY}) DO UPDATE SET {ADD};")
    changed = " OR ".join(f"OLD.{name} IS NOT NEW.{name}" for name in TRACKED.split(", "))
    return [
        f"CREATE TRIGGER tip_counts_insert AFTER INSERT ON tips BEGIN {give} END",
        f"CREATE TRIGGER tip_counts_update AFTER UPDATE OF {TRACKED} ON tips WHEN {changed} BEGIN {take} {give} END",
        f"CREATE TRIGGER tip_counts_delete AFTER DELETE ON tips BEGIN {take} END",
    ]


POSTGRES_FUNCTION = f"""
CREATE FUNCTION tip_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lost bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        lost := CASE WHEN json_typeof(OLD.answers -> 'money_lost') = 'number' THEN (OLD.answers ->> 'money_lost')::bigint ELSE 0 END;
        UPDATE tip_counts_daily SET tips = tips - 1, money_lost_fen = money_lost_fen - lost,
            with_money_lost = with_money_lost - (lost > 0)::int,
            accepted = accepted - (OLD.accept_seconds IS NOT NULL)::int, accept_seconds = accept_seconds - coalesce(OLD.accept_seconds, 0),
            finished = finished - (OLD.finish_seconds IS NOT NULL)::int, finish_seconds = finish_seconds - coalesce(OLD.finish_seconds, 0)
        WHERE day = (OLD.created_at AT TIME ZONE 'Asia/Shanghai')::date AND category = OLD.category
            AND lead_unit = coalesce(OLD.lead_unit, '') AND status = OLD.status AND region_code = OLD.region_code;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        lost := CASE WHEN json_typeof(NEW.answers -> 'money_lost') = 'number' THEN (NEW.answers ->> 'money_lost')::bigint ELSE 0 END;
        INSERT INTO tip_counts_daily ({KEY}, {VALUES})
        VALUES ((NEW.created_at AT TIME ZONE 'Asia/Shanghai')::date, NEW.category, coalesce(NEW.lead_unit, ''), NEW.status,
                NEW.region_code, 1, lost, (lost > 0)::int, (NEW.accept_seconds IS NOT NULL)::int, coalesce(NEW.accept_seconds, 0),
                (NEW.finish_seconds IS NOT NULL)::int, coalesce(NEW.finish_seconds, 0))
        ON CONFLICT ({KEY}) DO UPDATE SET {ADD};
    END IF;
    RETURN NULL;
END
$$
"""
POSTGRES_TRIGGER = (
    f"CREATE CONSTRAINT TRIGGER tip_counts AFTER INSERT OR DELETE OR UPDATE OF {TRACKED} ON tips "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tip_counts_change()"
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table('tips') as batch_op:
        batch_op.add_column(sa.Column('accept_seconds', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('finish_seconds', sa.BigInteger(), nullable=True))
    op.create_table(
        'tip_counts_daily',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('lead_unit', sa.String(length=60), nullable=False),
        sa.Column('status', sa.String(length=32), nullable=False),
        sa.Column('region_code', sa.String(length=12), nullable=False),
        *(sa.Column(name, sa.BigInteger() if name.endswith(("_fen", "_seconds")) else sa.Integer(), nullable=False)
          for name in VALUES.split(", ")),
        sa.PrimaryKeyConstraint('day', 'category', 'lead_unit', 'status', 'region_code', name=op.f('pk_tip_counts_daily')),
        sqlite_with_rowid=False,
    )
    # The durations of the tips already there, from their timelines (the first acceptance, the first closing).
    if postgres:
        seconds = "round(extract(epoch FROM (min(e.at) - tips.created_at)))::bigint"
    else:
        seconds = "CAST(round((julianday(min(e.at)) - julianday(tips.created_at)) * 86400) AS INTEGER)"

    def first(status: str) -> str:
        return f"(SELECT {seconds} FROM status_events e WHERE e.tip_id = tips.id AND e.to_status = '{status}' AND e.action = 'status')"

    op.execute(f"UPDATE tips SET accept_seconds = {first('accepted')}")
    op.execute(f"UPDATE tips SET finish_seconds = {first('closed')} - accept_seconds WHERE accept_seconds IS NOT NULL")
    op.execute("UPDATE tips SET finish_seconds = NULL WHERE finish_seconds < 0")
    if postgres:
        day = "(created_at AT TIME ZONE 'Asia/Shanghai')::date"
        lost = "(CASE WHEN json_typeof(answers -> 'money_lost') = 'number' THEN (answers ->> 'money_lost')::bigint ELSE 0 END)"
        yes = "::int"
    else:
        day = "date(created_at, '+8 hours')"
        lost = "(CASE WHEN json_type(answers, '$.money_lost') = 'integer' THEN json_extract(answers, '$.money_lost') ELSE 0 END)"
        yes = ""
    op.execute(
        f"INSERT INTO tip_counts_daily ({KEY}, {VALUES}) "
        f"SELECT {day}, category, coalesce(lead_unit, ''), status, region_code, count(*), sum({lost}), sum(({lost} > 0){yes}), "
        f"sum((accept_seconds IS NOT NULL){yes}), coalesce(sum(accept_seconds), 0), sum((finish_seconds IS NOT NULL){yes}), "
        f"coalesce(sum(finish_seconds), 0) FROM tips GROUP BY {day}, category, coalesce(lead_unit, ''), status, region_code"
    )
    if postgres:
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        for statement in _sqlite_triggers():
            op.execute(statement)
    op.create_index('ix_tips_late_accept', 'tips', ['status', 'accept_due', 'created_at', 'region_code', 'lead_unit'])
    op.create_index('ix_tips_late_finish', 'tips', ['status', 'paused_at', 'finish_due', 'created_at', 'region_code', 'lead_unit'])
    for name in ('accept_seconds', 'finish_seconds'):
        where = sa.text(f"{name} IS NOT NULL")
        op.create_index(f'ix_tips_{name}', 'tips', [name, 'created_at', 'region_code', 'lead_unit', 'status'],
                        sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in ('ix_tips_finish_seconds', 'ix_tips_accept_seconds', 'ix_tips_late_finish', 'ix_tips_late_accept'):
        op.drop_index(name, table_name='tips')
    if postgres:
        op.execute("DROP TRIGGER tip_counts ON tips")
        op.execute("DROP FUNCTION tip_counts_change()")
    else:
        for name in ('tip_counts_insert', 'tip_counts_update', 'tip_counts_delete'):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table('tip_counts_daily')
    with op.batch_alter_table('tips') as batch_op:
        batch_op.drop_column('finish_seconds')
        batch_op.drop_column('accept_seconds')
