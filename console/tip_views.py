"""The queue and the tip page with its action forms. Each action is a thin translation from
an HTML form to one use case of intake.casework.casework; the core checks permissions and audits."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import cache, partial

from fastapi import APIRouter, Request
from markupsafe import Markup, escape
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from console import assign_views, duplicate_views, forms, tip_extras, translation_views
from console.dependencies import ConsoleDep, Signed, SignedForm, SignedIn
from console.forms import FREE, FormError
from console.refusals import refusal_text
from console.web import Console, Id, Viewer
from i18n import LANGUAGE_NAMES, LANGUAGE_TAGS, N_
from intake.casework import search
from intake.casework.casefile import TipFile, reveal_reporter, tip_file
from intake.casework.casework import (
    CaseworkError, TipNotFound, add_note, extend_deadline, move_tip, record_outcome, reroute_tip,
)
from intake.notify.delivery_report import delivery_report
from intake.notify.outbox import UNIT_ALERT
from intake.domain import joins
from intake.domain.channel_kit import category_check
from intake.domain.deployment import Deployment
from intake.domain.messages import UNTRANSLATED_WARNING
from intake.casework.queues import VIEWS, QueuePage, state_of, tip_state, unit_queue
from intake.rewards.eligibility import may_reveal_for_rewards
from intake.staff.staff import Role
from intake.reporting.ratings import CHOICES as RATING_LABELS
from intake.domain.workflow import (
    ACTIVE, COORDINATOR, LEAD, MAX_EXTENSION_DAYS, NEEDS_OWN_MESSAGE, POLICE, REROUTE_FROM, REROUTE_WHO, STATUS_LABELS,
    TRANSITION_BY_STEP, UNIT, Status,
)

# What each step is called on its button, by (from, to); the target alone when it reads the same.

ACTION_LABELS = {
    "accepted": N_("Accept the tip"),
    "declined": N_("Decline the tip"),
    "verifying": N_("Start checking (核查)"),
    "needs_info": N_("Ask the reporter a question"),
    "transferred_police": N_("Transfer to the police"),
    "substantiated": N_("Mark as substantiated"),
    "unsubstantiated": N_("Mark as unsubstantiated"),
    "closed": N_("Close the tip"),
    "merged": N_("Merge into another tip"),
}
SPECIAL_LABELS = {
    ("needs_info", "verifying"): N_("Go on checking without the reporter's answer"),
    ("closed", "verifying"): N_("Re-open the tip"),
}
VIEW_LABELS = {
    "all": N_("All"),
    "new": N_("New"),
    "mine": N_("Assigned to me"),
    "overdue": N_("Overdue"),
    "waiting": N_("Waiting for the reporter"),
    "answered": N_("Answered by the reporter"),
}
SEARCH_PROBLEMS = {
    "nothing": N_("Type a word, a name or a number to search for: punctuation and spaces alone find nothing."),
    "too_long": N_("This search is too long: use at most %(max)s characters and %(terms)s words or numbers."),
}
PRIORITY_LABELS = {"urgent": N_("Urgent"), "high": N_("High"), "normal": N_("Normal")}
OVERDUE_LABELS = {"accept": N_("Overdue: not accepted in time"), "finish": N_("Overdue: not finished in time")}
DONE_MESSAGES = {
    "moved": N_("Done: the tip's status has changed and the reporter will be told."),
    "assigned": N_("Done: the tip is assigned."),
    "rerouted": N_("Done: the tip now goes to the other unit."),
    "extended": N_("Done: the deadline is extended and the reporter will be told."),
    "note": N_("Done: your note is saved."),
    "outcome": N_("Done: the outcome is saved."),
    "supervised": N_("Done: the supervision notice (督办) is in the timeline; the lead unit is alerted by e-mail if it has an address."),
    "contact": N_("Done: the call or visit is recorded in the timeline (staff only)."),
    "category": N_("Done: the category is saved."),
}
EVENT_LABELS = {
    "assign": N_("Assigned to a colleague"),
    "reroute": N_("Sent to another unit"),
    "extension": N_("Deadline extended"),
    "reply": N_("The reporter added information"),
    "supervision": N_("Supervision notice (督办)"),
    "contact": N_("Call or visit with the reporter"),
    "category": N_("Category set by staff"),
}
DELIVERY_LABELS = {"pending": N_("Waiting to be sent"), "sending": N_("Sending"), "sent": N_("Sent"), "failed": N_("Failed"),
                   "passed": N_("Passed on to the next channel")}
CHANNEL_LABELS = {"email": N_("E-mail"), "sms": N_("Text message (SMS)"), "telegram": N_("Telegram"), "wechat": N_("WeChat")}
OUTCOME_STATUSES = (Status.SUBSTANTIATED, Status.CLOSED, Status.TRANSFERRED_POLICE, Status.UNSUBSTANTIATED)
WITH_OUTCOME = (Status.SUBSTANTIATED, Status.UNSUBSTANTIATED, Status.CLOSED)


#: A tip action: given who acts and the form, it does the work and says what was done.
Work = Callable[[Viewer, FormData], Awaitable[str]]


router = APIRouter()


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue")
async def queue(request: Request, viewer: SignedIn, console: ConsoleDep, view: str = "all", status: str = "",
                category: str = "", after: str = "", done: str = "", q: str = "") -> Response:
    _, c_ = viewer._, viewer.core_
    core, deployment = console.core, console.core.deployment
    view = view if view in VIEWS else "all"
    status = status if status in Status.__members__.values() else ""
    category = category if category in deployment.category_by_code else ""
    search_problem = search.parse(q).problem if q else None  # spaces alone are a problem too
    q = q.strip()
    extra = assign_views.queue_filters(console, viewer, request.query_params, status=status, category=category)
    page = await unit_queue(core, viewer.staff, view=view, status=status or None, category=category or None, after=after or None,
                            q=q or None, filters=extra.pop("filters")) if search_problem is None and not extra["date_problem"] else QueuePage([], None)
    lang = viewer.language
    rows = _queue_rows(console, viewer, page.items, can_bulk=extra["can_bulk"])
    extra["bulk_choices"] = await assign_views.bulk_choices(console, viewer)
    return console.render(
        viewer, "queue.html", title=_("Queue"), rows=rows, view=view, views=[(v, _(VIEW_LABELS[v])) for v in VIEWS],
        status=status, category=category, next_cursor=page.next_cursor, q=q,
        error=_(SEARCH_PROBLEMS[search_problem], max=search.MAX_QUERY_CHARS, terms=search.MAX_QUERY_TERMS) if search_problem else None,
        done=_(DONE_MESSAGES[done]) if done in DONE_MESSAGES else None,
        statuses=[(s.value, c_(STATUS_LABELS[s])) for s in Status],
        categories=[(c.code, c.label.get(lang)) for c in deployment.categories], **extra,
    )


def _queue_rows(console: Console, viewer: Viewer, items: list, *, can_bulk: bool) -> Markup:
    """The queue table's rows as one piece of HTML, byte for byte what a loop in the template
    printed (tests/test_console_queue.py), built here because escaping each of a page's ~750
    cells one by one was a fifth of the page's time: each distinct label is translated and escaped
    once per page (50 rows repeat a few statuses, categories and units), ids and times need no
    escaping (digits and punctuation), and only a row's assignee is escaped on its own."""
    _, c_, lang = viewer._, viewer.core_, viewer.language
    deployment = console.core.deployment
    # Per page, each distinct code is translated and escaped once (functools.cache of a page's functions).
    status = cache(lambda code: str(escape(c_(STATUS_LABELS[Status(code)]))))
    category = cache(lambda code: str(escape(deployment.category_label(code, lang))))
    priority = cache(lambda code: (
        f'<span class="badge {escape(code)}">{escape(_(PRIORITY_LABELS.get(code, code)))}</span>' if code != "normal"
        else str(escape(_(PRIORITY_LABELS.get(code, code))))))
    region = cache(lambda code: str(escape(deployment.region_name(code, lang))))
    unit = cache(lambda code: str(escape(deployment.unit_name(code, lang))) if code else "")
    overdue = cache(lambda code: f'<br><span class="badge overdue">{escape(_(OVERDUE_LABELS[code]))}</span>' if code else "")
    answered_label = escape(_("The reporter answered"))  # not inside the f-string: the catalogs' extraction reads no f-string
    answered = f'<br><span class="badge">{answered_label}</span>'
    tip_label, pick_label = str(escape(_("Tip %(id)s"))), str(escape(_("Select tip %(id)s")))  # as _(…, id=…) does per row
    local_time, local_date = console.local_time, console.local_date
    rows = []
    for item in items:
        tip_id = str(item.id)
        pick = (f'<td><input type="checkbox" name="tip" value="{tip_id}" id="pick-{tip_id}" aria-label="{pick_label % {"id": tip_id}}">'
                '</td>') if can_bulk else ""
        due = local_date(item.accept_due if item.status == Status.SUBMITTED else item.finish_due)
        rows.append(
            f'  <tr>\n{pick}    <th scope="row"><a href="/tips/{tip_id}">{tip_label % {"id": tip_id}}</a></th>\n'
            f'    <td>{status(item.status)}{answered if item.answered else ""}</td>\n'
            f'    <td>{category(item.category)}</td>\n'
            f'    <td>{priority(item.priority)}</td>\n'
            f'    <td>{region(item.region)}</td>\n'
            f'    <td>{unit(item.lead_unit or "")}</td>\n'
            f'    <td>{local_time(item.created_at)}</td>\n'
            f'    <td>{due}{overdue(item.overdue or "")}</td>\n'
            f'    <td>{escape(item.assignee_name or item.assignee or "")}</td>\n'
            '  </tr>\n'
        )
    return Markup("".join(rows))


async def tip_page(
    request: Request, console: Console, viewer: Viewer, tip_id: int, *, status_code: int = 200, error: str | None = None,
    done: str | None = None, revealed: dict | None = None,
) -> Response:
    core = console.core
    try:
        tip = await tip_file(core, viewer.staff, tip_id)
    except TipNotFound:
        return console.not_found(viewer)
    state = state_of(tip)  # read with the tip, in the same session
    # A reward administrator sees every tip of a region, but reveals only where an award is at stake.
    reward_reveal = viewer.staff.role == Role.REWARD_ADMIN and await may_reveal_for_rewards(core, tip_id)
    return console.render(
        viewer, "tip.html", status_code=status_code, title=viewer._("Tip %(id)s", id=tip.id),
        **_tip_context(console, viewer, tip, state, reward_reveal), error=error,
        **await duplicate_views.panel(console, viewer, tip), **await translation_views.panel(console, viewer, tip.id, tip.words_translation),
        **await assign_views.panel(console, viewer, tip), **await tip_extras.panel(console, viewer, tip),
        opened=getattr(request.state, "opened", None),  # the form that failed stays open
        kept=getattr(request.state, "kept", {}),  # with the words written in it
        done=viewer._(DONE_MESSAGES[done]) if done in DONE_MESSAGES else None,
        revealed=revealed, notices=_notices(console, viewer, await delivery_report(core, tip_id)) if tip.has_notifications else [],
        rating_label=viewer.core_(RATING_LABELS[tip.rating["satisfied"]]) if tip.rating else None,
    )


def _notices(console: Console, viewer: Viewer, report: list[dict]) -> list[dict]:
    _ = viewer._
    return [
        {
            "channel": _(CHANNEL_LABELS[row["channel"]]) if row["channel"] in CHANNEL_LABELS else row["channel"],
            "status": _(DELIVERY_LABELS[row["status"]]) if row["status"] in DELIVERY_LABELS else row["status"],
            "attempts": row["attempts"],
            "created_at": console.local_time(datetime.fromisoformat(row["created_at"])) if row["created_at"] else "",
        }
        for row in report
        if row["kind"] != UNIT_ALERT  # alerts to units are not notices to the reporter
    ]


def _tip_context(console: Console, viewer: Viewer, tip: TipFile, state, reward_reveal: bool) -> dict:  # noqa: ANN001
    _, c_, lang = viewer._, viewer.core_, viewer.language
    deployment = console.core.deployment
    caps = tip.capacities
    actions = []
    for target in tip.next_statuses:
        transition = TRANSITION_BY_STEP[(Status(tip.status), Status(target))]
        if not caps & transition.who:
            continue
        templates = [
            (t.id, deployment.template_preview(t, tip.lead_unit, lang))
            for t in deployment.templates if t.status == target and not t.retired and target not in NEEDS_OWN_MESSAGE
        ]
        templates.sort(key=lambda item: item[0] != target)  # the status's own template first
        actions.append({
            "target": target,
            "label": _(SPECIAL_LABELS.get((tip.status, target), ACTION_LABELS[target])),
            "status_label": c_(STATUS_LABELS[Status(target)]),
            "templates": templates,
            "own_words": target in NEEDS_OWN_MESSAGE,
            "needs_note": tip.status in (Status.NEEDS_INFO, Status.CLOSED),
            "with_outcome": target in WITH_OUTCOME,
            "merge": target == Status.MERGED,
        })
    suggestion = None
    if tip.suggestion and tip.suggestion.get("category") not in (None, "other", tip.category):
        suggestion = {
            "label": deployment.category_label(tip.suggestion["category"], lang),
            "confidence": round(100 * float(tip.suggestion.get("confidence") or 0)),
            "words": joins.listed(tip.suggestion.get("reasons") or [], lang),
            "sure": tip.suggestion.get("sure", True),  # suggestions before issue 19 had no "sure"
        }
    asked = (tip.suggestion or {}).get("reporter")  # the reporter, not sure, was asked about the suggestion
    reporter_check = {
        "suggested": deployment.category_label(asked["offered"], lang),
        "answer": category_check.answer_in_words(asked["answer"], lang, deployment),
    } if asked else None
    timeline = []
    for entry in tip.timeline:
        if entry["action"] == "status":
            step = (c_(STATUS_LABELS[Status(entry["from"])]) + " → " if entry["from"] else "") + c_(STATUS_LABELS[Status(entry["to"])])
        else:
            step = _(EVENT_LABELS.get(entry["action"], entry["action"]))
        timeline.append({**entry, "step": step})
    return {
        "tip": tip, "state": state, "actions": actions, "suggestion": suggestion, "reporter_check": reporter_check, "timeline": timeline,
        "category_label": tip.category_label, "region_name": deployment.region_name(tip.region, lang),
        "lead_name": deployment.unit_name(tip.lead_unit, lang) if tip.lead_unit else "",
        "assisting_names": [deployment.unit_name(code, lang) for code in tip.assisting],
        "priority_label": _(PRIORITY_LABELS.get(tip.priority, tip.priority)),
        "overdue_label": _(OVERDUE_LABELS[tip.overdue]) if tip.overdue else "",
        "reporter_language": LANGUAGE_NAMES.get(state.language, state.language),
        "reporter_reads_other": state.language != lang,
        "reporter_tag": LANGUAGE_TAGS.get(state.language, state.language),
        "translation_languages": [(l, LANGUAGE_NAMES[l]) for l in forms.translation_languages(lang)],
        "free": FREE,
        "can_reroute": tip.status in REROUTE_FROM and bool(caps & REROUTE_WHO),
        "units": [(u.code, deployment.unit_name(u.code, lang)) for u in deployment.units if not u.retired and u.code != tip.lead_unit],
        "can_extend": LEAD in caps and tip.status in ACTIVE and tip.finish_due is not None and not state.extension_days,
        "max_extension": MAX_EXTENSION_DAYS,
        "can_note": bool(caps),
        "can_find": bool(caps & {"assisting", UNIT, POLICE}),
        "can_outcome": tip.status in OUTCOME_STATUSES and bool(caps & {UNIT, COORDINATOR, POLICE}),
        "can_reveal": bool(caps & {UNIT, LEAD}) or reward_reveal,
        "money_recovered": _yuan(tip.outcome["money_recovered_fen"]) if tip.outcome and tip.outcome.get("money_recovered_fen") else "",
        "field_labels": {
            "name": _("Name"), "phone": _("Phone"), "email": _("E-mail"), "channel": _("Channel"),
            "relationship": _("Relationship to the person targeted"), "reporter": _("Reporter"), "victim": _("Person targeted"),
        },
    }


@router.get("/tips/{tip_id}")
async def show_tip(request: Request, tip_id: Id, viewer: SignedIn, console: ConsoleDep, done: str | None = None) -> Response:
    return await tip_page(request, console, viewer, tip_id, done=done)


async def act(
    request: Request, console: Console, tip_id: int, signed: Signed, work: Work, *, versioned: str | None = "version",
) -> Response:
    """Check that nobody changed the tip since the form was shown (the session and the form's
    token are checked already); run the action; show the tip again (redirect on success, the
    error otherwise)."""
    viewer, form = signed
    _, core = viewer._, console.core
    action = request.url.path.rsplit("/", 1)[-1]
    request.state.opened = f"{action}-{forms.field(form, 'target')}" if action == "move" else action
    if versioned:
        state = await tip_state(core, viewer.staff, tip_id)
        shown = forms.field(form, versioned)
        current = getattr(state, "version" if versioned == "version" else "outcome_version", None) if state else None
        if state is not None and shown != current:
            return await tip_page(request, console, viewer, tip_id, status_code=409, error=_(
                "Someone else changed this tip while you had it open, so your action was not carried out. "
                "The page now shows the latest state: check it and act again if it is still needed."))
    try:
        done = await work(viewer, form)
    except TipNotFound:
        return console.not_found(viewer)
    except CaseworkError as error:
        return await tip_page(request, console, viewer, tip_id, status_code=400, error=refusal_text(viewer, error))
    except FormError as error:
        message = error.message if error.translated else _(error.message, **error.params)
        return await tip_page(request, console, viewer, tip_id, status_code=400, error=message)
    if done == "revealed":
        return await tip_page(request, console, viewer, tip_id, revealed=getattr(request.state, "revealed", {}))
    if done == "rerouted":  # the tip may have left this person's scope with its new unit
        return RedirectResponse(f"/queue?done={done}", status_code=303)
    return RedirectResponse(f"/tips/{tip_id}?done={done}", status_code=303)


@router.post("/tips/{tip_id}/move")
async def move(request: Request, tip_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    core = console.core

    async def work(viewer: Viewer, form: FormData) -> str:
        target = forms.field(form, "target")
        public = forms.public_message(form, target, viewer.language)
        if public is not None and public.text and not forms.field(form, "untranslated_ok"):
            state = await tip_state(core, viewer.staff, tip_id)
            if state is not None and public.unreadable_in(state.language):
                # The words stay in the form with "my own words" still chosen, to send anyway or change.
                request.state.kept = {name: forms.field(form, name) for name in form.keys() if name in ("text", "template") or name.startswith("tr_")}
                raise FormError(viewer.core_(UNTRANSLATED_WARNING, language=LANGUAGE_NAMES.get(state.language, state.language)),
                                translated=True)
        outcome = forms.outcome(form, viewer.language, always=False) if target in WITH_OUTCOME else None
        merged_into = forms.positive_int(form, "merged_into") if target == Status.MERGED else None
        await move_tip(core, tip_id, target, staff=viewer.staff, public=public,
                       internal_note=forms.field(form, "internal_note") or None, merged_into=merged_into)
        if outcome is not None:
            await record_outcome(core, tip_id, staff=viewer.staff, **outcome)
        return "moved"
    return await act(request, console, tip_id, signed, work)


@router.post("/tips/{tip_id}/reroute")
async def reroute(request: Request, tip_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    core = console.core

    async def work(viewer: Viewer, form: FormData) -> str:
        await reroute_tip(core, tip_id, forms.field(form, "unit"), staff=viewer.staff, reason=forms.field(form, "reason"))
        return "rerouted"
    return await act(request, console, tip_id, signed, work)


@router.post("/tips/{tip_id}/extend")
async def extend(request: Request, tip_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    core = console.core

    async def work(viewer: Viewer, form: FormData) -> str:
        days = forms.positive_int(form, "days") or 0
        translations = {lang: forms.field(form, f"tr_{lang}") for lang in forms.translation_languages(viewer.language)}
        # Shown again in the form if the reason is refused (e.g. no translation into the reporter's language yet).
        request.state.kept = {name: forms.field(form, name) for name in form.keys()
                              if name in ("days", "reason", "public_reason") or name.startswith("tr_")}
        await extend_deadline(core, tip_id, days, staff=viewer.staff, reason=forms.field(form, "reason"),
                              public_reason=forms.field(form, "public_reason"), public_language=viewer.language,
                              public_translations={lang: text for lang, text in translations.items() if text},
                              untranslated_ok=bool(forms.field(form, "untranslated_ok")))
        return "extended"
    return await act(request, console, tip_id, signed, work)


@router.post("/tips/{tip_id}/note")
async def note(request: Request, tip_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    core = console.core

    async def work(viewer: Viewer, form: FormData) -> str:
        kind = "finding" if forms.field(form, "kind") == "finding" else "note"
        await add_note(core, tip_id, forms.field(form, "text"), staff=viewer.staff, kind=kind)
        return "note"
    return await act(request, console, tip_id, signed, work, versioned=None)  # notes add, they never overwrite


@router.post("/tips/{tip_id}/outcome")
async def outcome(request: Request, tip_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    core = console.core

    async def work(viewer: Viewer, form: FormData) -> str:
        values = forms.outcome(form, viewer.language, always=True)
        await record_outcome(core, tip_id, staff=viewer.staff, **values)  # type: ignore[arg-type]
        return "outcome"
    return await act(request, console, tip_id, signed, work, versioned="outcome_version")


@router.post("/tips/{tip_id}/reveal")
async def reveal(request: Request, tip_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    core = console.core

    async def work(viewer: Viewer, form: FormData) -> str:
        request.state.revealed = await reveal_reporter(core, viewer.staff, tip_id, reason=forms.field(form, "reason"))
        return "revealed"
    return await act(request, console, tip_id, signed, work, versioned=None)


@router.post("/tips/{tip_id}/contact")
async def contact(request: Request, tip_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    work = partial(tip_extras.record_contact_work, console.core, tip_id)
    return await act(request, console, tip_id, signed, work, versioned=None)  # a record adds, it never overwrites


@router.post("/tips/{tip_id}/category")
async def category(request: Request, tip_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    return await act(request, console, tip_id, signed, partial(tip_extras.set_category_work, console.core, tip_id))


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"
