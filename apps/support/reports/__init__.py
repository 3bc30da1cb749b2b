"""Support desk reports per service or customer: weekly ops, monthly retrospective, quarterly
business review. A report row is requested (pending), built by a Celery task queued on commit
(``tasks.py`` → ``generation.py``) from the support metrics, and then shown, as a page, a PDF
and a CSV, from its stored content; regenerating requests a new row."""
