"""Tips taken by phone, letter or visit (来电、来信、来访): the officer walks the questionnaire of
intake/ for the caller, one question per page, then reads the tracking code and PIN out.

Like the public wizard, it only translates: each page renders `conversation.prompt()` (in the
officer's language; the draft keeps the caller's, in which every notice is sent), each POST
passes the fields to `conversation.answer()` and saves the draft. No question is declared here.
"""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from console import forms
from console.dependencies import ConsoleDep, SignedForm, SignedIn
from console.web import Console, Viewer
from i18n import LANGUAGE_NAMES, LANGUAGE_TAGS, LANGUAGES, N_
from intake.domain import conversation as conv
from intake.domain.answers.invalid import Invalid
from intake.domain.channel_kit.fields import filled_from_answer, filled_from_form, raw_answer
from intake.domain.channel_kit.kinds import TYPED_KINDS, takes_long_text
from intake.domain.channel_kit import navigation
from intake.domain.channel_kit.navigation import at_first_missing
from intake.domain.conversation import REVIEW, Context, DraftState
from intake.reporting.conversation_context import report_context
from intake.reporting.drafts import discard_draft, save_draft
from intake.reporting.phone_intake import (
    CAPABILITIES, SOURCES, IntakeNotFound, StaffIntake, may_take_tips, open_intake, receipt_shown, start_intake,
    submit_intake,
)
from intake.domain.questionnaire import STEP_BY_KEY, URGENT_AFTER_SENDING
from intake.domain.steps import Kind
from intake.platform.core import Core
from intake.reporting.submission import Receipt
from intake.domain.tracking import format_code
from intake.domain.workflow import ACCEPT_DAYS

SOURCE_LABELS = {
    "phone": N_("Phone call (来电)"),
    "letter": N_("Letter (来信)"),
    "visit": N_("Visit (来访)"),
}
INPUT_TYPES = {Kind.PHONE: "tel", Kind.EMAIL: "email"}

router = APIRouter()


def context(core: Core) -> Context:
    return report_context(core, CAPABILITIES)


def question_url(ref: str, key: str, *, from_review: bool = False) -> str:
    """Every question has its own address, as in the public form, so the browser's Back works."""
    if key == REVIEW:
        return f"/intake/{ref}"
    return f"/intake/{ref}/q/{quote(key)}" + ("?from=review" if from_review else "")


def see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def gone(console: Console, viewer: Viewer) -> Response:
    _ = viewer._
    return console.render(viewer, "message.html", status_code=404, title=_("Not found"), message=_(
        "There is no such report in progress, or it is not one you started. Drafts expire after 30 days without an answer."))


def in_officer_language(state: DraftState, viewer: Viewer) -> DraftState:
    return replace(state, language=viewer.language)


def source_label(viewer: Viewer, source: str) -> str:
    return viewer._(SOURCE_LABELS.get(source, source))


@router.get("/intake")
async def start_page(viewer: SignedIn, console: ConsoleDep) -> Response:
    if not may_take_tips(viewer.staff):
        return gone(console, viewer)
    return console.render(
        viewer, "intake_start.html", title=viewer._("Take a tip by phone, letter or visit"),
        sources=[(s, source_label(viewer, s)) for s in SOURCES], languages=[(l, LANGUAGE_NAMES[l]) for l in LANGUAGES],
    )


@router.post("/intake")
async def start(signed: SignedForm, console: ConsoleDep) -> Response:
    viewer, form = signed
    source, language = forms.field(form, "source"), forms.field(form, "language")
    try:
        intake = await start_intake(console.core, viewer.staff, source=source if source in SOURCES else "", language=language)
    except IntakeNotFound:
        return gone(console, viewer)
    return see(question_url(intake.ref, intake.record.state.current))  # the first question has its own address too


async def opened(request: Request, console: Console, viewer: Viewer, ref: str, *,
                 posted: bool) -> tuple[StaffIntake | None, Response | None]:
    """This officer's intake, or the response to give instead (the session, and the form's
    token when `posted`, are checked already)."""
    try:
        intake = await open_intake(console.core, viewer.staff, ref)
    except IntakeNotFound:
        return None, gone(console, viewer)
    if posted and intake.receipt is not None and not request.url.path.endswith("/submit"):
        return intake, see(f"/intake/{ref}")  # already sent: nothing more to change
    return intake, None


@router.get("/intake/{ref}")
async def show(request: Request, ref: str, viewer: SignedIn, console: ConsoleDep, notice: str = "") -> Response:
    intake, response = await opened(request, console, viewer, ref, posted=False)
    if response is not None:
        return response
    if intake.receipt is not None:
        return await receipt_page(console, viewer, intake)
    if intake.record.state.at_review:
        return review_page(console, viewer, intake)
    return question_page(console, viewer, intake, notice_after=notice)


@router.get("/intake/{ref}/q/{key}")
async def question(request: Request, ref: str, key: str, viewer: SignedIn, console: ConsoleDep, notice: str = "",
                   came_from: str = Query("", alias="from")) -> Response:
    """One question: the current one, or one answered before (the browser's Back, a Change link)."""
    intake, response = await opened(request, console, viewer, ref, posted=False)
    if response is not None:
        return response
    if intake.receipt is not None or not navigation.can_show(intake.record.state, key, CAPABILITIES):
        return see(f"/intake/{ref}")
    return question_page(console, viewer, intake, key=key, from_review=came_from == "review", notice_after=notice)


def page_context(viewer: Viewer, intake: StaffIntake) -> dict:
    language = intake.record.state.language
    return {
        "ref": intake.ref, "source_label": source_label(viewer, intake.source),
        "caller_language": LANGUAGE_NAMES.get(language, language),
    }


def question_page(console: Console, viewer: Viewer, intake: StaffIntake, *, key: str | None = None,
                  from_review: bool = False, error: Invalid | None = None, posted: FormData | None = None,
                  notice_after: str = "", status_code: int = 200) -> Response:
    state = intake.record.state
    key = key or state.current
    shown = state if key == state.current else replace(state, current=key)
    prompt = conv.prompt(in_officer_language(shown, viewer), context(console.core))
    step = STEP_BY_KEY[prompt.key]
    before = navigation.before(state, key, from_review=from_review)
    # After an error, what was typed or chosen; otherwise the stored answer.
    filled = (filled_from_form(step.kind, posted) if posted is not None
              else filled_from_answer(step.kind, state.answers.get(step.key)))
    notices = []
    earlier = STEP_BY_KEY.get(notice_after)
    if earlier is not None:
        notices = [viewer.core_(text) for condition, text in earlier.notice_when if condition(state.answers)]
    return console.render(
        viewer, "intake_question.html", status_code=status_code, title=prompt.question, prompt=prompt,
        **page_context(viewer, intake),
        error=viewer.core_(error.message, **error.params) if error else None,
        typed=filled.text, chosen=filled.chosen, typed_kind=step.kind in TYPED_KINDS, long_text=takes_long_text(step),
        input_type=INPUT_TYPES.get(step.kind, "text"), multiple=step.kind is Kind.MULTI_CHOICE,
        notices=notices, from_review=from_review,
        back_url=question_url(intake.ref, before) if before is not None else None,
    )


def review_page(console: Console, viewer: Viewer, intake: StaffIntake, *, status_code: int = 200) -> Response:
    items = conv.review(in_officer_language(intake.record.state, viewer), context(console.core))
    return console.render(viewer, "intake_review.html", status_code=status_code, title=viewer._("Check the answers with the caller"),
                          items=items, **page_context(viewer, intake))


async def receipt_page(console: Console, viewer: Viewer, intake: StaffIntake) -> Response:
    receipt: Receipt = intake.receipt  # type: ignore[assignment]
    await receipt_shown(console.core, viewer.staff, intake)
    category = console.core.deployment.category_by_code.get(receipt.category)
    return console.render(
        viewer, "intake_receipt.html", title=viewer._("Read the tracking code and PIN to the caller"),
        **page_context(viewer, intake), tip_id=receipt.tip_id, code=format_code(receipt.code), pin=receipt.pin,
        urgent=viewer.core_(URGENT_AFTER_SENDING) if receipt.urgent else None, accept_days=ACCEPT_DAYS,
        advice=category.advice.get(viewer.language) if category else None,
        caller_advice=category.advice.get(receipt.language) if category and receipt.language != viewer.language else None,
        caller_tag=LANGUAGE_TAGS.get(receipt.language, receipt.language),
    )


@router.post("/intake/{ref}/answer")
async def answer(request: Request, ref: str, signed: SignedForm, console: ConsoleDep) -> Response:
    viewer, form = signed
    intake, response = await opened(request, console, viewer, ref, posted=True)
    if response is not None:
        return response
    record = intake.record
    key, from_review = forms.field(form, "key"), forms.field(form, "from") == "review"
    step = STEP_BY_KEY.get(key)
    # The question may be an earlier one (the browser's Back) or one changed from the check.
    state = navigation.go_to(record.state, key, CAPABILITIES, from_review=from_review) if step else None
    if step is None or state is None:
        return see(f"/intake/{ref}")  # not open (another tab moved on): show where the draft is
    outcome = conv.answer(state, raw_answer(step.kind, form), context(console.core))
    if outcome.error is not None:
        return question_page(console, viewer, intake, key=key, from_review=from_review, error=outcome.error,
                             posted=form, status_code=400)
    record.state = outcome.state
    await save_draft(console.core, record)
    following = question_url(ref, record.state.current)
    return see(f"{following}?notice={quote(key)}" if outcome.notices else following)


@router.post("/intake/{ref}/back")
async def back(request: Request, ref: str, signed: SignedForm, console: ConsoleDep) -> Response:
    intake, response = await opened(request, console, signed.viewer, ref, posted=True)
    if response is not None:
        return response
    intake.record.state = conv.back(intake.record.state)
    await save_draft(console.core, intake.record)
    return see(f"/intake/{ref}")


@router.post("/intake/{ref}/change")
async def change(request: Request, ref: str, signed: SignedForm, console: ConsoleDep) -> Response:
    intake, response = await opened(request, console, signed.viewer, ref, posted=True)
    if response is not None:
        return response
    if intake.record.state.current == REVIEW:
        intake.record.state = conv.change(intake.record.state, forms.field(signed.form, "key"), CAPABILITIES)
        await save_draft(console.core, intake.record)
    return see(f"/intake/{ref}")


@router.post("/intake/{ref}/submit")
async def submit(request: Request, ref: str, signed: SignedForm, console: ConsoleDep) -> Response:
    viewer = signed.viewer
    intake, response = await opened(request, console, viewer, ref, posted=True)
    if response is not None:
        return response
    result = await submit_intake(console.core, viewer.staff, ref)
    if not isinstance(result, Receipt):
        intake.record.state = at_first_missing(intake.record.state, result.missing, CAPABILITIES)
        await save_draft(console.core, intake.record)
    return see(f"/intake/{ref}")


@router.post("/intake/{ref}/discard")
async def discard(request: Request, ref: str, signed: SignedForm, console: ConsoleDep) -> Response:
    intake, response = await opened(request, console, signed.viewer, ref, posted=True)
    if response is not None:
        return response
    await discard_draft(console.core, intake.record.id)
    return see("/intake")
