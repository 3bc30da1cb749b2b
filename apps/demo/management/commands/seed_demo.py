"""``manage.py seed_demo [--once]``: demo data for a local portal (LOCAL ONLY passwords)."""

import time

from django.core.management.base import BaseCommand

from apps.demo import seed as demo
from apps.demo.base import DEMO_PASSWORD


class Command(BaseCommand):
    help = (
        "Create demo users (password 'covenant-demo', LOCAL ONLY), catalog, SLOs, credit "
        "schedules and a contract in every state, through the services. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="Do nothing when demo data is already present (used by `make run`).",
        )

    def handle(self, *args, once=False, **options):
        if once and demo.demo_present():
            self.stdout.write("Demo data already present: nothing to do (--once).")
            return
        started = time.monotonic()
        demo.seed(self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready in {time.monotonic() - started:.1f} s. Logins: alice (sales), "
                "bob and erin (engineering), carol (legal), dave (leadership), support (support "
                "desk), admin; "
                f"password {DEMO_PASSWORD!r} (LOCAL ONLY)."
            )
        )
