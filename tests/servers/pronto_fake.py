"""A stand-in for Pronto's telephony endpoints, for testing the Kamailio cfg on its own.

``FakePronto(secret=...).start()`` serves, on a free loopback port and in threads:

- ``POST /api/telephony/route/``: answers from ``plans[caller]``, one entry per question of the
  same call (the last entry repeats); an entry is a dict (the JSON answer) or a callable
  ``(request_body) -> dict``. An answer ``{"action": "queue", ..., "wait_ms": 800}`` keeps the
  call waiting that long: ``/queue/`` resumes it afterwards (``wait_ms`` is not sent). An
  answer ``{"http_status": 500}`` is sent as that status (a Pronto in trouble). Callers
  without a plan get ``{"action": "reject", "code": 480}``.
- ``POST /api/telephony/queue/``: ``{"resume": [the waiting calls whose wait_ms is over]}``.
- ``POST /api/telephony/events/``: ``{"ok": true}``.

Every request is recorded with its arrival time and whether its signature is right
(``telephony.signatures.telephony_signature`` over the raw body); a request with a wrong or
missing signature is recorded and answered 403, as Pronto would.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from telephony.signatures import telephony_signature
from tests.servers import LOOPBACK

Answer = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class ProntoRequest:
    path: str
    at: float  # time.time() on arrival
    headers: dict[str, str]
    raw: bytes
    body: dict[str, Any]
    answer: dict[str, Any]
    signature_ok: bool

    @property
    def kind(self) -> str:
        """``route``, ``queue`` or ``events``."""
        return self.path.rstrip("/").rsplit("/", 1)[-1]


class FakePronto:
    def __init__(self, *, secret: str, host: str = LOOPBACK) -> None:
        self.secret = secret
        self.host = host
        self.plans: dict[str, list[Answer]] = {}
        self.requests: list[ProntoRequest] = []
        self._asked: dict[str, int] = {}
        self._resume_at: dict[str, float] = {}
        self._lock = threading.Condition()
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- set-up ------------------------------------------------------------------------------

    def plan(self, caller: str, *answers: Answer) -> None:
        """What the route endpoint answers for calls from ``caller``, question by question."""
        with self._lock:
            self.plans[caller] = list(answers)

    def start(self) -> FakePronto:
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802  (http.server's name)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = fake._handle(self.path, dict(self.headers.items()), raw)
                out = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, format, *args) -> None:  # noqa: A002
                pass

        self._server = http.server.ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1})
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://{self.host}:{self._server.server_address[1]}"

    # -- serving -----------------------------------------------------------------------------

    def _handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        at = time.time()
        timestamp = headers.get("X-Pronto-Timestamp", "")
        expected = telephony_signature(secret=self.secret, timestamp=timestamp, body=raw)
        signature_ok = bool(timestamp) and headers.get("X-Pronto-Signature") == expected
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"_unparsable": raw.decode(errors="replace")}
        status, answer = 200, {"ok": True}
        if not signature_ok:
            status, answer = 403, {"detail": "bad signature"}
        elif path.startswith("/api/telephony/route/"):
            answer = self._route(body, at)
            status = answer.pop("http_status", 200)
        elif path.startswith("/api/telephony/queue/"):
            with self._lock:
                due = [c for c in body.get("waiting", []) if at >= self._resume_at.get(c, float("inf"))]
            answer = {"resume": due}
        elif not path.startswith("/api/telephony/events/"):
            status, answer = 404, {"detail": "not found"}
        with self._lock:
            self.requests.append(ProntoRequest(path, at, headers, raw, body, answer, signature_ok))
            self._lock.notify_all()
        return status, answer

    def _route(self, body: dict[str, Any], at: float) -> dict[str, Any]:
        call_id = body.get("call_id", "")
        with self._lock:
            asked = self._asked[call_id] = self._asked.get(call_id, 0) + 1
            plan = self.plans.get(body.get("caller", ""), [{"action": "reject", "code": 480}])
        entry = plan[min(asked, len(plan)) - 1]
        answer = dict(entry(body) if callable(entry) else entry)
        wait_ms = answer.pop("wait_ms", None)
        if answer.get("action") == "queue":
            with self._lock:
                self._resume_at[call_id] = at + (wait_ms if wait_ms is not None else 1000) / 1000
        return answer

    # -- reading -----------------------------------------------------------------------------

    def of(self, kind: str, *, call_id: str | None = None, caller: str | None = None) -> list[ProntoRequest]:
        """Recorded requests of a ``kind`` (route, queue, events), optionally of one call or caller."""
        with self._lock:
            found = [r for r in self.requests if r.kind == kind]
        if call_id is not None:
            found = [r for r in found if r.body.get("call_id") == call_id]
        if caller is not None:
            found = [r for r in found if r.body.get("caller") == caller]
        return found

    def call_ids(self, caller: str) -> list[str]:
        """Call-IDs the route endpoint was asked about for ``caller``, in order of first question."""
        seen: list[str] = []
        for request in self.of("route", caller=caller):
            if request.body["call_id"] not in seen:
                seen.append(request.body["call_id"])
        return seen

    def events(self, call_id: str) -> list[dict[str, Any]]:
        """Event bodies reported for ``call_id``, in arrival order."""
        return [r.body for r in self.of("events", call_id=call_id)]

    def wait_for(self, predicate: Callable[[FakePronto], bool], timeout: float = 5.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                self._lock.release()
                try:
                    done = predicate(self)
                finally:
                    self._lock.acquire()
                if done:
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    bodies = [(r.kind, r.body) for r in self.requests[-10:]]
                    pytest.fail(f"fake Pronto: {what or 'condition'} not met in {timeout} s; last: {bodies}")
                self._lock.wait(min(remaining, 0.1))

    def bad_signatures(self) -> list[ProntoRequest]:
        with self._lock:
            return [r for r in self.requests if not r.signature_ok]
