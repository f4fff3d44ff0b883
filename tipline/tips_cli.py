"""`tipline tips …`: staff work tips from the command line until the console lands, acting as
a named staff user (every action audited)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from i18n import LANGUAGE_NAMES, Translator
from intake.casework import casefile, casework, queues
from intake.casework.casework import CaseworkError
from intake.domain.refusals import describe
from intake.platform.core import Core
from intake.domain.messages import UNTRANSLATED_WARNING, PublicMessage
from intake.domain.workflow import NEEDS_OWN_MESSAGE
from intake.platform.clock import in_zone
from intake.staff.staff import get_staff
from tipline.runner import with_core
from tipline.staff_times import local_day, local_minute

tips_app = typer.Typer(help="Work tips as a staff user.", no_args_is_help=True)
console = Console(highlight=False)
AsUser = Annotated[str, typer.Option("--as", help="the staff user acting (audited)")]


async def _staff(core: Core, username: str):
    staff = await get_staff(core, username)
    if staff is None:
        raise typer.BadParameter(f"no active staff user {username!r} (see `tipline staff add`)")
    return staff


def _fail(error: CaseworkError, language: str) -> typer.Exit:
    console.print(f"[red]{escape(describe(error, language))}[/red]")
    return typer.Exit(1)


@tips_app.command("list")
def list_tips(user: AsUser, status: Annotated[Optional[str], typer.Option()] = None) -> None:
    """The tips this user may see, urgent and overdue first."""

    async def run(core):
        staff = await _staff(core, user)
        rows = await casefile.queue(core, staff, status=status)
        zone = core.settings.timezone
        table = Table("id", "status", "priority", "category", "lead unit", "received", "overdue")
        for row in rows:
            table.add_row(str(row.id), row.status, row.priority, row.category, row.lead_unit or "-",
                          local_day(row.created_at, zone), row.overdue or "")
        console.print(table)

    with_core(run)


@tips_app.command("show")
def show(tip_id: int, user: AsUser, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """One tip's file: answers, routing reasons, timeline, notes, outcome (audited)."""

    async def run(core):
        staff = await _staff(core, user)
        try:
            return await casefile.tip_file(core, staff, tip_id), core.settings.timezone
        except CaseworkError as error:
            raise _fail(error, staff.language) from None

    file, zone = with_core(run)
    if as_json:
        data = {k: v for k, v in vars(file).items() if k != "capacities"}
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=lambda value: _json_value(value, zone)))
        return
    console.print(f"[bold]#{file.id} {escape(file.status_label)}[/bold] ({file.status}) · {escape(file.category_label)} · {file.priority}")
    console.print(f"lead: {file.lead_unit}  assisting: {', '.join(file.assisting) or '-'}")
    for reason in file.reasons:
        console.print(f"  · {escape(reason)}")
    if file.suggestion:
        console.print(f"suggested category: {file.suggestion['category']} ({file.suggestion['confidence']:.0%}; {', '.join(file.suggestion['reasons'])})")
    for question, answer in file.answers:
        console.print(f"[dim]{escape(question)}[/dim]  {escape(answer)}")
    for event in file.timeline:
        console.print(f"{local_minute(event['at'], zone)} {event['action']} {event['from'] or ''}→{event['to']} by {event['actor'] or 'system'}")
        if event["public"]:
            console.print(f"    public: {escape(event['public'])}")
        if event["internal"]:
            console.print(f"    internal: {escape(event['internal'])}")
    for note in file.notes:
        console.print(f"{note['kind']} by {note['author']} ({note['unit']}): {escape(note['text'])}")
    for reply in file.replies:
        console.print(f"reporter ({reply['language']}): {escape(reply['text'])}")
    if file.outcome:
        console.print(f"outcome: {file.outcome}")
    due = file.finish_due or file.accept_due
    console.print(f"due: {local_day(due, zone)}" + (f" [red]overdue ({file.overdue})[/red]" if file.overdue else "") if due else "")
    console.print(f"next: {', '.join(file.next_statuses) or '-'}")


def _json_value(value: object, zone: str) -> str:
    """Times in the deployment's zone, with their offset ("2026-11-27T10:00:00+08:00")."""
    return in_zone(value, zone).isoformat() if isinstance(value, datetime) else str(value)


@tips_app.command("move")
def move(
    tip_id: int,
    status: str,
    user: AsUser,
    public: Annotated[Optional[str], typer.Option(help="message to the reporter (free text)")] = None,
    public_lang: Annotated[str, typer.Option(help="language of --public")] = "zh_Hans",
    translation: Annotated[list[str], typer.Option(help="LANG=TEXT, a translation of --public")] = [],  # noqa: B006
    template: Annotated[Optional[str], typer.Option(help="a reply template id instead of free text")] = None,
    internal: Annotated[Optional[str], typer.Option(help="note for staff only")] = None,
    merged_into: Annotated[Optional[int], typer.Option(help="for merged: the tip it duplicates")] = None,
    send_untranslated: Annotated[bool, typer.Option(
        help="send --public even with no translation into the reporter's language")] = False,
) -> None:
    """Move a tip to another status, with a message to the reporter and a note for staff."""
    translations = dict(item.split("=", 1) for item in translation)
    message = PublicMessage(template=template) if template else PublicMessage(text=public, language=public_lang, translations=translations) if public else None

    async def run(core):
        staff = await _staff(core, user)
        state = await queues.tip_state(core, staff, tip_id) if message is not None and message.text else None
        if state is not None and message.unreadable_in(state.language) and not send_untranslated:
            _warn_untranslated(core, staff.language, state, status)
            raise typer.Exit(1)
        try:
            await casework.move_tip(core, tip_id, status, staff=staff, public=message, internal_note=internal, merged_into=merged_into)
        except CaseworkError as error:
            raise _fail(error, staff.language) from None

    with_core(run)
    console.print(f"tip {tip_id}: {status}")


def _warn_untranslated(core: Core, staff_language: str, state: queues.TipState, status: str | None) -> None:
    """Free text the reporter could not read: say so, and offer the templates that fit the step."""
    console.print(f"[yellow]{escape(Translator(staff_language)(UNTRANSLATED_WARNING, language=LANGUAGE_NAMES.get(state.language, state.language)))}[/yellow]")
    fitting = [t for t in core.deployment.templates if t.status == status and not t.retired and status not in NEEDS_OWN_MESSAGE]
    if fitting:
        console.print("Reply templates for this step (--template ID):")
        for template in fitting:
            console.print(f"  {template.id}: {escape(core.deployment.template_preview(template, state.lead_unit, staff_language) or '')}")
    console.print("Or add --translation LANG=TEXT, or send it as it is with --send-untranslated.")


@tips_app.command("reroute")
def reroute(tip_id: int, unit: str, user: AsUser, reason: Annotated[str, typer.Option()]) -> None:
    """Give the tip to another lead unit (the clock restarts)."""

    async def run(core):
        staff = await _staff(core, user)
        try:
            await casework.reroute_tip(core, tip_id, unit, staff=staff, reason=reason)
        except CaseworkError as error:
            raise _fail(error, staff.language) from None

    with_core(run)
    console.print(f"tip {tip_id}: now led by {unit}")


@tips_app.command("extend")
def extend(
    tip_id: int,
    days: int,
    user: AsUser,
    reason: Annotated[str, typer.Option()],
    public_reason: Annotated[str, typer.Option()],
    public_lang: Annotated[str, typer.Option(help="language of --public-reason")] = "zh_Hans",
    translation: Annotated[list[str], typer.Option(help="LANG=TEXT, a translation of --public-reason")] = [],  # noqa: B006
    send_untranslated: Annotated[bool, typer.Option(
        help="send --public-reason even with no translation into the reporter's language")] = False,
) -> None:
    """The one extension of the finish deadline (unit lead only)."""
    translations = dict(item.split("=", 1) for item in translation)
    message = PublicMessage(text=public_reason, language=public_lang, translations=translations)

    async def run(core):
        staff = await _staff(core, user)
        state = await queues.tip_state(core, staff, tip_id)
        if state is not None and message.unreadable_in(state.language) and not send_untranslated:
            _warn_untranslated(core, staff.language, state, None)  # no template fits an extension
            raise typer.Exit(1)
        try:
            await casework.extend_deadline(core, tip_id, days, staff=staff, reason=reason, public_reason=public_reason,
                                           public_language=public_lang, public_translations=translations)
        except CaseworkError as error:
            raise _fail(error, staff.language) from None

    with_core(run)
    console.print(f"tip {tip_id}: extended by {days} days")


@tips_app.command("note")
def note(tip_id: int, text: str, user: AsUser, finding: Annotated[bool, typer.Option(help="an assisting unit's findings")] = False) -> None:
    """Add a staff-only note, or an assisting unit's findings (协办意见)."""

    async def run(core):
        staff = await _staff(core, user)
        try:
            await casework.add_note(core, tip_id, text, staff=staff, kind="finding" if finding else "note")
        except CaseworkError as error:
            raise _fail(error, staff.language) from None

    with_core(run)


@tips_app.command("outcome")
def outcome(
    tip_id: int,
    user: AsUser,
    penalty_decision_no: Annotated[Optional[str], typer.Option()] = None,
    penalty_date: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD")] = None,
    criminal_case_filed: Annotated[Optional[bool], typer.Option()] = None,
    convicted: Annotated[Optional[bool], typer.Option()] = None,
    money_recovered: Annotated[Optional[str], typer.Option(help="amount in yuan, e.g. 30000 or 3万")] = None,
    already_known: Annotated[Optional[bool], typer.Option()] = None,
) -> None:
    """Record or correct what came of a tip (penalty, case, conviction, money recovered)."""
    from intake.domain.answers.invalid import Invalid
    from intake.domain.answers.money import parse_amount

    values: dict[str, object] = {
        key: value for key, value in {
            "penalty_decision_no": penalty_decision_no, "penalty_date": penalty_date,
            "criminal_case_filed": criminal_case_filed, "convicted": convicted, "already_known": already_known,
        }.items() if value is not None
    }
    if money_recovered is not None:
        fen = parse_amount(money_recovered)
        if isinstance(fen, Invalid):
            raise typer.BadParameter(Translator("en")(fen.message, **fen.params))
        values["money_recovered_fen"] = fen

    async def run(core):
        staff = await _staff(core, user)
        try:
            await casework.record_outcome(core, tip_id, staff=staff, **values)
        except CaseworkError as error:
            raise _fail(error, staff.language) from None

    with_core(run)
    console.print(f"tip {tip_id}: outcome recorded")


@tips_app.command("reveal")
def reveal(tip_id: int, user: AsUser, reason: Annotated[str, typer.Option()]) -> None:
    """Show the reporter's identity and contact (lead unit or reward administrator; audited)."""

    async def run(core):
        staff = await _staff(core, user)
        try:
            return await casefile.reveal_reporter(core, staff, tip_id, reason=reason)
        except CaseworkError as error:
            raise _fail(error, staff.language) from None

    typer.echo(json.dumps(with_core(run), ensure_ascii=False, indent=2))
