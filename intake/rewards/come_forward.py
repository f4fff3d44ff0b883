"""An anonymous reporter comes forward in person to claim a reward: the tracking code and reply
PIN prove they hold the report, and a real name and phone number make it a named report."""
from __future__ import annotations

from i18n import N_
from intake.domain import purposes
from intake.domain.answers.invalid import Invalid as InvalidAnswer
from intake.domain.answers.phones import parse_phone
from intake.domain.answers.text import clean_text
from intake.platform import audit
from intake.platform.core import Core
from intake.platform.models.staff import StaffUser
from intake.platform.models.tips import Person, Tip
from intake.reporting.lookups import Client, ReplyRefused, check_pin
from intake.rewards.work import RewardError, check_visible, refused, require_admin, reward_work


async def come_forward(core: Core, code_text: str, pin_text: str, *, name: str, phone: str, staff: StaffUser) -> int:
    """An anonymous reporter of a tip claims it in person: the tracking code and reply PIN prove
    they hold the report (wrong PINs count towards the lock, as everywhere), then a real name and
    phone number make it a named report. Entered by a reward administrator; returns the tip id."""
    require_admin(staff)
    cleaned_name = clean_text(name, max_chars=100, min_chars=1)
    if isinstance(cleaned_name, InvalidAnswer):
        raise RewardError(N_("Write the reporter's real name."))
    parsed_phone = parse_phone(phone)
    if isinstance(parsed_phone, InvalidAnswer):
        raise RewardError(parsed_phone.message, **parsed_phone.params)
    try:
        tip = await check_pin(core, Client.staff(staff.username), code_text, pin_text)
    except ReplyRefused as refusal:
        error = refused(refusal.message, **refusal.params)
        raise error from None
    async with reward_work(core, staff, "reward.come_forward", tip.id) as session:
        row = await session.get(Tip, tip.id, with_for_update=True)
        check_visible(core, staff, row)
        person = await session.get(Person, row.reporter_id) if row.reporter_id else None
        data = core.keys.open_json(person.sealed, purpose=purposes.PEOPLE) if person else {}
        data.update(name=cleaned_name, phone=parsed_phone)
        if person is None:
            person = Person(sealed=b"", created_at=core.clock.now())
            session.add(person)
        person.sealed = core.keys.seal(data, purpose=purposes.PEOPLE)
        person.phone_hash = core.keys.lookup_hash(parsed_phone, purpose="phone")
        await session.flush()
        row.reporter_id = person.id
        row.anonymous = False
        row.updated_at = core.clock.now()
        audit.record(session, core, staff.username, "reward.come_forward", row.id)
        return row.id
