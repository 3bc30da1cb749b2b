"""manage.py import_openslo FILE [--team NAME] [--dry-run]: OpenSLO v1 YAML into the catalog."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.catalog.models import Team
from apps.measurements.openslo import OpenSLOError, openslo_import


class Command(BaseCommand):
    help = (
        "Import the Services, SLIs and SLOs of an OpenSLO v1 YAML file (several documents "
        "allowed; '-' reads standard input). All or nothing: any problem imports nothing and "
        "is reported with its line."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="OpenSLO YAML file, or - for standard input")
        parser.add_argument(
            "--team",
            help="Owner team (by name) of new services that carry no team label.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report; write nothing."
        )

    def handle(self, *args, file, team=None, dry_run=False, **options):
        owner = None
        if team:
            owner = Team.objects.filter(name__iexact=team).first()
            if owner is None:
                raise CommandError(f"No team named {team!r}.")
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        try:
            report = openslo_import(text=text, team=owner, dry_run=dry_run)
        except OpenSLOError as error:
            for warning in error.warnings:
                self.stderr.write(f"warning: {warning}")
            raise CommandError(
                f"{file}: nothing imported:\n" + "\n".join(error.messages)
            ) from error
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        for action in report.actions:
            self.stdout.write(action)
        summary = ", ".join(
            f"{kind}: {report.created[kind]} created, {report.updated[kind]} updated, "
            f"{report.unchanged[kind]} unchanged"
            for kind in ("services", "indicators", "slos")
        )
        prefix = "Dry run, nothing written — would import" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{prefix}: {summary}."))
