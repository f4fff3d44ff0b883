"""Files on this machine that hold personal data: the var directory, the SQLite database with its
-wal and -shm files, and every export written to disk. They are for their owner only (the
database holds sealed data, but also who reported when, and the keyring sits in the same
directory). Production refuses to start when others may read them, as it does for the keyring;
development tightens them and says so.
"""
from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
#: The files SQLite keeps beside the database; it creates them with the database file's mode.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


class InsecureFiles(RuntimeError):
    """Production start-up found the var directory or the database readable by others."""


def private_dir(path: Path) -> Path:
    """`path`, created 0700 when missing (missing parents get the usual mode, like `mkdir -p`)."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    return path


def create_database_file(path: Path) -> None:
    """Create the SQLite file 0600 before SQLite does (it would use the umask, usually 0644):
    its -wal and -shm files then get the same mode. An empty file is an empty database."""
    private_dir(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))


def write_private(path: Path, data: bytes) -> None:
    """Write an export 0600, also over a file that was there before with a looser mode."""
    with open_private(path, "wb") as handle:
        handle.write(data)


def open_private(path: Path, mode: str):  # noqa: ANN201 - a file object of `mode`
    """Open for writing ("wb", "a", ...), creating the file 0600 and tightening an existing one."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"}))


def protect(var_dir: Path, sqlite_path: Path | None, *, production: bool) -> None:
    """The var directory (created 0700 when missing) and the SQLite files that exist: production
    refuses any that group or others may use; development tightens them."""
    private_dir(var_dir)
    paths = [var_dir]
    if sqlite_path is not None:
        paths += [sqlite_path, *(sqlite_path.with_name(sqlite_path.name + end) for end in SQLITE_COMPANIONS)]
    for path in paths:
        try:
            current = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        wanted = DIR_MODE if path.is_dir() else FILE_MODE
        if not current & 0o077:
            continue
        if production:
            raise InsecureFiles(f"{path} has mode {current:04o}: group/others can read it. Run `chmod {wanted:o} {path}`.")
        try:
            path.chmod(wanted)
            log.warning("%s had mode %04o: now %04o (readable by its owner only)", path, current, wanted)
        except OSError as error:  # e.g. owned by another user: say so, development goes on
            log.warning("%s has mode %04o and could not be tightened: %s", path, current, error)
