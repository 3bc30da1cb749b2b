"""Driving the admin as a person would: changelists, actions, messages."""

from django.test import Client
from django.urls import reverse


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def run_action(user, model: str, action: str, lines, **extra):
    """POST an admin action on the given rows (with ``apply`` for the intermediate page)."""
    url = reverse(f"admin:{model}_changelist")
    data = {"action": action, "_selected_action": [line.pk for line in lines], **extra}
    return client_for(user).post(url, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]
