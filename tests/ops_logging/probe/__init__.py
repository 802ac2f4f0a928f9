"""A test-only app (``PRONTO_EXTRA_APPS=tests.ops_logging.probe`` in the worker's environment):
a task that logs, and enqueues a second one that logs, so that a test can read which request id
each line carries in a real worker's log."""
