"""The technician's shift from the phone: on and off duty, the position the phone shares (the
latest only, validated), and nobody else may set them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch.models import UserProfile

pytestmark = pytest.mark.django_db


def position(client, *, lat="45.464204", lon="9.189982", at=None, accuracy=12):
    payload = {
        "latitude": lat,
        "longitude": lon,
        "accuracy_m": accuracy,
        "at": (at or timezone.now()).isoformat(),
    }
    return client.post("/api/me/position/", payload, format="json")


def test_the_technician_goes_on_and_off_duty_from_the_api_and_the_phone_page(users, client_for, browser):
    phone = client_for("technician")
    assert phone.get("/api/me/").json()["on_duty"] is False

    assert phone.post("/api/me/duty/", {"on_duty": True}, format="json").json()["on_duty"] is True
    assert UserProfile.objects.get(user=users["technician"]).on_duty

    page = browser("technician")
    listing = page.get(reverse("dispatch:m-list")).content.decode()
    assert "You are on duty." in listing and "Go off duty" in listing and 'id="share-position"' in listing
    assert page.post(reverse("dispatch:m-duty"), {"on_duty": "0"}).status_code == 302
    assert not UserProfile.objects.get(user=users["technician"]).on_duty
    assert "share-position" not in page.get(reverse("dispatch:m-list")).content.decode()


def test_the_latest_position_is_kept_and_an_older_one_sent_late_is_not(users, client_for):
    phone = client_for("technician")
    now = timezone.now()

    first = position(phone, lat="45.4642041234567", at=now - timedelta(seconds=30))
    late = position(phone, lat="44.0", at=now - timedelta(minutes=5))

    assert first.json() == {"recorded": True} and late.json() == {"recorded": False}
    profile = UserProfile.objects.get(user=users["technician"])
    assert profile.latitude == Decimal("45.464204") and profile.position_accuracy_m == 12
    assert profile.position_at == now - timedelta(seconds=30)
    assert phone.get("/api/me/").json()["latitude"] == "45.464204"


@pytest.mark.parametrize(
    "values, field",
    [
        ({"lat": "91"}, "latitude"),
        ({"lon": "-181"}, "longitude"),
        ({"lat": "north"}, "latitude"),
        ({"lat": "NaN"}, "latitude"),
        ({"accuracy": -5}, "accuracy_m"),
        ({"at": "2099-01-01T00:00:00Z"}, "at"),
    ],
)
def test_bad_positions_are_refused_with_the_field(users, client_for, values, field):
    if values.get("at"):
        values = {**values, "at": timezone.now() + timedelta(days=1)}
    response = position(client_for("technician"), **values)
    assert response.status_code == 400 and field in response.json()
    assert not UserProfile.objects.filter(user=users["technician"], position_at__isnull=False).exists()


@pytest.mark.parametrize("name", ["operator", "supervisor", "utility", "norole"])
def test_only_technicians_have_a_shift(users, client_for, browser, name):
    api = client_for(name)
    assert api.get("/api/me/").status_code == 403
    assert api.post("/api/me/duty/", {"on_duty": True}, format="json").status_code == 403
    assert position(api).status_code == 403
    assert browser(name).post(reverse("dispatch:m-duty"), {"on_duty": "1"}).status_code == 403
    assert not UserProfile.objects.filter(on_duty=True).exists()


def test_signed_out_users_are_sent_to_sign_in(client):
    assert client.post(reverse("dispatch:m-duty"), {"on_duty": "1"}).status_code == 302
    assert client.post("/api/me/position/", {}, content_type="application/json").status_code == 401
