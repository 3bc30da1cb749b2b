"""A bounded load test of a running portal: N clients for D seconds, then a report per kind.

    python .ci/loadtest.py --url http://127.0.0.1:8766 --token TOKEN --password covenant-demo

Each client (a thread with its own keep-alive connection) loops until the deadline, picking a
kind of request at random by weight: SLI uploads (POST /api/v1/sli-samples/, a few hours of one
indicator), the commitments list, the alignment preview, the leadership dashboard (a page, with
a session from a real sign-in) and a trivial view (the budget calculator: pure maths, no rows),
which shows what the stack itself costs on the same run. It prints JSON: per kind the count,
requests/s, p50/p99 latency in ms and the errors (any status other than the expected one, or a
failed connection), and exits 1 if there was any error. Talks only to the URL given (loopback).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import requests

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def sign_in(base: str, username: str, password: str) -> str:
    """A session cookie from the real sign-in form (the cookies are Secure: sent by hand)."""
    page = requests.get(f"{base}/login/", timeout=30)
    csrf = page.cookies["csrftoken"]
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = requests.post(
        f"{base}/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": form_token},
        headers={"Cookie": f"csrftoken={csrf}", "Referer": f"{base}/login/"},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302 or "sessionid" not in answer.cookies:
        raise SystemExit(f"sign-in as {username} failed: {answer.status_code}")
    return answer.cookies["sessionid"]


class Load:
    def __init__(self, base: str, token: str, session: str, indicators, targets):
        self.base = base
        self.api_headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
        self.page_headers = {"Cookie": f"sessionid={session}"}
        self.indicators = indicators
        self.targets = targets
        self.kinds = {
            "sli_upload": (30, self.sli_upload),
            "commitments": (20, self.commitments),
            "alignment": (20, self.alignment),
            "dashboard": (15, self.dashboard),
            "trivial": (15, self.trivial),
        }
        self.results: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.lock = threading.Lock()

    def sli_upload(self, http: requests.Session):
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        start = hour - timedelta(hours=random.randint(6, 24 * 7))
        indicator = random.choice(self.indicators)
        rows = []
        for n in range(6):
            total = random.randint(5_000, 50_000)
            rows.append(
                {
                    "indicator": indicator,
                    "start": (start + timedelta(hours=n)).isoformat(),
                    "end": (start + timedelta(hours=n + 1)).isoformat(),
                    "good": total - random.randint(0, total // 500),
                    "total": total,
                }
            )
        return http.post(
            f"{self.base}/api/v1/sli-samples/", json=rows, headers=self.api_headers, timeout=30
        ), 200

    def commitments(self, http):
        return http.get(
            f"{self.base}/api/v1/commitments/", headers=self.api_headers, timeout=30
        ), 200

    def alignment(self, http):
        indicator, target = random.choice(self.targets)
        return http.get(
            f"{self.base}/api/v1/alignment/",
            params={"indicator": indicator, "target": target},
            headers=self.api_headers,
            timeout=30,
        ), 200

    def dashboard(self, http):
        return http.get(f"{self.base}/dashboards/", headers=self.page_headers, timeout=30), 200

    def trivial(self, http):
        return http.get(
            f"{self.base}/api/v1/budget-calculator/",
            params={"target": "99.9", "window": "30d"},
            headers=self.api_headers,
            timeout=30,
        ), 200

    def client(self, deadline: float, seed: int):
        rng = random.Random(seed)
        names = list(self.kinds)
        weights = [self.kinds[name][0] for name in names]
        with requests.Session() as http:
            while time.monotonic() < deadline:
                name = rng.choices(names, weights)[0]
                began = time.perf_counter()
                try:
                    response, expected = self.kinds[name][1](http)
                    elapsed = time.perf_counter() - began
                    error = (
                        None
                        if response.status_code == expected
                        else f"{response.status_code} {response.text[:200]}"
                    )
                except requests.RequestException as exc:
                    elapsed, error = time.perf_counter() - began, repr(exc)
                with self.lock:
                    self.results[name].append(elapsed)
                    if error:
                        self.errors[name].append(error)

    def run(self, clients: int, duration: float) -> float:
        deadline = time.monotonic() + duration
        threads = [
            threading.Thread(target=self.client, args=(deadline, n), daemon=True)
            for n in range(clients)
        ]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            # Each request has its own timeout: a client ends at most that long after the deadline.
            thread.join(timeout=duration + 60)
        return time.monotonic() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True, help="an API token of a superuser")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", required=True)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    args = parser.parse_args()
    base = args.url.rstrip("/")
    if urlsplit(base).hostname not in LOOPBACK:
        raise SystemExit("the load test only targets a portal on loopback")

    headers = {"Authorization": f"Token {args.token}"}
    slos = requests.get(f"{base}/api/v1/slos/?limit=1000", headers=headers, timeout=30).json()
    indicators = sorted({slo["indicator"] for slo in slos["results"]})
    # A tenth of a point under each SLO: the usual commitment, aligned or not by the policy.
    targets = [
        (slo["indicator"], str(Decimal(slo["target"]) - Decimal("0.1"))) for slo in slos["results"]
    ]
    load = Load(base, args.token, sign_in(base, args.username, args.password), indicators, targets)

    wall = load.run(args.clients, args.duration)

    report = {"clients": args.clients, "seconds": round(wall, 1), "kinds": {}}
    for name in load.kinds:
        times = load.results[name]
        if not times:
            continue
        report["kinds"][name] = {
            "requests": len(times),
            "per_second": round(len(times) / wall, 1),
            "p50_ms": round(1000 * statistics.median(times), 1),
            "p99_ms": round(1000 * percentile(times, 0.99), 1),
            "errors": len(load.errors[name]),
            "first_errors": load.errors[name][:3],
        }
    total = sum(len(t) for t in load.results.values())
    report["total"] = {
        "requests": total,
        "per_second": round(total / wall, 1),
        "errors": sum(len(e) for e in load.errors.values()),
    }
    print(json.dumps(report, indent=2))
    return 1 if report["total"]["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
