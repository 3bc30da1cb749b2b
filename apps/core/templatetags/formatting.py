"""Template filters for the figures of every page: {% load formatting %}, then
``{{ attainment|percent }}``, ``{{ line.target|target }}``, ``{{ fee|money:currency }}``,
``{{ total|amount }}`` and ``{{ signed_at|day }}``. The rules are in apps/core/formatting.py."""

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils import timezone

from apps.core import formatting

register = template.Library()


@register.filter
def percent(value):
    return formatting.percent(value)


@register.filter
def target(value):
    return formatting.target(value)


@register.filter
def amount(value):
    return formatting.amount(value)


@register.filter
def money(value, currency=""):
    return formatting.money(value, currency or "")


@register.filter
def points(value):
    return formatting.points(value)


@register.filter
def file_size(value):
    return formatting.file_size(value)


@register.filter
def day(value):
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formatting.day(value)


@register.filter
def cell(value):
    """A cell of a table whose rows are also its CSV: amounts (the Decimals) with thousands
    separators, dates in ISO 8601, codes in words, nothing for None; text and counts as they are."""
    if value is None:
        return ""
    if isinstance(value, formatting.Coded):
        return value.text
    if isinstance(value, Decimal):
        return formatting.amount(value)
    if isinstance(value, date):
        return day(value)
    return value
