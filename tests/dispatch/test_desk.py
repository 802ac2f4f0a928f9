"""The supervisor's desk: interventions awaiting closure with the technician's reason, failed
notifications, and close controls nobody else has."""

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch.choices import InterventionStatus
from notifications.models import Notification

from .helpers import intervention_in

pytestmark = pytest.mark.django_db

DESK = reverse("dispatch:desk")


def test_completed_interventions_wait_with_their_closing_reason_and_close_from_the_desk(
    users, plant, browser
):
    completed = intervention_in(InterventionStatus.COMPLETED, users=users, plant=plant)
    still_open = intervention_in(InterventionStatus.ON_SITE, users=users, plant=plant)
    client = browser("supervisor")

    page = client.get(DESK).content.decode()
    assert completed.closing_reason and completed.closing_reason in page
    assert f"Close #{completed.pk}" in page and f"Close #{still_open.pk}" not in page

    response = client.post(
        reverse("dispatch:intervention-action", args=[completed.pk, "close"]), {"next": DESK}
    )

    assert response.status_code == 302 and response.url == DESK
    completed.refresh_from_db()
    assert completed.status == InterventionStatus.CLOSED
    assert "Nothing waits for your close." in client.get(DESK).content.decode()


def test_failed_notifications_are_listed_with_their_reason(users, plant, browser):
    intervention = intervention_in(InterventionStatus.ASSIGNED, users=users, plant=plant)
    Notification.objects.create(
        intervention=intervention, recipient_user=users["technician"], reason="assigned", channel="sms",
        recipient="+393331234567", subject="s", body="b", idempotency_key="k-failed", status="failed",
        last_error="Kannel 403: Number(s) has/have been denied", next_attempt_at=timezone.now(),
        created_at=timezone.now(), failed_at=timezone.now(),
    )  # fmt: skip

    page = browser("supervisor").get(DESK).content.decode()

    assert "Kannel 403: Number(s) has/have been denied" in page and "+393331234567" in page


@pytest.mark.parametrize("name", ["operator", "technician", "utility", "norole"])
def test_only_supervisors_have_the_desk(users, browser, name):
    assert browser(name).get(DESK).status_code == 403


def test_the_desk_link_and_close_controls_are_a_supervisors_only(users, plant, browser):
    completed = intervention_in(InterventionStatus.COMPLETED, users=users, plant=plant)
    for name in ("operator", "technician"):
        client = browser(name)
        assert (
            DESK
            not in client.get(
                reverse("dispatch:board" if name == "operator" else "dispatch:home"), follow=True
            ).content.decode()
        )
        detail = client.get(reverse("dispatch:intervention-detail", args=[completed.pk])).content.decode()
        assert "/close/" not in detail
        # A forged close is refused by the server all the same.
        forged = client.post(
            reverse("dispatch:intervention-action", args=[completed.pk, "close"]), {"next": DESK}
        )
        assert forged.status_code == 403
    completed.refresh_from_db()
    assert completed.status == InterventionStatus.COMPLETED


def test_next_never_leaves_the_site(users, plant, browser):
    completed = intervention_in(InterventionStatus.COMPLETED, users=users, plant=plant)
    response = browser("supervisor").post(
        reverse("dispatch:intervention-action", args=[completed.pk, "close"]),
        {"next": "https://evil.example/"},
    )
    assert response.url == reverse("dispatch:intervention-detail", args=[completed.pk])
