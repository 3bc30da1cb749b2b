"""Factories for test data. Named actors live in conftest.py."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from apps.catalog.choices import IndicatorKind
from apps.catalog.models import Customer, Indicator, Service, Team
from apps.contracts.models import Commitment, Contract, CreditSchedule, CreditTier
from apps.slos.choices import SloStatus
from apps.slos.models import SLO


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
        self.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"service-{n}")
    name = factory.LazyAttribute(lambda s: s.slug.replace("-", " ").title())
    team = factory.SubFactory(TeamFactory)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Customer {n}")


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Availability {n}")
    kind = IndicatorKind.AVAILABILITY


class SLOFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SLO

    indicator = factory.SubFactory(IndicatorFactory)
    target = Decimal("99.9")
    status = SloStatus.ACTIVE


class CreditScheduleFactory(factory.django.DjangoModelFactory):
    """A schedule shaped like the big clouds': <99.99 → 10 %, <99.0 → 25 %, <95.0 → 100 %."""

    class Meta:
        model = CreditSchedule
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Schedule {n}")

    @factory.post_generation
    def tiers(self, create, extracted, **kwargs):
        rows = extracted or [
            (Decimal("99.0"), Decimal("99.99"), Decimal("10")),
            (Decimal("95.0"), Decimal("99.0"), Decimal("25")),
            (None, Decimal("95.0"), Decimal("100")),
        ]
        for lower, upper, percent in rows:
            CreditTier.objects.create(
                schedule=self, lower=lower, upper=upper, credit_percent=percent
            )


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    customer = factory.SubFactory(CustomerFactory)
    number = factory.Sequence(lambda n: f"C-{1000 + n}")
    monthly_fee = Decimal("10000.00")
    currency = "EUR"
    start_date = factory.Faker("date_between", start_date="-1y", end_date="today")
    owner = factory.SubFactory(UserFactory)


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    contract = factory.SubFactory(ContractFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    target = Decimal("99.5")
