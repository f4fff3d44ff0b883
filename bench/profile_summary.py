"""Summarise a py-spy raw profile (`py-spy record --format raw`, or a bench script's --profile):
the share of samples spent in each function (inclusive) and on top of the stack (self), the
project's own functions marked, so what keeps a figure low is easy to find.

    .venv/bin/python -m bench.profile_summary var/bench/submission-sqlite-1/product-profile.txt [--top 40]
"""
from __future__ import annotations

import argparse
import collections
from pathlib import Path

OURS = ("intake/", "web_form/", "bot/", "console/", "tipline/", "i18n/")
#: Where a thread waits (the event loop's select, aiosqlite's and the executor's queues): not work.
IDLE = ("selectors.py:", "aiosqlite/core.py:59)", "concurrent/futures/thread.py:81)", "threading.py:3")


def _name(frame: str) -> tuple[str, bool]:
    function, _, where = frame.partition(" (")
    path = where.split(":")[0]
    return f"{function} ({'/'.join(path.split('/')[-2:])})", any(f"/{part}" in path or path.startswith(part) for part in OURS)


def summarise(path: Path, top: int = 40) -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    ours: set[str] = set()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        raw = [frame for frame in stack.split(";") if frame.strip()]
        if not raw or any(idle in raw[-1] for idle in IDLE):
            continue  # a thread or the loop waiting: not work
        frames = [_name(frame) for frame in raw]
        n = int(count)
        total += n
        for name in dict.fromkeys(name for name, _ in frames):
            inclusive[name] += n
        own[frames[-1][0]] += n
        ours.update(name for name, mine in frames if mine)
    lines = [f"{total:,} busy samples", "", "inclusive (ours marked *):"]
    lines += [f"  {100 * n / total:5.1f}% {'*' if name in ours else ' '} {name}"
              for name, n in inclusive.most_common() if name in ours][:top]
    lines += ["", "self (top of the stack):"]
    lines += [f"  {100 * n / total:5.1f}%   {name}" for name, n in own.most_common(top // 2)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    print(summarise(args.profile, args.top))


if __name__ == "__main__":
    main()
