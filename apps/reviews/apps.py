from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "apps.reviews"
    label = "reviews"
    verbose_name = "Annual reviews"

    def ready(self):
        # Celery discovers tasks.py on its own; the yearly task lives in schedule.py (see there).
        from . import schedule  # noqa: F401
