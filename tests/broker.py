"""Point the project's Celery app at another broker for a test: one that is down, or a private
``redis-server`` that the test stops and starts again (the fault tests)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from kombu import pools

from config.celery_app import app

from .conftest import require


def free_port() -> int:
    """A loopback port nothing listens on (a broker there is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _drop_connections() -> None:
    # Celery keeps pools of broker connections and of producers (kombu's, per broker URL),
    # made when they were first needed: closed and forgotten, they are made afresh.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_broker(url: str):
    """Send this process's tasks to ``url`` instead of running them eagerly."""
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    _drop_connections()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        _drop_connections()


class RedisServer:
    """A private ``redis-server`` on a free loopback port, stopped and started by the test."""

    def __init__(self, directory: Path):
        binary = shutil.which("redis-server")
        require(binary is not None, "needs redis-server on the PATH")
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
