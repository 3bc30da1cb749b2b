"""Helpers for the web tests: logged-in clients and the POST data of the contract form."""

from django.test import Client


def client_as(user, **kwargs) -> Client:
    """A browser with the user logged in."""
    client = Client(**kwargs)
    client.force_login(user)
    return client


def contract_form_data(*, lines=(), existing=(), **terms) -> dict:
    """POST data of the contract form: terms, then existing lines (dicts with id), then new ones."""
    data = {
        "customer": "",
        "number": "",
        "title": "",
        "monthly_fee": "10000",
        "currency": "EUR",
        "start_date": "2026-01-01",
        "end_date": "",
        "renewal_date": "",
        "timezone": "UTC",
        "legal_reviewer": "",
        "documents": "",
    }
    data.update({name: str(value) for name, value in terms.items()})
    rows = [*existing, *lines]
    data.update(
        {
            "lines-TOTAL_FORMS": str(len(rows)),
            "lines-INITIAL_FORMS": str(len(existing)),
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000",
        }
    )
    for index, row in enumerate(rows):
        values = {
            "id": "",
            "indicator": "",
            "target": "",
            "period": "month",
            "credit_schedule": "",
            "exclusions": "",
        }
        values.update({name: "" if value is None else str(value) for name, value in row.items()})
        for name, value in values.items():
            if name == "DELETE" and not value:
                continue
            data[f"lines-{index}-{name}"] = value
    return data
