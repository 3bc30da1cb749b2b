"""Measurement API routes: ingestion and status (api.py), the release gate (api_gate.py),
OpenSLO (api_openslo.py)."""

from . import api, api_gate, api_openslo

urlpatterns = [*api.urlpatterns, *api_gate.urlpatterns, *api_openslo.urlpatterns]
