"""ROOT_URLCONF of the logging tests: a view that logs, enqueues the probe task and logs again."""

import logging

from django.http import HttpResponse
from django.urls import path

from tests.ops_logging.probe.tasks import probe_first

logger = logging.getLogger("tests.ops_logging.view")


def probe_view(request, label: str):
    logger.info("view before %s", label)
    # What a service's on_commit callback does, inside the request.
    probe_first.delay(label)
    logger.info("view after %s", label)
    return HttpResponse("ok")


urlpatterns = [path("probe/<slug:label>/", probe_view)]
