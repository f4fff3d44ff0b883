"""What every benchmark of bench/ shares: a fresh database (SQLite file or PostgreSQL), a complete
report, `wrk` with a Lua script, servers in child processes, their resident memory, and the one
way figures are printed (product, baseline from the same run, ratio, target).
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PYTHON = sys.executable
#: The PostgreSQL databases of the benchmarks: the product's and the baseline's (created with
#: `runuser -u postgres -- createdb -O tipline tipline_bench`); they are emptied at each run.
POSTGRES_URL = os.environ.get("TIPLINE_BENCH_DATABASE_URL", "postgresql+asyncpg://tipline:tipline@127.0.0.1:5432/tipline_bench")
POSTGRES_BASELINE_URL = os.environ.get(
    "TIPLINE_BENCH_BASELINE_DATABASE_URL", "postgresql+asyncpg://tipline:tipline@127.0.0.1:5432/tipline_bench2")
BENCH_DIR = ROOT / "var" / "bench"

#: A complete report as a partner app sends it (every answer checked by the questionnaire): a
#: named reporter who wants notices, a victim, a suspect organisation with phone and address.
COMPLETE_REPORT = {
    "urgent": "no",
    "reporting_for": "family",
    "relationship": "child",
    "category": "care_service",
    "description": "养老院卖“贵宾卡”，三万元一张，承诺每年返还10%。我母亲已经交了钱，现在联系不上他们。",
    "suspect_known": "yes",
    "suspect_organisation": "福寿康养老院",
    "suspect_person": "张经理",
    "suspect_phone": "0571-8888 6666",
    "suspect_address": "东湖县幸福路8号",
    "region": "990121",
    "place": "幸福路8号",
    "when": "2026年10月",
    "ongoing": "no",
    "money_lost": "3万",
    "payment_method": ["bank_transfer"],
    "victim_age": "70_79",
    "victim_name": "王秀英",
    "victim_phone": "138 0013 8000",
    "victim_region": "990121",
    "contact_mode": "named",
    "reporter_name": "李建国",
    "reporter_phone": "139-0013-9000",
    "reporter_email": "wang.son@example.com",
    "notify": "yes",
    "consent": "yes",
}


# --- printing ------------------------------------------------------------------------------

@dataclass
class Figure:
    name: str
    product: float
    baseline: float
    unit: str
    target: float
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.product / self.baseline if self.baseline else 0.0

    @property
    def met(self) -> bool:
        return self.ratio >= self.target

    def line(self) -> str:
        verdict = "met" if self.met else "MISSED"
        text = (f"{self.name}: product {self.product:,.0f} {self.unit}, baseline {self.baseline:,.0f} {self.unit}, "
                f"ratio {self.ratio:.2f}x (target >= {self.target:g}x: {verdict})")
        return "\n".join([text, *(f"    {note}" for note in self.notes)])


def report(figure: Figure) -> Figure:
    print(figure.line(), flush=True)
    save = os.environ.get("TIPLINE_BENCH_JSON")
    if save:  # the figures of a whole `make bench`, for bench/RESULTS.md
        with open(save, "a", encoding="utf-8") as out:
            out.write(json.dumps({**figure.__dict__, "ratio": figure.ratio, "met": figure.met}, ensure_ascii=False) + "\n")
    return figure


def say(text: str) -> None:
    print(text, flush=True)


# --- databases -----------------------------------------------------------------------------

def fresh_dir(name: str, base: Path | None = None) -> Path:
    path = (base or BENCH_DIR) / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def sqlite_url(directory: Path, name: str = "tipline.db") -> str:
    return f"sqlite+aiosqlite:///{directory / name}"


async def empty_postgres(url: str) -> None:
    """Drop everything in the database (it is the benchmark's own) so migrations start afresh."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


def database_urls(kind: str, directory: Path) -> tuple[str, str]:
    """(product's, baseline's) database URL for `kind` "sqlite" or "postgres"."""
    if kind == "sqlite":
        return sqlite_url(directory, "product.db"), sqlite_url(directory, "baseline.db")
    if kind == "postgres":
        return POSTGRES_URL, POSTGRES_BASELINE_URL
    raise SystemExit(f"unknown database {kind!r}: sqlite or postgres")


async def prepare_database(url: str) -> None:
    """An empty database with the product's schema (its own migrations)."""
    from intake.platform.db import Database
    from intake.platform.migrate import migrate

    if url.startswith("postgresql"):
        await empty_postgres(url)
    db = Database(url)
    try:
        await migrate(db)
    finally:
        await db.dispose()


def postgres_available() -> bool:
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_URL)
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=1):
            return True
    except OSError:
        return False


def product_env(var_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TIPLINE_") or key.startswith("TIPLINE_BENCH")}
    env.update({"TIPLINE_VAR_DIR": str(var_dir), "TIPLINE_DATABASE_URL": database_url, "TIPLINE_ENV": "development",
                "PYTHONPATH": str(ROOT)})
    env.update(extra)
    return env


# --- servers -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server in its own process group, waited for on its port, stopped with SIGTERM."""

    def __init__(self, args: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.args, self.env, self.port, self.log_path = args, env, port, log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(self.args, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                        cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server {' '.join(self.args)} ended: see {self.log_path}\n{self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server {' '.join(self.args)} did not listen on {self.port}: see {self.log_path}")

    def profile(self, out: Path, seconds: float) -> subprocess.Popen | None:
        """Start py-spy on the server (and its workers) for `seconds`; raw stacks go to `out`
        (summarise them with `python -m bench.profile_summary OUT`). None without py-spy."""
        spy = shutil.which("py-spy") or str(Path(PYTHON).with_name("py-spy"))
        if not Path(spy).exists() or self.process is None:
            say("py-spy is not installed (.venv/bin/pip install py-spy): no profile")
            return None
        return subprocess.Popen([spy, "record", "--pid", str(self.process.pid), "--subprocesses", "--rate", "200",
                                 "--duration", str(max(1, int(seconds))), "--format", "raw", "--output", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def rss_mib(self) -> float:
        """Resident memory of the server and its worker processes, MiB."""
        return sum(_rss_kib(pid) for pid in _tree(self.process.pid)) / 1024 if self.process else 0.0

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.log.close()


def _tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            children = []
        queue.extend(int(child) for child in children)
    return pids


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def uvicorn_args(app: str, port: int, workers: int, *, factory: bool = False) -> list[str]:
    args = [PYTHON, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            "--no-access-log", "--log-level", "warning"]
    return args + (["--factory"] if factory else [])


def for_each_server(args, measure) -> None:
    """Run `measure` for every database and worker count asked on the command line (the
    submission and wizard benches), skipping PostgreSQL where no server is set up."""
    for kind in args.databases.split(","):
        if kind == "postgres" and not postgres_available():
            say("postgres: no server at TIPLINE_BENCH_DATABASE_URL; skipped")
            continue
        for workers in (int(w) for w in args.workers.split(",")):
            measure(kind, workers, seconds=args.seconds, connections=args.connections, base=args.dir, profile=args.profile,
                    rounds=args.rounds)


def serve_has_workers() -> bool:
    """`tipline serve --workers N` (issue 8's production mode) may not be there yet."""
    result = subprocess.run([PYTHON, "-m", "tipline", "serve", "--help"], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}, timeout=60)
    return "--workers" in result.stdout


# --- wrk -----------------------------------------------------------------------------------

WRK_LUA = r"""
-- Generated by bench/common.py: statuses counted, and the tracking code of every 2xx kept (a POST).
wrk.method = %(method)s
%(body)s
%(headers)s
local keep_codes = %(keep_codes)s
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {}; codes = {} end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if keep_codes and status >= 200 and status < 300 then
    local code = string.match(body, '"code":"([0-9 ]+)"')
    codes[#codes + 1] = code or "?"
  end
end
function done(summary, latency, requests)
  local out = io.open(%(codes_path)s, "w")
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do io.write(string.format("STATUS %%d %%d\n", status, n)) end
    for _, code in ipairs(thread:get("codes")) do out:write(code, "\n") end
  end
  out:close()
  io.write(string.format("P50_US %%d\nP99_US %%d\n", latency:percentile(50), latency:percentile(99)))
  local e = summary.errors
  io.write(string.format("SOCKET_ERRORS %%d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("REQUESTS %%d\nDURATION_US %%d\n", summary.requests, summary.duration))
end
"""


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]
    socket_errors: int
    codes: list[str]

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def errors(self) -> int:
        return self.socket_errors + sum(n for status, n in self.statuses.items() if not 200 <= status < 300)


def combine(results: list[WrkResult]) -> WrkResult:
    """Rounds of one load as one result: counts added, p50 and p99 the worst round's."""
    statuses: dict[int, int] = {}
    for result in results:
        for status, n in result.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    return WrkResult(sum(r.requests for r in results), sum(r.seconds for r in results), max(r.p50_ms for r in results),
                     max(r.p99_ms for r in results), statuses, sum(r.socket_errors for r in results),
                     [code for r in results for code in r.codes])


def alternate(rounds: int, product, baseline) -> tuple[WrkResult, WrkResult]:
    """Load the product and the baseline in turns, `rounds` times each, so a machine shared with
    other work (load that comes and goes) weighs on both alike."""
    mine, bare = [], []
    for _ in range(rounds):
        mine.append(product())
        bare.append(baseline())
    return combine(mine), combine(bare)


def wrk_post(url: str, body: dict, headers: dict[str, str], **options) -> WrkResult:
    """POST `body` as JSON; the tracking code of every 2xx answer is kept (WrkResult.codes)."""
    return wrk_load(url, "POST", {**headers, "Content-Type": "application/json"}, body=json.dumps(body, ensure_ascii=False),
                    **options)


def wrk_load(url: str, method: str, headers: dict[str, str], *, connections: int, seconds: float, workdir: Path,
             body: str | None = None, threads: int = 2) -> WrkResult:
    codes_path = workdir / "codes.txt"
    codes_path.unlink(missing_ok=True)
    script = workdir / f"{method.lower()}.lua"
    script.write_text(WRK_LUA % {
        "method": _lua_string(method),
        "body": f"wrk.body = {_lua_string(body)}" if body is not None else "",
        "headers": "\n".join(f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in headers.items()),
        "keep_codes": "true" if method == "POST" else "false",
        "codes_path": _lua_string(str(codes_path)),
    })
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: `apt-get install wrk` (scripts/system-packages.sh lists it)")
    result = subprocess.run(
        [wrk, f"-t{min(threads, connections)}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
         "-s", str(script), url],
        capture_output=True, text=True, timeout=seconds + 120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr or result.stdout}")
    out = result.stdout
    statuses: dict[int, int] = {}
    for status, n in re.findall(r"^STATUS (\d+) (\d+)$", out, re.MULTILINE):  # one line per wrk thread
        statuses[int(status)] = statuses.get(int(status), 0) + int(n)
    number = lambda name: int(re.search(rf"^{name} (\d+)$", out, re.MULTILINE).group(1))  # noqa: E731
    codes = [line for line in codes_path.read_text().splitlines() if line] if codes_path.exists() else []
    return WrkResult(number("REQUESTS"), number("DURATION_US") / 1e6, number("P50_US") / 1000, number("P99_US") / 1000,
                     statuses, number("SOCKET_ERRORS"), codes)


def run(coroutine):
    return asyncio.run(coroutine)
