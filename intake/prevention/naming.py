"""Which published warnings name what someone typed into "check before you pay"
(intake/reporting/checks.py asks through `register_warnings_finder`, wired by tipline/bootstrap.py).

A warning names a thing by its structured fields only, never by its free text: a number under
"do not call", a web address under "do not open", or the organisation it is linked to (by the
organisation's name as the duplicates feature normalises it, or its unified social credit code).
Only warnings the public can see now are read, so a withdrawn warning is gone from the next look-up.
The warnings in force are few (each stays up a year at most), so their numbers and addresses are
compared here rather than kept as keys in a table of their own.
"""
from __future__ import annotations

import re

from sqlalchemy import or_, select

from intake.platform.core import Core
from intake.platform.models.prevention import ScamWarning
from intake.platform.models.tip_records import Organisation
from intake.prevention.public import PublicWarning, organisation_names, public_view, shown_today
from intake.reporting.checks import SearchKeys

_SEPARATORS = re.compile(r"[\s\-().\u2010-\u2015]")
SHOWN = 10


def number_keys(number: str) -> set[str]:
    """The forms a stored "do not call" number (already read by domain.warnings.read_number:
    "+86…" or digits) is looked up by: its digits, and without the country code."""
    keys = {_SEPARATORS.sub("", number).lstrip("+")}
    if number.startswith("+86"):
        keys.add(number[3:])
    return keys


def _host(address: str) -> tuple[str, str]:
    host, _, path = address.partition("/")
    return host.removeprefix("www."), path


def names_address(stored: str, typed: str) -> bool:
    """A "do not open" address names what was typed when the host is the same (with or without
    "www.") and the typed path, if any, is the warned page or below it."""
    stored_host, stored_path = _host(stored)
    typed_host, typed_path = _host(typed)
    if stored_host != typed_host:
        return False
    return not typed_path or not stored_path or (typed_path + "/").startswith(stored_path.rstrip("/") + "/")


def _typed_numbers(keys: SearchKeys) -> set[str]:
    typed = {key.lstrip("+") for key in (keys.phone, keys.digits) if key}
    if keys.phone and keys.phone.startswith("+86"):
        typed.add(keys.phone[3:])
    return typed


def _names(row, keys: SearchKeys, typed_numbers: set[str], organisations: set[int]) -> bool:  # noqa: ANN001 - a Row
    if row.organisation_id is not None and row.organisation_id in organisations:
        return True
    if typed_numbers and any(number_keys(number) & typed_numbers for number in row.do_not_call):
        return True
    return bool(keys.address) and any(names_address(address, keys.address) for address in row.do_not_open)


async def warnings_naming(core: Core, keys: SearchKeys, language: str) -> list[PublicWarning]:
    """The warnings in force naming what was typed, newest first, in `language` where translated."""
    by_organisation = [condition for condition, wanted in (
        (Organisation.key == keys.organisation, keys.organisation),
        (Organisation.credit_code.in_(sorted(keys.credit_codes)), keys.credit_codes)) if wanted]
    typed_numbers = _typed_numbers(keys)
    async with core.db.session() as session:
        organisations = set((await session.scalars(select(Organisation.id).where(or_(*by_organisation)))).all()
                            ) if by_organisation else set()
        if not (organisations or typed_numbers or keys.address):
            return []
        # What a warning names, without its texts; then the few that match, whole.
        candidates = (await session.execute(
            select(ScamWarning.id, ScamWarning.organisation_id, ScamWarning.do_not_call, ScamWarning.do_not_open)
            .where(shown_today(core)))).all()
        matching = [row.id for row in candidates if _names(row, keys, typed_numbers, organisations)]
        if not matching:
            return []
        found = (await session.scalars(
            select(ScamWarning).where(ScamWarning.id.in_(matching), shown_today(core))
            .order_by(ScamWarning.published_at.desc(), ScamWarning.id.desc()).limit(SHOWN))).all()
        names = await organisation_names(session, list(found))
    return [public_view(core, warning, language, names.get(warning.organisation_id)) for warning in found]
