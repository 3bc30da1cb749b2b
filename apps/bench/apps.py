from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Benchmarks (``make bench``): each times our code against a floor measured in the same run.
    The top layer, beside the demo: no domain module imports it."""

    name = "apps.bench"
    label = "bench"
    verbose_name = "Benchmarks"
