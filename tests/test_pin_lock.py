"""The reply PIN's lock under parallel tries: five wrong PINs lock writing to a tip, and thirty
tries sent at once get no more guesses than five sent one after another (issue 14, item 5)."""
from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from intake.reporting import submission
from intake.platform.models.staff import AuditEvent
from intake.platform.models.tips import Tip
from intake.reporting.tips import MAX_PIN_FAILURES, PIN_LOCKED, ReplyRefused, check_pin
from tests.factories import file_tip


async def _state(core, tip_id: int) -> tuple[int, int]:
    async with core.db.session() as session:
        failures = (await session.get(Tip, tip_id)).pin_failures
        audited = await session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "pin.failed"))
    return failures, audited


async def test_thirty_parallel_tries_evaluate_at_most_five_wrong_pins_and_the_right_one_not_once_locked(core, monkeypatch):
    receipt = await file_tip(core, language="en")
    right = receipt.pin
    wrong = [f"{n:04d}" for n in range(40) if f"{n:04d}" != right][:29]
    tries = [*wrong[:20], right, *wrong[20:]]
    evaluated: list[str] = []  # the PINs actually compared with the tip's, in the order they were
    matches = submission.pin_matches

    def spying(keys, stored, code, pin):  # noqa: ANN001
        evaluated.append(pin)
        return matches(keys, stored, code, pin)

    monkeypatch.setattr(submission, "pin_matches", spying)

    async def attempt(pin: str) -> str:
        try:
            await check_pin(core, receipt.code, pin)
        except ReplyRefused as refused:
            return "locked" if refused.message == PIN_LOCKED else "wrong"
        return "accepted"

    answers = await asyncio.gather(*(attempt(pin) for pin in tries))

    wrong_evaluated = [pin for pin in evaluated if pin != right]
    assert len(wrong_evaluated) <= MAX_PIN_FAILURES, (len(wrong_evaluated), answers)
    assert await _state(core, receipt.tip_id) == (MAX_PIN_FAILURES, MAX_PIN_FAILURES)
    if answers[20] == "accepted":  # only when it came before the lock held
        assert evaluated.index(right) - evaluated[: evaluated.index(right)].count(right) < MAX_PIN_FAILURES
    else:
        assert answers[20] == "locked"
    # Once locked, the right PIN is refused like any other, and nothing more is counted.
    assert await attempt(right) == "locked"
    assert await _state(core, receipt.tip_id) == (MAX_PIN_FAILURES, MAX_PIN_FAILURES)


async def test_the_right_pin_after_four_wrong_ones_still_works_and_counts_nothing(core):
    receipt = await file_tip(core, language="en")
    wrong = "0000" if receipt.pin != "0000" else "1111"
    for _ in range(MAX_PIN_FAILURES - 1):
        try:
            await check_pin(core, receipt.code, wrong)
        except ReplyRefused:
            pass
    assert (await check_pin(core, receipt.code, receipt.pin)).id == receipt.tip_id
    assert await _state(core, receipt.tip_id) == (MAX_PIN_FAILURES - 1, MAX_PIN_FAILURES - 1)
