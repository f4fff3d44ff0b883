"""`make cluster`: a two-machine deployment on this one machine, in the foreground.

PostgreSQL (scripts/postgres-up.sh, as `make test` brings it up; database tipline_cluster), a
Redis of its own, two instances of the product (`tipline serve`, each in its own process group, run
with the ExecStart line and settings of deploy/systemd/tipline@.service) sharing one keyring, and
nginx in front (deploy/nginx/tipline.conf, the file a real deployment installs) on
127.0.0.1:8080 (public site) and 127.0.0.1:8081 (staff console). Everything it writes is under
var/cluster/. Ctrl-C stops it all (PostgreSQL, a system service, stays up).

    make cluster                       # or: .venv/bin/python scripts/cluster.py
    CLUSTER_ENV=development make cluster   # console cookies without the Secure flag (plain-HTTP clients)
"""
from __future__ import annotations

import asyncio
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "systemd" / "tipline@.service"
VAR = ROOT / "var" / "cluster"
PUBLIC, CONSOLE = "127.0.0.1:8080", "127.0.0.1:8081"
INSTANCES = {"a": (18000, 18001), "b": (18010, 18011)}  # public and console port of each
REDIS_PORT = int(os.environ.get("CLUSTER_REDIS_PORT", "6380"))
DATABASE = "tipline_cluster"
START_SECONDS = 180  # a first start compiles the product and migrates the database
STOP_SECONDS = 20


def say(message: str) -> None:
    print(f"cluster: {message}", flush=True)


class Cluster:
    def __init__(self) -> None:
        self.processes: dict[str, subprocess.Popen] = {}
        self.shared: dict[str, str] = {}
        self.stopping = threading.Event()

    # --- the parts ------------------------------------------------------------------------------

    def database_url(self) -> str:
        """The server `make test` uses (started if needed), with a database of the cluster's own."""
        found = subprocess.run(["bash", str(ROOT / "scripts" / "postgres-up.sh")], stdout=subprocess.PIPE, text=True)
        if found.returncode != 0:
            raise SystemExit("cluster: PostgreSQL could not be started (see above); run as root once, or set "
                             "TIPLINE_TEST_POSTGRES_URL to a server of yours")
        url = found.stdout.strip().splitlines()[-1]
        asyncio.run(_create_database(url, DATABASE))
        return re.sub(r"/[^/]+$", f"/{DATABASE}", url)

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        """A part in a process group of its own (Ctrl-C in the terminal reaches only this script,
        which stops the parts in order), its output shown with its name."""
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   start_new_session=True, text=True, errors="replace")
        self.processes[name] = process
        threading.Thread(target=_relay, args=(name, process), daemon=True).start()

    def redis(self) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("cluster: redis-server is not installed (scripts/system-packages.sh installs it, as root)")
        self.start("redis", [binary, "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        return f"redis://127.0.0.1:{REDIS_PORT}/0"

    def instance_env(self, name: str, shared: dict[str, str]) -> tuple[list[str], dict[str, str]]:
        """The unit's ExecStart and Environment lines for instance `name`, as systemd would run them."""
        unit = _unit_lines(UNIT)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")}
        for assignment in unit["Environment"]:
            for pair in shlex.split(assignment.replace("%i", name)):
                key, _, value = pair.partition("=")
                env[key] = value
        public, console = INSTANCES[name]
        env.update(shared)
        env.update({"TIPLINE_VAR_DIR": str(VAR / name), "TIPLINE_HOST": "127.0.0.1",
                    "TIPLINE_PUBLIC_PORT": str(public), "TIPLINE_CONSOLE_PORT": str(console), "TIPLINE_WORKERS": "1"})
        command = [re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], word) for word in shlex.split(unit["ExecStart"][0])]
        command[0] = str(ROOT / ".venv" / "bin" / Path(command[0]).name)  # /opt/tipline/.venv/bin/tipline
        return command, env

    def nginx(self) -> None:
        binary = nginx_binary()
        if binary is None:
            raise SystemExit("cluster: nginx is not installed (scripts/system-packages.sh installs it, as root)")
        command = nginx_command(binary, VAR / "nginx", list(INSTANCES.values()), public=PUBLIC, console=CONSOLE)
        checked = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
        if checked.returncode != 0:
            raise SystemExit(f"cluster: nginx refused its configuration:\n{checked.stderr}")
        self.start("nginx", command)

    # --- the whole ------------------------------------------------------------------------------

    def run(self) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.stopping.set())
        try:
            self.start_all()
            if not self.wait_until_up():
                return 1
            say(f"up: public site http://{PUBLIC}/   staff console http://{CONSOLE}/   (instances a and b; Ctrl-C stops all)")
            while not self.stopping.wait(0.5):
                for name, process in list(self.processes.items()):
                    if process.poll() is None:
                        continue
                    if name not in INSTANCES:
                        say(f"{name} stopped (code {process.returncode}): stopping the rest")
                        return 1
                    # As systemd would (Restart=on-failure); meanwhile nginx sends everything to the other.
                    say(f"instance {name} ended (code {process.returncode}); starting it again, as systemd would")
                    _signal_group(process, signal.SIGKILL)
                    time.sleep(2)
                    self.start(name, *self.instance_env(name, self.shared))
            return 0
        except subprocess.CalledProcessError as error:
            say(f"{' '.join(error.cmd[1:])} failed (see above)")
            return 1
        finally:
            self.stop()

    def start_all(self) -> None:
        VAR.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(VAR, 0o700)
        url = self.database_url()
        say(f"PostgreSQL: {re.sub(r':[^:@/]*@', ':***@', url)}")
        redis = self.redis()
        keys = VAR / "keys"
        self.shared = shared = {  # /etc/tipline/tipline.env of a real deployment
            "TIPLINE_ENV": os.environ.get("CLUSTER_ENV", "production"),
            "TIPLINE_DATABASE_URL": url, "TIPLINE_REDIS_URL": redis, "TIPLINE_KEYS_DIR": str(keys),
            "TIPLINE_PUBLIC_BASE_URL": f"http://{PUBLIC}", "TIPLINE_CONSOLE_BASE_URL": f"http://{CONSOLE}",
            "TIPLINE_TRUSTED_HOSTS": "127.0.0.1,localhost", "TIPLINE_TRUSTED_PROXIES": "127.0.0.1",
        }
        for name in INSTANCES:
            (VAR / name).mkdir(mode=0o700, exist_ok=True)
        command, env = self.instance_env("a", shared)
        for once in (["keys", "generate"], ["db", "upgrade"], ["demo"]):  # the keyring both share; the schema; demo staff
            subprocess.run([command[0], *once], env=env, cwd=ROOT, check=True)
        for name in INSTANCES:
            self.start(name, *self.instance_env(name, shared))
        self.nginx()

    def wait_until_up(self) -> bool:
        deadline = time.monotonic() + START_SECONDS
        for address, path in ((PUBLIC, "/"), (CONSOLE, "/signin")):
            while not _answers(f"http://{address}{path}"):
                if self.stopping.is_set() or time.monotonic() > deadline:
                    say(f"http://{address}{path} did not answer")
                    return False
                if any(process.poll() is not None for process in self.processes.values()):
                    say("a part stopped while starting (see above)")
                    return False
                time.sleep(0.5)
        return True

    def stop(self) -> None:
        """nginx first (no new requests), then the instances (they finish theirs and hand back
        their leases), then Redis; whatever is still running after STOP_SECONDS is killed."""
        for names, sig in ((["nginx"], signal.SIGQUIT), (list(INSTANCES), signal.SIGTERM), (["redis"], signal.SIGTERM)):
            running = [self.processes[name] for name in names if name in self.processes and self.processes[name].poll() is None]
            for process in running:
                _signal_group(process, sig)
            deadline = time.monotonic() + STOP_SECONDS
            for process in running:
                try:
                    process.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass
        for process in self.processes.values():
            _signal_group(process, signal.SIGKILL)  # anything left behind in a group (a worker)
        say("stopped")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((path for path in ("/usr/sbin/nginx",) if Path(path).exists()), None)


def nginx_command(binary: str, prefix: Path, instances: list[tuple[int, int]], *, public: str, console: str) -> list[str]:
    """nginx in the foreground, with deploy/nginx/tipline.conf filled in for `instances` (their
    public and console ports on 127.0.0.1) and everything it writes under `prefix`."""
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / folder).mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:  # nginx's workers drop to "nobody": they write request bodies there
        nobody = pwd.getpwnam("nobody")
        for folder in (prefix / "tmp", *(prefix / "tmp").iterdir()):
            os.chown(folder, nobody.pw_uid, nobody.pw_gid)

    def servers(index: int) -> str:
        return "\n    ".join(f"server 127.0.0.1:{ports[index]} max_fails=1 fail_timeout=10s;" for ports in instances)

    site = _render(DEPLOY / "nginx" / "tipline.conf", prefix / "tipline.conf", PUBLIC_SERVERS=servers(0),
                   CONSOLE_SERVERS=servers(1), PUBLIC_LISTEN=public, CONSOLE_LISTEN=console, PUBLIC_NAME="127.0.0.1 localhost",
                   CONSOLE_NAME="127.0.0.1 localhost", TLS=str(DEPLOY / "nginx" / "no-tls.conf"), CONSOLE_ALLOW="allow 127.0.0.1;")
    main = _render(DEPLOY / "nginx" / "cluster.conf", prefix / "nginx.conf", PREFIX=str(prefix), SITE=str(site))
    return [binary, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(main), "-g", "daemon off;"]


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _relay(name: str, process: subprocess.Popen) -> None:
    for line in process.stdout:  # type: ignore[union-attr]
        print(f"[{name}] {line}", end="", flush=True)


def _unit_lines(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"Environment": [], "ExecStart": []}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key in found:
            found[key].append(value)
    return found


def _render(template: Path, target: Path, **fields: str) -> Path:
    """The template with its ${NAME} fields filled in (not in comments; nginx's own $variables stay)."""
    lines = [line if line.lstrip().startswith("#") else re.sub(r"\$\{(\w+)\}", lambda m: fields[m.group(1)], line)
             for line in template.read_text(encoding="utf-8").splitlines()]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False


async def _create_database(url: str, name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


if __name__ == "__main__":
    sys.exit(Cluster().run())
