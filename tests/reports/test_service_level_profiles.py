"""Supervisors keep the service-level standards: a customer's own profile starts from the
default, every save is a new version with its rules kept, conflicting call types are refused,
and nobody else may change them."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dispatch.models import ServiceLevelProfile, ServiceLevelProfileChange
from reports import services

pytestmark = pytest.mark.django_db


def default(service="gas"):
    return ServiceLevelProfile.objects.get(customer__isnull=True, service=service)


def test_a_customers_own_profile_starts_from_the_default_and_each_save_is_a_version(users, customer, browser):
    client = browser("supervisor")
    response = client.post(
        reverse("reports:service-level-profile-create"), {"customer": customer.pk, "service": "gas"}
    )
    own = ServiceLevelProfile.objects.get(customer=customer, service="gas")
    assert response.url == reverse("reports:service-level-profile-edit", args=[own.pk])
    assert own.call_types == default().call_types and own.version == 1

    form = {
        "name": "Contract 2027", "answer_target_seconds": "90", "answer_min_percent": "95",
        "arrival_target_minutes": "45", "arrival_min_percent": "92.5",
        "call_types": ["gas_leak", "leak_downstream"], "call_types_apart": ["meter_replacement"],
    }  # fmt: skip
    assert client.post(reverse("reports:service-level-profile-edit", args=[own.pk]), form).status_code == 302

    own.refresh_from_db()
    assert (own.version, own.answer_target_seconds, own.arrival_min_percent) == (2, 90, Decimal("92.5"))
    versions = list(ServiceLevelProfileChange.objects.filter(profile=own).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert (
        versions[0].rules["answer_target_seconds"] == 120 and versions[1].rules["answer_target_seconds"] == 90
    )
    assert versions[1].changed_by == users["supervisor"]
    page = client.get(reverse("reports:service-level-profiles")).content.decode()
    assert "Contract 2027" in page and "v2" in page


def test_a_call_type_counts_under_one_service_only(users, customer):
    with pytest.raises(ValidationError) as error:
        services.service_level_profile_save(
            actor=users["supervisor"], profile=default("water"), call_types=["water_fault", "gas_leak"]
        )
    assert "already count under" in str(error.value)
    with pytest.raises(ValidationError):
        services.service_level_profile_save(
            actor=users["supervisor"], profile=default(), call_types_apart=["gas_leak"]
        )
    with pytest.raises(ValidationError):
        services.service_level_profile_save(
            actor=users["supervisor"], profile=default(), call_types=["nonsense"]
        )
    assert default().version == 1 and default("water").version == 1


def test_an_invalid_form_is_shown_again_with_the_reason(users, browser):
    response = browser("supervisor").post(
        reverse("reports:service-level-profile-edit", args=[default().pk]),
        {"name": "x", "answer_min_percent": "150", "arrival_min_percent": "90", "call_types": ["gas_leak"]},
    )
    assert response.status_code == 200 and "answer_min_percent" in response.context["form"].errors
    assert default().version == 1


@pytest.mark.parametrize("name", ["operator", "technician", "utility", "norole"])
def test_only_supervisors_change_the_standards(users, customer, browser, name):
    client = browser(name)
    assert client.get(reverse("reports:service-level-profiles")).status_code == 403
    assert client.get(reverse("reports:service-level-profile-edit", args=[default().pk])).status_code == 403
    forged = client.post(
        reverse("reports:service-level-profile-edit", args=[default().pk]),
        {"name": "x", "answer_min_percent": "1", "arrival_min_percent": "1", "call_types": ["gas_leak"]},
    )
    assert forged.status_code == 403 and default().version == 1
    created = client.post(
        reverse("reports:service-level-profile-create"), {"customer": customer.pk, "service": "gas"}
    )
    assert created.status_code == 403 and not ServiceLevelProfile.objects.filter(customer=customer).exists()
    with pytest.raises(PermissionDenied):
        services.service_level_profile_save(actor=users[name], profile=default(), name="x")
