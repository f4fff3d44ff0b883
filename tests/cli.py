"""Running the `tipline` command inside the test process with typer's CliRunner: the same
commands, arguments, environment and standard input as from a shell, without the 1.3 s start of
a new interpreter. `test_terminal_chat.py` keeps one run of the real process."""
from __future__ import annotations

import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from typer.testing import CliRunner

from tipline.cli import app


@dataclass(frozen=True)
class Ran:
    """What a shell would see: the exit code and the two output streams."""

    returncode: int
    stdout: str
    stderr: str


def run_tipline(*args: str, env: dict[str, str | None] | None = None, input: str | None = None) -> Ran:
    """`tipline *args` with `env` over this process's environment (None removes a variable).

    The command runs in a thread of its own, because it starts its own event loop and an async
    test already runs one. A crash inside the command comes back as exit code 1 with its
    traceback on stderr, as from a real process."""
    environment = {"COLUMNS": "200", "TIPLINE_TEST_DATABASE_URL": None, **(env or {})}

    def invoke():
        return CliRunner().invoke(app, list(args), input=input, env=environment)

    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(invoke).result(timeout=180)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return Ran(result.exit_code, result.stdout, stderr)
