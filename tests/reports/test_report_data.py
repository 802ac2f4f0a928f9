"""The report as JSON, ``reports.figures.report_data``: what the API answers, what sign-offs and
runs keep and hash. Built without DRF, it must be what the DRF serializer made before (the
digests of the sign-offs already filed are over that), and the serializer that documents it in
the API's schema must name the same fields."""

import datetime as dt
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from rest_framework import serializers

from reports.api.serializers import ServiceLevelReportSerializer
from reports.figures import figures_digest, report_data
from reports.queries import service_level_report
from tests.factories import CustomerFactory, PlantFactory
from tests.reports.test_service_levels import call, check, intervention, rome

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(users):
    """Calls of March 2026 and around the change to summer time: answered in and out of time,
    never answered, with arrivals late and in time, a cancelled intervention, a check, calls
    counted apart and outside the statistics, on two plants."""
    customer = CustomerFactory(code="gasco", name="Gas Co")
    plant, plant2 = (
        PlantFactory(customer=customer, code="REMI-1"),
        PlantFactory(customer=customer, code="REMI-2"),
    )
    users["utility"].profile.customer = customer
    users["utility"].profile.save()
    for i, seconds in enumerate([30, 119, 120, 121, 400]):
        the_call = call(plant if i % 2 else plant2, rome(2026, 3, 28, 23, 50 + i), answer_s=seconds)
        if i % 2:
            intervention(the_call, assign_min=10, arrive_min=30 + 20 * i, close_min=300)
            check(the_call, after_s=90)
    cancelled = call(plant, rome(2026, 3, 29, 3, 30), answer_s=10)
    intervention(cancelled, cancelled=True)
    call(plant, rome(2026, 3, 30, 8, 0), ended_s=500)  # never answered, waited: missed
    call(plant, rome(2026, 3, 30, 9, 0), call_type="meter_replacement", answer_s=5)  # apart
    call(plant, rome(2026, 3, 30, 10, 0), call_type="", answer_s=5)  # outside
    return customer


def drf_data(report) -> dict:
    """What ``report_data`` was before: the serializer's output as JSON."""
    return json.loads(json.dumps(ServiceLevelReportSerializer(report).data, cls=DjangoJSONEncoder))


@pytest.mark.parametrize("group_by", ["day", "month", "year", "plant", "category"])
def test_report_data_is_what_the_serializer_made_so_kept_digests_still_verify(history, group_by):
    report = service_level_report(
        customer=history, date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31), group_by=group_by
    )
    data = report_data(report)
    assert data == drf_data(report)
    assert json.dumps(data) == json.dumps(drf_data(report))  # the same order of keys, too
    assert figures_digest(data) == figures_digest(drf_data(report))
    gas = next(p for p in data["profiles"] if p["rules"]["service"] == "gas")
    assert gas["misses"] and gas["groups"] and data["apart"] and data["outside"]

    with timezone.override("UTC"):  # times in the current time zone; UTC written as Z
        assert report_data(report) == drf_data(report)
        assert report_data(report)["start"] == "2026-02-28T23:00:00Z"


def test_the_api_answers_report_data(history, client_for):
    query = {"customer": history.pk, "from": "2026-03-01", "to": "2026-03-31", "group_by": "plant"}
    for name in ("supervisor", "utility"):
        answer = client_for(name).get("/api/reports/service-levels/", query).json()
        expected = report_data(
            service_level_report(
                customer=history,
                date_from=dt.date(2026, 3, 1),
                date_to=dt.date(2026, 3, 31),
                group_by="plant",
            )
        )
        answer.pop("computed_at"), expected.pop("computed_at")
        assert answer == expected


def fields_of(serializer) -> dict:
    """The serializer's fields, nested serializers by their own fields."""
    fields = {}
    for name, field in serializer.fields.items():
        child = field.child if isinstance(field, serializers.ListSerializer) else field
        fields[name] = fields_of(child) if isinstance(child, serializers.Serializer) else None
    return fields


def keys_of(data: dict, shape: dict) -> dict:
    """The data's keys in the serializer's shape: nested objects by their keys (a list's by its
    first item's)."""
    keys = {}
    for name, value in data.items():
        nested = shape.get(name)
        if nested is not None and isinstance(value, list):
            value = value[0]
        keys[name] = keys_of(value, nested) if nested is not None else None
    return keys


def test_the_schema_names_every_key_of_report_data_and_no_other(history):
    report = service_level_report(
        customer=history, date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31), group_by="day"
    )
    shape = fields_of(ServiceLevelReportSerializer())
    assert keys_of(report_data(report), shape) == shape
    profile = shape["profiles"]
    assert set(profile) >= {"total", "groups", "misses"} and "figures" in profile["groups"]
