from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for a local portal (``manage.py seed_demo``); the top layer, above every app."""

    name = "apps.demo"
    label = "demo"
    verbose_name = "Demo data"
