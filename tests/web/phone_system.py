"""The phone system, as the browser tests play it: events POSTed to the signed webhook through
the live server, as a PBX sends them."""

import json
import time
import urllib.request

from django.utils import timezone

from telephony.signatures import telephony_signature


def phone_system_post(live_server, payload: dict, *, secret: str) -> int:
    """POST one event to the webhook, signed with ``secret``; the answer's status."""
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()))
    request = urllib.request.Request(
        f"{live_server.url}/api/telephony/events/", data=body, method="POST",
        headers={"Content-Type": "application/json", "X-Pronto-Timestamp": stamp,
                 "X-Pronto-Signature": telephony_signature(secret=secret, timestamp=stamp, body=body)},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def ring(
    live_server, *, secret: str, call_id: str, caller: str, agent: str, line: str = "800-900-000"
) -> None:
    """A call rings at ``agent`` now; the webhook must take it (201)."""
    payload = {"call_id": call_id, "event": "ring", "timestamp": timezone.now().isoformat(),
               "caller": caller, "line": line, "agent": agent}  # fmt: skip
    assert phone_system_post(live_server, payload, secret=secret) == 201
