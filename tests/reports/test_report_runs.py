"""Long reports computed in the background with their progress, and last month's report sent
once to each customer's report contacts with the PDF attached."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pypdf import PdfReader

from dispatch.models import Contact, ServiceLevelReportRun
from notifications.models import Notification
from notifications.services.delivery import _attachments_load
from reports import services
from reports.figures import report_data
from reports.queries import service_level_report
from tests.factories import CustomerFactory, PlantFactory
from tests.reports.test_service_levels import call, intervention

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def history(users):
    customer = CustomerFactory(code="gasco", name="Gas Co")
    plant = PlantFactory(customer=customer, code="REMI-1")
    users["utility"].profile.customer = customer
    users["utility"].profile.save()
    for month in range(1, 11):
        late = call(plant, dt.datetime(2026, month, 10, 9, 0, tzinfo=ROME), answer_s=150)
        intervention(late, assign_min=5, arrive_min=70)
        call(plant, dt.datetime(2026, month, 11, 9, 0, tzinfo=ROME), answer_s=20)
    return customer


def test_a_long_range_runs_in_the_background_and_gives_the_same_figures(
    history, browser, django_capture_on_commit_callbacks
):
    client = browser("utility")
    query = {"customer": history.pk, "date_from": "2026-01-01", "date_to": "2026-10-31", "group_by": "month"}

    page = client.get(reverse("reports:service-levels"), query).content.decode()
    assert "Compute in the background" in page and "Answered within 120 s" not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:report-run-request"), query)
    run = ServiceLevelReportRun.objects.get()
    assert response.url == reverse("reports:report-run", args=[run.pk])
    assert (run.status, run.progress, run.kind) == ("done", 100, "on_demand")
    expected = report_data(
        service_level_report(
            customer=history, date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 10, 31), group_by="month"
        )
    )
    expected.pop("computed_at"), run.figures.pop("computed_at")
    assert run.figures == expected

    detail = client.get(reverse("reports:report-run", args=[run.pk])).content.decode()
    assert "Download the PDF" in detail and 'hx-trigger="every 2s"' not in detail
    pdf = client.get(reverse("reports:report-run-download", args=[run.pk, "pdf"]))
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Gas Co" in text and "not signed off" in text
    csv_response = client.get(reverse("reports:report-run-download", args=[run.pk, "csv"]))
    csv_text = b"".join(csv_response.streaming_content).decode()
    assert "2026-10" in csv_text and "answered after 150 s" in csv_text


def test_a_queued_run_shows_its_progress_and_keeps_asking(history, users, browser):
    run = ServiceLevelReportRun.objects.create(
        kind="on_demand", customer=history, date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 10, 31),
        group_by="month", requested_by=users["supervisor"], status="running", progress=40,
        created_at=dt.datetime(2026, 11, 1, tzinfo=ROME),
    )  # fmt: skip
    fragment = browser("supervisor").get(reverse("reports:report-run", args=[run.pk]), HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert '<progress max="100" value="40"' in html and 'hx-trigger="every 2s"' in html
    assert "<html" not in html


def test_a_failed_run_says_why_and_can_run_again(history, users, monkeypatch):
    run = ServiceLevelReportRun.objects.create(
        kind="on_demand", customer=history, date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 2, 28),
        group_by="month", requested_by=users["supervisor"], created_at=dt.datetime(2026, 11, 1, tzinfo=ROME),
    )  # fmt: skip

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "service_level_report_by_months", broken)
    assert services.report_run_execute(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert run.error == "RuntimeError: database went away" and run.figures is None
    monkeypatch.undo()
    assert services.report_run_execute(run_id=run.pk) == "done"
    assert services.report_run_execute(run_id=run.pk) == "done"  # idempotent


def test_a_monthly_run_whose_email_cannot_be_made_fails_and_runs_again(history, monkeypatch):
    """Its PDF is drawn in the run's last transaction: a failure there leaves no half-done run
    (figures kept but nothing sent) and no run stuck as running."""
    Contact.objects.create(customer=history, name="Qualità", email="q@gasco.example", receives_reports=True)
    run = ServiceLevelReportRun.objects.create(
        kind="monthly", customer=history, date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 10, 31),
        group_by="day", created_at=dt.datetime(2026, 11, 1, tzinfo=ROME),
    )  # fmt: skip

    def broken(**kwargs):
        raise OSError("no fonts")

    monkeypatch.setattr(services, "report_email_file", broken)
    assert services.report_run_execute(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert (run.status, run.error, run.figures, run.sent_at) == ("failed", "OSError: no fonts", None, None)
    assert not Notification.objects.exists()
    monkeypatch.undo()
    assert services.report_run_execute(run_id=run.pk) == "done"
    assert Notification.objects.filter(reason="report", recipient="q@gasco.example").count() == 1


def test_runs_are_read_by_supervisors_and_the_customers_utility_only(history, users, browser):
    run = ServiceLevelReportRun.objects.create(
        kind="on_demand", customer=history, date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 2, 28),
        group_by="month", requested_by=users["supervisor"], created_at=dt.datetime(2026, 11, 1, tzinfo=ROME),
    )  # fmt: skip
    services.report_run_execute(run_id=run.pk)
    url = reverse("reports:report-run-download", args=[run.pk, "pdf"])
    assert browser("supervisor").get(url).status_code == 200
    assert browser("utility").get(url).status_code == 200
    assert browser("utility_b").get(url).status_code == 404
    assert browser("operator").get(url).status_code == 403
    query = {"customer": history.pk, "date_from": "2026-01-01", "date_to": "2026-10-31", "group_by": "month"}
    assert browser("utility_b").post(reverse("reports:report-run-request"), query).status_code == 404
    assert browser("technician").post(reverse("reports:report-run-request"), query).status_code == 403
    assert ServiceLevelReportRun.objects.count() == 1
    page = reverse("reports:report-run", args=[run.pk])
    assert browser("utility").get(page).status_code == 200
    assert browser("utility_b").get(page).status_code == 404
    assert browser("operator").get(page).status_code == 403
    with pytest.raises(PermissionDenied):  # the service refuses it too, whoever calls it
        services.report_run_request(
            actor=users["utility_b"], customer=history, date_from=dt.date(2026, 1, 1),
            date_to=dt.date(2026, 2, 28), group_by="month",
        )  # fmt: skip


def test_last_months_report_is_emailed_once_to_the_report_contacts(
    history, django_capture_on_commit_callbacks
):
    Contact.objects.create(
        customer=history, name="Ufficio qualità", email="qualita@gasco.example", receives_reports=True
    )
    Contact.objects.create(
        customer=history, name="Direttore", email="dir@gasco.example", receives_reports=True
    )
    Contact.objects.create(customer=history, name="Centralino", email="info@gasco.example")
    Contact.objects.create(customer=history, name="No email", receives_reports=True)
    CustomerFactory(code="quiet")  # no report contacts: nothing
    now = dt.datetime(2026, 11, 3, 6, 0, tzinfo=ROME)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.service_levels_monthly_send(now=now) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.service_levels_monthly_send(now=now) == 0

    run = ServiceLevelReportRun.objects.get()
    assert (run.kind, run.date_from, run.date_to, run.status) == (
        "monthly",
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
        "done",
    )
    assert run.sent_at is not None
    emails = Notification.objects.filter(reason="report").order_by("recipient")
    assert [e.recipient for e in emails] == ["dir@gasco.example", "qualita@gasco.example"]
    email = emails[0]
    assert "Gas Co" in email.subject and "10/2026" in email.subject
    assert "50.0%" in email.body and "not met" in email.body and run.figures_sha256 in email.body
    (attachment,) = _attachments_load(email)
    assert attachment.filename == "service-levels-gasco-2026-10.pdf" and attachment.content.startswith(
        b"%PDF"
    )
    assert "Gas Co" in PdfReader(io.BytesIO(attachment.content)).pages[0].extract_text()


def test_without_celery_beat_the_sweep_command_sends_the_monthly_reports(
    history, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    Contact.objects.create(
        customer=history, name="Qualità", email="qualita@gasco.example", receives_reports=True
    )
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):  # the worker runs them after commit
        call_command("run_periodic", "--only", "reports-monthly", stdout=out)

    assert "reports-monthly: 1" in out.getvalue()
    run = ServiceLevelReportRun.objects.get(kind="monthly")
    assert run.status == "done" and Notification.objects.filter(reason="report").count() == 1


def test_a_monthly_email_queued_before_the_outbox_kept_its_files_still_carries_the_pdf(history, users):
    from django.utils import timezone

    run = ServiceLevelReportRun.objects.create(
        kind="on_demand", customer=history, date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 10, 31),
        group_by="day", requested_by=users["supervisor"], created_at=dt.datetime(2026, 11, 1, tzinfo=ROME),
    )  # fmt: skip
    services.report_run_execute(run_id=run.pk)
    filename = "service-levels-gasco-2026-10.pdf"
    email = Notification.objects.create(
        reason="report", channel="email", recipient="qualita@gasco.example", subject="s", body="b",
        attachments=[{"report_run": run.pk, "filename": filename, "content_type": "application/pdf"}],
        idempotency_key="queued-before", next_attempt_at=timezone.now(), created_at=timezone.now(),
    )  # fmt: skip

    (attachment,) = _attachments_load(email)

    assert attachment.filename == filename and attachment.content.startswith(b"%PDF")
    assert "Gas Co" in PdfReader(io.BytesIO(attachment.content)).pages[0].extract_text()
