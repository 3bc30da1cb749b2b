"""OpenSLO v1 import and export of services, SLIs and SLOs.

- documents.py / objectives.py / yamlview.py: YAML → validated objects, line-precise problems
  (no database);
- importer.py: all-or-nothing writes, matching existing rows so re-imports change nothing;
- exporter.py: one service as YAML that imports back to the same rows; names.py: the OpenSLO
  names both sides agree on.
"""

from .exporter import openslo_export
from .importer import ImportReport, check_import_permission, openslo_import
from .yamlview import OpenSLOError, Problem

__all__ = [
    "ImportReport",
    "OpenSLOError",
    "Problem",
    "check_import_permission",
    "openslo_export",
    "openslo_import",
]
