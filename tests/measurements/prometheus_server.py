"""Start a real Prometheus for tests: back-filled from OpenMetrics text, on a free loopback port.

Each server has its own port and data directory, so parallel runs never share or kill another's.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import requests

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def openmetrics(counters: dict[str, list[tuple[int, float]]]) -> str:
    """OpenMetrics text for counter families: {"name": [(epoch second, value), …]}."""
    lines = []
    for name, points in counters.items():
        lines.append(f"# TYPE {name} counter")
        lines.extend(f"{name}_total {value} {timestamp}" for timestamp, value in points)
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


class PrometheusServer:
    """One Prometheus process over a back-filled TSDB in ``directory``."""

    def __init__(self, directory: Path, *, prometheus: str = PROMETHEUS, promtool: str = PROMTOOL):
        self.directory = Path(directory)
        self.prometheus = prometheus
        self.promtool = promtool
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def backfill(self, text: str) -> None:
        """Write blocks from OpenMetrics text; the samples must be older than ~2 hours."""
        source = self.directory / "backfill.om"
        source.write_text(text)
        (self.directory / "data").mkdir(exist_ok=True)
        command = ["tsdb", "create-blocks-from", "openmetrics", source, self.directory / "data"]
        subprocess.run(
            [self.promtool, *map(str, command)],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self, *, timeout: float = 30) -> str:
        config = self.directory / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 1m\nscrape_configs: []\n")
        log = (self.directory / "prometheus.log").open("wb")
        self.process = subprocess.Popen(
            [
                self.prometheus,
                f"--config.file={config}",
                f"--storage.tsdb.path={self.directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--storage.tsdb.retention.time=10y",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Prometheus exited early; see {self.directory}/prometheus.log")
            try:
                if requests.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return self.url
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Prometheus was not ready in {timeout} s; see its log in {config}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
