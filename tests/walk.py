"""Walk the questionnaire with prepared answers, as a channel would."""
from __future__ import annotations

from intake.domain import conversation as conv
from intake.domain.conversation import SKIP, Context, DraftState

ANSWERS_FOR_MOTHER = {
    "urgent": "no",
    "reporting_for": "family",
    "relationship": "child",
    "category": "care_service",
    "description": "养老院卖“贵宾卡”，三万元一张，承诺每年返还10%。",
    "suspect_known": "yes",
    "suspect_organisation": "福寿康养老院",
    "suspect_person": "张经理",
    "suspect_phone": "0571-8888 6666",
    "suspect_address": "东湖县幸福路8号",
    "suspect_online": SKIP,
    "region": "990121",
    "place": "幸福路8号",
    "when": "2026年10月",
    "ongoing": "no",
    "money_lost": "3万",
    "payment_method": ["bank_transfer"],
    "victim_age": "70_79",
    "victim_name": "王秀英",
    "victim_phone": "138 0013 8000",
    "victim_region": "990121",
    "contact_mode": "named",
    "reporter_name": "李建国",
    "reporter_phone": "139-0013-9000",
    "reporter_email": "wang.son@example.com",
    "notify": "yes",
    "consent": "yes",
}

ANSWERS_ANONYMOUS_SELF = {
    "urgent": "no",
    "reporting_for": "self",
    "category": "care_product",
    "description": "Free health lectures every week, then they sell pills for 2000 yuan a box.",
    "suspect_known": "no",
    "region": "990122",
    "place": SKIP,
    "when": "dont_know",
    "ongoing": "dont_know",
    "money_lost": "2000",
    "payment_method": "cash",
    "victim_age": "80_plus",
    "contact_mode": "anonymous",
    "reporter_phone": SKIP,
    "reporter_email": SKIP,
    "notify": "no",
    "consent": "yes",
}


def walk(state: DraftState, ctx: Context, answers: dict, *, stop_at: str | None = None) -> DraftState:
    """Answer every question from `answers` (SKIP for those not listed) until the review
    page, or until the question `stop_at` is reached."""
    guard = 0
    while not state.at_review and state.current != stop_at:
        outcome = conv.answer(state, answers.get(state.current, SKIP), ctx)
        assert outcome.error is None, (state.current, outcome.error)
        state = outcome.state
        guard += 1
        assert guard < 100, "the questionnaire does not end"
    return state
