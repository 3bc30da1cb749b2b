"""Open the annual review of a year and start generating its packets."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.reviews import services


class Command(BaseCommand):
    help = "Open the review cycle of a year (default: last year) and generate its packets."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None, help="Default: last year.")

    def handle(self, *args, year=None, **options):
        year = services.previous_year() if year is None else year
        try:
            # Whoever has a shell on the server acts as the schedule does: no user.
            cycle = services.review_cycle_open(year=year, user=None)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        except DomainError as error:
            raise CommandError(error.message) from error
        total = cycle.packets.count()
        self.stdout.write(
            self.style.SUCCESS(f"Opened {cycle}: generating {total} packets (id {cycle.pk}).")
        )
