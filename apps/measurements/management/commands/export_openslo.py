"""manage.py export_openslo --service SLUG [--output FILE]: one service as OpenSLO v1 YAML."""

from django.core.management.base import BaseCommand, CommandError

from apps.catalog.models import Service
from apps.measurements.openslo import openslo_export


class Command(BaseCommand):
    help = (
        "Write a service, its SLIs and its draft and active SLOs as OpenSLO v1 YAML, which "
        "import_openslo reads back to the same rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--service", required=True, help="The service's slug.")
        parser.add_argument("--output", "-o", help="Write to this file instead of stdout.")

    def handle(self, *args, service, output=None, **options):
        found = Service.objects.select_related("team").filter(slug=service).first()
        if found is None:
            raise CommandError(f"No service with the slug {service!r}.")
        text = openslo_export(service=found)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"Wrote {output}.")
        else:
            self.stdout.write(text, ending="")
