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

from intake.casework.risk_list import organisation_phone_key
from intake.platform.core import Core
from intake.platform.models.prevention import ScamWarning
from intake.platform.models.tip_records import Organisation
from intake.prevention.public import PublicWarning, public_view, shown_today
from intake.reporting.checks import SearchKeys

_SEPARATORS = re.compile(r"[\s\-().\u2010-\u2015]")
SHOWN = 10


def number_keys(number: str) -> set[str]:
    """The forms a "do not call" number is looked up by: as the duplicates feature reads a phone
    ("+86…", or a 400/800 number's digits), and as plain digits (a 95… service number)."""
    keys = {_SEPARATORS.sub("", number).lstrip("+")}
    if number.startswith("+86"):
        keys.add(number[3:])
    phone = organisation_phone_key(number)
    if phone:
        keys.add(phone)
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


def _names(warning: ScamWarning, keys: SearchKeys, organisations: set[int]) -> bool:
    if warning.organisation_id is not None and warning.organisation_id in organisations:
        return True
    typed_numbers = {key.lstrip("+") for key in (keys.phone, keys.digits) if key}
    if keys.phone and keys.phone.startswith("+86"):
        typed_numbers.add(keys.phone[3:])
    if typed_numbers and any(number_keys(number) & typed_numbers for number in warning.do_not_call):
        return True
    return bool(keys.address) and any(names_address(address, keys.address) for address in warning.do_not_open)


async def warnings_naming(core: Core, keys: SearchKeys, language: str) -> list[PublicWarning]:
    """The warnings in force naming what was typed, newest first, in `language` where translated."""
    by_organisation = [condition for condition, wanted in (
        (Organisation.key == keys.organisation, keys.organisation),
        (Organisation.credit_code.in_(sorted(keys.credit_codes)), keys.credit_codes)) if wanted]
    if not (by_organisation or keys.phone or keys.digits or keys.address):
        return []
    async with core.db.session() as session:
        organisations = set((await session.scalars(select(Organisation.id).where(or_(*by_organisation)))).all()
                            ) if by_organisation else set()
        rows = (await session.scalars(
            select(ScamWarning).where(shown_today(core)).order_by(ScamWarning.published_at.desc(), ScamWarning.id.desc())
        )).all()
    found = [warning for warning in rows if _names(warning, keys, organisations)]
    return [public_view(core, warning, language) for warning in found[:SHOWN]]
