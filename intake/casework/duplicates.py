"""Possible duplicates and the organisations tips name, with their risk colours (红橙黄绿).

Every tip's suspect details are reduced to match keys when it is submitted (`index_tip`, in the
submission's transaction): the organisation's name, its phone, its address, its website or
account, and any unified social credit code in the name or the description, each normalised so
that the same thing written differently compares equal (full-width letters and digits, spaces,
punctuation, case, "+86" and the trunk 0, a company's legal form such as 有限公司). Tips that
share a key are grouped; staff decide whether they are duplicates and merge with
`casework.move_tip(..., "merged", merged_into=...)`.

Organisations are the groups of kind "organisation". Staff give each a colour, with a
suggestion computed from its tips (count, substantiated ones, money involved): DOMAIN.md's
green = no risk found; yellow = large prepayments, warning and guidance; orange = sued or
reported, warning interview; red = suspected illegal fundraising, collapsed, referred.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, distinct, exists, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.platform import audit
from intake.domain.answers.invalid import Invalid
from intake.domain.refusals import Refused
from intake.domain.answers.matching import normalize_for_match
from intake.domain.answers.phones import parse_phone
from intake.domain.answers.text import clean_text
from intake.platform.clock import aware
from intake.platform.core import Core
from intake.platform.models.staff import StaffUser
from intake.platform.models.tip_records import Organisation, TipMatchKey
from intake.platform.models.tips import StatusEvent, Tip
from intake.staff.staff import tips_in_scope as scope_of  # the one definition of which tips a person may see
from intake.staff.staff import Role
from intake.domain.workflow import Status

KINDS = ("organisation", "phone", "address", "website", "credit_code")
COLOURS = ("green", "yellow", "orange", "red")
#: Who sets an organisation's colour.
COLOUR_ROLES = (Role.UNIT_LEAD, Role.COORDINATOR)

# Legal forms dropped from the end of a company name: "福寿康养老服务有限公司" is "福寿康养老服务".
_LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "colimited", "coltd", "limited", "ltd", "inc", "llc")
# GB 32100-2015: 18 characters, digits and capitals without I, O, S, V, Z.
_CREDIT_CODE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")
_SCHEME = re.compile(r"^(https?://)?(www\.)?", re.IGNORECASE)
MIN_KEY_CHARS = 2
MIN_ADDRESS_CHARS = 4
MAX_KEY_CHARS = 200


def organisation_key(name: str) -> str | None:
    key = normalize_for_match(name)
    for form in _LEGAL_FORMS:
        if key.endswith(form) and len(key) - len(form) >= MIN_KEY_CHARS:
            key = key[: -len(form)]
            break
    return key[:MAX_KEY_CHARS] if len(key) >= MIN_KEY_CHARS else None


def phone_key(text: str) -> str | None:
    parsed = parse_phone(text)
    return None if isinstance(parsed, Invalid) else parsed


def address_key(text: str) -> str | None:
    key = normalize_for_match(text)
    return key[:MAX_KEY_CHARS] if len(key) >= MIN_ADDRESS_CHARS else None


def website_key(text: str) -> str | None:
    """"https://www.FuShouKang.com/" and "fushoukang.com" are one site; a WeChat ID is kept as written."""
    text = unicodedata.normalize("NFKC", text).strip()
    key = normalize_for_match(_SCHEME.sub("", text).rstrip("/"))
    return key[:MAX_KEY_CHARS] if len(key) >= MIN_KEY_CHARS else None


def credit_codes(*texts: str) -> set[str]:
    found: set[str] = set()
    for text in texts:
        found |= set(_CREDIT_CODE.findall(unicodedata.normalize("NFKC", text).upper()))
    return found


def match_keys(answers: dict) -> set[tuple[str, str, str]]:
    """(kind, key, value as written) for every suspect detail a tip's answers name."""
    def text(key: str) -> str:
        value = answers.get(key)
        return value if isinstance(value, str) and value != "dont_know" else ""

    keys: set[tuple[str, str, str]] = set()
    for kind, answer, normalise in (
        ("organisation", "suspect_organisation", organisation_key),
        ("phone", "suspect_phone", phone_key),
        ("address", "suspect_address", address_key),
        ("website", "suspect_online", website_key),
    ):
        value = text(answer)
        key = normalise(value) if value else None
        if key:
            keys.add((kind, key, value[:300]))
    for code in credit_codes(text("suspect_organisation"), text("description")):
        keys.add(("credit_code", code, code))
    return keys


_INSERT_MATCH_KEYS = insert(TipMatchKey.__table__)


async def index_tip(session: AsyncSession, tip_id: int, keys: set[tuple[str, str, str]]) -> None:
    """Write a new tip's match keys (`match_keys` of its answers, worked out before the
    submission's writes begin) in one statement, inside the submission's transaction."""
    if keys:
        await session.execute(_INSERT_MATCH_KEYS, [{"tip_id": tip_id, "kind": kind, "key": key, "value": value}
                                                   for kind, key, value in sorted(keys)])


# --- possible duplicates of one tip ------------------------------------------------------------

@dataclass
class PossibleDuplicate:
    tip_id: int
    status: str
    category: str
    created_at: datetime
    matched: list[tuple[str, str]] = field(default_factory=list)  # (kind, value as that tip wrote it)


async def possible_duplicates(
    core: Core, staff: StaffUser, tip_id: int, *, limit: int = 20, in_scope: bool = False,
) -> list[PossibleDuplicate]:
    """Other tips in this person's scope naming something tip `tip_id` names, newest first.
    `in_scope`: the caller has just read tip `tip_id` through the scope check (the tip page)."""
    scope = scope_of(core, staff)
    if scope is None:
        return []
    own = select(TipMatchKey.kind, TipMatchKey.key).where(TipMatchKey.tip_id == tip_id)
    async with core.db.session() as session:
        if not in_scope and not await session.scalar(select(exists().where(Tip.id == tip_id, scope))):
            return []
        pairs = (await session.execute(own)).all()
        if not pairs:
            return []
        wanted = {(kind, key) for kind, key in pairs}
        others = (
            select(TipMatchKey.tip_id)
            .where(or_(*(and_(TipMatchKey.kind == kind, TipMatchKey.key == key) for kind, key in wanted)), TipMatchKey.tip_id != tip_id)
            .distinct()
            .subquery()
        )
        tips = (await session.scalars(
            select(Tip).where(Tip.id.in_(select(others.c.tip_id)), scope).order_by(Tip.id.desc()).limit(limit)
        )).all()
        rows = (await session.execute(
            select(TipMatchKey).where(TipMatchKey.tip_id.in_([t.id for t in tips]))
        )).scalars().all() if tips else []
    found = {t.id: PossibleDuplicate(t.id, t.status, t.category, aware(t.created_at)) for t in tips}
    for row in rows:
        if (row.kind, row.key) in wanted:
            found[row.tip_id].matched.append((row.kind, row.value))
    return [item for item in found.values() if item.matched]


# --- groups ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Group:
    kind: str
    key: str
    value: str  # as the earliest tip wrote it
    tips: int


async def groups(core: Core, staff: StaffUser, *, kind: str | None = None, min_size: int = 2, limit: int = 50) -> list[Group]:
    """Keys named by at least `min_size` tips in this person's scope, biggest groups first."""
    scope = scope_of(core, staff)
    if scope is None:
        return []
    count = func.count(distinct(TipMatchKey.tip_id))
    query = (
        select(TipMatchKey.kind, TipMatchKey.key, func.min(TipMatchKey.id), count)
        .join(Tip, Tip.id == TipMatchKey.tip_id)
        .where(scope)
        .group_by(TipMatchKey.kind, TipMatchKey.key)
        .having(count >= min_size)
        .order_by(count.desc(), func.max(TipMatchKey.tip_id).desc())
        .limit(limit)
    )
    if kind:
        query = query.where(TipMatchKey.kind == kind)
    async with core.db.session() as session:
        rows = (await session.execute(query)).all()
        first = {row.id: row.value for row in (await session.scalars(
            select(TipMatchKey).where(TipMatchKey.id.in_([r[2] for r in rows]))
        )).all()} if rows else {}
    return [Group(k, key, first.get(first_id, key), n) for k, key, first_id, n in rows]


async def group_tips(core: Core, staff: StaffUser, kind: str, key: str, *, limit: int = 200) -> list[Tip]:
    """The tips in this person's scope naming `key`, oldest first (the first report comes first)."""
    scope = scope_of(core, staff)
    if scope is None or kind not in KINDS:
        return []
    async with core.db.session() as session:
        return list((await session.scalars(
            select(Tip).where(Tip.id.in_(select(TipMatchKey.tip_id).where(TipMatchKey.kind == kind, TipMatchKey.key == key)), scope)
            .order_by(Tip.id).limit(limit)
        )).all())


# --- organisations and their colours -----------------------------------------------------------

#: Thresholds of the suggestion (money in fen). Staff set the colour; this only proposes one.
RED_SUBSTANTIATED = 3
RED_MONEY_FEN = 100_000_000  # ¥1,000,000 with at least one substantiated tip
ORANGE_TIPS = 3
ORANGE_MONEY_FEN = 10_000_000  # ¥100,000 reported lost


@dataclass(frozen=True)
class Suggestion:
    """The proposed colour and what it rests on (the console words the reasons)."""

    colour: str
    tips: int
    substantiated: int
    money_fen: int


@dataclass(frozen=True)
class OrganisationFile:
    key: str
    name: str
    tips: list[Tip]
    substantiated: int
    money_fen: int
    suggestion: Suggestion
    colour: Organisation | None


def suggest_colour(tips: int, substantiated: int, money_fen: int) -> Suggestion:
    if substantiated >= RED_SUBSTANTIATED or (substantiated and money_fen >= RED_MONEY_FEN):
        colour = "red"
    elif substantiated or tips >= ORANGE_TIPS or money_fen >= ORANGE_MONEY_FEN:
        colour = "orange"
    elif money_fen or tips >= 2:
        colour = "yellow"
    else:
        colour = "green"
    return Suggestion(colour, tips, substantiated, money_fen)


def _money(tip: Tip) -> int:
    value = (tip.answers or {}).get("money_lost")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


async def organisation_file(core: Core, staff: StaffUser, key: str) -> OrganisationFile | None:
    """An organisation as this person sees it: its tips in scope, figures and colour."""
    tips = await group_tips(core, staff, "organisation", key)
    if not tips:
        return None
    ids = [t.id for t in tips]
    async with core.db.session() as session:
        confirmed = set((await session.scalars(
            select(StatusEvent.tip_id).where(StatusEvent.tip_id.in_(ids), StatusEvent.to_status == Status.SUBSTANTIATED)
        )).all())
        colour = await session.scalar(select(Organisation).where(Organisation.key == key))
        name = await session.scalar(
            select(TipMatchKey.value).where(TipMatchKey.kind == "organisation", TipMatchKey.key == key).order_by(TipMatchKey.id).limit(1)
        )
    counted = [t for t in tips if t.status != Status.MERGED]  # a merged tip is counted in its main tip
    money = sum(_money(t) for t in counted)
    substantiated = len(confirmed & {t.id for t in counted})
    return OrganisationFile(key, colour.display_name if colour else (name or key), tips, substantiated, money,
                            suggest_colour(len(counted), substantiated, money), colour)


async def colours(core: Core, keys: list[str]) -> dict[str, Organisation]:
    if not keys:
        return {}
    async with core.db.session() as session:
        return {o.key: o for o in (await session.scalars(select(Organisation).where(Organisation.key.in_(keys)))).all()}


class ColourRefused(Refused):
    """`reason`: "role" (not a unit lead or coordinator), "colour" (not one of the four),
    "unknown" (no such organisation in scope) or "note" (with `invalid`, the core's message)."""

    def __init__(self, reason: str, invalid: Invalid | None = None) -> None:
        super().__init__(invalid.message if invalid else "", invalid.params if invalid else None, reason=reason)


async def set_colour(core: Core, staff: StaffUser, key: str, colour: str, *, note: str = "") -> Organisation:
    """Give an organisation its risk colour (unit lead or coordinator who sees its tips); audited."""
    if staff.role not in COLOUR_ROLES:
        raise ColourRefused("role")
    if colour not in COLOURS:
        raise ColourRefused("colour")
    cleaned = clean_text(note, max_chars=1000) if note else ""
    if isinstance(cleaned, Invalid):
        raise ColourRefused("note", cleaned)
    known = await organisation_file(core, staff, key)
    if known is None:
        raise ColourRefused("unknown")
    now = core.clock.now()
    async with core.db.transaction() as session:
        row = await session.scalar(select(Organisation).where(Organisation.key == key).with_for_update())
        before = row.colour if row else None
        if row is None:
            row = Organisation(key=key, display_name=known.name[:200], colour=colour, note=cleaned or None, set_by=staff.username, set_at=now)
            session.add(row)
        else:
            row.colour, row.note, row.set_by, row.set_at = colour, cleaned or None, staff.username, now
        audit.record(session, core, staff.username, "organisation.colour", None, key=key, source=before, target=colour,
                     suggested=known.suggestion.colour)
    return row


async def organisation_summaries(core: Core, staff: StaffUser, *, limit: int = 50) -> list[tuple[Group, Organisation | None]]:
    """Organisations named by tips in scope (one tip is enough), most tips first, with colours."""
    found = await groups(core, staff, kind="organisation", min_size=1, limit=limit)
    known = await colours(core, [g.key for g in found])
    return [(g, known.get(g.key)) for g in found]

