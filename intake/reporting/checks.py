"""Check before you pay: what the public may look up by an organisation's name, phone or website.

The answer is built only from what staff chose to publish: organisations a coordinator marked
public on an official determination (intake/casework/risk_list.py) while it has not expired and
their colour is red or orange, and published warnings naming what was typed in their "do not
call / do not open" fields or by their organisation (`warnings_naming`). Warnings belong to the
prevention layer, above this one: it registers its finder here (`register_warnings_finder`, wired
by tipline/bootstrap.py), as the notify layer's renderers are. Tips are never read here: the answer is the same whether no one or
a hundred people reported something that is not published. Nothing is shown at all unless the
deployment turned the list on (TIPLINE_PUBLIC_RISK_LIST). Every look-up counts against the
client's flood limit and once in the day's figure, never with what was typed.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import or_, select

from i18n import N_
from intake.casework.duplicates import credit_codes, organisation_key, website_key
from intake.casework.risk_list import OBJECTION_PURPOSE, PUBLISHABLE, organisation_phone_key
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.text import clean_text
from intake.domain.refusals import Refused
from intake.domain.warnings import read_address
from intake.platform import audit, ratelimit
from intake.platform.core import Core
from intake.platform.counters import add_one
from intake.platform.models.operations import DailyCount
from intake.platform.models.tip_records import Organisation, RiskObjection
from intake.platform.ratelimit import Limit
from intake.reporting.lookups import Client

#: Look-ups per client (an address, a chat) per hour: enough for a family checking several offers.
CHECKS = Limit("risk-checks", 60, 3600)
#: Objections per client per day.
OBJECTIONS = Limit("risk-objections", 5, 86400)
MAX_QUERY_CHARS = 100
MAX_OBJECTION_CHARS = 3000
MAX_CONTACT_CHARS = 200
#: The day's figure of look-ups (intake/platform/models/operations.DailyCount).
CHECKS_COUNTED = "risk_checks"

TOO_LONG = N_("Please type at most %(max)s characters: a name, a phone number or a web address.")
EMPTY = N_("Please type an organisation's name, a phone number or a web address.")
TOO_MANY_CHECKS = N_("There have been many look-ups from here. Please wait an hour and try again. Before paying, call 96110.")
OBJECTION_NEEDED = N_("Please say why the entry is wrong.")
CONTACT_NEEDED = N_("Please give a phone number or an e-mail address so that we can answer you.")
TOO_MANY_OBJECTIONS = N_("Many objections were sent from here today. Please try again tomorrow.")


class CheckRefused(Refused):
    """The look-up was not made: `message` (a msgid) says why, with `params`."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message, params or None, reason="refused")


@dataclass(frozen=True)
class PublicEntry:
    """An organisation on the public list, as the public sees it: nothing from any tip."""

    id: int
    name: str
    colour: str
    credit_code: str
    unit: str
    reference: str
    decided_on: date
    expires_on: date
    phone: str | None
    website: str | None


@dataclass(frozen=True)
class SearchKeys:
    """What was typed, normalised as the duplicates feature does; `address` is a web address as
    a warning's "do not open" field holds it (host and path), `digits` a number written with
    digits only (a service number such as 95… that is no phone number to the duplicates feature)."""

    organisation: str | None
    phone: str | None
    website: str | None
    credit_codes: frozenset[str]
    address: str | None = None
    digits: str | None = None


class NamedWarning(Protocol):
    """What a channel shows of a published warning the look-up found (intake.prevention's PublicWarning)."""

    id: int
    kind: str
    title: str
    do_not_call: tuple[str, ...]
    do_not_open: tuple[str, ...]


WarningsFinder = Callable[[Core, SearchKeys, str], Awaitable[Sequence[NamedWarning]]]
_warnings_finder: list[WarningsFinder] = []


def register_warnings_finder(finder: WarningsFinder) -> None:
    """The prevention layer's `finder(core, keys, language)` answers `warnings_naming`."""
    _warnings_finder[:] = [finder]


@dataclass(frozen=True)
class CheckResult:
    organisations: list[PublicEntry]
    warnings: list[NamedWarning]  # published warnings naming it (`warnings_naming`)

    @property
    def found(self) -> bool:
        return bool(self.organisations or self.warnings)


_NUMBER_SEPARATORS = re.compile(r"[\s\-().\u2010-\u2015]")


def search_keys(text: str) -> SearchKeys:
    text = unicodedata.normalize("NFKC", text).strip()
    address = read_address(text) if "." in text else None
    digits = _NUMBER_SEPARATORS.sub("", text)
    return SearchKeys(organisation_key(text), organisation_phone_key(text), website_key(text) if "." in text else None,
                      frozenset(credit_codes(text)), address if isinstance(address, str) else None,
                      digits if re.fullmatch(r"\+?\d{5,16}", digits) else None)


async def warnings_naming(core: Core, keys: SearchKeys, language: str) -> list[NamedWarning]:
    """Published warnings naming what was typed, in `language` where translated. Asked of the
    prevention layer each time, so a warning withdrawn is gone from the next look-up."""
    if not _warnings_finder:  # a start-up that skipped tipline.bootstrap.wire_layers: say so, never "nothing found"
        raise RuntimeError("no warnings finder is registered: call tipline.bootstrap.wire_layers() first")
    return list(await _warnings_finder[0](core, keys, language))


def _shown(core: Core):  # noqa: ANN202 - a SQLAlchemy condition
    return (Organisation.public.is_(True), Organisation.colour.in_(PUBLISHABLE),
            Organisation.determination_expires >= core.today())


async def check(core: Core, client: Client, text: str, language: str) -> CheckResult:
    """The published organisations and warnings matching `text`; CheckRefused when it is empty or
    too long, or the client has looked up too much."""
    if not text.strip():
        raise CheckRefused(EMPTY)
    if len(text) > MAX_QUERY_CHARS:
        raise CheckRefused(TOO_LONG, max=MAX_QUERY_CHARS)
    if not await ratelimit.hit(core, CHECKS, client.key):
        raise CheckRefused(TOO_MANY_CHECKS)
    await count_today(core, CHECKS_COUNTED)
    keys = search_keys(text)
    found: list[PublicEntry] = []
    if core.settings.public_risk_list:
        wanted = [column == key for column, key in (
            (Organisation.key, keys.organisation), (Organisation.public_phone_key, keys.phone),
            (Organisation.public_website_key, keys.website)) if key]
        if keys.credit_codes:
            wanted.append(Organisation.credit_code.in_(sorted(keys.credit_codes)))
        if wanted:
            async with core.db.session() as session:
                rows = (await session.scalars(
                    select(Organisation).where(*_shown(core), or_(*wanted)).order_by(Organisation.display_name).limit(10)
                )).all()
            found = [_entry(row) for row in rows]
    return CheckResult(found, await warnings_naming(core, keys, language))


def _entry(row: Organisation) -> PublicEntry:
    return PublicEntry(row.id, row.display_name, row.colour, row.credit_code or "", row.determination_unit or "",
                       row.determination_ref or "", row.determination_date, row.determination_expires,
                       row.public_phone_key, row.public_website)


async def public_entry(core: Core, entry_id: int) -> PublicEntry | None:
    """One organisation while it is on the public list (the objection form's subject)."""
    if not core.settings.public_risk_list:
        return None
    async with core.db.session() as session:
        row = await session.scalar(select(Organisation).where(Organisation.id == entry_id, *_shown(core)))
    return _entry(row) if row else None


async def count_today(core: Core, name: str) -> None:
    """One more in today's figure `name` (no detail is kept)."""
    await add_one(core.db, DailyCount, day=core.today(), name=name)


async def daily_counts(core: Core, name: str, since: date) -> dict[date, int]:
    async with core.db.session() as session:
        rows = (await session.execute(select(DailyCount.day, DailyCount.count)
                                      .where(DailyCount.name == name, DailyCount.day >= since))).all()
    return {day: count for day, count in rows}


async def object_to(core: Core, client: Client, entry_id: int, text: str, contact: str, language: str) -> dict[str, Invalid] | None:
    """An organisation's objection to its entry: stored for the coordinators (the contact sealed)
    and audited. Returns the form's errors, or None when it was received; CheckRefused past the
    limit or when the entry is no longer public."""
    errors: dict[str, Invalid] = {}
    cleaned = clean_text(text, max_chars=MAX_OBJECTION_CHARS) if text.strip() else Invalid(OBJECTION_NEEDED)
    if isinstance(cleaned, Invalid):
        errors["text"] = cleaned
    reach = clean_text(contact, max_chars=MAX_CONTACT_CHARS) if contact.strip() else Invalid(CONTACT_NEEDED)
    if isinstance(reach, Invalid):
        errors["contact"] = reach
    if errors:
        return errors
    if not await ratelimit.hit(core, OBJECTIONS, client.key):
        raise CheckRefused(TOO_MANY_OBJECTIONS)
    entry = await public_entry(core, entry_id)
    if entry is None:
        raise CheckRefused(EMPTY)
    async with core.db.transaction() as session:
        objection = RiskObjection(organisation_id=entry.id, text=cleaned, language=language, received_at=core.clock.now(),
                                  contact_sealed=core.keys.seal(reach, purpose=OBJECTION_PURPOSE))
        session.add(objection)
        await session.flush()
        audit.record(session, core, "public", "risk_list.objection", None, objection=objection.id, organisation=entry.id)
    return None
