"""Measurement API routes: ingestion and status (api.py), backtest and release gate
(api_backtest.py), OpenSLO (api_openslo.py)."""

from importlib import import_module

urlpatterns: list = []
for module in ("api", "api_backtest", "api_openslo"):
    try:
        urlpatterns += import_module(f"apps.measurements.{module}").urlpatterns
    except ModuleNotFoundError as error:
        if error.name != f"apps.measurements.{module}":
            raise
