"""`tipline keys rotate | retire | status`: new keys for a long-lived deployment, without losing
a thing (intake/admin/key_rotation.py does the work; this only shows it)."""
from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from intake.platform.crypto import Keyring, KeyringError
from intake.platform.keyring_file import keyring_path, save_keyring
from intake.admin.key_rotation import RotationError, key_usage, plan_rotation, rotate_data
from intake.platform.settings import Settings
from tipline.runner import with_core

console = Console(highlight=False)
#: Seconds to wait after each batch: lets an operator throttle a rotation on a busy database
#: (and lets the test interrupt one half-way).
PAUSE_ENV = "TIPLINE_ROTATE_BATCH_PAUSE"

STEP_LABELS = {
    "people": "personal data",
    "chats": "chat look-ups",
    "drafts": "drafts and receipts",
    "codes": "tracking codes kept for chats",
    "attachments": "attachments",
    "staff": "staff second factors",
    "objections": "contacts of objections to the public risk list",
    "subscriptions": "subscribers to new warnings",
}


def _load(path) -> Keyring:
    try:
        return Keyring.load(path)
    except FileNotFoundError:
        raise typer.BadParameter(f"no keyring at {path}: see `tipline keys generate`") from None
    except KeyringError as error:
        raise typer.BadParameter(str(error)) from error


def _usage_lines(usage: dict[str, int]) -> str:
    return ", ".join(f"{where} {count}" for where, count in sorted(usage.items()))


def keys_rotate(
    batch_size: Annotated[int, typer.Option(min=1, max=10000, help="rows per transaction")] = 200,
) -> None:
    """New current keys (encryption and look-up hashes; the old ones stay for reading), then
    re-encrypt everything in batches. Safe to interrupt: run it again to continue."""
    path = keyring_path(Settings().resolved_keys_dir)
    keyring = _load(path)
    if keyring.rotation:
        console.print(f"continuing the unfinished rotation to key {keyring.active_key_id}")
    else:
        keyring = keyring.rotate()
        save_keyring(keyring, path)  # the new key and the "rotating" mark, in one atomic write
        console.print(f"new current keys: {keyring.active_key_id} (encryption), {keyring.hash_key_id} (look-up hashes); "
                      "the old ones stay for reading")
    try:
        pause = float(os.environ.get(PAUSE_ENV) or 0)
    except ValueError:
        raise typer.BadParameter(f"{PAUSE_ENV} must be a number of seconds") from None

    async def run(core):
        steps = await plan_rotation(core)
        columns = (TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console) as bar:
            tasks = {step.name: bar.add_task(STEP_LABELS[step.name], total=step.total) for step in steps}
            report = await rotate_data(core, batch_size=batch_size, pause=pause, steps=steps,
                                       progress=lambda step, count: bar.advance(tasks[step.name], count))
        return report, await key_usage(core)

    try:
        report, usage = with_core(run)
    except RotationError as error:
        console.print(f"[red]✗[/red] {error}. Nothing was lost: restore the missing key to the keyring and run again.")
        raise typer.Exit(1) from None
    save_keyring(_load(path).finished(), path)
    current = _load(path)
    console.print(f"[green]✓[/green] everything sealed is now under key {current.active_key_id}")
    for step in report.steps:
        if step.left_for_later:
            console.print(f"  {STEP_LABELS[step.name]}: {step.left_for_later} look-up hashes move over when next used")
    for key_id, used in usage.items():
        if key_id not in (current.active_key_id, current.hash_key_id) and used:
            console.print(f"  old key {key_id} is still needed for: {_usage_lines(used)} "
                          "(look-up hashes move over when the code, chat or key is next used)")
    console.print("Running services (tipline serve, tipline bot) that read this keyring file, on every machine, "
                  "write with the new keys within seconds: no restart needed.")


def keys_retire(key_id: Annotated[str, typer.Argument(help="an old key's id (see `tipline keys status`)")]) -> None:
    """Remove an old key from the keyring, only once nothing uses it any more."""
    path = keyring_path(Settings().resolved_keys_dir)
    keyring = _load(path)
    if keyring.rotation:
        console.print("[red]✗[/red] a rotation is unfinished: run `tipline keys rotate` to finish it first")
        raise typer.Exit(1)
    if key_id in (keyring.active_key_id, keyring.hash_key_id):
        console.print(f"[red]✗[/red] {key_id} is a current key: rotate first, then retire the old one")
        raise typer.Exit(1)
    if key_id not in keyring.keys and key_id not in keyring.old_hash_keys:
        console.print(f"[red]✗[/red] there is no key {key_id} in {path}")
        raise typer.Exit(1)
    used = with_core(key_usage).get(key_id, {})
    if used:
        console.print(f"[red]✗[/red] key {key_id} is still used by: {_usage_lines(used)}. "
                      "Run `tipline keys rotate` to move sealed data over; look-up hashes move when next used "
                      "(or when retention erases their tip's personal data).")
        raise typer.Exit(1)
    save_keyring(_load(path).without(key_id), path)
    console.print(f"[green]✓[/green] key {key_id} removed from {path}")


def keys_status() -> None:
    """Every key in the keyring and how many stored values still use it."""
    path = keyring_path(Settings().resolved_keys_dir)
    keyring = _load(path)
    usage = with_core(key_usage)
    table = Table("key", "kind", "state", "used by")
    for key_id, used in usage.items():
        kind = "encryption" if key_id in keyring.keys else "look-up hash"
        state = "current" if key_id in (keyring.active_key_id, keyring.hash_key_id) else "old"
        table.add_row(key_id, kind, state, _usage_lines(used) or "nothing")
    console.print(table)
    if keyring.rotation:
        console.print(f"a rotation to {keyring.rotation.get('to')} is unfinished: run `tipline keys rotate` to finish it")
