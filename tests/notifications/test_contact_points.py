"""Supervisors keep the technicians' contact points on their own page (before, only the ORM or a
superuser could): list, add, edit, disable; nobody else may."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from dispatch import services as dispatch_services
from notifications.models import ContactPoint, Notification
from tests.dispatch.helpers import call_logged

pytestmark = pytest.mark.django_db


def test_the_supervisor_group_may_keep_contact_points_in_the_admin_too(users):
    codenames = set(Group.objects.get(name="supervisor").permissions.values_list("codename", flat=True))
    assert {"view_contactpoint", "add_contactpoint", "change_contactpoint"} <= codenames
    assert users["supervisor"].has_perm("notifications.change_contactpoint")
    assert not users["operator"].has_perm("notifications.change_contactpoint")


def test_a_supervisor_lists_adds_edits_and_disables_a_technicians_contact_points(users, browser):
    technician = users["technician"]
    client = browser("supervisor")
    listed = client.get(reverse("notifications:contact-point-technicians"))
    assert listed.status_code == 200 and "technician2" in listed.content.decode()
    page = reverse("notifications:contact-point-list", args=[technician.pk])
    added = client.post(page, {"channel": "sms", "address": "333 123 4567", "position": "0"})
    assert added.status_code == 302
    point = ContactPoint.objects.get(user=technician)
    assert (point.channel, point.address, point.position, point.active) == ("sms", "+393331234567", 0, True)
    edit = reverse("notifications:contact-point-edit", args=[technician.pk, point.pk])
    changed = client.post(
        edit, {"channel": "email", "address": "Tech@Example.NET", "position": "2", "active": "on"}
    )
    assert changed.status_code == 302
    point.refresh_from_db()
    assert (point.channel, point.address, point.position) == ("email", "Tech@example.net", 2)
    disable = reverse("notifications:contact-point-active", args=[technician.pk, point.pk])
    assert client.post(disable, {"active": "0"}).status_code == 302
    point.refresh_from_db()
    assert point.active is False
    assert "no (disabled)" in client.get(page).content.decode()


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"channel": "sms", "address": "not a number", "position": "0"}, "address"),
        ({"channel": "email", "address": "nobody-at-example", "position": "0"}, "address"),
        ({"channel": "pigeon", "address": "+393331234567", "position": "0"}, "channel"),
        ({"channel": "sms", "address": "+393331234567", "position": "²"}, "position"),
        ({"channel": "sms", "address": "+393331234567", "position": "-1"}, "position"),
    ],
)
def test_a_bad_contact_point_is_refused_naming_the_field(users, browser, form, field):
    page = reverse("notifications:contact-point-list", args=[users["technician"].pk])
    response = browser("supervisor").post(page, form)
    assert response.status_code == 400 and f"{field}:" in response.content.decode()
    assert not ContactPoint.objects.exists()


def test_the_same_address_twice_is_refused(users, browser):
    page = reverse("notifications:contact-point-list", args=[users["technician"].pk])
    form = {"channel": "sms", "address": "+393331234567", "position": "0"}
    assert browser("supervisor").post(page, form).status_code == 302
    assert browser("supervisor").post(page, form).status_code == 400
    assert ContactPoint.objects.count() == 1


@pytest.mark.parametrize("name", ["operator", "technician", "utility", "norole"])
def test_other_roles_are_refused(users, browser, name):
    technician = users["technician"]
    point = ContactPoint.objects.create(user=technician, channel="sms", address="+393331234567")
    client = browser(name)
    assert client.get(reverse("notifications:contact-point-technicians")).status_code == 403
    page = reverse("notifications:contact-point-list", args=[technician.pk])
    assert (
        client.post(page, {"channel": "sms", "address": "+393339999999", "position": "1"}).status_code == 403
    )
    disable = reverse("notifications:contact-point-active", args=[technician.pk, point.pk])
    assert client.post(disable, {"active": "0"}).status_code == 403
    assert list(ContactPoint.objects.values_list("address", "active")) == [("+393331234567", True)]


def test_only_technicians_points_are_kept_here(users, browser):
    supervisor = users["supervisor"]
    point = ContactPoint.objects.create(user=supervisor, channel="email", address="boss@example.net")
    client = browser("supervisor")
    assert client.get(reverse("notifications:contact-point-list", args=[supervisor.pk])).status_code == 404
    edit = reverse("notifications:contact-point-edit", args=[users["technician"].pk, point.pk])
    assert (
        client.post(edit, {"channel": "sms", "address": "+393331234567", "position": "0"}).status_code == 404
    )


def test_a_disabled_point_gets_no_assignment(
    users, plant, browser, fake_gateway, django_capture_on_commit_callbacks
):
    technician = users["technician"]
    sms = ContactPoint.objects.create(user=technician, channel="sms", address="+393331234567", position=0)
    ContactPoint.objects.create(user=technician, channel="email", address="tech@example.net", position=1)
    disable = reverse("notifications:contact-point-active", args=[technician.pk, sms.pk])
    assert browser("supervisor").post(disable, {"active": "0"}).status_code == 302
    intervention = dispatch_services.intervention_open(
        actor=users["operator"], call=call_logged(users, plant), summary="Gas smell"
    )
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_services.intervention_assign(
            actor=users["operator"], intervention=intervention, technician=technician
        )
    assert list(Notification.objects.filter(intervention=intervention).values_list("channel", flat=True)) == [
        "email"
    ]
