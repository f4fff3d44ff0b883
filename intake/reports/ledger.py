"""The ledger (台账) of tips: one row per tip in a person's scope, submitted in a date range, as
XLSX or CSV (intake/platform/export.py writes both, with formula-safe cells).

The ledger lists every tip, merged ones included (their status says so); the statistics are
where a merged tip stops counting. The channel supplies the column headers and the words in
the staff member's language (the console's catalog); this module supplies the facts and audits
every export. Money is a number of yuan with two decimals, computed from integer fen with
Decimal (never a float in between).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, literal, or_, select

from i18n import Translator
from intake.platform import audit
from intake.platform.core import Core
from intake.platform.export import csv_bytes, xlsx_bytes
from intake.platform.models.staff import StaffUser
from intake.platform.models.tip_records import Outcome
from intake.platform.models.tips import Assignment, StatusEvent, Tip
from intake.staff.staff import UNIT_ROLES, visible_units
from intake.reports.statistics import Period, regions_in_scope
from intake.domain.refusals import Refused
from intake.domain.workflow import STATUS_LABELS, Status

#: The ledger's columns, in order (headers come from the channel, in the reader's language).
COLUMNS = (
    "id", "source", "submitted_at", "accepted_at", "category", "subject", "region", "lead_unit",
    "assisting_units", "status", "result", "money_recovered", "finished_at", "struck_off",
)
#: 销号: the tip has left the work (finished, declined, or joined with another tip).
STRUCK_OFF = (Status.CLOSED, Status.DECLINED, Status.MERGED)
FORMATS = ("xlsx", "csv")
FEN = Decimal("0.01")


class LedgerRefused(Refused):
    """This person has no tips to put in a ledger, or chose a region outside their own."""


def yuan(fen: int) -> Decimal:
    """Integer fen as yuan with exactly two decimals."""
    return (Decimal(int(fen)) / 100).quantize(FEN)


@dataclass(frozen=True)
class LedgerRow:
    id: int
    source: str
    submitted_at: datetime
    accepted_at: datetime | None
    category: str
    subject: str
    region: str
    lead_unit: str
    assisting_units: str
    status: str
    result: str
    money_recovered: Decimal
    finished_at: datetime | None
    struck_off: str

    def cells(self) -> list[object]:
        return [getattr(self, name) for name in COLUMNS]


@dataclass(frozen=True)
class Ledger:
    headers: list[str]
    rows: list[LedgerRow]
    total_label: str

    @property
    def total_recovered(self) -> Decimal:
        return sum((row.money_recovered for row in self.rows), Decimal("0.00"))


def _scope(core: Core, staff: StaffUser, region: str | None):
    """Which tips the ledger may list: a unit's (lead or assisting), or a region's and below."""
    if staff.role in UNIT_ROLES:
        units = visible_units(core, staff)
        if not units:
            raise LedgerRefused()
        return Tip.id.in_(select(Assignment.tip_id).where(Assignment.unit_code.in_(units), Assignment.active.is_(True)))
    allowed = regions_in_scope(core, staff)
    chosen = region or (allowed[0] if allowed else "")
    if chosen not in allowed:
        raise LedgerRefused()
    regions = core.deployment.region_and_below(chosen)
    units = [u.code for u in core.deployment.units if u.region in regions]
    # A region and below is most of the table: on SQLite, `column || ''` keeps the planner on the
    # submission-date index (the period) instead of walking the region and unit indexes.
    sqlite = core.db.dialect == "sqlite"
    region_column = Tip.region_code + literal("") if sqlite else Tip.region_code
    unit_column = Tip.lead_unit + literal("") if sqlite else Tip.lead_unit
    return or_(region_column.in_(sorted(regions)), unit_column.in_(units))


def _local(moment: datetime | None, tz: str) -> datetime | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(ZoneInfo(tz)).replace(tzinfo=None, second=0, microsecond=0)


async def build_ledger(
    core: Core, staff: StaffUser, period: Period, *, headers: Sequence[str], words: Mapping[str, str],
    region: str | None = None,
) -> Ledger:
    """The ledger's rows. `words` gives, in the reader's language: "total", "yes", "no",
    "penalty", "criminal_case", "convicted", "already_known", and "channel:<code>" for sources."""
    condition = _scope(core, staff, region)
    tz, language = core.settings.timezone, staff.language
    deployment = core.deployment
    status_words = Translator(language)
    low, high = period.bounds(tz)
    in_range = select(Tip.id).where(condition, Tip.created_at >= low, Tip.created_at < high)
    accepted = (
        select(StatusEvent.tip_id.label("tip_id"), func.min(StatusEvent.at).label("at"))
        .where(StatusEvent.tip_id.in_(in_range), StatusEvent.to_status == Status.ACCEPTED, StatusEvent.action == "status")
        .group_by(StatusEvent.tip_id).subquery()
    )
    closed = (
        select(StatusEvent.tip_id.label("tip_id"), func.max(StatusEvent.at).label("at"))
        .where(StatusEvent.tip_id.in_(in_range), StatusEvent.to_status == Status.CLOSED, StatusEvent.action == "status")
        .group_by(StatusEvent.tip_id).subquery()
    )
    async with core.db.session() as session:
        rows = (await session.execute(
            select(Tip.id, Tip.channel, Tip.created_at, Tip.category, Tip.answers, Tip.region_code, Tip.lead_unit, Tip.status,
                   accepted.c.at, closed.c.at, Outcome.penalty_decision_no, Outcome.penalty_date, Outcome.criminal_case_filed,
                   Outcome.convicted, Outcome.already_known, Outcome.money_recovered_fen, Outcome.tip_id)
            .outerjoin(accepted, accepted.c.tip_id == Tip.id).outerjoin(closed, closed.c.tip_id == Tip.id)
            .outerjoin(Outcome, Outcome.tip_id == Tip.id)
            .where(Tip.id.in_(in_range)).order_by(Tip.created_at, Tip.id)
        )).all()
        assisting: dict[int, list[str]] = defaultdict(list)
        for tip_id, unit in (await session.execute(
            select(Assignment.tip_id, Assignment.unit_code)
            .where(Assignment.tip_id.in_(in_range), Assignment.active.is_(True), Assignment.role == "assisting")
            .order_by(Assignment.id)
        )).all():
            assisting[tip_id].append(unit)

    separator = "、" if language == "zh_Hans" else "; "
    ledger_rows = []
    for row in rows:
        (tip_id, channel, created_at, category_code, answers, region_code, lead_unit, status, accepted_at, closed_at,
         *outcome_fields, outcome_tip) = row
        outcome = _Outcome(*outcome_fields) if outcome_tip is not None else None
        answers = answers or {}
        subject = [str(answers[key]) for key in ("suspect_organisation", "suspect_person")
                   if isinstance(answers.get(key), str) and answers[key] and not answers[key].startswith("__")
                   and answers[key] != "dont_know"]
        ledger_rows.append(LedgerRow(
            id=tip_id,
            source=words.get(f"channel:{channel}", channel),
            submitted_at=_local(created_at, tz),  # type: ignore[arg-type]
            accepted_at=_local(accepted_at, tz),
            category=deployment.category_label(category_code, language),
            subject=" / ".join(subject),
            region=deployment.region_name(region_code, language),
            lead_unit=deployment.unit_name(lead_unit, language) if lead_unit else "",
            assisting_units=separator.join(deployment.unit_name(code, language) for code in assisting.get(tip_id, [])),
            status=status_words(STATUS_LABELS[Status(status)]),
            result=_result(outcome, words, separator),
            money_recovered=yuan(outcome.money_recovered_fen if outcome else 0),
            finished_at=_local(closed_at, tz) if status == Status.CLOSED else None,
            struck_off=words.get("yes", "yes") if status in STRUCK_OFF else words.get("no", "no"),
        ))
    return Ledger(list(headers), ledger_rows, words.get("total", "Total"))


@dataclass(frozen=True)
class _Outcome:
    penalty_decision_no: str | None
    penalty_date: str | None
    criminal_case_filed: bool
    convicted: bool
    already_known: bool
    money_recovered_fen: int


def _result(outcome: _Outcome | None, words: Mapping[str, str], separator: str) -> str:
    if outcome is None:
        return ""
    parts = []
    if outcome.penalty_decision_no or outcome.penalty_date:
        detail = " ".join(p for p in (outcome.penalty_decision_no, outcome.penalty_date) if p)
        parts.append(f"{words.get('penalty', 'penalty')} {detail}".strip())
    if outcome.criminal_case_filed:
        parts.append(words.get("criminal_case", "criminal case"))
    if outcome.convicted:
        parts.append(words.get("convicted", "convicted"))
    if outcome.already_known:
        parts.append(words.get("already_known", "already known"))
    return separator.join(parts)


def _with_total(ledger: Ledger, total_recovered: object) -> list[list[object]]:
    rows: list[list[object]] = [row.cells() for row in ledger.rows]
    total: list[object] = [None] * len(COLUMNS)
    total[0] = ledger.total_label
    total[COLUMNS.index("money_recovered")] = total_recovered
    return [*rows, total]


def to_xlsx(ledger: Ledger, *, title: str = "Ledger") -> bytes:
    """The ledger as an .xlsx workbook: one header row, one row per tip, a total row."""
    return xlsx_bytes(ledger.headers, _with_total(ledger, ledger.total_recovered), title=title or "Ledger")


def to_csv(ledger: Ledger) -> bytes:
    """The ledger as CSV: one header row, one row per tip, a total row."""
    return csv_bytes([ledger.headers, *_with_total(ledger, ledger.total_recovered)])


async def export_ledger(
    core: Core, staff: StaffUser, period: Period, fmt: str, *, headers: Sequence[str], words: Mapping[str, str],
    region: str | None = None, title: str = "Ledger",
) -> tuple[bytes, int]:
    """The ledger file in `fmt` ("xlsx" or "csv") and its number of tips; audited."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown ledger format {fmt!r}")
    ledger = await build_ledger(core, staff, period, headers=headers, words=words, region=region)
    content = to_xlsx(ledger, title=title) if fmt == "xlsx" else to_csv(ledger)
    await audit.record_now(
        core, staff.username, "ledger.export", None, format=fmt, start=period.start.isoformat(),
        end=period.end.isoformat(), region=region or "", tips=len(ledger.rows),
    )
    return content, len(ledger.rows)

