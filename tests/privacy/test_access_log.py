"""The access log: each kind of read of a caller's data leaves one entry, supervisors list who
read a number (with a reason, logged too), and entries never change."""

import uuid

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch import services
from dispatch.choices import InterventionStatus as S
from dispatch.models import HistoryImmutableError
from privacy.models import AccessLogEntry
from tests.architecture.test_access_matrix import PNG
from tests.dispatch.helpers import call_logged, intervention_in

from .helpers import ALICE, BOB

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(users, plant, other_plant):
    call = call_logged(users, plant, caller_number=ALICE, notes="Alice Rossi")
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant, call=call)
    step, _ = services.intervention_step_apply(
        actor=users["technician"], intervention=intervention, step_id=uuid.uuid4(), action="photo",
        client_time=timezone.now(), photo=ContentFile(PNG, name="site.png"),
    )  # fmt: skip
    bob = call_logged(users, other_plant, caller_number=BOB)
    return {"call": call, "intervention": intervention, "photo": step.document, "bob": bob}


def test_each_kind_of_read_is_logged_once(users, plant, alice, browser, client_for):
    call, intervention, photo = alice["call"], alice["intervention"], alice["photo"]
    page, api = browser("operator"), client_for("technician")
    reads = [
        (page, f"/calls/{call.pk}/?reason=caller rang back", "call.page", "caller rang back"),
        (api, f"/api/calls/{call.pk}/", "call.api", ""),
        (api, f"/api/calls/{call.pk}/history/", "call.history_api", ""),
        (page, f"/interventions/{intervention.pk}/", "intervention.page", ""),
        (api, f"/api/interventions/{intervention.pk}/history/", "intervention.history_api", ""),
        (page, f"/plants/{plant.pk}/documents/{photo.pk}/", "document", ""),
    ]
    for client, url, kind, reason in reads:
        before = AccessLogEntry.objects.count()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        entry = AccessLogEntry.objects.latest("id")
        assert AccessLogEntry.objects.count() == before + 1, url
        assert (entry.kind, entry.reason) == (kind, reason)
        assert entry.user in (users["operator"], users["technician"])
        # One INSERT, and no query to find the caller's token.
        inserts = [q for q in queries.captured_queries if "privacy_accesslogentry" in q["sql"]]
        assert len(inserts) == 1 and inserts[0]["sql"].startswith("INSERT"), url
        if kind != "document":
            assert entry.caller_token == call.caller_token
    # A refused read logs nothing.
    before = AccessLogEntry.objects.count()
    assert client_for("technician2").get(f"/api/calls/{call.pk}/history/").status_code == 404
    assert browser("utility_b").get(f"/calls/{call.pk}/").status_code == 404
    assert AccessLogEntry.objects.count() == before
    # The board and the lists log nothing.
    for url in ("/board/", "/calls/", "/interventions/"):
        assert page.get(url).status_code == 200
    assert api.get("/api/calls/").status_code == 200
    assert AccessLogEntry.objects.count() == before


def test_supervisors_list_who_read_a_number(users, plant, alice, browser, client_for):
    call, intervention, photo = alice["call"], alice["intervention"], alice["photo"]
    browser("operator").get(f"/calls/{call.pk}/")
    client_for("technician").get(f"/api/interventions/{intervention.pk}/history/")
    browser("utility").get(f"/plants/{plant.pk}/documents/{photo.pk}/")
    browser("operator").get(f"/calls/{alice['bob'].pk}/")  # another number's call

    supervisor = client_for("supervisor")
    assert supervisor.get("/api/privacy/access-log/", {"number": "02 1234 5678"}).status_code == 400
    response = supervisor.get(
        "/api/privacy/access-log/", {"number": "02 1234 5678", "reason": "complaint #7"}
    )
    assert response.status_code == 200
    listed = [(row["user"], row["kind"]) for row in response.json()]
    # Newest first; the lookup itself is a read of the number's data, and listed with it.
    assert listed == [
        ("supervisor", "number_lookup"),
        ("utility", "document"),
        ("technician", "intervention.history_api"),
        ("operator", "call.page"),
    ]
    lookup = AccessLogEntry.objects.latest("id")
    assert (lookup.kind, lookup.reason, lookup.caller_token) == (
        "number_lookup",
        "complaint #7",
        call.caller_token,
    )

    page = browser("supervisor").get("/privacy/access-log/", {"number": ALICE, "reason": "complaint #7"})
    assert page.status_code == 200
    assert page.content.decode().count('class="access-entry"') == 5  # both lookups too

    before = AccessLogEntry.objects.count()
    for role in ("operator", "technician", "utility"):
        assert (
            client_for(role).get("/api/privacy/access-log/", {"number": ALICE, "reason": "x"}).status_code
            == 403
        )
        assert browser(role).get("/privacy/access-log/", {"number": ALICE, "reason": "x"}).status_code == 403
    assert AccessLogEntry.objects.count() == before


def test_entries_never_change(users, plant, alice, browser):
    browser("operator").get(f"/calls/{alice['call'].pk}/")
    entry = AccessLogEntry.objects.get()
    entry.reason = "rewritten"
    with pytest.raises(HistoryImmutableError):
        entry.save()
    with pytest.raises(HistoryImmutableError):
        AccessLogEntry.objects.update(reason="rewritten")
    with pytest.raises(HistoryImmutableError):
        AccessLogEntry.objects.all().delete()
    with pytest.raises(HistoryImmutableError):
        entry.delete()


@pytest.mark.postgres
def test_postgres_refuses_to_rewrite_the_log_and_the_steps(users, plant, alice, browser):
    from django.db import DatabaseError, transaction

    from privacy.services.requests import personal_request_record

    browser("operator").get(f"/calls/{alice['call'].pk}/")
    personal_request_record(
        actor=users["operator"], kind="access", number=ALICE, requester="Alice", identity_check="ID card"
    )
    for sql in (
        "UPDATE privacy_accesslogentry SET reason = 'x'",
        "DELETE FROM privacy_accesslogentry",
        "UPDATE privacy_personalrequeststep SET status = 'answered'",
        "DELETE FROM privacy_personalrequest",
        "UPDATE privacy_personalrequest SET requester = 'Someone else'",
        "UPDATE privacy_personalrequest SET number = '+390000000000'",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    with connection.cursor() as cursor:  # what an answer does is allowed
        cursor.execute(
            "UPDATE privacy_personalrequest SET number = '', caller_token = '', status = 'answered'"
        )
