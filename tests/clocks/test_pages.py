"""The case's service-level panel on its page, its forms, and the late clocks on the desk."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clocks.models import CaseFile, Pause
from dispatch import services
from tests.dispatch.helpers import call_logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(users, plant):
    call = call_logged(users, plant, received_at=timezone.now() - timedelta(minutes=30))
    intervention = services.intervention_open(
        actor=users["operator"], plant=plant, call=call, summary="Gas smell"
    )
    return services.intervention_assign(
        actor=users["operator"], intervention=intervention, technician=users["technician"]
    )


def test_staff_type_and_pause_a_case_from_its_page(case, browser):
    operator = browser("operator")
    page = operator.get(f"/interventions/{case.pk}/").content.decode()
    assert f'hx-get="/clocks/cases/{case.pk}/panel/"' in page
    assert "has no type yet" in operator.get(f"/clocks/cases/{case.pk}/panel/").content.decode()

    typed = operator.post(
        f"/clocks/cases/{case.pk}/type/", {"case_type": "emergency", "caller_class": "gold", "reach": "2"}
    )
    assert typed.status_code == 302 and typed["Location"] == f"/interventions/{case.pk}/#case-clocks"
    panel = operator.get(f"/clocks/cases/{case.pk}/panel/").content.decode()
    # 30 minutes after the call: the 15-minute response is late; the 60-minute arrival runs.
    assert "Emergency" in panel and 'class="clock clock-breached">Response: Late' in panel
    assert 'class="clock clock-running">Arrival on site: Running' in panel

    operator.post(f"/clocks/cases/{case.pk}/pause/", {"reason": "access", "note": "Gate locked"})
    panel = operator.get(f"/clocks/cases/{case.pk}/panel/").content.decode()
    assert "Waiting for access" in panel and "Gate locked" in panel and "Resume the clocks" in panel
    operator.post(f"/clocks/cases/{case.pk}/resume/")
    assert not Pause.objects.filter(intervention=case, ended_at__isnull=True).exists()
    assert CaseFile.objects.get(intervention=case).reach == 2


def test_the_technician_reads_the_clocks_without_the_forms(case, browser):
    browser("operator").post(f"/clocks/cases/{case.pk}/type/", {"case_type": "emergency", "reach": "1"})
    panel = browser("technician").get(f"/clocks/cases/{case.pk}/panel/").content.decode()
    assert "Arrival on site" in panel and "<form" not in panel


def test_a_refused_change_comes_back_as_a_message(case, browser):
    operator = browser("operator")
    operator.post(f"/clocks/cases/{case.pk}/pause/", {"reason": "parts"})
    again = operator.post(f"/clocks/cases/{case.pk}/pause/", {"reason": "parts"}, follow=True)
    assert "already paused" in again.content.decode()
    bad = operator.post(f"/clocks/cases/{case.pk}/type/", {"case_type": "nope", "reach": "1"}, follow=True)
    assert "Select a valid choice" in bad.content.decode()


def test_the_desk_lists_the_cases_late_on_their_targets(case, browser, plant, users):
    supervisor = browser("supervisor")
    assert 'hx-get="/clocks/late/"' in supervisor.get("/desk/").content.decode()
    assert "No case is late" in supervisor.get("/clocks/late/").content.decode()
    supervisor.post(f"/clocks/cases/{case.pk}/type/", {"case_type": "emergency", "reach": "1"})
    late = supervisor.get("/clocks/late/").content.decode()
    assert f"#{case.pk}" in late and "Response" in late and "Arrival" not in late


def test_the_technicians_phone_shows_the_case_clocks(case, browser):
    browser("operator").post(f"/clocks/cases/{case.pk}/type/", {"case_type": "emergency", "reach": "1"})
    page = browser("technician").get(f"/m/interventions/{case.pk}/").content.decode()
    assert '<li class="clock clock-breached">Response: Late' in page
    assert '<li class="clock clock-running">Arrival on site: Running' in page
