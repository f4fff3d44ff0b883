"""`tipline config`, `regions`, `staff` and `route`: running a deployment."""
from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from intake.admin import config_store, retention
from intake.domain.deployment import CONFIG_DIR, ConfigFileError, Deployment, read_config
from intake.domain.routing import render_reason, route as route_tip
from intake.platform.settings import Settings
from intake.staff.staff import Role, StaffError, add_staff, change_role, disable_staff, set_staff_email
from tipline.runner import with_core

config_app = typer.Typer(help="The deployment's configuration: categories, regions, units, routing, templates.", no_args_is_help=True)
regions_app = typer.Typer(help="Administrative divisions.", no_args_is_help=True)
staff_app = typer.Typer(help="Staff users.", no_args_is_help=True)
console = Console(highlight=False)


def _config_path(path: Path | None) -> Path:
    return path or Settings().config_dir or CONFIG_DIR


def _read(path: Path) -> dict:
    """The raw configuration, or a clear message and exit code 1 (never a traceback)."""
    try:
        return read_config(path)
    except (ConfigFileError, OSError) as error:
        console.print(f"✗ {error}", markup=False, style="red")  # markup off: TOML errors hold [brackets]
        raise typer.Exit(1) from None


@config_app.command("check")
def config_check(path: Annotated[Optional[Path], typer.Argument(help="a TOML file or a folder of them")] = None) -> None:
    """Check a configuration: every text in every language, every link, no routing hole."""
    problems = config_store.check(_read(_config_path(path)))
    problems += retention.check(path or Settings().config_dir)  # retention.toml, or the defaults
    for problem in problems:
        console.print(f"[red]✗[/red] {problem}")
    if problems:
        raise typer.Exit(1)
    console.print("[green]✓[/green] configuration is complete: every text in zh_Hans, bo and en; every category routes in every region")


@config_app.command("apply")
def config_apply(
    path: Annotated[Optional[Path], typer.Argument(help="a TOML file or a folder of them")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="apply without asking")] = False,
    by: Annotated[str, typer.Option("--as", help="who applies it (audited)")] = "admin",
) -> None:
    """Show what changes, then store the configuration as the new version in force."""
    raw = _read(_config_path(path))

    async def show(core):
        try:
            merged, changes = await config_store.plan(core.db, raw)
        except config_store.ConfigProblem as problem:
            for line in problem.problems:
                console.print(f"[red]✗[/red] {line}")
            raise typer.Exit(1) from None
        for line in changes.lines():
            console.print(line)
        return changes

    changes = with_core(show)
    if changes.empty:
        return
    if not yes and not typer.confirm("Apply these changes?"):
        raise typer.Exit(1)

    async def store(core):
        _deployment, _changes = await config_store.apply(core.db, raw, applied_by=by, now=core.clock.now())

    with_core(store)
    console.print("applied: restart running services to use it")


@regions_app.command("import")
def regions_import(
    csv_file: Path,
    fill_missing: Annotated[bool, typer.Option(help="copy the Chinese name where a Tibetan or English one is missing")] = False,
    yes: Annotated[bool, typer.Option("--yes")] = False,
) -> None:
    """Load administrative divisions (GB/T 2260 codes) from a CSV: code,name_zh[,name_bo,name_en,parent]."""

    async def run(core):
        current = await config_store.stored_config(core.db) or {}
        try:
            raw, notes = config_store.regions_from_csv(csv_file, current, fill_missing=fill_missing)
            merged, changes = await config_store.plan(core.db, raw)
        except config_store.ConfigProblem as problem:
            for line in problem.problems:
                console.print(f"[red]✗[/red] {line}")
            raise typer.Exit(1) from None
        for line in [*changes.lines(), *notes]:
            console.print(line)
        if not changes.empty and (yes or typer.confirm("Apply these changes?")):
            await config_store.apply(core.db, raw, applied_by="regions-import", now=core.clock.now())
            console.print("applied")

    with_core(run)


@staff_app.command("add")
def staff_add(
    username: str,
    role: Annotated[str, typer.Option(help=", ".join(Role))],
    unit: Annotated[Optional[str], typer.Option(help="unit code, e.g. 990121-police")] = None,
    name: Annotated[str, typer.Option(help="display name")] = "",
    lang: Annotated[str, typer.Option(help="zh_Hans or en")] = "zh_Hans",
    email: Annotated[Optional[str], typer.Option(help="their own work e-mail: told there when someone guesses at their sign-in")] = None,
) -> None:
    """Add a staff user, scoped to a unit."""

    async def run(core):
        try:
            await add_staff(core, username, role=role, unit=unit, display_name=name, language=lang, email=email)
        except StaffError as error:
            raise typer.BadParameter(str(error)) from None

    with_core(run)
    console.print(f"added {username} ({role}{', ' + unit if unit else ''})")


@staff_app.command("reset")
def staff_reset(username: str) -> None:
    """Give a staff user a new random password (printed once) and lift any wait on their name."""
    from intake.staff.auth import AuthError, set_password

    password = secrets.token_urlsafe(12)

    async def run(core):
        try:
            await set_password(core, username, password, actor="cli")
        except AuthError as error:
            raise typer.BadParameter(str(error)) from None

    with_core(run)
    console.print(f"{username}: new password {password}")


@staff_app.command("email")
def staff_email(
    username: str,
    address: Annotated[Optional[str], typer.Argument(help="leave out to remove it (their unit's alert address is told instead)")] = None,
) -> None:
    """Set a staff user's own work e-mail, where they are told when someone guesses at their sign-in."""

    async def run(core):
        try:
            await set_staff_email(core, username, address, actor="cli")
        except StaffError as error:
            raise typer.BadParameter(str(error)) from None

    with_core(run)
    console.print(f"{username}: e-mail {address or 'removed (their unit is told instead)'}")


@staff_app.command("disable")
def staff_disable(username: str) -> None:
    """Disable a staff user: their console sessions end at once."""

    async def run(core):
        try:
            await disable_staff(core, username, actor="cli")
        except StaffError as error:
            raise typer.BadParameter(str(error)) from None

    with_core(run)
    console.print(f"{username}: disabled")


@staff_app.command("role")
def staff_role(
    username: str,
    role: Annotated[str, typer.Argument(help=", ".join(Role))],
    unit: Annotated[Optional[str], typer.Option(help="unit code, e.g. 990121-police")] = None,
) -> None:
    """Give a staff user another role (and unit): their console sessions end at once."""

    async def run(core):
        try:
            await change_role(core, username, role=role, unit=unit, actor="cli")
        except StaffError as error:
            raise typer.BadParameter(str(error)) from None

    with_core(run)
    console.print(f"{username}: now {role}{', ' + unit if unit else ''}; signed out everywhere")


# The demo deployment's people: enough to try every role (DOMAIN.md "Who uses the system").
DEMO_STAFF = (
    ("wang.officer", "officer", "990121-civil_affairs", "王敏（东湖县民政局）"),
    ("zhao.lead", "unit_lead", "990121-civil_affairs", "赵强（东湖县民政局负责人）"),
    ("sun.market", "officer", "990122-market_regulation", "孙丽（西岭县市场监管局）"),
    ("li.police", "officer", "990121-police", "李军（东湖县公安局）"),
    ("chen.coordinator", "coordinator", "990100-coordination", "陈静（青山市专项办）"),
    ("zhou.rewards", "reward_admin", "990100-coordination", "周平（奖励管理）"),
    ("wu.rewards", "reward_admin", "990100-coordination", "吴刚（奖励管理）"),
    ("he.auditor", "auditor", "990100-coordination", "何云（审计）"),
)


def demo() -> None:
    """Create the demo staff accounts (once) and print their random passwords."""
    from intake.staff.auth import set_password
    from intake.staff.staff import get_staff

    async def run(core):
        created = []
        for username, role, unit, name in DEMO_STAFF:
            if await get_staff(core, username) is not None:
                continue
            await add_staff(core, username, role=role, unit=unit, display_name=name)
            password = secrets.token_urlsafe(9)
            await set_password(core, username, password, actor="demo")
            created.append((username, role, unit, password))
        return created

    created = with_core(run)
    if not created:
        console.print("demo accounts exist (give one a new password with `tipline staff reset NAME`)")
        return
    console.print("demo staff accounts (coordinators and reward administrators set up a second factor at first sign-in):")
    for username, role, unit, password in created:
        console.print(f"  {username:18} {password:14} {role:13} {unit}")


def route(
    answers_file: Annotated[Path, typer.Argument(help="a JSON object of answers, as the questionnaire stores them")],
    lang: Annotated[str, typer.Option(help="language of the reasons")] = "en",
) -> None:
    """Print the routing decision for a set of answers, as JSON."""
    answers = json.loads(answers_file.read_text(encoding="utf-8"))

    async def run(core):
        return core.deployment

    deployment: Deployment = with_core(run)
    decision = route_tip(answers, deployment)
    output = decision.to_dict()
    output["reasons"] = [render_reason(r, lang, deployment) for r in decision.reasons]
    typer.echo(json.dumps(output, ensure_ascii=False, indent=2))
