"""The report's period: ``date_from``/``date_to`` (the pages and the CSV export) and ``from``/``to``
(the API) are accepted everywhere; a missing, bad or doubly given period is refused naming the
parameter, never replaced by another period."""

import pytest
from django.urls import reverse

from .test_service_levels import call, csv_rows, gas, rome  # noqa: F401  (gas: a fixture)

CSV = "reports:service-levels-csv"
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "period",
    [{"date_from": "2026-03-01", "date_to": "2026-03-31"}, {"from": "2026-03-01", "to": "2026-03-31"}],
    ids=["date_from", "from"],
)
def test_the_csv_export_takes_either_spelling(gas, browser, period):  # noqa: F811
    customer, plant, _ = gas
    call(plant, rome(2026, 3, 10, 9, 0), answer_s=10)
    response = browser("supervisor").get(reverse(CSV), {"customer": customer.pk, **period})
    assert response.status_code == 200
    assert "service-levels-gasco-2026-03-01-2026-03-31.csv" in response["Content-Disposition"]
    assert ["Customer", "Gas Co"] in csv_rows(response)


@pytest.mark.parametrize(
    ("period", "named"),
    [
        ({}, ["date_from", "date_to"]),
        ({"date_from": "2026-03-01"}, ["date_to"]),
        ({"from": "2026-03-01"}, ["date_to"]),
        ({"from": "2026-02-30", "to": "2026-03-31"}, ["from"]),
        ({"date_from": "2026-03-01", "date_to": "yesterday"}, ["date_to"]),
        ({"date_from": "2026-03-01", "from": "2026-04-01", "to": "2026-04-30"}, ["date_from"]),
    ],
)
def test_the_csv_export_refuses_a_missing_or_bad_period_naming_it(gas, browser, period, named):  # noqa: F811
    response = browser("supervisor").get(reverse(CSV), {"customer": gas[0].pk, **period})
    assert response.status_code == 400
    text = response.content.decode()
    assert all(f"{name}:" in text for name in named), text


@pytest.mark.parametrize(
    "period",
    [{"from": "2026-03-01", "to": "2026-03-31"}, {"date_from": "2026-03-01", "date_to": "2026-03-31"}],
    ids=["from", "date_from"],
)
def test_the_api_takes_either_spelling(gas, client_for, period):  # noqa: F811
    response = client_for("supervisor").get("/api/reports/service-levels/", {"customer": gas[0].pk, **period})
    assert response.status_code == 200, response.json()
    assert (response.json()["date_from"], response.json()["date_to"]) == ("2026-03-01", "2026-03-31")


@pytest.mark.parametrize(
    ("period", "named"),
    [
        ({"date_from": "2026-13-01", "date_to": "2026-03-31"}, "date_from"),
        ({"from": "2026-03-01"}, "to"),
        ({"from": "2026-03-01", "to": "2026-03-31", "date_to": "2026-04-30"}, "date_to"),
    ],
)
def test_the_api_names_the_parameter_at_fault(gas, client_for, period, named):  # noqa: F811
    response = client_for("supervisor").get("/api/reports/service-levels/", {"customer": gas[0].pk, **period})
    assert response.status_code == 400 and named in response.json(), response.json()


def test_the_page_says_a_half_given_period_instead_of_showing_another(gas, browser):  # noqa: F811
    response = browser("supervisor").get(
        reverse("reports:service-levels"), {"customer": gas[0].pk, "from": "2026-03-01"}
    )
    html = response.content.decode()
    assert "This field is required." in html and "Pronto intervento gas" not in html
    assert 'value="2026-03-01"' in html  # the day given stays in the form
