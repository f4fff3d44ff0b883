"""`tipline i18n export | import | status`: the review kit, which lets a native speaker check
the translations in a spreadsheet and brings their verdicts back.

The program's texts go back into the PO catalog (review marker off, `# Reviewed by …` on); the
deployment's texts go back as a new configuration version through config_store's plan and apply,
the path `tipline config apply` takes, with its difference shown first.
"""
from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Optional
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from i18n import LANGUAGES, LOCALES_DIR, N_, Translator, negotiate
from i18n.checks import translation_problems
from i18n.review import (
    SCREENS, Outcome, catalog_path, decide, digest, entries, entry_code, forms, key_of, mark_reviewed, read_catalog,
    screen_label, screens_of, sources, status as catalog_status, write_catalog,
)
from intake.admin import config_store, text_review
from intake.domain.questionnaire import QUESTIONS
from intake.platform.settings import Settings
from tipline.review_sheet import Row, Sheet, SheetError, read_sheet, write_sheet
from tipline.runner import with_core

i18n_app = typer.Typer(help="Translations: a native speaker's review, in a spreadsheet.", no_args_is_help=True)
console = Console(highlight=False)

QUESTION = N_("Question %(number)s")  # where a text of the questionnaire is shown
CatalogsOption = Annotated[Path, typer.Option("--catalogs", help="the folder of the catalogs (i18n/locales)")]


def _language(value: str) -> str:
    language = negotiate(value)
    if language is None:
        raise typer.BadParameter(f"choose one of: zh, bo, en (got {value!r})")
    return language


def _today() -> date:
    return datetime.now(ZoneInfo(Settings().timezone)).date()


def _catalog_sources(message, chinese: dict, language: str) -> tuple[str, ...]:
    """What a reviewer of `language` reads the entry against: the English msgid, and the Chinese
    translation unless Chinese is under review."""
    texts = sources(message)
    if language != "zh_Hans":
        found = chinese.get(key_of(message))
        texts += forms(found) if found is not None else ("",)
    return texts


def _chinese(catalogs: Path) -> dict:
    return {key_of(m): m for m in entries(read_catalog(catalog_path("zh_Hans", catalogs)))}


@i18n_app.command("export")
def export(
    lang: Annotated[str, typer.Argument(help="the language to review: bo, zh or en")],
    out: Annotated[Path, typer.Option(help="the folder to write the sheet into")] = Path("."),
    catalogs: CatalogsOption = LOCALES_DIR,
) -> None:
    """Write a review sheet (XLSX) of every text in LANG, and the PO file it came from."""
    language = _language(lang)
    _ = Translator(language)
    path = catalog_path(language, catalogs)
    catalog, chinese = read_catalog(path), _chinese(catalogs)
    questions = _question_numbers()
    catalog_rows = [
        Row(id=entry_code(m), where=_where(m, questions, _),
            texts=_source_columns(m, chinese), translation="\n".join(forms(m)),
            source=digest(*_catalog_sources(m, chinese, language)))
        for m in entries(catalog)
    ]

    async def deployment_rows(core) -> list[Row]:
        raw = await config_store.stored_config(core.db) or {}
        return [Row(id=t.name, where=_(t.screen), texts={k: t.texts.get(k, "") for k in ("en", "zh_Hans")},
                    translation=t.texts.get(language, ""), source=text_review.source_digest(t, language))
                for t in text_review.texts(raw)]

    sheet = Sheet(language=language, parts={"catalog": catalog_rows, "deployment": with_core(deployment_rows)})
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"review-{language}-{_today().isoformat()}"
    write_sheet(stem.with_suffix(".xlsx"), sheet)
    shutil.copyfile(path, stem.with_suffix(".po"))
    console.print(f"{stem.with_suffix('.xlsx')}: {len(catalog_rows)} program texts, "
                  f"{len(sheet.parts['deployment'])} deployment texts in {language}")
    console.print(f"{stem.with_suffix('.po')}: the catalog they came from")


def _question_numbers() -> dict[str, int]:
    """msgid -> the number of the question whose text (or choice, hint, notice) it is."""
    found: dict[str, int] = {}
    for number, step in enumerate(QUESTIONS, 1):
        texts = [step.question, step.hint, step.summary_label, *(text for _, text in step.hint_when),
                 *(text for _, text in step.notice_when)]
        for option in step.options:
            texts += [option.label, option.hint]
        for text in texts:
            if text:
                found.setdefault(text, number)
    return found


def _where(message, questions: dict[str, int], _: Translator) -> str:
    where = "; ".join(_(SCREENS[s]) for s in screens_of(message))
    number = questions.get(key_of(message))
    return f"{where} · {_(QUESTION, number=number)}" if number else where


def _source_columns(message, chinese: dict) -> dict[str, str]:
    found = chinese.get(key_of(message))
    return {"en": "\n".join(sources(message)), "zh_Hans": "\n".join(forms(found)) if found is not None else ""}


@i18n_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="a review sheet, filled in")],
    reviewer: Annotated[Optional[str], typer.Option(help="who reviewed it (default: the name on the sheet)")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="apply the deployment texts without asking")] = False,
    catalogs: CatalogsOption = LOCALES_DIR,
) -> None:
    """Apply a reviewed sheet: changed translations go in, reviewed entries are marked; each
    entry that cannot be taken is refused with its reason."""
    try:
        sheet = read_sheet(file)
    except (SheetError, OSError) as error:
        console.print(f"[red]✗[/red] {escape(str(error))}")
        raise typer.Exit(1) from None
    language = sheet.language
    if language not in LANGUAGES:
        console.print(f"[red]✗[/red] {file.name}: not a review sheet of a tip-line language ({language!r})")
        raise typer.Exit(1)
    name = (reviewer or sheet.reviewer).strip()
    if not name:
        console.print("[red]✗[/red] who reviewed it? Write the name beside “Your name:” on the first worksheet, "
                      "or give --reviewer NAME")
        raise typer.Exit(1)
    day = _today()
    console.print(f"review of the {language} texts by {escape(name)}, {day.isoformat()}")
    try:
        refused = _import_catalog(sheet.parts.get("catalog", []), language, name, day, catalogs)
    except OSError as error:  # no catalog of that language where --catalogs points
        console.print(f"[red]✗[/red] {escape(str(error))}")
        raise typer.Exit(1) from None
    refused += _import_deployment(sheet.parts.get("deployment", []), language, name, day, yes=yes)
    if refused:
        console.print(f"[red]{refused} entries refused[/red]: correct them in the sheet and import it again "
                      "(what was applied stays applied)")
        raise typer.Exit(1)


def _import_catalog(rows: list[Row], language: str, name: str, day: date, catalogs: Path) -> int:
    path = catalog_path(language, catalogs)
    catalog, chinese = read_catalog(path), _chinese(catalogs)
    by_code = {entry_code(m): m for m in entries(catalog)}
    outcomes = []
    for row in rows:
        message = by_code.get(row.id)
        current = "\n".join(forms(message)) if message is not None else None
        source_now = digest(*_catalog_sources(message, chinese, language)) if message is not None else ""
        outcome = decide(row.id, row.verdict, row.translation, row.exported, current=current, source_then=row.source,
                         source_now=source_now, problems=_catalog_problems(message, language))
        outcomes.append(outcome)
        if outcome.kind == "changed":
            new = outcome.new.split("\n") if isinstance(message.string, tuple) else outcome.new
            message.string = tuple(new) if isinstance(message.string, tuple) else new
        if outcome.kind in ("changed", "reviewed"):
            mark_reviewed(message, name, day)
    if any(o.kind in ("changed", "reviewed") for o in outcomes):
        write_catalog(path, catalog)
    return _report("program texts", outcomes, where=str(path))


def _catalog_problems(message, language: str) -> Callable[[str], list[str]]:
    def problems(text: str) -> list[str]:
        parts = text.split("\n") if isinstance(message.string, tuple) else [text]
        if len(parts) != len(forms(message)):
            return [f"the entry has {len(forms(message))} plural forms, one per line; the sheet gives {len(parts)}"]
        return [problem for part in parts for problem in translation_problems(language, part, *sources(message))]

    return problems


def _import_deployment(rows: list[Row], language: str, name: str, day: date, *, yes: bool) -> int:
    async def plan(core):
        raw = await config_store.stored_config(core.db) or {}
        by_name = {t.name: t for t in text_review.texts(raw)}
        outcomes = []
        for row in rows:
            text = by_name.get(row.id)
            outcomes.append(decide(
                row.id, row.verdict, row.translation, row.exported,
                current=text.texts.get(language, "") if text is not None else None, source_then=row.source,
                source_now=text_review.source_digest(text, language) if text is not None else "",
                problems=lambda new, text=text: translation_problems(language, new, text.texts.get(
                    "en" if language != "en" else "zh_Hans", "")),
            ))
        changes = {o.id: o.new for o in outcomes if o.kind == "changed"}
        reviewed = {o.id for o in outcomes if o.kind in ("changed", "reviewed")}
        new = text_review.with_review(raw, language, changes, reviewed, by=name, day=day) if reviewed else None
        lines = None
        if new is not None:
            try:
                _merged, difference = await config_store.plan(core.db, new)
            except config_store.ConfigProblem as problem:
                lines = [f"[red]✗[/red] {escape(line)}" for line in problem.problems]
                return outcomes, None, lines
            lines = [escape(line) for line in difference.lines()]
        return outcomes, new, lines

    outcomes, new, lines = with_core(plan)
    refused = _report("deployment texts", outcomes, where="the configuration")
    if lines is None:
        return refused
    for line in lines:
        console.print(line)
    if new is None:
        return refused + 1
    if not yes and not typer.confirm("Apply these changes to the deployment texts?"):
        console.print("deployment texts: not applied")
        return refused

    async def store(core):
        await config_store.apply(core.db, new, applied_by=f"i18n import: {name}", now=core.clock.now())

    with_core(store)
    console.print("deployment texts applied as a new configuration version: restart running services to use it")
    return refused


def _report(part: str, outcomes: list[Outcome], *, where: str) -> int:
    changed = [o for o in outcomes if o.kind == "changed"]
    approved = [o for o in outcomes if o.kind == "reviewed"]
    refused = [o for o in outcomes if o.kind == "refused"]
    unsure = [o for o in outcomes if o.kind == "unsure"]
    console.print(f"{part}: {len(changed)} changed, {len(approved)} reviewed as they are, {len(refused)} refused, "
                  f"{len(unsure)} left unsure ({escape(where)})")
    for outcome in changed:
        console.print(f"  [green]~[/green] {outcome.id}: {escape(outcome.old)} → {escape(outcome.new)}")
    for outcome in approved:
        console.print(f"  [green]✓[/green] {outcome.id}")
    for outcome in unsure:
        console.print(f"  ? {outcome.id}: left for later")
    for outcome in refused:
        console.print(f"  [red]✗[/red] {outcome.id}: {escape(outcome.reason)}")
    return len(refused)


@i18n_app.command("status")
def status(catalogs: CatalogsOption = LOCALES_DIR) -> None:
    """Per language and screen: texts, reviewed by a native speaker, awaiting review."""

    async def stored(core):
        return await config_store.stored_config(core.db) or {}

    raw = with_core(stored)
    table = Table("language", "texts", "screen", "entries", "reviewed", "awaiting review", box=None)
    for language in LANGUAGES:
        for count in catalog_status(language, catalogs):
            table.add_row(language, "program", screen_label(count.screen), str(count.entries), str(count.reviewed),
                          str(count.awaiting))
        for count in text_review.status(raw, language):
            table.add_row(language, "deployment", count.screen, str(count.entries), str(count.reviewed),
                          str(count.awaiting))
    console.print(table)

