# ruff: noqa: F811  (the fixtures imported below are the test's arguments)
"""The beat task with nothing faked: ``inbound.tasks.inbound_poll`` sent twice through a real
Redis to a real ``celery worker`` process, whose settings (``PRONTO_INBOUND_FAXES_*``, from its
environment as in production) point at a private Dovecot into which a fax was delivered over
real SMTP. The worker files the fax once and moves it to the filed folder; the second run finds
nothing new. PostgreSQL only: the worker is another process and must see the test's rows."""

from __future__ import annotations

import pytest
from django.db import connection

from dispatch.choices import DocumentKind
from dispatch.models import KnownNumber, PlantDocument
from inbound.choices import ItemStatus
from inbound.models import InboundItem
from inbound.tasks import inbound_poll
from tests.notifications.celery.test_worker_real import broker, redis_broker, wait_until  # noqa: F401
from tests.servers.celery_worker import CeleryWorker, database_url_of

from .conftest import fax_email
from .test_mail_real import FILED, SENDER, count

pytestmark = [pytest.mark.real_component, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_beat_task_in_a_real_worker_files_a_received_fax_once(
    dovecot, mail_in, broker, plant, fax_rendered, tmp_path
):
    KnownNumber.objects.create(number=SENDER, plant=plant, label="Caretaker's fax")
    pdf = fax_rendered(title="Verbale di sopralluogo", lines=["Cabina ispezionata."])
    mail_in.send(fax_email(sender_number="+39 02 5550 1234", content=pdf), to="faxes@pronto.test")
    options = dovecot.options("faxes")
    worker = CeleryWorker(
        broker_url=broker.url(),
        database_url=database_url_of(connection.settings_dict),
        env={
            "PRONTO_INBOUND_FAXES_HOST": options["host"],
            "PRONTO_INBOUND_FAXES_PORT": str(options["port"]),
            "PRONTO_INBOUND_FAXES_USER": options["username"],
            "PRONTO_INBOUND_FAXES_PASSWORD": options["password"],
            "PRONTO_INBOUND_FAXES_SECURITY": "none",
            "PRONTO_INBOUND_FAXES_TIMEOUT_SECONDS": "10",
            "MEDIA_ROOT": str(tmp_path / "media"),
        },
    )
    try:
        worker.start()
    except RuntimeError as exc:
        pytest.fail(f"celery worker did not start: {exc}")

    def unfiled() -> str:
        return f"not filed: {list(InboundItem.objects.values('status', 'error'))}\n{worker.log()[-2000:]}"

    try:
        inbound_poll.delay()
        inbound_poll.delay()
        wait_until(
            lambda: (
                InboundItem.objects.filter(status=ItemStatus.FILED).exists()
                and count(dovecot, "faxes", FILED) == 1
            ),
            30,
            unfiled,
        )
        wait_until(lambda: worker.log().count("succeeded") >= 2, 30, lambda: worker.log()[-2000:])
    finally:
        worker.stop()

    assert InboundItem.objects.count() == 1
    document = PlantDocument.objects.get(kind=DocumentKind.FAX_RECEIVED)
    assert (document.plant, document.received_from, document.pages) == (plant, SENDER, 1)
    assert (count(dovecot, "faxes"), count(dovecot, "faxes", FILED)) == (0, 1)
