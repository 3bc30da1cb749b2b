"""Write a validated OpenSLO file into the catalog: services, indicators and SLOs, all or nothing.

Matching, so that importing the same file twice changes nothing the second time:
- a Service by slug (= metadata.name);
- an SLI on its service by name (displayName, else metadata.name) or by its export name;
- an SLO on its service by its export name (see names.py).

A new service needs an owner team: the document's ``team`` label (an SLO's label serves for the
service it names), else the team given to the import (``--team`` / ``?team=``), else the
importing user's only team. The report says which one decided. An existing service keeps its
team: an import never moves ownership. An engineer imports only into their own teams' services.

A new SLO goes in active, unless its indicator already has an active SLO: then it goes in as a
draft, with a warning, because an indicator has at most one active SLO.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from apps.catalog.choices import IndicatorKind, IndicatorSource
from apps.catalog.models import Indicator, Service, Team
from apps.slos.choices import SloStatus
from apps.slos.models import SLO
from apps.slos.services import slo_create, slo_update

from .documents import IndicatorDoc, Parsed, ServiceDoc, SLODoc, parse
from .names import indicator_names, label, slo_names
from .yamlview import OpenSLOError, Problem

REASON = "OpenSLO import"
IMPORT_PERMISSIONS = (
    "catalog.add_service",
    "catalog.change_service",
    "catalog.add_indicator",
    "catalog.change_indicator",
    "slos.add_slo",
    "slos.change_slo",
)


@dataclass
class ImportReport:
    """What an import did (or, on a dry run, would have done)."""

    dry_run: bool
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    actions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        kinds = ("services", "indicators", "slos")
        return {
            "dry_run": self.dry_run,
            "created": {kind: self.created[kind] for kind in kinds},
            "updated": {kind: self.updated[kind] for kind in kinds},
            "unchanged": {kind: self.unchanged[kind] for kind in kinds},
            "actions": self.actions,
            "warnings": self.warnings,
        }


def check_import_permission(user) -> None:
    missing = [code for code in IMPORT_PERMISSIONS if not user.has_perm(code)]
    if missing:
        raise PermissionDenied(
            f"You may not import OpenSLO documents (needs {', '.join(missing)})."
        )


def openslo_import(
    *, text: str, user=None, team: Team | None = None, dry_run: bool = False
) -> ImportReport:
    """Import every Service, SLI and SLO of an OpenSLO v1 file; nothing is written on error.

    ``user`` None is the command line (trusted, no team checks). Raises OpenSLOError with
    line-precise problems, or PermissionDenied.
    """
    if user is not None:
        check_import_permission(user)
    parsed = parse(text)
    report = ImportReport(dry_run=dry_run, warnings=[str(w) for w in parsed.warnings])
    with transaction.atomic():
        _Import(parsed, user=user, team=team, report=report).run()
        if dry_run:
            transaction.set_rollback(True)
    return report


class _Import:
    def __init__(self, parsed: Parsed, *, user, team: Team | None, report: ImportReport):
        self.parsed = parsed
        self.user = user
        self.team = team
        self.report = report
        self.problems: list[Problem] = []
        self.services: dict[str, Service] = {}
        self.indicators: dict[tuple[int, str], Indicator] = {}
        self.user_team_ids = (
            set(user.teams.values_list("pk", flat=True)) if user is not None else set()
        )

    def run(self) -> None:
        self._services()
        self._raise_problems()
        slo_indicators = self._indicators()
        self._raise_problems()
        self._slos(slo_indicators)
        self._raise_problems()

    def _raise_problems(self) -> None:
        if self.problems:
            raise OpenSLOError(self.problems)

    def _problem(self, line: int, path: str, message: str) -> None:
        self.problems.append(Problem(line, path, message))

    def _invalid(self, error: ValidationError, *, line: int, path: str) -> None:
        for name, messages in error.message_dict.items():
            for message in messages:
                self._problem(line, path, f"{name}: {message}")

    def _save(self, instance, *, line: int, path: str) -> bool:
        try:
            instance.full_clean()
        except ValidationError as error:
            self._invalid(error, line=line, path=path)
            return False
        instance._history_user = self.user
        instance._change_reason = REASON
        instance.save()
        return True

    def _count(self, kind: str, outcome: str, action: str | None = None) -> None:
        {"created": self.report.created, "updated": self.report.updated}.get(
            outcome, self.report.unchanged
        )[kind] += 1
        if action:
            self.report.actions.append(action)

    # --- services ------------------------------------------------------------------------------

    def _wanted_services(self) -> dict[str, tuple[ServiceDoc | None, int, tuple[str, ...], int]]:
        """slug → (its Service document or None, the line naming it, team labels, their line)."""
        wanted: dict[str, tuple[ServiceDoc | None, int, tuple[str, ...], int]] = {}
        for document in self.parsed.services:
            wanted[document.name] = (document, document.line, document.teams, document.team_line)
        for slo in self.parsed.slos:
            if slo.service not in wanted:
                wanted[slo.service] = (None, slo.line, slo.teams, slo.team_line)
        for indicator in self.parsed.indicators:
            if indicator.service and indicator.service not in wanted:
                wanted[indicator.service] = (None, indicator.line, (), indicator.line)
        return wanted

    def _may_write(self, team_id: int) -> bool:
        return self.user is None or self.user.is_superuser or team_id in self.user_team_ids

    def _services(self) -> None:
        wanted = self._wanted_services()
        existing = {
            service.slug: service
            for service in Service.objects.select_related("team").filter(slug__in=wanted)
        }
        teams = list(Team.objects.all())
        for slug, (document, line, labels, team_line) in wanted.items():
            service = existing.get(slug)
            if service is None:
                team, why = self._owner(team_line, labels, teams)
                service = self._new_service(slug, document, line, team, why)
                if service is None:
                    continue
            else:
                self._update_service(service, document, team_line, labels)
            self.services[slug] = service

    def _new_service(self, slug, document, line, team, why: str) -> Service | None:
        if team is None:
            return None
        if not self._may_write(team.pk):
            raise PermissionDenied(
                f"line {line}: a new service {slug!r} would belong to {team.name}; you may "
                "import only into your own team's services."
            )
        service = Service(
            slug=slug,
            name=(document.display_name if document else "") or slug,
            description=document.description if document else "",
            team=team,
        )
        if self._save(service, line=line, path="metadata.name"):
            origin = "" if document else " (named by an SLO, not defined in the file)"
            self._count(
                "services", "created", f"created service {slug}{origin}: team {team.name}, {why}"
            )
            return service
        return None

    def _owner(self, line: int, labels: tuple[str, ...], teams: list[Team]):
        by_label = {}
        for team in teams:
            by_label[team.name.lower()] = team
            by_label.setdefault(label(team.name), team)
        if len(labels) == 1:
            team = by_label.get(labels[0].lower())
            if team is None:
                self._problem(line, "metadata.labels.team", f"no team named {labels[0]!r}")
            return team, "from its team label"
        if len(labels) > 1:
            if self.team is not None and self.team.name.lower() in {v.lower() for v in labels}:
                return self.team, "chosen by the team option among its team labels"
            self._problem(
                line,
                "metadata.labels.team",
                f"names several teams ({', '.join(labels)}) but a service has one owner: "
                "keep one, or choose one of them with the team option",
            )
            return None, ""
        if self.team is not None:
            return self.team, "from the team option"
        if len(self.user_team_ids) == 1:
            return next(t for t in teams if t.pk in self.user_team_ids), "your only team"
        self._problem(
            line,
            "metadata.labels.team",
            "a new service needs an owner team: add a team label or give the team option",
        )
        return None, ""

    def _update_service(self, service: Service, document, line: int, labels) -> None:
        if not self._may_write(service.team_id):
            raise PermissionDenied(
                f"line {line}: service {service.slug!r} belongs to {service.team.name}; you may "
                "import only into your own team's services."
            )
        if labels and service.team.name.lower() not in {label.lower() for label in labels}:
            self.report.warnings.append(
                f"line {line}: metadata.labels.team: ignored: service {service.slug!r} stays "
                f"with {service.team.name} (an import never moves ownership)"
            )
        if document is None:
            return
        changes = {
            "name": document.display_name or service.name,
            "description": document.description,
        }
        if all(getattr(service, key) == value for key, value in changes.items()):
            self._count("services", "unchanged")
            return
        for key, value in changes.items():
            setattr(service, key, value)
        if self._save(service, line=line, path="metadata.name"):
            self._count("services", "updated", f"updated service {service.slug}")

    # --- indicators ----------------------------------------------------------------------------

    def _indicators(self) -> dict[int, Indicator]:
        """Write the SLIs the SLOs use (and annotated standalone SLIs); {id(SLO doc): indicator}."""
        services = list(self.services.values())
        existing: dict[int, list[Indicator]] = {service.pk: [] for service in services}
        for indicator in Indicator.objects.filter(service__in=services):
            existing[indicator.service_id].append(indicator)
        self.export_names = {
            service_id: {name: ind for ind, name in indicator_names(items).items()}
            for service_id, items in existing.items()
        }
        self.existing_indicators = existing
        standalone = {document.name: document for document in self.parsed.indicators}
        used: set[str] = set()
        chosen: dict[int, Indicator] = {}
        for slo in self.parsed.slos:
            service = self.services[slo.service]
            document = slo.indicator or standalone.get(slo.indicator_ref)
            if document is None:
                found = self._find_indicator(service, slo.indicator_ref, slo.indicator_ref)
                if found is None:
                    self._problem(
                        slo.indicator_line,
                        "spec.indicatorRef",
                        f"no SLI {slo.indicator_ref!r} in this file or on service {service.slug!r}",
                    )
                    continue
                chosen[id(slo)] = found
                continue
            used.add(document.name)
            indicator = self._write_indicator(service, document, slo.indicator_line)
            if indicator is not None:
                chosen[id(slo)] = indicator
        for document in self.parsed.indicators:
            if document.name in used:
                continue
            if document.service:
                self._write_indicator(self.services[document.service], document, document.line)
            else:
                self.report.warnings.append(
                    f"line {document.line}: SLI {document.name!r} skipped: no SLO uses it and it "
                    "names no service (annotation covenant/service)"
                )
        return chosen

    def _find_indicator(self, service: Service, label: str, name: str) -> Indicator | None:
        for indicator in self.existing_indicators.get(service.pk, []):
            if indicator.name == label:
                return indicator
        return self.export_names.get(service.pk, {}).get(name)

    def _write_indicator(self, service: Service, document: IndicatorDoc, line: int):
        key = (service.pk, document.name)
        if key in self.indicators:
            return self.indicators[key]
        indicator = self._find_indicator(service, document.label, document.name)
        created = indicator is None
        if created:
            indicator = Indicator(service=service, kind=IndicatorKind.CUSTOM)
        changes = {"name": document.label}
        if document.source is not None:
            changes.update(source=document.source)
        elif created or indicator.source == IndicatorSource.PROMETHEUS:
            changes.update(source=IndicatorSource.API)
        changes.update(good_query=document.good_query, total_query=document.total_query)
        for key_name in ("kind", "threshold", "unit"):
            value = getattr(document, key_name)
            if value is not None:
                changes[key_name] = value
        if not created and all(getattr(indicator, k) == v for k, v in changes.items()):
            self._count("indicators", "unchanged")
            self.indicators[key] = indicator
            return indicator
        for key_name, value in changes.items():
            setattr(indicator, key_name, value)
        if not self._save(indicator, line=line, path="metadata.name"):
            return None
        outcome = "created" if created else "updated"
        self._count("indicators", outcome, f"{outcome} SLI {service.slug}/{indicator.name}")
        self.existing_indicators.setdefault(service.pk, []).append(indicator)
        self.indicators[key] = indicator
        return indicator

    # --- SLOs ----------------------------------------------------------------------------------

    def _slos(self, chosen: dict[int, Indicator]) -> None:
        services = list(self.services.values())
        stored = list(
            SLO.objects.filter(indicator__service__in=services).select_related("indicator")
        )
        by_name: dict[tuple[int, str], SLO] = {}
        for service in services:
            mine = [slo for slo in stored if slo.indicator.service_id == service.pk]
            for slo, name in slo_names(mine).items():
                by_name[(service.pk, name)] = slo
        active = {slo.indicator_id for slo in stored if slo.status == SloStatus.ACTIVE}
        for document in self.parsed.slos:
            indicator = chosen[id(document)]
            service = self.services[document.service]
            slo = by_name.get((service.pk, document.name))
            self._write_slo(slo, document, indicator, service, active)

    def _write_slo(self, slo, document: SLODoc, indicator, service, active: set[int]) -> None:
        created = slo is None
        changes = {
            "indicator": indicator,
            # Without a displayName, an SLO found by its export name keeps the name it has (it
            # may have none); a new one is named after the document.
            "name": document.display_name or (slo.name if slo else document.name),
            "description": document.description,
            "target": document.target,
            "window": document.window,
            "budgeting_method": document.budgeting_method,
            "timeslice_target": document.timeslice_target,
        }
        if document.timezone is not None:
            changes["timezone"] = document.timezone
        if created:
            changes["status"] = SloStatus.ACTIVE
            if indicator.pk in active:
                changes["status"] = SloStatus.DRAFT
                self.report.warnings.append(
                    f"line {document.line}: SLO {document.name!r} imported as a draft: "
                    f"{service.slug}/{indicator.name} already has an active SLO"
                )
        elif all(getattr(slo, key) == value for key, value in changes.items()):
            self._count("slos", "unchanged")
            return
        try:
            if created:
                slo = slo_create(user=self.user, reason=REASON, **changes)
            else:
                slo = slo_update(slo=slo, user=self.user, reason=REASON, **changes)
        except ValidationError as error:
            self._invalid(error, line=document.line, path="spec")
            return
        if slo.status == SloStatus.ACTIVE:
            active.add(indicator.pk)
        outcome = "created" if created else "updated"
        self._count("slos", outcome, f"{outcome} SLO {service.slug}/{document.name} ({slo.status})")
