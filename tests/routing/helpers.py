"""The phone system's side of the router, for tests: signed requests to route, queue and events."""

from __future__ import annotations

import json
import time
from datetime import datetime

from django.utils import timezone
from rest_framework.test import APIClient

from dispatch.choices import Role
from routing.choices import OperatorState
from routing.models import OperatorProfile
from telephony.signatures import telephony_signature
from tests.factories import UserFactory

SECRET = "test-telephony-secret-0123456789abcdef"


def signed_post(path: str, payload: dict):
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()))
    headers = {
        "HTTP_X_PRONTO_TIMESTAMP": stamp,
        "HTTP_X_PRONTO_SIGNATURE": telephony_signature(secret=SECRET, timestamp=stamp, body=body),
    }
    return APIClient().post(path, body, content_type="application/json", **headers)


def ask(
    call_id: str, *, caller: str = "+390612345001", line: str = "800100", at: datetime | None = None, **extra
):
    moment = at or timezone.now()
    payload = {"call_id": call_id, "caller": caller, "line": line, "timestamp": moment.timestamp(), **extra}
    response = signed_post("/api/telephony/route/", payload)
    assert response.status_code == 200, response.content
    return response.json()


def report(call_id: str, event: str, *, agent: str = "", at: datetime | None = None, **extra):
    moment = at or timezone.now()
    payload = {"call_id": call_id, "event": event, "timestamp": moment.timestamp(), "agent": agent, **extra}
    response = signed_post("/api/telephony/events/", payload)
    assert response.status_code in (200, 201), response.content
    return response.json()


def poll(waiting: list[str]) -> list[str]:
    response = signed_post("/api/telephony/queue/", {"waiting": waiting})
    assert response.status_code == 200, response.content
    return response.json()["resume"]


def operator(
    username: str, *, state: str = OperatorState.AVAILABLE, idle_since=None, role=Role.OPERATOR, **fields
):
    user = UserFactory(username=username, role=role)
    now = timezone.now()
    profile = OperatorProfile.objects.create(
        user=user,
        extension=fields.pop("extension", username),
        sip_uri=fields.pop("sip_uri", f"sip:{username}@127.0.0.1"),
        state=state,
        state_since=now,
        idle_since=idle_since or now,
        **fields,
    )
    return profile
