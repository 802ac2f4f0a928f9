"""Celery tasks of the ops app: none. The metrics' scrape-time figures are computed when scraped
(``ops.collectors``), the heartbeats are written by the processes themselves."""
