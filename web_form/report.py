"""The report wizard: the questionnaire of intake/, one question per page.

It only translates: each page renders `conversation.prompt()`, each POST passes the fields to
`conversation.answer()` and saves the draft. Every page has a real URL (/report/q/<key>), so
the browser's Back button and the page's Back link both work, with the answers kept.
"""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException

from i18n import N_
from intake.domain import conversation as conv
from intake.domain.answers.invalid import Invalid
from intake.domain.channel_kit import navigation
from intake.domain.channel_kit.fields import Filled, filled_from_answer, filled_from_form, raw_answer
from intake.domain.channel_kit.kinds import TYPED_KINDS, takes_long_text
from intake.domain.channel_kit.receipt import after_receipt
from intake.platform.attachments import MAX_BYTES, check_files, load, store
from intake.domain.conversation import MAX_FILES, REVIEW, Context, DraftState
from intake.platform.core import Core
from intake.reporting.conversation_context import report_context
from intake.reporting.drafts import DraftRecord, discard_draft, find_draft, get_draft, new_draft, owner_hash, save_draft
from intake.reporting.linking import TOKEN_LIFETIME, new_link_token
from intake.platform.models.reporting import Draft
from intake.domain.questionnaire import STEP_BY_KEY
from intake.domain.steps import ChannelCapabilities, Kind
from intake.reporting.submission import DraftGone, Receipt, draft_receipt, submit_draft
from intake.domain.workflow import ACCEPT_DAYS, FINISH_DAYS
from web_form import fields
from web_form.common import (
    ANSWERS_PER_DRAFT, MAX_UPLOAD_BODY, REPORT_STARTS, SUBMISSIONS, allowed, core_of, form_token_state,
    honeypot_filled, read_form, render, too_many, visitor_of,
)
from web_form.rendering import message_text

CHANNEL = "web"
CAPABILITIES = ChannelCapabilities(frozenset({"files"}))
RECEIPT_COOKIE = "tl_receipt"
RECEIPT_COOKIE_SECONDS = 2 * 3600  # long enough to print; short on a shared computer

TOKEN_EXPIRED = N_(
    "This page was open for a long time, so for your safety it was not sent. Nothing you typed is lost: "
    "please check it and press the button again."
)
DRAFT_GONE = N_(
    "We could not find a report in progress in this browser. It may have been sent or deleted, or it expired "
    "after 30 days. This form also needs cookies switched on to keep your answers."
)
FILES_TOO_BIG = N_("These files are too big to send together. Please send at most %(max)s MB at a time.")
TEXT_TOO_BIG = N_("This is far too long to send. Please shorten it to a few pages of text.")
FILE_TOO_BIG = N_(
    "This file is %(size)s MB; the most we can take is %(max)s MB. Please send a smaller photo or a part of the document."
)

router = APIRouter()


def _context(core: Core) -> Context:
    return report_context(core, CAPABILITIES)


def question_url(key: str) -> str:
    return "/report/review" if key == REVIEW else f"/report/q/{quote(key)}"


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def _draft(request: Request) -> DraftRecord | None:
    """The visitor's report in progress, in the language the page is shown in."""
    record = await find_draft(core_of(request), CHANNEL, visitor_of(request).owner)
    if record is not None:
        record.state.language = visitor_of(request).language
    return record


# --- start, resume, discard ---------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
async def start_page(request: Request) -> Response:
    record = await _draft(request)
    return render(request, "start.html", draft=record, gone=request.query_params.get("gone") == "1",
                  message=DRAFT_GONE if request.query_params.get("gone") == "1" else None)


@router.post("/report/start")
async def start_report(request: Request) -> Response:
    form = await _small_form(request)
    if form is None:
        return _see("/")
    if form_token_state(request, form) != "ok":
        return render(request, "start.html", draft=await _draft(request), message=TOKEN_EXPIRED)
    if honeypot_filled(form):
        return _see("/")
    record = await _draft(request)
    if record is None:
        if not await allowed(request, REPORT_STARTS):
            return too_many(request)
        record = await new_draft(core_of(request), CHANNEL, visitor_of(request).owner, visitor_of(request).language,
                                 CAPABILITIES)
    return _see(question_url(record.state.current))


@router.post("/report/discard")
async def discard_report(request: Request) -> Response:
    form = await _small_form(request)
    if form is None or form_token_state(request, form) != "ok":
        return render(request, "start.html", draft=await _draft(request), message=TOKEN_EXPIRED)
    record = await _draft(request)
    if record is not None:
        await discard_draft(core_of(request), record.id)
    return _see("/")


@router.get("/report")
async def resume(request: Request) -> Response:
    record = await _draft(request)
    return _see(question_url(record.state.current) if record else "/?gone=1")


# --- one question per page -------------------------------------------------------------------

def _viewable(state: DraftState, key: str) -> bool:
    return navigation.can_show(state, key, CAPABILITIES)


def _back_link(state: DraftState, key: str, from_review: bool) -> str:
    before = navigation.before(state, key, from_review=from_review)
    return "/" if before is None else question_url(before)


async def _file_names(core: Core, ids: list[str]) -> list[tuple[str, str]]:
    names = []
    for attachment_id in ids:
        stored = await load(core, attachment_id)
        if stored is not None:
            names.append((attachment_id, stored.name))
    return names


async def _question_page(
    request: Request, record: DraftRecord, key: str, *, from_review: bool,
    filled: Filled | None = None, error: Invalid | None = None, message: str | None = None,
) -> Response:
    core = core_of(request)
    state = record.state
    shown = state if key == state.current else DraftState(**{**state.to_dict(), "current": key})
    prompt = conv.prompt(shown, _context(core))
    step = STEP_BY_KEY[key]
    if filled is None:
        filled = filled_from_answer(step.kind, state.answers.get(key))
    files = await _file_names(core, filled.chosen) if step.kind is Kind.FILES else []
    error_text = message_text(error, state.language) if error else None
    return render(
        request, "question.html",
        prompt=prompt, step=step, filled=filled, files=files, error=error_text,
        field_id=_field_id(prompt), back=_back_link(state, key, from_review), from_review=from_review,
        message=message, long_text=takes_long_text(step),
        max_files=MAX_FILES, max_mb=MAX_BYTES // (1024 * 1024),
    )


def _field_id(prompt: conv.Prompt) -> str:
    """Where the error summary's link goes: the field, or the first radio or box."""
    if prompt.kind is Kind.FILES:
        return "files"
    if prompt.kind in TYPED_KINDS:
        return "answer"
    return "answer-0"


@router.get("/report/q/{key}", response_class=HTMLResponse)
async def question(request: Request, key: str) -> Response:
    record = await _draft(request)
    if record is None:
        return _see("/?gone=1")
    if not _viewable(record.state, key):
        return _see(question_url(record.state.current))
    return await _question_page(request, record, key, from_review=request.query_params.get("from") == "review")


@router.post("/report/q/{key}")
async def answer_question(request: Request, key: str) -> Response:
    core = core_of(request)
    record = await _draft(request)
    if record is None:
        return _see("/?gone=1")
    step = STEP_BY_KEY.get(key)
    if step is None or not _viewable(record.state, key):
        return _see(question_url(record.state.current))
    form, too_big = await _question_form(request, step.kind)
    from_review = form.get("from") == "review"
    if too_big is not None:
        return await _question_page(request, record, key, from_review=from_review, error=too_big)
    filled = filled_from_form(step.kind, form)
    if step.kind is Kind.FILES:
        filled.chosen = [v for v in form.getlist("keep") if isinstance(v, str) and v in (record.state.answers.get(key) or [])]
    if form_token_state(request, form) != "ok":
        return await _question_page(request, record, key, from_review=from_review, filled=filled, message=TOKEN_EXPIRED)
    if not await allowed(request, ANSWERS_PER_DRAFT, record.id):
        return too_many(request)
    state = navigation.go_to(record.state, key, CAPABILITIES, from_review=from_review)
    if state is None:
        return _see(question_url(record.state.current))
    if step.kind is Kind.FILES:
        raw = await _files_answer(core, record, form, filled.chosen)
        if isinstance(raw, Invalid):
            return await _question_page(request, record, key, from_review=from_review, filled=filled, error=raw)
    else:
        raw = raw_answer(step.kind, form)
    outcome = conv.answer(state, raw, _context(core))
    if outcome.error is not None:
        return await _question_page(request, record, key, from_review=from_review, filled=filled, error=outcome.error)
    record.state = outcome.state
    await save_draft(core, record)
    if outcome.notices:
        return _see(f"/report/notice/{quote(key)}")
    return _see(question_url(record.state.current))


async def _small_form(request: Request) -> FormData | None:
    return await read_form(request)


async def _question_form(request: Request, kind: Kind) -> tuple[FormData, Invalid | None]:
    """The posted fields, or an explanation when the body is too big to read at all (the files
    question's path may send MAX_UPLOAD_BODY, every other one MAX_FORM_BODY: app.body_limit)."""
    if kind is Kind.FILES:
        try:
            form = await read_form(request, max_files=MAX_FILES + 1, max_fields=100)
        except MultiPartException:
            return FormData(), Invalid(N_("You can add at most %(max)s files."), {"max": MAX_FILES})
        if form is None:
            return FormData(), Invalid(FILES_TOO_BIG, {"max": MAX_UPLOAD_BODY // (1024 * 1024)})
        return form, None
    form = await read_form(request)
    return (FormData(), Invalid(TEXT_TOO_BIG)) if form is None else (form, None)


async def _files_answer(core: Core, record: DraftRecord, form: FormData, kept: list[str]) -> list[str] | str | Invalid:
    """Check every new file by its content first, then store them: a refused file stores nothing."""
    new = fields.uploads(form)
    if len(kept) + len(new) > MAX_FILES:
        return Invalid(N_("You can add at most %(max)s files."), {"max": MAX_FILES})
    contents: list[bytes] = []
    for upload in new:
        data = await upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            size = upload.size or len(data)
            return Invalid(FILE_TOO_BIG, {"size": round(size / 1048576, 1), "max": MAX_BYTES // 1048576})
        contents.append(data)
    checked = await check_files(core, contents)
    if isinstance(checked, Invalid):
        return checked
    ids = list(kept)
    for clean, upload in zip(checked, new):
        stored = await store(core, clean, upload.filename or "file", draft_id=record.id)
        if isinstance(stored, Invalid):
            return stored
        ids.append(stored)
    return ids or conv.SKIP


@router.get("/report/notice/{key}", response_class=HTMLResponse)
async def notice(request: Request, key: str) -> Response:
    """What to do at once (call 110 now), shown straight after the answer that calls for it."""
    record = await _draft(request)
    step = STEP_BY_KEY.get(key)
    if record is None or step is None:
        return _see("/?gone=1" if record is None else "/report")
    notices = [text for condition, text in step.notice_when if condition(record.state.answers)]
    if not notices:
        return _see(question_url(record.state.current))
    return render(request, "notice.html", notices=notices, next_url=question_url(record.state.current),
                  back=question_url(key))


# --- check your answers, send, confirmation -----------------------------------------------

@router.get("/report/review", response_class=HTMLResponse)
async def review(request: Request) -> Response:
    record = await _draft(request)
    if record is None:
        return _see("/?gone=1")
    if not record.state.at_review:
        return _see(question_url(record.state.current))
    return _review_page(request, record)


def _review_page(request: Request, record: DraftRecord, message: str | None = None) -> Response:
    items = conv.review(record.state, _context(core_of(request)))
    back = question_url(record.state.history[-1]) if record.state.history else "/"
    return render(request, "review.html", items=items, draft_id=record.id, back=back, message=message)


async def _owned_draft(core: Core, draft_id: str, owner: str) -> bool:
    """The draft belongs to this browser (a sent one too, for a repeated send)."""
    async with core.db.session() as session:
        owner_of = await session.scalar(select(Draft.owner_hash).where(Draft.id == draft_id))
    return owner_of is not None and owner_of == owner_hash(core, CHANNEL, owner)


@router.post("/report/submit")
async def submit(request: Request) -> Response:
    core = core_of(request)
    form = await _small_form(request)
    draft_id = form.get("draft_id") if form is not None else None
    if form is None or not isinstance(draft_id, str) or not await _owned_draft(core, draft_id, visitor_of(request).owner):
        return _see("/report/done" if request.cookies.get(RECEIPT_COOKIE) else "/?gone=1")
    if form_token_state(request, form) != "ok":
        record = await _draft(request)
        if record is None:
            return _see("/report/done")
        return _review_page(request, record, message=TOKEN_EXPIRED)
    if honeypot_filled(form):
        return render(request, "sent_elsewhere.html")
    if not await allowed(request, SUBMISSIONS):
        return too_many(request)
    try:
        result = await submit_draft(core, draft_id, CAPABILITIES)
    except DraftGone:
        return _see("/?gone=1")
    if not isinstance(result, Receipt):
        record = await get_draft(core, draft_id)
        if record is None:
            return _see("/?gone=1")
        record.state = navigation.at_first_missing(record.state, result.missing, CAPABILITIES)
        await save_draft(core, record)
        return _see(question_url(record.state.current))
    response = _see("/report/done")
    response.set_cookie(RECEIPT_COOKIE, draft_id, max_age=RECEIPT_COOKIE_SECONDS, httponly=True, samesite="lax",
                        secure=request.app.state.secure_cookies, path="/")
    return response


@router.get("/report/done", response_class=HTMLResponse)
async def confirmation(request: Request) -> Response:
    core = core_of(request)
    draft_id = request.cookies.get(RECEIPT_COOKIE, "")
    receipt = None
    if draft_id and await _owned_draft(core, draft_id, visitor_of(request).owner):
        record = await get_draft(core, draft_id)
        receipt = await draft_receipt(core, record) if record else None
    if receipt is None:
        return render(request, "sent_elsewhere.html")
    shown = after_receipt(receipt, core.deployment)
    return render(
        request, "confirmation.html", code=shown.code, pin=shown.pin, urgent=shown.urgent_notice is not None,
        urgent_notice=shown.urgent_notice, advice=shown.advice_in(visitor_of(request).language),
        accept_days=ACCEPT_DAYS, finish_days=FINISH_DAYS,
        telegram_link=await _telegram_link(core, receipt.tip_id), link_days=TOKEN_LIFETIME.days,
    )


async def _telegram_link(core: Core, tip_id: int) -> str | None:
    """t.me/<bot>?start=<token>: a fresh single-use token (never the tracking code) that links
    this tip to the reporter's Telegram chat; None when no bot is configured."""
    bot = core.settings.telegram_bot_username.strip().lstrip("@")
    if not bot or not all(c.isascii() and (c.isalnum() or c == "_") for c in bot):
        return None
    token = await new_link_token(core, tip_id)
    return f"https://t.me/{bot}?start={token}"


@router.post("/report/finish")
async def finish(request: Request) -> Response:
    """Take the receipt off this browser (a shared computer) and go back to the start."""
    form = await _small_form(request)
    if form is None or form_token_state(request, form) != "ok":
        return _see("/report/done")
    response = _see("/")
    response.delete_cookie(RECEIPT_COOKIE, path="/")
    return response
