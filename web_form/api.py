"""The JSON API for partner apps, described by the OpenAPI document at /api/openapi.json.

`POST /api/v1/reports` sends a report with a partner key (`Authorization: Bearer tlp_…`,
from `tipline partners add NAME`); its answers go through the same questionnaire as the form
(intake.reporting.partners), so it cannot be used to get round the form's checks. `GET
/api/v1/reports/{code}` reads a report's public status, like the status page: counted against the
same limits per address (intake.reporting.lookups), an unknown code answered in the same time as any other.

This module only translates: JSON in, messages in the requested language out.
"""
from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace

from fastapi import APIRouter, Header, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, Translator, negotiate
from intake.domain.answers.invalid import Invalid
from intake.platform.body_limits import BodyTooLarge
from intake.platform.core import Core
from intake.reporting.partner_answers import Checked, check_report, request_fingerprint
from intake.reporting.partners import KEY_REUSED, KeyReused, PartnerInfo, send_with_key, well_formed_key
from intake.domain.questionnaire import DONT_KNOW, NO_MONEY, QUESTIONS
from intake.domain.steps import Kind
from intake.platform.ratelimit import Limit
from intake.reporting import lookups
from intake.reporting.lookups import TOO_MANY_LOOKUPS, UNKNOWN_CODE, Client, LookupRefused
from intake.domain.tracking import MAX_INPUT_CHARS, format_code
from intake.domain.workflow import STATUS_LABELS, Status
from web_form.common import allowed, core_of, log, visitor_of
from web_form.rendering import message_text

# Rate limits of the API. A partner is one server sending for many people: its limit is per key.
API_SUBMISSIONS = Limit("api-submit", 600, 3600)  # reports sent, per partner key per hour
API_BAD_KEYS = Limit("api-bad-key", 20, 3600)  # requests with a missing or wrong key, per address per hour
MAX_BODY = 256 * 1024

NEED_KEY = N_("A valid partner API key is needed to send reports.")
TOO_MANY = N_("Too much was sent in a short time. Please wait an hour and try again.")
BAD_BODY = N_("The request must be a JSON object with the answers under \"answers\".")
BAD_LANGUAGE = N_("This language is not supported. Use zh_Hans, bo or en.")
BODY_TOO_BIG = N_("The request is too big.")
NO_SUCH_ADDRESS = N_("There is no such address in this API.")
UNREADABLE_VALUE = N_("This value cannot be read.")

router = APIRouter(prefix="/api/v1")


# --- documented shapes (the OpenAPI document; responses are built as plain JSON) ---------------

class FieldMessage(BaseModel):
    field: str = Field(description="The answer's step key, or the part of the request at fault.")
    message: str = Field(description="What to fix, in the requested language.")


class Errors(BaseModel):
    errors: list[FieldMessage]


class TimelineItem(BaseModel):
    at: str = Field(description="Date and time (ISO 8601, the deployment's time zone).")
    status: str
    label: str = Field(description="The status in the requested language.")
    message: str | None = Field(description="The public message of this step, in the requested language.")
    from_officer: bool = Field(description="The message was written by the officer (not a standard text).")
    translation_note: str = Field(
        "", description="When the officer's words are not yet in the requested language: that a translation "
        "will follow and whom to call, in that language; to show under the message. Empty otherwise.")


class ReportStatus(BaseModel):
    code: str = Field(description="The tracking code, grouped in fours.")
    language: str
    status: str
    label: str
    timeline: list[TimelineItem]


class ReportCreated(BaseModel):
    code: str = Field(description="The tracking code, to give the reporter (grouped in fours).")
    pin: str = Field(description="The 4-digit reply PIN, to give the reporter; needed to add information.")
    status: str
    label: str
    urgent: bool
    advice: list[str] = Field(description="What the reporter should do at once (call 110 now), in the requested language.")
    repeated: bool = Field(description="True when this Idempotency-Key had already made a tip: the same tip is returned.")


# --- helpers -------------------------------------------------------------------------------------

def _language(request: Request, *preferred: str | None) -> str:
    return negotiate(*preferred, request.query_params.get("lang"), request.headers.get("accept-language")) or DEFAULT_LANGUAGE


def _errors(status_code: int, items: list[tuple[str, Invalid | str]], language: str) -> JSONResponse:
    body = {"errors": [{"field": field, "message": message_text(error, language)} for field, error in items]}
    return JSONResponse(body, status_code=status_code)


def error(request: Request, status_code: int, message: str, *, field: str = "") -> JSONResponse:
    """One error in the API's shape, in the language the request asks for (the app's handlers
    use it for addresses and values no endpoint reads)."""
    return _errors(status_code, [(field, message)], _language(request))


def _bearer(authorization: str | None, api_key: str | None) -> str | None:
    if api_key:
        return api_key.strip()
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


def _limit(partner: PartnerInfo) -> Limit:
    """A partner may have a limit of its own (`tipline partners add NAME --reports-per-hour N`)."""
    return API_SUBMISSIONS if partner.reports_per_hour is None else Limit(API_SUBMISSIONS.name, partner.reports_per_hour, 3600)


async def _body(request: Request) -> bytes | None:
    """The request's body; None when it is bigger than MAX_BODY (counted while it streams by the
    app's CappedBodies, and not read further)."""
    try:
        return await request.body()
    except BodyTooLarge:
        return None


async def _report_of(request: Request, core: Core, language: str) -> Checked | JSONResponse:
    """The body's answers walked through the questionnaire (CPU only: before the transaction,
    which then only writes), or the answer to a body that cannot be a report."""
    raw = await _body(request)
    if raw is None:
        return _errors(413, [("", BODY_TOO_BIG)], language)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[[[[…" nested too deep
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("answers"), dict):
        return _errors(400, [("", BAD_BODY)], language)
    wanted = body.get("language")
    if wanted is not None:
        if not isinstance(wanted, str) or negotiate(wanted) is None:
            return _errors(400, [("language", BAD_LANGUAGE)], language)
        language = negotiate(wanted)
    return replace(check_report(core, body["answers"], language), fingerprint=request_fingerprint(core, body))


# --- the endpoints -------------------------------------------------------------------------------

@router.post(
    "/reports", status_code=201, response_model=None, summary="Send a report",
    description=(
        "Send one report. `answers` is keyed by the questionnaire's step keys (see the schema); every answer is "
        "checked as on the web form. On a mistake nothing is stored and every answer to fix is listed. Send an "
        "`Idempotency-Key` header to make a retried request return the same tip instead of a second one; the same key "
        "with a different body is refused (422)."
    ),
    responses={
        200: {"model": ReportCreated, "description": "This Idempotency-Key already made a tip: the same receipt again."},
        201: {"model": ReportCreated, "description": "The tip was made: give the reporter the code and PIN."},
        400: {"model": Errors, "description": "The body is not a JSON object with answers."},
        401: {"model": Errors, "description": "No valid partner key."},
        413: {"model": Errors, "description": "The body is too big."},
        422: {"model": Errors, "description": (
            "Some answers must be fixed, or the Idempotency-Key was already used for a different body; nothing was stored."
        )},
        429: {"model": Errors, "description": "Too many requests."},
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReportRequest"}}}},
        "security": [{"partnerKey": []}],
    },
)
async def send_report(
    request: Request,
    authorization: str | None = Header(None, include_in_schema=False),
    x_api_key: str | None = Header(None, include_in_schema=False),
    idempotency_key: str | None = Header(None, description="Any unique text per report (e.g. a UUID) to make retries safe."),
    lang: str | None = Query(None, description="Language of the messages: zh_Hans, bo or en (else Accept-Language)."),
) -> Response:
    core = core_of(request)
    language = _language(request)
    key = _bearer(authorization, x_api_key)
    # What is wrong with the body is answered once the key and the limit are checked; a key no
    # partner can hold gets its 401 without the body being read.
    report = await _report_of(request, core, language) if well_formed_key(key) else None
    checked = report if isinstance(report, Checked) else None
    if checked is not None:
        language = checked.state.language
    # The key, the partner's limit and the report: one transaction (intake.reporting.partners.send_with_key).
    sent = await send_with_key(core, key, checked, _limit, idempotency_key=idempotency_key)
    if sent.partner is None:
        if not await allowed(request, API_BAD_KEYS):
            return _errors(429, [("", TOO_MANY)], _language(request))
        return _errors(401, [("authorization", NEED_KEY)], _language(request))
    if not sent.allowed:
        log.warning("rate limit %s reached", API_SUBMISSIONS.name)
        return _errors(429, [("", TOO_MANY)], _language(request))
    if isinstance(report, JSONResponse):
        return report
    result = sent.result
    if isinstance(result, list):
        return _errors(422, [(error.field, error.error) for error in result], language)
    if isinstance(result, KeyReused):  # 422, as the IETF draft on the Idempotency-Key header says
        return _errors(422, [("idempotency-key", KEY_REUSED)], language)
    receipt = result.receipt
    _ = Translator(language)
    return JSONResponse({
        "code": format_code(receipt.code),
        "pin": receipt.pin,
        "status": Status.SUBMITTED.value,
        "label": _(STATUS_LABELS[Status.SUBMITTED]),
        "urgent": receipt.urgent,
        "advice": [_(notice) for notice in result.notices],
        "repeated": receipt.repeated,
    }, status_code=200 if receipt.repeated else 201)


@router.get(
    "/reports/{code}", response_model=None, summary="Read a report's public status",
    description=(
        "The public status and timeline of a report, by its tracking code (spaces, dashes and any Unicode digits "
        "are accepted). Never any personal data. An unknown code is answered like a mistyped one, in the same time."
    ),
    responses={
        200: {"model": ReportStatus, "description": "The report's public status."},
        404: {"model": Errors, "description": "No report with this code (or a mistyped code)."},
        429: {"model": Errors, "description": "Too many look-ups from this address (the same limits as the status page)."},
    },
)
async def report_status(
    request: Request, code: str,
    lang: str | None = Query(None, description="Language of the labels and messages: zh_Hans, bo or en (else Accept-Language)."),
) -> Response:
    core = core_of(request)
    language = _language(request)
    started = time.monotonic()
    try:
        view = await lookups.status(core, Client.address(visitor_of(request).address), code[: MAX_INPUT_CHARS * 4], language)
    except LookupRefused:
        return _errors(429, [("", TOO_MANY_LOOKUPS)], language)
    floor = request.app.state.lookup_floor_seconds
    await asyncio.sleep(max(0.0, floor - (time.monotonic() - started)))
    if view is None:
        return _errors(404, [("code", UNKNOWN_CODE)], language)
    return JSONResponse({
        "code": view.code,
        "language": view.language,
        "status": view.status,
        "label": view.status_label,
        "timeline": [
            {"at": entry.at.isoformat(), "status": entry.status, "label": entry.label, "message": entry.message,
             "from_officer": entry.from_officer, "translation_note": entry.translation_note}
            for entry in view.entries
        ],
    })


# --- the OpenAPI document ---------------------------------------------------------------------

def _answer_schema(core: Core) -> dict:
    deployment = core.deployment
    properties: dict[str, dict] = {}
    for step in QUESTIONS:
        if step.needs or step.choices_from:  # files, and checking a suggestion: not through the API
            continue
        extra = [DONT_KNOW] if step.dont_know else []
        if step.kind in (Kind.CHOICE, Kind.YES_NO):
            schema: dict = {"type": "string", "enum": [o.value for o in step.options] + [v for v in extra if v not in {o.value for o in step.options}]}
        elif step.kind is Kind.CATEGORY:
            schema = {"type": "string", "enum": [c.code for c in deployment.active_categories()]}
        elif step.kind is Kind.REGION:
            schema = {"type": "string", "enum": [r.code for r in deployment.reportable_regions()] + extra}
        elif step.kind is Kind.MULTI_CHOICE:
            schema = {"type": "array", "items": {"type": "string", "enum": [o.value for o in step.options]}}
        elif step.kind is Kind.MONEY:
            schema = {"type": ["string", "number"], "description": f'Amount in yuan (e.g. 30000 or "3万"), "{NO_MONEY}" or "{DONT_KNOW}".'}
        else:
            schema = {"type": "string"}
            if step.kind is Kind.TEXT:
                schema["maxLength"] = step.max_chars
        required = step.required if isinstance(step.required, bool) else "depends on other answers"
        condition = " Asked only when it applies to the other answers; otherwise leave it out." if step.skip_if else ""
        schema["description"] = " ".join(filter(None, (step.question, schema.get("description"),
                                                      f"Required: {required}.".replace("True", "yes").replace("False", "no"),
                                                      condition.strip())))
        properties[step.key] = schema
    return {"type": "object", "properties": properties, "additionalProperties": False}


def openapi_document(core: Core) -> dict:
    document = get_openapi(
        title="Elder-fraud tip-line partner API",
        version="1.0.0",
        description=(
            "Send reports from a partner app and read their public status. Sending needs a partner key "
            "(`tipline partners add NAME`), sent as `Authorization: Bearer <key>`. Rate limits: "
            f"{API_SUBMISSIONS.count} reports per key per hour, {lookups.LOOKUPS.count} status look-ups per address "
            f"per {lookups.LOOKUPS.seconds // 60} minutes, of which {lookups.FAILED.count} an hour may be of codes "
            "that find no report. Messages come in the language asked for with `lang` or "
            "Accept-Language (zh_Hans, bo, en)."
        ),
        routes=router.routes,
    )
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})["partnerKey"] = {"type": "http", "scheme": "bearer"}
    components.setdefault("schemas", {})["ReportRequest"] = {
        "type": "object",
        "required": ["answers"],
        "properties": {
            "language": {"type": "string", "enum": list(LANGUAGES),
                         "description": "The reporter's language: notices and messages use it."},
            "answers": _answer_schema(core),
        },
    }
    return document


async def openapi_json(request: Request) -> Response:
    state = request.app.state
    if getattr(state, "openapi_document", None) is None:
        state.openapi_document = openapi_document(core_of(request))
    return JSONResponse(state.openapi_document)
