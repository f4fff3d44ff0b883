"""`tipline retention run [--dry-run]`: erase the personal data the retention policy says is due
(intake/admin/retention.py), or list what would go."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from intake.admin.retention import PolicyProblem, run_retention
from tipline.runner import with_core
from tipline.staff_times import local_day

retention_app = typer.Typer(help="Erasing reporters' personal data when the retention policy says so.", no_args_is_help=True)
console = Console(highlight=False)


@retention_app.command("run")
def run(dry_run: Annotated[bool, typer.Option("--dry-run", help="list what would be erased; erase nothing")] = False) -> None:
    """Erase the personal data of tips past their retention period (audited), expired drafts
    and their files; tip facts and statistics stay. Also done once a day by `tipline serve`."""

    async def go(core):
        return await run_retention(core, dry_run=dry_run), core.settings.timezone

    try:
        report, zone = with_core(go)
    except PolicyProblem as problem:
        for line in problem.problems:
            console.print(f"[red]✗[/red] {line}")
        raise typer.Exit(1) from None
    verb = "would erase" if dry_run else "erased"
    if report.erased or report.held:
        table = Table("tip", "status", "policy", "final since", "due", "people", "files", "drafts", "")
        for item in [*report.erased, *report.held]:
            table.add_row(str(item.tip_id), item.status, item.policy, local_day(item.final_at, zone), local_day(item.due_at, zone),
                          str(item.people), str(item.attachments), str(item.drafts),
                          f"held: {item.held}" if item.held else verb)
        console.print(table)
    console.print(f"{verb} the personal data of {len(report.erased)} tips"
                  + (f" ({len(report.held)} held back)" if report.held else ""))
    console.print(f"{verb} {report.expired_drafts} expired drafts, {report.orphan_files} files of drafts that never became a "
                  f"report, {report.expired_link_tokens} used or expired chat-link tokens")
    if dry_run:
        console.print("dry run: nothing was erased")
