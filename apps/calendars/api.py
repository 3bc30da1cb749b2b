"""REST endpoints of calendars: CRUD under the model permissions of the roles, and the three
questions a support desk asks of a calendar (when is it due, how much business time passed,
which days are public holidays)."""

from decimal import Decimal

from django.db.models import ProtectedError
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api import HistoryMixin, ModelPermissions
from apps.core.errors import DomainError

from . import business_time
from .models import Calendar
from .serializers import (
    CalendarSerializer,
    DueQuerySerializer,
    DueSerializer,
    ElapsedQuerySerializer,
    ElapsedSerializer,
    HolidaysQuerySerializer,
    HolidaysSerializer,
)

SECONDS_PER_MINUTE = Decimal(60)


def _query(serializer_class, request) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


class CalendarViewSet(HistoryMixin, viewsets.ModelViewSet):
    """Calendars: Support edits them, the other roles read them."""

    queryset = Calendar.objects.all()
    serializer_class = CalendarSerializer
    permission_classes = [ModelPermissions]

    def perform_destroy(self, instance):
        try:
            instance.delete()
        except ProtectedError as error:
            raise DomainError(
                "The calendar is in use (by indicators or contracts): point them at another "
                "calendar first."
            ) from error

    @extend_schema(parameters=[DueQuerySerializer], responses=DueSerializer)
    @action(detail=True, methods=["get"])
    def due(self, request, pk=None):
        """When ``minutes`` business minutes from ``start`` have passed; ``minutes=0`` is the
        next opening (``start`` itself when open)."""
        calendar = self.get_object()
        query = _query(DueQuerySerializer, request)
        start, seconds = query["start"], query["minutes"] * SECONDS_PER_MINUTE
        # The holidays of the years the budget can reach: a year of business time at most
        # spans a few calendar years on sparse hours.
        horizon = start.year + 2 + int(query["minutes"]) // (366 * 24 * 60)
        pure = calendar.business_calendar(years=range(start.year - 1, horizon + 1))
        try:
            due = business_time.due_after(pure, start, seconds)
        except business_time.NoOpenTimeError as error:
            raise DomainError(str(error)) from error
        return Response(DueSerializer({"due": due}).data)

    @extend_schema(parameters=[ElapsedQuerySerializer], responses=ElapsedSerializer)
    @action(detail=True, methods=["get"])
    def elapsed(self, request, pk=None):
        """Whole business seconds in ``[start, end)``; 0 when ``end`` is not after ``start``."""
        calendar = self.get_object()
        query = _query(ElapsedQuerySerializer, request)
        start, end = query["start"], query["end"]
        pure = calendar.business_calendar(years=range(start.year - 1, end.year + 2))
        seconds = business_time.business_seconds_between(pure, start, end)
        return Response(ElapsedSerializer({"business_seconds": seconds}).data)

    @extend_schema(parameters=[HolidaysQuerySerializer], responses=HolidaysSerializer)
    @action(detail=True, methods=["get"])
    def holidays(self, request, pk=None):
        """The public holidays of a year (default this year) from the calendar's country."""
        calendar = self.get_object()
        year = _query(HolidaysQuerySerializer, request).get("year") or timezone.now().year
        found = calendar.holidays_in(year)
        return Response(
            HolidaysSerializer(
                {
                    "year": year,
                    "dates": [day for day, _ in found],
                    "holidays": [{"date": day, "name": name} for day, name in found],
                }
            ).data
        )
