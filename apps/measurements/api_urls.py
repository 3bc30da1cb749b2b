"""Measurement API routes: ingestion and status (api.py), backtest and release gate
(api_backtest.py), OpenSLO (api_openslo.py)."""

from . import api, api_backtest, api_openslo

urlpatterns = [*api.urlpatterns, *api_backtest.urlpatterns, *api_openslo.urlpatterns]
