"""``manage.py evaluate_clocks``: one evaluation of the support clocks, now."""

from django.core.management.base import BaseCommand

from apps.support.services import clocks_evaluate


class Command(BaseCommand):
    help = "Act on every support clock whose next instant has passed (what the beat task runs)."

    def handle(self, *args, **options):
        changed = clocks_evaluate()
        self.stdout.write(f"{changed} clock(s) changed.")
