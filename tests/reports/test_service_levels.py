"""Service-level figures from hand-built call histories whose percentages are known in advance:
the 120 s edge, calls across midnight and across Europe/Rome's daylight-saving changes, calls
without arrival, cancelled or without interventions, excluded and apart categories."""

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from dispatch.choices import InterventionStatus
from dispatch.models import Call, Intervention, ServiceLevelProfile
from reports import figures as service_levels
from reports.queries import service_level_report
from telecontrol.models import PlantCheck
from tests.factories import CustomerFactory, PlantFactory, UserFactory

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=ROME)


def rome(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ROME)


def call(plant, received, *, answer_s=None, ended_s=None, call_type="gas_leak"):
    # Elapsed time is added in UTC: aware-datetime arithmetic in one zone is wall-clock time.
    received = received.astimezone(dt.UTC)
    return Call.objects.create(
        plant=plant, caller_number="+390212345678", call_type=call_type, received_at=received,
        answered_at=received + dt.timedelta(seconds=answer_s) if answer_s is not None else None,
        ended_at=received + dt.timedelta(seconds=ended_s) if ended_s is not None else None,
    )  # fmt: skip


def intervention(the_call, *, arrive_min=None, assign_min=None, close_min=None, cancelled=False):
    start = the_call.received_at
    at = lambda minutes: start + dt.timedelta(minutes=minutes) if minutes is not None else None  # noqa: E731
    status = InterventionStatus.CANCELLED if cancelled else InterventionStatus.ASSIGNED
    if arrive_min is not None:
        status = InterventionStatus.ON_SITE
    if close_min is not None:
        status = InterventionStatus.CLOSED
    return Intervention.objects.create(
        call=the_call, plant=the_call.plant, summary="x", status=status,
        opened_at=start + dt.timedelta(minutes=1),
        technician=UserFactory(username="tech", role="technician") if assign_min is not None else None,
        assigned_at=at(assign_min), acknowledged_at=at(arrive_min), arrived_at=at(arrive_min),
        completed_at=at(close_min), closed_at=at(close_min), closing_reason="done" if close_min else "",
        cancelled_at=start + dt.timedelta(minutes=2) if cancelled else None,
    )  # fmt: skip


def check(the_call, *, after_s):
    PlantCheck.objects.create(
        plant=the_call.plant, call=the_call, source="modbus", outcome="ok", reachable=True,
        checked_at=the_call.received_at + dt.timedelta(seconds=after_s), duration_ms=5.0,
    )  # fmt: skip


@pytest.fixture
def gas():
    customer = CustomerFactory(code="gasco", name="Gas Co")
    return (
        customer,
        PlantFactory(customer=customer, code="REMI-1"),
        PlantFactory(customer=customer, code="REMI-2"),
    )


def report(customer, first, last, group_by="month"):
    result = service_level_report(
        customer=customer, date_from=first, date_to=last, group_by=group_by, now=NOW
    )
    return {p.profile.service: p for p in result.profiles}, result


def test_answer_shares_known_in_advance_with_the_120_second_edge(gas):
    customer, plant, _ = gas
    day = rome(2026, 3, 10, 9, 0)
    for i, seconds in enumerate([10, 45, 60, 90, 119, 120, 121, 300]):
        call(plant, day + dt.timedelta(minutes=i), answer_s=seconds, ended_s=seconds + 60)
    call(plant, day + dt.timedelta(hours=1), ended_s=30)  # hung up within 120 s: excluded
    call(plant, day + dt.timedelta(hours=2), ended_s=200)  # waited 200 s, never answered: missed

    profiles, result = report(customer, dt.date(2026, 3, 1), dt.date(2026, 3, 31))

    gas_figures = profiles["gas"].total
    assert gas_figures.calls == 10
    assert gas_figures.answer == {"within": 6, "missed": 3, "abandoned": 1, "pending": 0}
    assert gas_figures.answer_share == round(100 * 6 / 9, 2)  # 66.67
    assert profiles["gas"].answer_meets is False
    # ≤30 s, 30–60 s, 60–120 s, 120–300 s, > 300 s, none: 120 s sits in 60–120 s, 300 s in 120–300 s.
    assert gas_figures.distributions["answer"] == [1, 2, 3, 2, 0, 2]
    assert [m.call_id for m in profiles["gas"].misses] == [
        c.pk for c in Call.objects.filter(answered_at__isnull=False).order_by("received_at")[6:]
    ] + [Call.objects.get(ended_at=day + dt.timedelta(hours=2, seconds=200)).pk]
    assert result.time_zone == "Europe/Rome" and result.rules


def test_arrival_runs_from_the_start_of_the_call_with_known_shares(gas):
    customer, plant, _ = gas
    day = rome(2026, 4, 2, 10, 0)
    arrivals = [20, 45, 60, 61, 90]  # minutes from the start of the call: 3 within of 5
    for i, minutes in enumerate(arrivals):
        intervention(
            call(plant, day + dt.timedelta(minutes=i), answer_s=20), assign_min=5, arrive_min=minutes
        )
    late = call(plant, day + dt.timedelta(hours=1), answer_s=20)
    intervention(late, assign_min=50)  # never arrived, target long gone: missed
    cancelled = call(plant, day + dt.timedelta(hours=2), answer_s=20)
    intervention(cancelled, cancelled=True)  # outside the arrival figures
    call(plant, day + dt.timedelta(hours=3), answer_s=20)  # no intervention: outside
    pending = call(plant, NOW - dt.timedelta(minutes=10), answer_s=20)
    intervention(pending, assign_min=2)

    profiles, _ = report(customer, dt.date(2026, 4, 1), dt.date(2026, 12, 31))

    figures = profiles["gas"].total
    assert figures.arrival == {
        "within": 3, "missed": 3, "pending": 1, "cancelled": 1, "no_intervention": 1,
    }  # fmt: skip
    assert figures.arrival_share == 50.0 and profiles["gas"].arrival_meets is False
    misses = {m.call_id: m for m in profiles["gas"].misses}
    assert misses[late.pk].arrival == "missed" and "no arrival on site recorded" in misses[late.pk].reasons
    assert "first assigned 50 min after the start of the call" in misses[late.pk].reasons
    # ≤30, 30–60, 60–120, 120–180, > 180 min, none
    assert figures.distributions["arrival"] == [1, 2, 2, 0, 0, 4]


def test_a_call_belongs_to_the_day_it_was_received_in_even_across_midnight(gas):
    customer, plant, _ = gas
    call(plant, rome(2026, 3, 31, 23, 59, 0), answer_s=150)  # answered 00:01:30 on 1 April
    call(plant, rome(2026, 4, 1, 0, 0, 0), answer_s=30)

    by_day, _ = report(customer, dt.date(2026, 3, 31), dt.date(2026, 4, 1), group_by="day")
    groups = {key: figures for key, _, figures in by_day["gas"].groups}
    assert set(groups) == {"2026-03-31", "2026-04-01"}
    assert groups["2026-03-31"].answer["missed"] == 1 and groups["2026-04-01"].answer["within"] == 1

    march, _ = report(customer, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert march["gas"].total.calls == 1


def test_daylight_saving_changes_in_europe_rome(gas):
    customer, plant, _ = gas
    # 29 March 2026: 02:00 CET jumps to 03:00 CEST. 01:59:30 to 03:00:30 is 60 s, not an hour.
    spring = call(plant, rome(2026, 3, 29, 1, 59, 30), answer_s=60)
    assert (spring.answered_at.astimezone(ROME)).hour == 3
    # 25 October 2026: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
    first_0230 = dt.datetime(2026, 10, 25, 2, 30, tzinfo=ROME, fold=0)
    call(plant, first_0230, answer_s=40 * 60)  # answered at the second 02:10: 40 minutes, missed
    call(plant, rome(2026, 10, 25, 23, 59, 59), answer_s=5)  # last second of a 25-hour day

    spring_day, _ = report(customer, dt.date(2026, 3, 29), dt.date(2026, 3, 29), group_by="day")
    assert spring_day["gas"].total.answer["within"] == 1
    autumn_day, result = report(customer, dt.date(2026, 10, 25), dt.date(2026, 10, 25), group_by="day")
    assert result.end.astimezone(dt.UTC) - result.start.astimezone(dt.UTC) == dt.timedelta(hours=25)
    assert autumn_day["gas"].total.calls == 2
    assert autumn_day["gas"].total.answer == {"within": 1, "missed": 1, "abandoned": 0, "pending": 0}
    assert [key for key, _, _ in autumn_day["gas"].groups] == ["2026-10-25"]


def test_excluded_and_apart_categories_and_other_customers(gas):
    customer, plant, _ = gas
    day = rome(2026, 5, 5, 8, 0)
    call(plant, day, answer_s=10)
    call(plant, day, answer_s=500, call_type="not_emergency")
    call(plant, day, answer_s=500, call_type="information")
    call(plant, day, answer_s=500, call_type="meter_replacement")
    call(plant, day, answer_s=500, call_type="")
    other = PlantFactory(customer=CustomerFactory(code="other"), code="OTHER-1")
    call(other, day, answer_s=999)

    profiles, result = report(customer, dt.date(2026, 5, 1), dt.date(2026, 5, 31))

    assert profiles["gas"].total.calls == 1 and profiles["gas"].total.answer_share == 100.0
    assert result.apart == {"meter_replacement": 1}
    assert result.outside == {"not_emergency": 1, "information": 1, "": 1}


def test_grouped_by_plant_and_by_category(gas):
    customer, plant, plant2 = gas
    day = rome(2026, 6, 1, 8, 0)
    call(plant, day, answer_s=10)
    call(plant2, day, answer_s=200, call_type="supply_interruption")
    call(plant2, day, answer_s=20, call_type="supply_interruption")

    by_plant, _ = report(customer, dt.date(2026, 6, 1), dt.date(2026, 6, 30), group_by="plant")
    assert {label.split()[0]: f.answer_share for _, label, f in by_plant["gas"].groups} == {
        "REMI-1": 100.0, "REMI-2": 50.0,
    }  # fmt: skip
    by_category, _ = report(customer, dt.date(2026, 6, 1), dt.date(2026, 6, 30), group_by="category")
    assert {key: f.calls for key, _, f in by_category["gas"].groups} == {
        "gas_leak": 1,
        "supply_interruption": 2,
    }


def test_times_to_the_check_dispatch_and_closure_are_distributed(gas):
    customer, plant, _ = gas
    the_call = call(plant, rome(2026, 7, 1, 8, 0), answer_s=10)
    check(the_call, after_s=30)
    check(the_call, after_s=900)  # a later check does not count
    intervention(the_call, assign_min=10, arrive_min=40, close_min=300)

    profiles, _ = report(customer, dt.date(2026, 7, 1), dt.date(2026, 7, 31))

    distributions = profiles["gas"].total.distributions
    assert distributions["check"] == [1, 0, 0, 0, 0, 0]
    assert distributions["dispatch"] == [0, 1, 0, 0, 0, 0]
    assert distributions["closure"] == [0, 1, 0, 0, 0, 0]


def test_a_customers_own_profile_replaces_the_default(gas):
    customer, plant, _ = gas
    default = ServiceLevelProfile.objects.get(customer__isnull=True, service="gas")
    ServiceLevelProfile.objects.create(
        customer=customer, service="gas", name="Gas Co contract", answer_target_seconds=60,
        answer_min_percent=Decimal("95"), arrival_target_minutes=45, call_types=default.call_types,
        changed_at=NOW,
    )  # fmt: skip
    call(plant, rome(2026, 8, 1, 8, 0), answer_s=90)

    profiles, _ = report(customer, dt.date(2026, 8, 1), dt.date(2026, 8, 31))

    assert profiles["gas"].profile.name == "Gas Co contract"
    assert profiles["gas"].total.answer["missed"] == 1


def test_the_shipped_profiles_hold_the_regulators_standards():
    gas = ServiceLevelProfile.objects.get(customer__isnull=True, service="gas")
    assert (gas.answer_target_seconds, gas.arrival_target_minutes) == (120, 60)
    assert gas.answer_min_percent == gas.arrival_min_percent == Decimal("90")
    assert set(gas.call_types) == {
        "gas_leak", "supply_interruption", "irregular_supply", "damage_without_leak", "leak_downstream",
    }  # fmt: skip
    assert gas.call_types_apart == ["meter_replacement"]
    water = ServiceLevelProfile.objects.get(customer__isnull=True, service="water")
    assert water.arrival_target_minutes == 180 and water.answer_target_seconds is None
    assert gas.changes.get().rules["answer_target_seconds"] == 120


def api_report(client, customer, first="2026-03-01", last="2026-03-31", group_by="month"):
    params = {"customer": customer.pk, "from": first, "to": last, "group_by": group_by}
    return client.get("/api/reports/service-levels/", params)


def test_the_api_returns_the_same_figures_as_json(gas, users, client_for):
    customer, plant, _ = gas
    users["utility"].profile.customer = customer
    users["utility"].profile.save()
    call(plant, rome(2026, 3, 10, 9, 0), answer_s=119)
    call(plant, rome(2026, 3, 10, 9, 5), answer_s=121)

    for name in ("supervisor", "utility"):
        body = api_report(client_for(name), customer).json()
        gas_report = next(p for p in body["profiles"] if p["rules"]["service"] == "gas")
        assert gas_report["total"]["answer"]["within"] == 1 and gas_report["total"]["answer_share"] == 50.0
        assert gas_report["rules"]["answer_target_seconds"] == 120 and gas_report["answer_meets"] is False
        assert [g["key"] for g in gas_report["groups"]] == ["2026-03"]
        assert gas_report["misses_total"] == 1 and gas_report["misses"][0]["reasons"] == [
            "answered after 121 s"
        ]
        assert body["time_zone"] == "Europe/Rome" and body["rules"]
        assert body["start"] == "2026-03-01T00:00:00+01:00" and body["end"] == "2026-04-01T00:00:00+02:00"


def test_a_utility_user_cannot_read_another_customers_report(gas, users, client_for):
    customer, _, _ = gas  # utility_b belongs to another customer; utility to the default one
    assert api_report(client_for("utility_b"), customer).status_code == 404
    assert api_report(client_for("utility"), customer).status_code == 404
    missing = type("C", (), {"pk": 999999})()
    assert api_report(client_for("supervisor"), missing).status_code == 404


@pytest.mark.parametrize("name", ["operator", "technician", "norole"])
def test_other_roles_get_no_report(gas, client_for, name):
    assert api_report(client_for(name), gas[0]).status_code == 403
    assert api_report(client_for(None), gas[0]).status_code == 401


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "2026-03-31", "to": "2026-03-01"}, "to"),
        ({"from": "2026-13-01"}, "from"),
        ({"group_by": "week"}, "group_by"),
        ({"from": "2025-01-01", "to": "2026-06-30", "group_by": "day"}, "to"),
    ],
)
def test_bad_report_queries_are_refused_with_the_field(gas, client_for, params, field):
    query = {"customer": gas[0].pk, "from": "2026-03-01", "to": "2026-03-31", **params}
    response = client_for("supervisor").get("/api/reports/service-levels/", query)
    assert response.status_code == 400 and field in response.json()


def page(client, customer=None, **params):
    query = {"date_from": "2026-03-01", "date_to": "2026-03-31", "group_by": "month", **params}
    if customer is not None:
        query["customer"] = customer.pk
    return client.get(reverse("reports:service-levels"), query)


def test_the_report_page_shows_figures_charts_misses_and_rules(gas, users, browser):
    customer, plant, _ = gas
    call(plant, rome(2026, 3, 10, 9, 0), answer_s=119)
    late = call(plant, rome(2026, 3, 11, 9, 0), answer_s=121)
    intervention(late, assign_min=5, arrive_min=75)

    html = page(browser("supervisor"), customer).content.decode()

    assert "Pronto intervento gas (ARERA)" in html and "(50.0%)" in html
    assert "Answer standard not met (at least 90.00% required)." in html
    assert "<svg" in html and "Answer time" in html and "Arrival time" in html
    assert "answered after 121 s" in html and "arrived 75 min after the start of the call" in html
    assert reverse("dispatch:intervention-detail", args=[late.interventions.get().pk]) in html
    assert "Europe/Rome" in html and "Answer time runs from the call" in html
    assert "service-levels.csv?" in html


def test_the_csv_export_holds_the_same_figures_and_the_rules(gas, browser):
    customer, plant, _ = gas
    call(plant, rome(2026, 3, 10, 9, 0), answer_s=119)
    call(plant, rome(2026, 3, 10, 9, 5), answer_s=121)
    response = browser("supervisor").get(
        reverse("reports:service-levels-csv"),
        {"customer": customer.pk, "date_from": "2026-03-01", "date_to": "2026-03-31", "group_by": "day"},
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert ["Customer", "Gas Co"] in rows and ["Calls that missed a standard", "1", "listed", "1"] in rows
    assert any(row[:2] == ["Rule", str(service_levels.RULES[3])] for row in rows)
    total = next(row for row in rows if row and row[0] == "Total" and row[1] == "2")
    assert total[2:6] == ["1", "1", "0", "50.0"]
    assert any(row and row[0] == "2026-03-10" for row in rows)
    assert any("answered after 121 s" in row[-1] for row in rows if len(row) == 6)


def test_a_utility_user_sees_only_its_own_customers_report(gas, users, browser):
    customer, plant, _ = gas
    users["utility"].profile.customer = customer
    users["utility"].profile.save()
    call(plant, rome(2026, 3, 10, 9, 0), answer_s=10)
    other = users["utility_b"].profile.customer

    own = browser("utility")
    assert own.get("/").url == reverse("reports:service-levels")
    html = page(own).content.decode()  # no customer asked: its own
    assert "Gas Co" in html and "(100.0%)" in html and f'value="{other.pk}"' not in html
    assert page(own, other).status_code == 404
    csv_url = reverse("reports:service-levels-csv")
    query = {"customer": other.pk, "date_from": "2026-03-01", "date_to": "2026-03-31"}
    assert own.get(csv_url, query).status_code == 404
    assert page(browser("utility_b"), customer).status_code == 404


@pytest.mark.parametrize("name", ["operator", "technician", "norole"])
def test_other_roles_get_no_report_page(gas, browser, name):
    assert page(browser(name), gas[0]).status_code == 403
    assert browser(name).get(reverse("reports:service-levels-csv")).status_code == 403


def test_a_bad_period_is_said_on_the_page(gas, browser):
    html = page(browser("supervisor"), gas[0], date_from="2026-03-31", date_to="2026-03-01").content.decode()
    assert "The last day comes before the first." in html and "Pronto intervento gas" not in html


def test_a_signed_off_report_keeps_its_figures_and_its_pdf_says_them(gas, users, browser):
    from pypdf import PdfReader

    from dispatch.models import HistoryImmutableError, ServiceLevelSignOff

    customer, plant, _ = gas
    users["utility"].profile.customer = customer
    users["utility"].profile.save()
    call(plant, rome(2026, 3, 10, 9, 0), answer_s=119)
    call(plant, rome(2026, 3, 10, 9, 5), answer_s=121)
    supervisor = browser("supervisor")
    form = {"customer": customer.pk, "date_from": "2026-03-01", "date_to": "2026-03-31", "group_by": "month"}

    response = supervisor.post(
        reverse("reports:service-levels-sign-off"), {**form, "note": "Filed with ARERA"}
    )

    assert response.status_code == 302
    signed = ServiceLevelSignOff.objects.get()
    assert signed.signed_by == users["supervisor"] and signed.note == "Filed with ARERA"
    assert signed.figures_sha256 == service_levels.figures_digest(signed.figures)
    gas_figures = next(p for p in signed.figures["profiles"] if p["rules"]["service"] == "gas")
    assert gas_figures["total"]["answer_share"] == 50.0
    call(plant, rome(2026, 3, 20, 9, 0), answer_s=10)  # a call logged later changes the page...
    signed.refresh_from_db()
    assert gas_figures == next(p for p in signed.figures["profiles"] if p["rules"]["service"] == "gas")
    with pytest.raises(HistoryImmutableError):
        signed.save()
    with pytest.raises(HistoryImmutableError):
        signed.delete()

    pdf_url = reverse("reports:service-levels-sign-off-pdf", args=[signed.pk])
    for reader in ("supervisor", "utility"):
        pdf = browser(reader).get(pdf_url)
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Gas Co" in text and "Europe/Rome" in text and signed.figures_sha256 in text
    assert "50.0" in text and "answered after 121 s" in text and "Filed with ARERA" in text
    assert "Signed off by" in text
    page = supervisor.get(reverse("reports:service-levels"), form).content.decode()
    assert pdf_url in page


def test_only_supervisors_sign_off_and_others_cannot_read_another_customers_pdf(gas, users, browser):
    from dispatch.models import ServiceLevelSignOff
    from reports import services

    customer, plant, _ = gas
    form = {"customer": customer.pk, "date_from": "2026-03-01", "date_to": "2026-03-31", "group_by": "month"}
    for name in ("operator", "utility", "technician"):
        assert browser(name).post(reverse("reports:service-levels-sign-off"), form).status_code == 403
    assert not ServiceLevelSignOff.objects.exists()
    signed = services.service_levels_sign_off(
        actor=users["supervisor"], customer=customer, date_from=dt.date(2026, 3, 1),
        date_to=dt.date(2026, 3, 31), group_by="month",
    )  # fmt: skip
    pdf_url = reverse("reports:service-levels-sign-off-pdf", args=[signed.pk])
    assert browser("utility_b").get(pdf_url).status_code == 404
    assert browser("utility").get(pdf_url).status_code == 404  # bound to another customer
    assert browser("operator").get(pdf_url).status_code == 403


@pytest.mark.postgres
def test_postgresql_refuses_to_rewrite_a_sign_off(gas, users):
    from django.db import DatabaseError, connection, transaction

    from reports import services

    signed = services.service_levels_sign_off(
        actor=users["supervisor"], customer=gas[0], date_from=dt.date(2026, 3, 1),
        date_to=dt.date(2026, 3, 31), group_by="month",
    )  # fmt: skip
    for statement in (
        "UPDATE dispatch_servicelevelsignoff SET note = 'changed' WHERE id = %s",
        "DELETE FROM dispatch_servicelevelsignoff WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="kept as signed"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, [signed.pk])


@pytest.mark.parametrize("group_by", ["day", "month", "year", "plant", "category"])
def test_computed_a_month_at_a_time_the_figures_are_the_same(gas, group_by):
    from reports.figures import report_data
    from reports.merge import service_level_report_by_months

    customer, plant, plant2 = gas
    for month in (1, 2, 3):
        for i, seconds in enumerate([30, 119, 120, 200]):
            the_call = call(plant if i % 2 else plant2, rome(2026, month, 28, 23, 50 + i), answer_s=seconds)
            if i % 2:
                intervention(the_call, assign_min=10, arrive_min=30 + 20 * i)
    call(plant, rome(2026, 2, 1, 0, 0), call_type="meter_replacement", answer_s=5)
    first, last = dt.date(2026, 1, 15), dt.date(2026, 3, 31)
    seen = []

    whole = service_level_report(customer=customer, date_from=first, date_to=last, group_by=group_by, now=NOW)
    parts = service_level_report_by_months(
        customer=customer, date_from=first, date_to=last, group_by=group_by,
        progress=lambda done, total: seen.append((done, total)),
    )  # fmt: skip

    assert seen == [(1, 3), (2, 3), (3, 3)]
    whole_data, parts_data = report_data(whole), report_data(parts)
    for data in (whole_data, parts_data):
        data.pop("computed_at")
    assert parts_data == whole_data


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_csv_export_lists_every_call_that_missed_beyond_the_pages_200(gas, browser):
    customer, plant, _ = gas
    Call.objects.bulk_create(
        Call(plant=plant, caller_number="+390212345678", call_type="gas_leak",
             received_at=rome(2026, 3, 1, 8, 0).astimezone(dt.UTC) + dt.timedelta(minutes=i),
             answered_at=rome(2026, 3, 1, 8, 0).astimezone(dt.UTC) + dt.timedelta(minutes=i, seconds=130))
        for i in range(230)
    )  # fmt: skip
    query = {"customer": customer.pk, "date_from": "2026-03-01", "date_to": "2026-03-31"}
    client = browser("supervisor")

    page = client.get(reverse("reports:service-levels"), query).content.decode()
    rows = csv_rows(client.get(reverse("reports:service-levels-csv"), query))

    assert "230 calls missed a standard" in page and page.count("answered after 130 s") == 200
    assert ["Calls that missed a standard", "230", "listed", "230"] in rows
    assert sum(1 for row in rows if row and row[-1] == "answered after 130 s") == 230
