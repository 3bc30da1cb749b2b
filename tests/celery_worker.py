"""A real ``celery worker`` process for the tests that cross process boundaries.

Each suite uses its own Redis database (flushed before and after) and the PostgreSQL test
database pytest-django created, so that committed rows are seen by the worker. Locally these
tests skip without PostgreSQL or Redis; in CI they fail (``require``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from django.db import connection

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[1]


def redis_url(db: int) -> str:
    base = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return urlunsplit(base._replace(path=f"/{db}"))


def database_url() -> str:
    """The test database pytest-django created, for other processes to use."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{s['NAME']}"


def redis_client(db: int):
    import redis

    return redis.Redis.from_url(redis_url(db), socket_connect_timeout=2)


def require_services(db: int) -> None:
    """PostgreSQL for the database and Redis for the broker, with an empty Redis database."""
    require(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://…")
    try:
        redis_client(db).ping()
        reachable = True
    except Exception:
        reachable = False
    require(reachable, f"needs Redis at {redis_url(db)}")
    redis_client(db).flushdb()


class Worker:
    """A ``celery worker`` process group, started, stopped or killed by the test."""

    def __init__(self, tmp_path: Path, *, redis_db: int, name: str, queues="celery", **env):
        self.tmp_path = tmp_path
        self.redis_db = redis_db
        self.name = name
        self.queues = queues
        self.extra_env = env
        self.process = None
        self.starts = 0

    def env(self, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if k != "TEST_DB_NAME"}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=database_url(),
            REDIS_URL=redis_url(self.redis_db),
            CELERY_EAGER="0",
        )
        env.update(self.extra_env)
        env.update(extra)
        return env

    def start(self, *, concurrency: int = 1, beat: bool = False, **extra) -> None:
        """``beat``: the worker also runs the beat scheduler (``--beat``), its schedule file in
        the test's directory, so every test starts from a fresh schedule."""
        self.starts += 1
        log = open(self.tmp_path / f"worker-{self.starts}.log", "w")  # noqa: SIM115
        schedule = self.tmp_path / f"beat-schedule-{self.starts}"
        self.process = subprocess.Popen(
            [
                *(str(ROOT / ".venv/bin/celery"), "-A", "config", "worker", "-Q", self.queues),
                *("--concurrency", str(concurrency), "--pool", "prefork"),
                *("--without-gossip", "--without-mingle", "--loglevel", "INFO"),
                *("-n", f"{self.name}-{os.getpid()}-{self.starts}@%h"),
                *(("--beat", "--schedule", str(schedule)) if beat else ()),
            ],
            cwd=ROOT,
            env=self.env(**extra),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill takes the children too
        )

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the worker says it is ready to take tasks (its log's ``ready.`` line)."""
        log = self.tmp_path / f"worker-{self.starts}.log"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The worker exited early:\n{self.logs()}")
            if " ready." in log.read_text():
                return
            time.sleep(0.1)
        raise RuntimeError(f"The worker was not ready within {timeout} s:\n{self.logs()}")

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        redis_client(self.redis_db).flushdb()

    def logs(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.tmp_path.glob("worker-*.log")))
