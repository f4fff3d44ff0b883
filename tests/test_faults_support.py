"""Helpers for the production-mode and fault tests (no tests here): a real `tipline serve`
subprocess, a redis-server of our own, and a throwaway PostgreSQL cluster in a temporary
directory (initdb + pg_ctl, as the postgres user when we are root), so a test may stop and
restart a database without touching anyone else's."""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def until(condition, seconds: float = 20, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await condition() if asyncio.iscoroutinefunction(condition) else condition():
            return True
        await asyncio.sleep(step)
    return False


def tipline_command() -> list[str]:
    script = Path(sys.executable).parent / "tipline"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tipline"]


def clean_env(**tipline: str) -> dict[str, str]:
    """This environment without any TIPLINE_ variable of the developer's, plus `tipline`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")}
    env.update({f"TIPLINE_{k.upper()}": v for k, v in tipline.items()})
    env["PYTHONPATH"] = str(ROOT)
    return env


class ServeProcess:
    """`tipline serve` in its own process group (so a stop reaches its workers too)."""

    def __init__(self, var_dir: Path, database_url: str, *, workers: int = 1, redis_url: str = "", **env: str) -> None:
        self.var_dir = var_dir
        self.port, self.console_port = free_port(), free_port()
        self.workers = workers
        self.env = clean_env(env="test", var_dir=str(var_dir), database_url=database_url, redis_url=redis_url, **env)
        self.log_path = var_dir / f"serve-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServeProcess:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*tipline_command(), "serve", "--port", str(self.port), "--console-port", str(self.console_port),
                 "--workers", str(self.workers)],
                env=self.env, cwd=self.var_dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    async def ready(self, seconds: float = 120) -> None:  # a bound for a busy machine, not a speed check
        async def up() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"tipline serve ended with {self.process.returncode}:\n{self.log()}")
            try:
                async with httpx.AsyncClient(timeout=2) as client:
                    return (await client.get(self.url + "/")).status_code == 200
            except httpx.HTTPError:
                return False

        assert await until(up, seconds, 0.1), f"tipline serve did not answer:\n{self.log()}"

    def kill9(self) -> None:
        """SIGKILL, the server process only (with one worker: the whole server)."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                pass
        with_children = self.process.pid
        try:
            os.killpg(with_children, signal.SIGKILL)  # any worker left behind
        except ProcessLookupError:
            pass
        if self.process.poll() is None:
            self.process.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def children_of(pid: int) -> dict[int, str]:
    """The processes whose parent is `pid`: {pid: command line}."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a parent that does not reap it counts as ended)."""
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


# --- Redis -------------------------------------------------------------------------------------

class RedisServer:
    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            pytest.skip(reason="redis-server is not installed (scripts/system-packages.sh installs it)")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        async def listening() -> bool:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                return False
            writer.close()
            return True

        assert await until(listening, 10)
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


# --- a PostgreSQL cluster of our own -------------------------------------------------------------

def postgres_bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if versions:
        return versions[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class TempPostgres:
    """A throwaway cluster in a temporary directory on a free port: init, start, stop, restart,
    then removed. As root the server runs as the postgres user (it refuses to run as root)."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        if self.bin is None:
            pytest.skip(reason="PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
        self.as_root = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="tipline-pg-"))
        self.data = self.root / "data"
        self.port = free_port()

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / tool), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, timeout=120, cwd=self.root)

    def init(self) -> TempPostgres:
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def create_database(self, name: str) -> str:
        self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                  "-c", f'CREATE DATABASE "{name}"')
        return self.url(name)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def temp_postgres():
    cluster = TempPostgres().init()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
async def redis_server():
    server = await RedisServer().start()
    try:
        yield server
    finally:
        server.kill()
