"""`tipline partners …`: API keys for partner apps that submit reports through the JSON API."""
from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from intake.reporting.partners import PartnerError, add_partner, list_partners, revoke_partner
from tipline.runner import with_core
from tipline.staff_times import local_day

partners_app = typer.Typer(help="Partner apps of the JSON API and their keys.", no_args_is_help=True)
console = Console(highlight=False)


@partners_app.command("add")
def add(
    name: str,
    reports_per_hour: Annotated[Optional[int], typer.Option(min=1, help="this key's own limit (default: the API's, 600 an hour)")] = None,
) -> None:
    """Add a partner and print its API key (shown this once, stored only as a keyed hash)."""

    async def run(core):
        try:
            return await add_partner(core, name, reports_per_hour=reports_per_hour)
        except PartnerError as error:
            raise typer.BadParameter(str(error)) from None

    info, key = with_core(run)
    if info.reports_per_hour is not None:
        console.print(f"partner {info.name}: at most {info.reports_per_hour:,} reports per hour")
    console.print(f"partner {info.name}: API key (keep it secret, it is not shown again):")
    console.print(key)


@partners_app.command("revoke")
def revoke(name: str) -> None:
    """Revoke a partner's key at once."""

    async def run(core):
        try:
            return await revoke_partner(core, name)
        except PartnerError as error:
            raise typer.BadParameter(str(error)) from None

    with_core(run)
    console.print(f"partner {name}: key revoked")


@partners_app.command("list")
def list_all() -> None:
    """The partners, with the first characters of their keys."""

    async def listed(core):
        return await list_partners(core), core.settings.timezone

    partners, zone = with_core(listed)
    table = Table("name", "key starts", "added", "revoked", "reports per hour")
    for info in partners:
        table.add_row(info.name, info.key_prefix, local_day(info.created_at, zone), local_day(info.revoked_at, zone),
                      f"{info.reports_per_hour:,}" if info.reports_per_hour is not None else "default")
    console.print(table)
