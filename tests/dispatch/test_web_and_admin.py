"""The close is a supervisor's in the web pages and the admin as in the API."""

import pytest
from django.test import Client

from dispatch.choices import InterventionStatus as S
from dispatch.models import Event

from .helpers import call_logged, intervention_in

PAGES = ["/", "/calls/", "/calls/{call}/", "/interventions/", "/interventions/{intervention}/"]


@pytest.mark.parametrize("page", PAGES)
def test_pages_need_a_role(page, users, plant, browser):
    call = call_logged(users, plant)
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant, call=call)
    url = page.format(call=call.pk, intervention=intervention.pk)
    assert Client().get(url).status_code == 302  # to the sign-in page
    assert browser("norole").get(url).status_code == 403
    response = browser("operator").get(url)
    if page == "/":  # the home page sends the call centre to its board
        assert (response.status_code, response["Location"]) == (302, "/board/")
    else:
        assert response.status_code == 200
    if "{" in page:
        assert browser("utility_b").get(url).status_code == 404
        assert browser("technician2").get(url).status_code == 404


def test_close_button_only_for_the_supervisor_and_forged_posts_are_refused(users, plant, browser):
    intervention = intervention_in(S.COMPLETED, users=users, plant=plant)
    url = f"/interventions/{intervention.pk}/"
    close_url = f"{url}close/"
    for name in ("operator", "technician", "utility"):
        page = browser(name).get(url)
        assert page.status_code == 200
        assert close_url.encode() not in page.content
        assert browser(name).post(close_url).status_code == 403
    intervention.refresh_from_db()
    assert intervention.status == S.COMPLETED
    supervisor = browser("supervisor")
    page = supervisor.get(url)
    assert close_url.encode() in page.content
    assert b"Loose fitting tightened" in page.content  # the reason is shown beside the close
    assert supervisor.post(close_url).status_code == 302
    intervention.refresh_from_db()
    assert intervention.status == S.CLOSED


def test_wrong_state_in_the_web_ui_is_409(users, plant, browser):
    intervention = intervention_in(S.ON_SITE, users=users, plant=plant)
    response = browser("supervisor").post(f"/interventions/{intervention.pk}/close/")
    assert response.status_code == 409


def test_technician_steps_in_the_web_ui(users, plant, browser):
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant)
    technician = browser("technician")
    for action in ("acknowledge", "arrive"):
        assert technician.post(f"/interventions/{intervention.pk}/{action}/").status_code == 302
    technician.post(f"/interventions/{intervention.pk}/complete/", {"closing_reason": ""})
    intervention.refresh_from_db()
    assert intervention.status == S.ON_SITE  # refused: no reason
    technician.post(f"/interventions/{intervention.pk}/complete/", {"closing_reason": "Valve replaced"})
    intervention.refresh_from_db()
    assert intervention.status == S.COMPLETED


def test_operator_logs_and_finds_a_call_in_the_web_ui(users, browser):
    operator = browser("operator")
    response = operator.post("/calls/", {"caller_number": "02 1234 5678", "call_type": "gas_leak"})
    assert response.status_code == 302
    assert b"+390212345678" in operator.get("/calls/", {"number": "0212345678"}).content
    assert browser("technician").post("/calls/", {"caller_number": "0212345678"}).status_code == 403


def test_pages_speak_italian_and_english(users, plant, browser):
    operator = browser("operator")
    operator.cookies["django_language"] = "it"
    assert "Interventi aperti" in operator.get("/interventions/").content.decode()
    operator.cookies["django_language"] = "en"
    assert "Open interventions" in operator.get("/interventions/").content.decode()


@pytest.fixture
def admin_user(users):
    """A staff member without the supervisor role, with every admin permission on interventions."""
    from django.contrib.auth.models import Permission

    user = users["operator"]
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="dispatch"))
    return user


def test_admin_close_refused_to_non_supervisors_with_403(admin_user, users, plant, browser):
    intervention = intervention_in(S.COMPLETED, users=users, plant=plant)
    events = Event.objects.filter(intervention=intervention).count()
    operator = browser("operator")
    changelist = operator.get("/admin/dispatch/intervention/")
    assert changelist.status_code == 200 and b"close_selected" not in changelist.content
    forged = operator.post(
        "/admin/dispatch/intervention/", {"action": "close_selected", "_selected_action": [intervention.pk]}
    )
    assert forged.status_code == 403
    intervention.refresh_from_db()
    assert intervention.status == S.COMPLETED
    assert Event.objects.filter(intervention=intervention).count() == events


def test_admin_close_by_a_supervisor_goes_through_the_service(users, plant, browser):
    supervisor = users["supervisor"]
    supervisor.is_staff = True
    supervisor.save()
    from django.contrib.auth.models import Permission

    supervisor.user_permissions.add(Permission.objects.get(codename="view_intervention"))
    done = intervention_in(S.COMPLETED, users=users, plant=plant)
    not_done = intervention_in(S.ON_SITE, users=users, plant=plant)
    response = browser("supervisor").post(
        "/admin/dispatch/intervention/",
        {"action": "close_selected", "_selected_action": [done.pk, not_done.pk]},
        follow=True,
    )
    assert response.status_code == 200
    done.refresh_from_db()
    not_done.refresh_from_db()
    assert (done.status, not_done.status) == (S.CLOSED, S.ON_SITE)
    assert Event.objects.filter(intervention=done, kind="intervention.close", actor=supervisor).exists()
    assert "“Close” is not possible: the intervention is on site." in response.content.decode()


@pytest.mark.parametrize("model", ["call", "event", "intervention"])
def test_admin_history_is_read_only(model, admin_user, users, plant, browser):
    call = call_logged(users, plant)
    intervention = intervention_in(S.OPEN, users=users, plant=plant, call=call)
    pk = {"call": call.pk, "intervention": intervention.pk, "event": Event.objects.first().pk}[model]
    operator = browser("operator")
    assert operator.get(f"/admin/dispatch/{model}/{pk}/change/").status_code == 200  # viewable
    assert operator.get(f"/admin/dispatch/{model}/{pk}/delete/").status_code == 403
    assert operator.get(f"/admin/dispatch/{model}/add/").status_code == 403
    assert operator.post(f"/admin/dispatch/{model}/{pk}/change/", {"notes": "forged"}).status_code == 403


def test_every_model_has_an_admin():
    from django.apps import apps
    from django.contrib import admin

    missing = [
        model._meta.label
        for app in ("dispatch", "telecontrol", "notifications")
        for model in apps.get_app_config(app).get_models()
        # Database views (per-call summaries for the reports) are not things to administer.
        if model._meta.managed and model not in admin.site._registry
    ]
    assert missing == []


def test_plant_documents_only_for_those_who_may_see_the_plant(
    users, plant, browser, client_for, settings, tmp_path
):
    from django.core.files.base import ContentFile

    from dispatch.models import PlantDocument

    settings.MEDIA_ROOT = tmp_path
    document = PlantDocument(plant=plant, title="Schema cabina")
    document.file.save("schema.pdf", ContentFile(b"%PDF-1.4 plant drawing"))
    url = client_for("utility").get(f"/api/plants/{plant.pk}/").json()["documents"][0]["url"]
    assert url.endswith(f"/plants/{plant.pk}/documents/{document.pk}/")
    response = browser("utility").get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 plant drawing"
    assert browser("technician").get(url).status_code == 200
    assert browser("utility_b").get(url).status_code == 404
    assert browser("norole").get(url).status_code == 403
    assert Client().get(url).status_code == 302
    assert Client().get(f"/media/{document.file.name}").status_code == 404


@pytest.mark.parametrize("technician", ["", "abc", "1; drop table", "999999"])
def test_web_assign_with_a_bad_technician_is_refused_cleanly(technician, users, plant, browser):
    intervention = intervention_in(S.OPEN, users=users, plant=plant)
    response = browser("operator").post(
        f"/interventions/{intervention.pk}/assign/", {"technician": technician}
    )
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert intervention.status == S.OPEN and intervention.technician is None
