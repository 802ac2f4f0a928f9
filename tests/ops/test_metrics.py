"""``/metrics`` on the web process: refused without the token (or an allowed address), served
with it, and counting what the API did."""

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-token-0123456789"


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(**headers):
    return Client().get("/metrics", **headers)


def calls_logged(text: str, customer: str) -> float:
    labels = (("customer", customer), ("source", "manual"))
    return samples(text).get(("pronto_calls_logged_total", labels), 0.0)


def test_metrics_are_off_without_a_token_or_an_allowlist(db):
    assert scrape().status_code == 404
    assert scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


def test_metrics_refuse_a_missing_or_wrong_token(db, settings):
    settings.PRONTO_METRICS_TOKEN = TOKEN
    assert scrape().status_code == 403
    assert scrape(HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert scrape(HTTP_AUTHORIZATION=f"Token {TOKEN}").status_code == 403


def test_an_allowed_address_scrapes_without_a_token(db, settings):
    settings.PRONTO_METRICS_ALLOWED_IPS = ["10.1.2.0/24"]
    assert scrape(REMOTE_ADDR="10.1.2.9").status_code == 200
    assert scrape(REMOTE_ADDR="10.1.3.9").status_code == 403
    # A forwarded address is anyone's to write: not an allowlist.
    assert scrape(REMOTE_ADDR="10.1.3.9", HTTP_X_FORWARDED_FOR="10.1.2.9").status_code == 403


def test_a_call_logged_through_the_api_shows_in_the_metrics(db, settings, client_for, plant):
    settings.PRONTO_METRICS_TOKEN = TOKEN
    auth = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    before = scrape(**auth)
    assert before.status_code == 200 and before["Content-Type"].startswith("text/plain")
    customer = str(plant.customer_id)
    start = calls_logged(before.content.decode(), customer)
    call = {"caller_number": "051 765 4321", "plant": plant.pk}
    response = client_for("operator").post("/api/calls/", call)
    assert response.status_code == 201, response.content
    after = scrape(**auth).content.decode()
    assert calls_logged(after, customer) == start + 1
    # The scrape-time figures from the database are there too.
    assert ("pronto_outbox_oldest_pending_seconds", ()) in samples(after)


@pytest.mark.parametrize("name", ["pronto_telemetry_received_total", "pronto_notification_accepted_seconds"])
def test_every_process_metric_is_described(db, settings, name):
    settings.PRONTO_METRICS_TOKEN = TOKEN
    text = scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    assert f"# HELP {name.removesuffix('_total')}" in text
