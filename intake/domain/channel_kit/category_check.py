"""Asking a reporter who chose "not sure" about the suggested category (issue 19 item 4), for
every channel: after the description, "It sounds like <category>. Is that right?" with the
next two categories and "still not sure", only when the suggestion is sure. The answer is the
category taken (routing follows it, questionnaire.checked_category; staff still confirm) or
STILL_UNSURE.

The conversation (intake/domain/conversation.py) calls `offer_category` when the category or the
description is answered, and the three others to word the question, its choices and its answer.
"""
from __future__ import annotations

from collections.abc import Callable

from i18n import Translator
from intake.domain.deployment import Deployment
from intake.domain.questionnaire import (
    CATEGORY_CHECK,
    CATEGORY_OFFER,
    STILL_NOT_SURE,
    STILL_UNSURE,
    UNSURE_CATEGORY,
    YES_THAT_IS_RIGHT,
)
from intake.domain.suggest import Suggestion

#: The next categories offered beside the suggested one.
ALTERNATIVES = 2


def offer_category(answers: dict, language: str, deployment: Deployment,
                   suggest: Callable[[str, str], Suggestion] | None) -> dict:
    """The answers with the suggestion to offer, or without one: only a sure suggestion of a
    category the deployment offers (never "not sure" itself, always an answer of its own). A
    changed offer drops the answer to the old one, so the reporter is asked again."""
    offer = None
    description = answers.get("description")
    if suggest is not None and answers.get("category") == UNSURE_CATEGORY and isinstance(description, str):
        result = suggest(description, language)
        offered = {c.code for c in deployment.active_categories()} - {UNSURE_CATEGORY}
        if result.sure and result.category in offered:
            offer = {
                "category": result.category,
                "alternatives": [code for code, _ in result.alternatives if code in offered][:ALTERNATIVES],
                "confidence": result.confidence,
                "model_version": result.model_version,
            }
    before = answers.get(CATEGORY_OFFER) or {}
    answers = {key: value for key, value in answers.items() if key != CATEGORY_OFFER}
    if offer is not None:
        answers[CATEGORY_OFFER] = offer
    if (before.get("category"), before.get("alternatives")) != ((offer or {}).get("category"), (offer or {}).get("alternatives")):
        answers.pop(CATEGORY_CHECK, None)
    return answers


def choices(offer: dict | None, language: str, deployment: Deployment) -> list[tuple[str, str]]:
    """(value, label): yes (the offered category), the next two by their names, still not sure."""
    if not offer:
        return []
    _ = Translator(language)
    labels = {c.code: c.label.get(language) for c in deployment.categories}
    return [
        (offer["category"], _(YES_THAT_IS_RIGHT)),
        *((code, labels[code]) for code in offer["alternatives"] if code in labels),
        (STILL_UNSURE, _(STILL_NOT_SURE)),
    ]


def question(text: str, offer: dict | None, language: str, deployment: Deployment) -> str:
    """The translated question with the offered category's name in it."""
    code = (offer or {}).get("category")
    category = deployment.category_by_code.get(code) if code else None
    return text % {"category": category.label.get(language) if category else code}


def answer_in_words(value: object, language: str, deployment: Deployment) -> str:
    """The category taken, or "still not sure" (on "check your answers" and in the console)."""
    if value == STILL_UNSURE:
        return Translator(language)(STILL_NOT_SURE)
    category = deployment.category_by_code.get(str(value))
    return category.label.get(language) if category else str(value)
