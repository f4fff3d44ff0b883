"""Every look-up of a tracking code, whatever the channel, goes through here, so no channel can
forget the limits: the web's status page, reply and rating, the partner API, the bot, the CLI, a
reward administrator entering a code, and any later channel (an import-linter contract keeps the
channels away from intake.reporting.tips, which looks codes up without counting).

A code is 11 random digits and a check digit: 10^11 valid codes. Guessing is counted three ways:
- every look-up, per client (an address, a chat, the local CLI): a flood limit, as before;
- every look-up of a well-formed code that finds no tip, per client and for the whole deployment.
  It is counted before the look-up runs (a reservation) and given back when the code is found,
  so a hundred requests at once cannot all pass a check made before any of them was counted;
- once the deployment's hourly budget of failed look-ups is spent, every client's allowance of
  failures drops (from 10 to 2 an hour) until the window turns, and the coordinating office is
  alerted, once an hour.
A malformed code (its check digit wrong: a typo) is answered like an unknown one, after the same
work, but spends no failure: the check digit tells it can be no one's code. A found code spends
nothing but the flood limit, so a care home whose residents share one connection reads its own
reports freely. Only PIN failures and writes are limited per code: a stranger failing on purpose
can never stop the reporter from reading their own report. Figures in SECURITY.md.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from i18n import N_, Translator
from intake.platform import audit, ratelimit
from intake.platform.core import Core
from intake.platform.models.notifications import Notification
from intake.platform.models.tips import Tip
from intake.notify.outbox import Notice
from intake.platform.ratelimit import Counted, Limit
from intake.reporting.tips import (
    MAX_REPLY_FILES, UNKNOWN_CODE, PublicView, ReplyRefused, find_tip, pin_of, reply_to, view_of,
)
from intake.domain.tracking import MAX_INPUT_CHARS, normalize_code
from intake.notify.unit_alerts import LOOKUP_BUDGET, UNIT_LANGUAGE, coordinating_units, queue_unit_alert, unit_destinations

log = logging.getLogger(__name__)

__all__ = [
    "MAX_REPLY_FILES", "UNKNOWN_CODE", "Client", "LookupRefused", "PublicView", "ReplyRefused",
    "check_pin", "reply_with_pin", "status",
]

#: Every look-up, found or not, per client: a flood limit (the web's limit before, per address).
LOOKUPS = Limit("lookups", 120, 600)
#: Look-ups of a well-formed code that found no tip, per client per hour.
FAILED = Limit("lookups-failed", 10, 3600)
#: The same allowance while the deployment's budget is spent (until its window turns).
FAILED_WHILE_SPENT = 2
#: Failed look-ups of the whole deployment per hour; past it, everyone gets FAILED_WHILE_SPENT.
BUDGET = Limit("lookups-failed-all", 1000, 3600)
#: The coordinating office is alerted once per window of this limit.
BUDGET_ALERT = Limit("lookups-budget-alert", 1, 3600)
#: Additions with the code and PIN, per tip per day (the bot's chat replies need no code).
WRITES_PER_TIP = Limit("tip-writes", 20, 86400)
DEPLOYMENT = "deployment"

TOO_MANY_LOOKUPS = N_(
    "There have been too many tries with tracking codes from here. Please wait an hour and try again. "
    "If you cannot find your code, call 12345."
)
TOO_MANY_WRITES = N_(
    "Much has been added to this report today. Please wait until tomorrow to add more, or call 12345."
)
#: The alert to the coordinating office (units read Chinese; all three catalogs carry it).
BUDGET_SUBJECT = N_("Many tracking codes are being guessed on the tip-line")
BUDGET_BODY = N_(
    "In the last hour more than %(budget)s look-ups were made with tracking codes that belong to no "
    "report: someone is probably trying codes at random to find reports. Until the hour is over, every "
    "connection may try only %(allowance)s unknown codes an hour; reporters who type their own code "
    "still see their report. No report has been shown to anyone who did not have its code. If this "
    "goes on, tell the people who run the tip-line."
)


class LookupRefused(ReplyRefused):
    """Too many look-ups from this client: nothing was looked up, and nothing says whether the
    code exists. A ReplyRefused, so a channel that shows those shows this in the same way."""

    def __init__(self) -> None:
        super().__init__(TOO_MANY_LOOKUPS)


@dataclass(frozen=True)
class Client:
    """Who is looking up: the key the limits are counted under. The web form and the API share
    one per address, so going from one to the other gains nothing."""

    key: str

    @classmethod
    def address(cls, address: str) -> Client:
        return cls(f"address:{address}")

    @classmethod
    def telegram(cls, chat_id: int | str) -> Client:
        return cls(f"telegram:{chat_id}")

    @classmethod
    def wechat(cls, user_hash: str) -> Client:
        """A WeChat person, by the keyed hash of their openid (the openid is personal data)."""
        return cls(f"wechat:{user_hash}")

    @classmethod
    def staff(cls, username: str) -> Client:
        return cls(f"staff:{username}")

    @classmethod
    def local(cls) -> Client:
        """The CLI on the server: one client, whoever types."""
        return cls("local:cli")


async def _resolve(core: Core, client: Client, code_text: str) -> tuple[Tip | None, str]:
    """The tip of a typed code and its canonical form, counted against `client`'s limits."""
    code_text = code_text[: MAX_INPUT_CHARS * 4]
    if not await ratelimit.hit(core, LOOKUPS, client.key):
        log.warning("look-ups: the flood limit of a client was reached")
        raise LookupRefused()
    code = normalize_code(code_text)
    if code is None:  # a typo: the same work as any look-up, and no failure spent
        await find_tip(core, code_text)
        return None, ""
    reserved = await _reserve_failure(core, client)
    tip = await find_tip(core, code)
    if tip is not None:  # found: not a failure after all
        for counted in reserved:
            await ratelimit.refund(core, counted)
    return tip, code


async def _reserve_failure(core: Core, client: Client) -> tuple[Counted, ...]:
    """Count the look-up as failed before it runs, for the client and the deployment; refused
    (and given back) when the client's allowance is spent."""
    mine = await ratelimit.count(core, FAILED, client.key)
    if not mine.allowed:  # nothing is looked up: nothing to count, here or for the deployment
        await ratelimit.refund(core, mine)
        log.warning("look-ups: a client's allowance of unknown codes was spent")
        raise LookupRefused()
    everyone = await ratelimit.count(core, BUDGET, DEPLOYMENT)
    if not everyone.allowed and mine.count > FAILED_WHILE_SPENT:
        for counted in (mine, everyone):
            await ratelimit.refund(core, counted)
        log.warning("look-ups: a client's allowance of unknown codes was spent (the deployment's budget is)")
        raise LookupRefused()
    if not everyone.allowed:  # this look-up goes past the budget
        await _budget_spent(core)
    return mine, everyone


async def _budget_spent(core: Core) -> None:
    """Once per window: an audit event, a log warning, and an alert to the coordinating office."""
    if not await ratelimit.hit(core, BUDGET_ALERT, DEPLOYMENT):
        return
    log.warning("look-ups: more than %s unknown tracking codes in an hour; every client now gets %s an hour",
                BUDGET.count, FAILED_WHILE_SPENT)
    async with core.db.transaction() as session:
        units = coordinating_units(core.deployment)
        for unit in units:
            queue_unit_alert(core, session, unit.code, {"about": LOOKUP_BUDGET, "budget": BUDGET.count,
                                                       "allowance": FAILED_WHILE_SPENT})
        audit.record(session, core, "system", "lookups.budget_spent", budget=BUDGET.count,
                     allowance=FAILED_WHILE_SPENT, alerted=[unit.code for unit in units])


def render_budget_alert(core: Core, notification: Notification) -> Notice | None:
    """The alert to the coordinating office on the notification's channel, in the units' language."""
    payload, channel = notification.payload or {}, notification.channel
    address = dict(unit_destinations(core.deployment.unit_by_code.get(str(payload.get("unit", ""))))).get(channel)
    if address is None:
        return None
    language = UNIT_LANGUAGE
    _ = Translator(language)
    subject = _(BUDGET_SUBJECT)
    body = _(BUDGET_BODY, budget=payload.get("budget", BUDGET.count), allowance=payload.get("allowance", FAILED_WHILE_SPENT))
    if channel != "email":  # a chat message has no subject line of its own
        body = f"{subject}\n\n{body}"
    return Notice(channel=channel, address=address, language=language, subject=subject, body=body,
                  template="unit_alert", params={})


# --- what the channels call ------------------------------------------------------------------------

async def status(core: Core, client: Client, code_text: str, language: str | None = None) -> PublicView | None:
    """A report's public timeline by its code (None: no such report, or a mistyped code);
    LookupRefused when `client` has tried too many."""
    tip, code = await _resolve(core, client, code_text)
    return None if tip is None else view_of(core, tip, code, language)


async def check_pin(core: Core, client: Client, code_text: str, pin_text: str) -> Tip:
    """The tip, when the code and its reply PIN are right; ReplyRefused (LookupRefused) else."""
    tip, code = await _resolve(core, client, code_text)
    if tip is None:
        raise ReplyRefused(UNKNOWN_CODE)
    return await pin_of(core, tip, code, pin_text)


async def reply_with_pin(
    core: Core, client: Client, code_text: str, pin_text: str, text: str, *, language: str | None = None,
    files: Sequence[tuple[bytes, str]] = (),
) -> str:
    """Add information to a report with its code and PIN (tips.reply_to); at most
    WRITES_PER_TIP.count additions a day per report, whoever sends them."""
    tip = await check_pin(core, client, code_text, pin_text)
    if not await ratelimit.hit(core, WRITES_PER_TIP, f"tip:{tip.id}"):
        raise ReplyRefused(TOO_MANY_WRITES)
    return await reply_to(core, tip, text, language=language, files=files)
