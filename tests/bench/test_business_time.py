"""The business-time bench runs at a tiny scale and reports both timings and their ratio."""

import json

import pytest
from django.core.management import call_command

from apps.bench import business_time as bench


def test_the_bench_reports_our_time_the_floor_and_the_ratio():
    report = bench.run(scale=0.01, repeats=1)

    assert report["calls"] == 1000
    assert report["due_after_us_per_call"] > 0 and report["timedelta_us_per_call"] > 0
    ratio = report["due_after_us_per_call"] / report["timedelta_us_per_call"]
    assert report["ratio"] == pytest.approx(ratio, rel=0.05)


def test_the_command_prints_json(capsys):
    call_command("bench_business_time", "--scale", "0.005", "--repeats", "1")

    printed = json.loads(capsys.readouterr().out)
    assert set(printed) >= {"calls", "due_after_us_per_call", "timedelta_us_per_call", "ratio"}
