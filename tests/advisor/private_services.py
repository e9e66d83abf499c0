"""A PostgreSQL and a Redis of a test's own, on spare ports, for the tests that stop them.

The machine's PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) serve every other suite and
session running on it, so a fault test never stops those: it starts one of these, breaks it, and
they are the only servers it ever stops. The guard in ``tests/conftest.py`` checks that the
machine's servers were not restarted.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} after {timeout:.0f} s")
        time.sleep(0.1)


class PrivateRedis:
    """``redis-server`` on a spare port, nothing kept on disk (as the machine's), files in `directory`."""

    def __init__(self, directory: Path):
        self.dir, self.port = directory, spare_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def up(self) -> bool:
        return (
            subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            ).stdout.strip()
            == "PONG"
        )

    def start(self) -> None:
        """Start Redis unless it runs, and wait until it answers."""
        if self.up():
            return
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
                "--logfile",
                str(self.dir / "redis.log"),
            ],
            start_new_session=True,
        )
        wait_until(self.up, f"private Redis on port {self.port} did not start")

    def stop(self) -> None:
        """As a crash or a restart looks to its clients: every connection cut, every key gone."""
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        if self.proc:
            self.proc.wait(timeout=30)
        assert not self.up(), "Redis is still answering"

    def close(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)  # only ever our own server's process
            self.proc.wait(timeout=30)


def postgres_bin() -> Path:
    """The newest PostgreSQL server binaries Debian installed (package postgresql-<version>)."""
    installed = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: [int(n) for n in p.parts[-3].split(".") if n.isdigit()],
    )
    assert installed, "no PostgreSQL server binaries under /usr/lib/postgresql (Debian package postgresql)"
    return installed[-1].parent


class PrivatePostgres:
    """A throwaway cluster: initdb in a temporary directory, trust auth, a spare port, its socket there.

    The directory is made with ``tempfile``, not pytest's ``tmp_path``: pytest's is private to the
    user running the tests, and the server runs as ``postgres`` when that user is root (initdb
    refuses root).
    """

    def __init__(self):
        self.bin, self.port = postgres_bin(), spare_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pa-test-postgres-"))
        self.data, self.log = self.dir / "data", self.dir / "server.log"
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            shutil.chown(self.dir, "postgres", "postgres")
        # No fsync: this cluster lives for one test module, and a crash loses nothing of value.
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
        )

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            self.as_owner + [str(self.bin / tool), *args], cwd=self.dir, capture_output=True, text=True
        )
        if check and done.returncode:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} {' '.join(args)} failed:\n{done.stdout}{done.stderr}{log}")
        return done

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def ready(self) -> bool:
        return (
            self._run("pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port), check=False).returncode
            == 0
        )

    def start(self, timeout: float = 60) -> None:
        """Start PostgreSQL unless it runs, and wait until it accepts connections."""
        if self.ready():
            return
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        self._run(
            "pg_ctl",
            "start",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            str(int(timeout)),
            "-o",
            options,
        )
        wait_until(self.ready, "private PostgreSQL did not accept connections", timeout)

    def stop(self) -> None:
        # Fast mode: open connections are cut, as in a real restart.
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")
        assert not self.ready()

    def create_database(self, name: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


ROOT = Path(__file__).resolve().parents[2]


def gunicorn_start(
    *, database: dict, workers: int, env: dict[str, str], args: list[str]
) -> tuple[subprocess.Popen, int]:
    """The app in gunicorn, as production runs it, on ``database`` (Django's settings dict of the
    test database) and a spare port, in a process group of its own for ``process_group_stop``."""
    port = spare_port()
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "advisor.config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            *args,
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, **env},
        start_new_session=True,
    )
    return proc, port


def process_group_stop(proc: subprocess.Popen) -> None:
    """SIGTERM the process and its children; SIGKILL them if they have not gone in 30 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
