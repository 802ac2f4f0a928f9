import logging

from celery import shared_task

logger = logging.getLogger("tests.ops_logging.probe")


@shared_task(name="ops_logging_probe.first")
def probe_first(label: str) -> None:
    logger.info("probe first %s", label)
    probe_second.delay(label)


@shared_task(name="ops_logging_probe.second")
def probe_second(label: str) -> None:
    logger.info("probe second %s", label)
