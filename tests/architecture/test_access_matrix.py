# ruff: noqa: E501  (the matrix reads as a table)
"""THE access matrix: every route of the URL conf, every method it serves, every role.

Rows are keyed by the route's *path pattern*, never by URL name (names and namespaces change
with refactors, paths do not). The normalised form of a pattern is the route strings of the
nested URL conf joined as Django joins them, with

- regex anchors dropped (``^`` at the start and ``$`` at the end of each level's pattern), and
- each named regex group ``(?P<name>...)`` written ``<name>``; path converters stay as written.

So ``path("calls/<int:pk>/status/")`` is ``calls/<int:pk>/status/``, the DRF router's
``^interventions/(?P<pk>[^/.]+)/assign/$`` under ``api/`` is ``api/interventions/<pk>/assign/``
and the admin's app index is ``admin/<app_label>/``. DRF's format-suffix variants
(``api/calls\\.<format>/?``, ``api/<drf_format_suffix:format>``) are grouped under the row of the
route they suffix: every row of such a route also asks its ``.json`` twin (``/api/calls.json``,
``/api/calls/7/history.json``, ``/api/.json``), which must answer exactly as the plain route. ``test_every_route_has_a_row`` fails on a route without
a row and on a row that matches no route; ``test_each_row_reaches_its_route`` checks that the
URL a row requests resolves to the pattern it claims.

Columns: ``operator``, ``technician`` (the intervention under test is assigned to them),
``technician2`` (another technician), ``supervisor``, ``utility`` (customer 1's utility user),
``utility_b`` (customer 2's), ``norole`` (signed in, in no group) and ``anon`` (signed out).
Pages are asked with a session client (``browser``: force_login), ``api/`` routes with a token
client (``client_for``). None of these users is staff.

Codes, as designed:

- 200 / 201 / 204 the request was served; 302 a page's own redirect after a form (never a login
  page); ``To("/path/")`` a redirect to exactly that path;
- ``LOGIN``: a page asked signed out redirects (302) to ``/accounts/login/?next=<the path>``;
  ``ADMIN_LOGIN``: the admin redirects (302) to ``/admin/login/?next=<the path>``;
- 400 a webhook whose token or body does not parse, a wrong password for an API token; 401 the
  API asked without a token;
- 403 the role is refused (checked before the row is fetched: a technician never learns
  whether a call it may not open exists); 404 the row is outside what this user may see
  (another customer's plant, call, intervention, report, sign-off, document for ``utility_b``;
  another technician's intervention for ``technician2``); 405 the route does not serve the
  method (most routes carry a row with a method they do not serve);
- every ``.json`` twin answers exactly as its plain route (they answered 500 on every
  ``@action`` until ``dispatch.api.viewsets`` read the format once for all handlers).
  Behaviour beyond status codes that looks like a leak has its own test at the end.

Every refused request (401/403/404/405, 400, a redirect to a login page) on a non-safe method,
or on a route whose GET writes (webhooks, the plant check), is checked to have changed nothing:
every managed model's row count and the SHA-256 of all its rows are equal before and after.
Django's sessions, API tokens (knox) and failed sign-in counts (axes) are left out of that
snapshot: signing in writes them, not the refused request. No refused request may queue an
on_commit callback either. The other way round, a served non-safe request must have changed the database (so a 302 is the action done,
not a form error shown after a redirect), but for the rows marked ``changes=False``. Each
request runs inside a savepoint rolled back afterwards, so every role meets the same world:
one world per route pattern, built by the ``world`` fixture through the services.

The Django admin is one row group: its index and the calls' changelist for every role, its
login page, and the rule that every other ``admin/`` pattern sits behind the admin's own
``is_staff`` check (``AdminSite.admin_view``), verified by ``test_admin_routes_need_staff``.
HEAD and OPTIONS are not part of the matrix.
"""

import datetime as dt
import functools
import hashlib
import io
import json
import re
import time
import uuid
import wave
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve
from django.utils import timezone
from PIL import Image

from clocks.services import pause_start
from dispatch import services
from dispatch.choices import InterventionStatus as S
from dispatch.models import Call, Intervention, PlantDocument, ServiceLevelProfile
from escalations.models import EscalationChain
from feedback.services import complaint_open
from inbound.backends.base import Fetched, InboundSource
from inbound.services import item_keep, item_process
from incidents.services import incident_declare
from notifications.models import ContactPoint, Notification
from notifications.tokens import status_token
from oncall.services import calendar_feed_renew, rota_save, swap_request
from privacy.services.requests import personal_request_export, personal_request_record
from privacy.services.retention import legal_hold_set
from quality.models import CallRecording
from quality.services import recording_store
from reports import services as report_services
from reviews.models import ReviewCriterion, ReviewItem, ReviewSample
from reviews.services import review_submit
from routing.models import CallerClass, CallRoute
from routing.services.operators import operator_profile_for
from routing.services.routes import route_decide
from shifts.models import LineCoverageMinimum
from shifts.services import shift_save
from teams.models import Team, TeamMembership
from teams.services import team_area_add, team_member_set
from telephony.services import telephony_event_apply
from telephony.signatures import telephony_signature
from tests.dispatch.helpers import call_logged, intervention_in
from tests.factories import UserFactory
from tests.routing.setup_world import routing_setup

ROLES = ("operator", "technician", "technician2", "supervisor", "utility", "utility_b", "norole", "anon")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
REFUSED = (400, 401, 403, 404, 405)

TELEPHONY_SECRET = "matrix-telephony-secret-0123456789abcdef"
SMS_INBOUND_TOKEN = "matrix-sms-inbound-token"
TECHNICIAN_SMS = "+393331234567"
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-01-31", "group_by": "month"}
API_PERIOD = {"from": "2026-01-01", "to": "2026-01-31", "group_by": "month"}
SCRIPT = """[start] Do you smell gas right now?
  - Yes, strongly -> end ; type=gas_leak priority=1
  - No -> end ; type=information priority=4
"""
# A 1x1 PNG, for the photo a technician takes on site (a valid one: photos are verified whole).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082"
)


# ----------------------------------------------------------------------------------------------
# The vocabulary of the table


@dataclass(frozen=True)
class To:
    """A 302 to exactly this path (a template over the world's ids)."""

    path: str


LOGIN = To("login")
ADMIN_LOGIN = To("admin login")


@dataclass(frozen=True, eq=False)
class Row:
    pattern: str
    method: str
    codes: dict
    url: str
    query: dict | None = None
    body: dict | None = None
    state: str | None = None
    label: str = ""
    writes: bool = False  # the route writes even on GET: refused GETs are snapshot-checked too
    changes: bool = True  # a served non-safe request changes the database (False: sign-out, cookies)
    upload: str | None = None  # this body key's text is sent as a file, the body as multipart

    @property
    def api(self) -> bool:
        return self.pattern.startswith("api/")

    @property
    def name(self) -> str:
        return f"{self.method} {self.pattern}" + (f" [{self.label}]" if self.label else "")


def R(
    pattern,
    method,
    *,
    url=None,
    query=None,
    body=None,
    state=None,
    label="",
    writes=False,
    changes=True,
    upload=None,
    **codes,
):
    assert set(codes) == set(ROLES), f"{pattern} {method}: columns {sorted(set(ROLES) ^ set(codes))}"
    return Row(
        pattern=pattern, method=method, codes=codes, url=url or "/" + pattern, query=query, body=body,
        state=state, label=label, writes=writes,
        changes=changes, upload=upload,
    )  # fmt: skip


def every(code) -> dict:
    """The same code for every column (a method nobody is served, a page anyone may read)."""
    return dict.fromkeys(ROLES, code)


# ----------------------------------------------------------------------------------------------
# THE MATRIX. Objects in URLs are customer 1's unless the label says c2; the intervention is
# assigned to ``technician`` and is in state ``assigned`` unless the row names another state.

FORM_PROFILE = {
    "name": "Contract 2027", "answer_target_seconds": "90", "answer_min_percent": "95",
    "arrival_target_minutes": "45", "arrival_min_percent": "92.5",
    "call_types": ["gas_leak", "leak_downstream"], "call_types_apart": ["meter_replacement"],
}  # fmt: skip

PRIVACY_REQUEST = {
    "kind": "access",
    "number": "051 765 4321",
    "requester": "Bruno Bianchi",
    "identity_check": "Passport seen",
}

# Issue 17: a rule of the routing editor's form, a sample call, the API's publish and test bodies.
ROUTING_SAMPLE = {
    "sample-line": "800100",
    "sample-date": "2026-12-09",
    "sample-time": "22:00",
    "sample-number": "0612345678",
}
ROUTING_RULE_FORM = {
    "base": "1",
    "name": "Gas line, business hours",
    "line": "{gas_line}",
    "weekdays": ["0", "1", "2", "3", "4"],
    "time_from": "08:00",
    "time_to": "19:00",
    "holidays": "working",
    "action": "queue",
    "queue": "{queue}",
    "priority": "0",
    "note": "Gas desk until 19:00",
    "do": "publish",
    **ROUTING_SAMPLE,
}
ROUTING_PUBLISH = {
    "note": "Gas desk only",
    "rules": [{"name": "Gas line", "line": "{gas_line}", "queue": "{queue}", "weekdays": [0, 1, 2, 3, 4]}],
}
ROUTING_TEST = {"line": "800100", "at": "2026-12-09T22:00:00+01:00", "number": "0612345678"}
# Issue 17: the routing catalogue's writes over the API (supervisors): a new row of each kind, a change to one.
ROUTING_CATALOGUE_NEW = {
    "caller-classes": {"code": "platinum", "name": "Platinum", "rank": 2},
    "caller-class-rules": {"caller_class": "{caller_class}", "kind": "prefix", "prefix": "+3902", "note": "Milan"},
    "skills": {"kind": "language", "code": "de", "name": "German"},
    "teams": {"code": "south", "name": "South", "region": "Campania"},
    "lines": {"number": "800300", "name": "Water", "customer": "{customer}", "fallback_uri": "+390200100"},
    "queues": {"code": "water", "name": "Water", "skills": ["{skill}"], "overflow_queue": "{queue}", "overflow_after_seconds": 60},
    "operators": {"user": "{supervisor_id}", "extension": "299"},
}  # fmt: skip
ROUTING_CATALOGUE_CHANGE = {
    "caller-classes": {"name": "Gold+"},
    "caller-class-rules": {"note": "Mayor's office, new number"},
    "skills": {"name": "Gas and heating"},
    "teams": {"region": "Lombardy"},
    "lines": {"name": "Gas (24 h)"},
    "queues": {"offer_timeout_seconds": 25},
    "operators": {"extension": "201", "wrap_up_seconds": 45},
}  # fmt: skip

MATRIX = [
    # --- Django admin (see test_admin_routes_need_staff for every other admin/ pattern) ------------------------------------------------------------------------------
    R("admin/", "GET", **every(ADMIN_LOGIN)),
    R("admin/dispatch/call/", "GET", **every(ADMIN_LOGIN)),
    R("admin/login/", "GET", **every(200)),
    # --- signing in and out, language -----------------------------------------------------------------------------------------------------------------------------------
    R("accounts/login/", "GET", **every(200)),
    R("accounts/login/", "POST", label="own password; anon: a wrong one", body={"username": "{username}", "password": "{password}"},
      operator=To("/"), technician=To("/"), technician2=To("/"), supervisor=To("/"), utility=To("/"), utility_b=To("/"), norole=To("/"), anon=200),
    R("accounts/logout/", "POST", changes=False, **every(To("/accounts/login/"))),
    R("accounts/logout/", "GET", **every(405)),
    R("i18n/setlang/", "POST", changes=False, body={"language": "it", "next": "/calls/"}, **every(To("/calls/"))),
    R("i18n/setlang/", "GET", query={"next": "/calls/"}, **every(To("/calls/"))),
    # Issue 22: load balancers ask /healthz and /readyz without credentials (AllowAny: figures, no
    # personal data); /readyz is 503 here, no MQTT listener has a heartbeat in this world. /metrics
    # is off (404) without PRONTO_METRICS_TOKEN or an allowlist: tests/ops/ scrape it with them.
    R("healthz", "GET", **every(200)),
    R("healthz", "POST", **every(405)),
    R("readyz", "GET", **every(503)),
    R("readyz", "POST", **every(405)),
    R("metrics", "GET", **every(404)),
    R("metrics", "POST", **every(404)),
    # --- pages (session client) -----------------------------------------------------------------------------------------------------------------------------------------
    R("", "GET",
      operator=To("/board/"), technician=To("/m/"), technician2=To("/m/"), supervisor=To("/board/"), utility=To("/reports/service-levels/"), utility_b=To("/reports/service-levels/"), norole=403, anon=LOGIN),
    R("", "POST", **every(405)),
    R("board/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("board/", "POST", body={"priority": ["1"]},
      operator=To("/board/"), technician=403, technician2=403, supervisor=To("/board/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("board/rows/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("board/rows/", "POST", **every(405)),
    R("desk/", "GET", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("desk/", "POST", **every(405)),
    # --- the staff's alert banner and its sound (issue 16); dismissing writes the session only -----------------------------------------------------------------------
    R("alerts/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("alerts/", "POST", **every(405)),
    R("alerts/acknowledge/", "POST", body={"upto": "{intervention}", "next": "/calls/"}, changes=False,
      operator=To("/calls/"), technician=403, technician2=403, supervisor=To("/calls/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("alerts/acknowledge/", "GET", **every(405)),
    R("alerts/sound/", "POST", body={"muted": "1", "next": "/calls/"},
      operator=To("/calls/"), technician=403, technician2=403, supervisor=To("/calls/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("alerts/sound/", "GET", **every(405)),
    # Issue 17: live routing pages: the wallboard and its refresh, the console strip and its state buttons, abandoned calls and their "call back"
    R("wallboard/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("wallboard/", "POST", **every(405)),
    R("wallboard/live/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("wallboard/live/", "POST", **every(405)),
    R("console/strip/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("console/strip/", "POST", **every(405)),
    R("console/state/", "POST", body={"state": "available"},
      operator=To("/board/"), technician=403, technician2=403, supervisor=To("/board/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("console/state/", "GET", **every(405)),
    R("abandoned/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("abandoned/", "GET", query={"day": "not-a-day"}, label="a day that is not one",
      operator=400, technician=403, technician2=403, supervisor=400, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("abandoned/", "POST", **every(405)),
    R("abandoned/<int:pk>/callback/", "POST", url="/abandoned/{abandoned}/callback/",
      operator=To("/abandoned/"), technician=403, technician2=403, supervisor=To("/abandoned/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("abandoned/<int:pk>/callback/", "GET", url="/abandoned/{abandoned}/callback/", **every(405)),
    # Issue 20: the fax inbox (operators, supervisors) and the inbound failures (supervisors).
    R("inbound/faxes/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("inbound/faxes/", "POST", **every(405)),
    R("inbound/faxes/<int:pk>/file/", "POST", url="/inbound/faxes/{received_fax}/file/", body={"target": "p:{plant}"},
      operator=To("/inbound/faxes/"), technician=403, technician2=403, supervisor=To("/inbound/faxes/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("inbound/faxes/<int:pk>/file/", "GET", url="/inbound/faxes/{received_fax}/file/", **every(405)),
    R("inbound/faxes/<int:pk>/pdf/", "GET", url="/inbound/faxes/{received_fax}/pdf/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("inbound/faxes/<int:pk>/pdf/", "POST", url="/inbound/faxes/{received_fax}/pdf/", **every(405)),
    R("inbound/failures/", "GET", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("inbound/failures/", "POST", **every(405)),
    R("inbound/failures/<int:pk>/raw/", "GET", url="/inbound/failures/{inbound_failed}/raw/", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("inbound/failures/<int:pk>/raw/", "POST", url="/inbound/failures/{inbound_failed}/raw/", **every(405)),
    R("inbound/failures/<int:pk>/retry/", "POST", url="/inbound/failures/{inbound_failed}/retry/",
      operator=403, technician=403, technician2=403, supervisor=To("/inbound/failures/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("inbound/failures/<int:pk>/retry/", "GET", url="/inbound/failures/{inbound_failed}/retry/", **every(405)),
    R("inbound/failures/<int:pk>/dismiss/", "POST", url="/inbound/failures/{inbound_failed}/dismiss/",
      operator=403, technician=403, technician2=403, supervisor=To("/inbound/failures/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("inbound/failures/<int:pk>/dismiss/", "GET", url="/inbound/failures/{inbound_failed}/dismiss/", **every(405)),
    # Issue 21: the quality group's reviews (supervisors: the month's samples, the scorecard, scoring
    # a sampled call, which is an access-log entry); an operator's own reviews, acknowledged by them.
    # No call of the world falls in the month drawn: the draw answers and changes nothing.
    R("reviews/", "GET", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reviews/", "POST", body={"month": "2026-10", "size": "10"}, changes=False,
      operator=403, technician=403, technician2=403, supervisor=To("/reviews/?month=2026-10"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reviews/criteria/", "GET", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reviews/criteria/", "POST", body={"name": "Callback promised and made", "weight": "2", "position": "5", "active": "on"},
      operator=403, technician=403, technician2=403, supervisor=To("/reviews/criteria/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reviews/criteria/<int:pk>/", "GET", url="/reviews/criteria/{criterion}/", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reviews/criteria/<int:pk>/", "POST", url="/reviews/criteria/{criterion}/", body={"name": "Greeting", "weight": "3", "position": "1", "active": "on"},
      operator=403, technician=403, technician2=403, supervisor=To("/reviews/criteria/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reviews/samples/<int:pk>/", "GET", url="/reviews/samples/{review_sample}/", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reviews/samples/<int:pk>/", "POST", url="/reviews/samples/{review_sample}/", **every(405)),
    R("reviews/items/<int:pk>/", "GET", url="/reviews/items/{review_item}/", writes=True, operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reviews/items/<int:pk>/", "POST", url="/reviews/items/{review_item}/", body={"points_{criterion}": "3", "comment": "Calm, the plant found at once."},
      operator=403, technician=403, technician2=403, supervisor=To("/reviews/samples/{review_sample}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reviews/mine/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reviews/mine/", "POST", **every(405)),
    R("reviews/mine/<int:pk>/acknowledge/", "POST", url="/reviews/mine/{review}/acknowledge/", body={"comment": "Understood"},
      operator=To("/reviews/mine/"), technician=403, technician2=403, supervisor=404, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reviews/mine/<int:pk>/acknowledge/", "GET", url="/reviews/mine/{review}/acknowledge/", **every(405)),
    # Issue 21: complaints and the caller-satisfaction report (supervisors).
    R("complaints/", "GET", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("complaints/", "POST", **every(405)),
    R("complaints/<int:pk>/handle/", "POST", url="/complaints/{complaint}/handle/", body={"notes": "Called back, apologised."},
      operator=403, technician=403, technician2=403, supervisor=To("/complaints/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("complaints/<int:pk>/handle/", "GET", url="/complaints/{complaint}/handle/", **every(405)),
    R("reports/satisfaction/", "GET", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reports/satisfaction/", "GET", query={"month": "not-a-month"}, label="bad month", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reports/satisfaction/", "POST", **every(405)),
    # Issue 21: a call's recordings panel (staff), its audio (PRONTO_RECORDING_LISTEN_ROLES: supervisors by
    # default; each listen is logged, so the GET writes), the evidence pack's search and download (supervisors).
    R("quality/calls/<int:pk>/recordings/", "GET", url="/quality/calls/{call}/recordings/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("quality/calls/<int:pk>/recordings/", "GET", url="/quality/calls/{call2}/recordings/", label="c2", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("quality/calls/<int:pk>/recordings/", "POST", url="/quality/calls/{call}/recordings/", **every(405)),
    R("quality/recordings/<int:pk>/audio/", "GET", url="/quality/recordings/{recording}/audio/", writes=True, operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("quality/recordings/<int:pk>/audio/", "POST", url="/quality/recordings/{recording}/audio/", **every(405)),
    R("quality/evidence/", "GET", query={"start": "2026-01-01T00:00", "end": "2099-01-01T00:00", "number": "347 123 4567"}, operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("quality/evidence/", "POST", **every(405)),
    R("quality/evidence/calls/<int:pk>/", "GET", url="/quality/evidence/calls/{call}/", writes=True, operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("quality/evidence/calls/<int:pk>/", "POST", url="/quality/evidence/calls/{call}/", **every(405)),
    R("outbox/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("outbox/", "POST", **every(405)),
    # Issue 20: the messages an operator writes (the intervention page's panel, the compose form, the plant's messages page)
    R("interventions/<int:pk>/messages/", "GET", url="/interventions/{intervention}/messages/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("interventions/<int:pk>/messages/", "POST", url="/interventions/{intervention}/messages/", **every(405)),
    R("interventions/<int:pk>/messages/new/", "GET", url="/interventions/{intervention}/messages/new/", query={"channel": "sms", "to": "technician-{technician}"},
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("interventions/<int:pk>/messages/new/", "GET", url="/interventions/{intervention}/messages/new/", query={"channel": "sms", "to": "technician-999999"}, label="no such technician",
      operator=404, technician=403, technician2=403, supervisor=404, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("interventions/<int:pk>/messages/new/", "POST", url="/interventions/{intervention}/messages/new/", body={"channel": "sms", "to": "technician-{technician}", "text": "Ring the caller at the gate."},
      operator=To("/interventions/{intervention}/"), technician=403, technician2=403, supervisor=To("/interventions/{intervention}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("interventions/<int:pk>/messages/new/", "DELETE", url="/interventions/{intervention}/messages/new/", **every(405)),
    R("plants/<int:pk>/messages/", "GET", url="/plants/{plant}/messages/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("plants/<int:pk>/messages/", "POST", url="/plants/{plant}/messages/", **every(405)),
    R("plants/<int:pk>/messages/new/", "GET", url="/plants/{plant}/messages/new/", query={"channel": "sms", "to": "technician-{technician}"},
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("plants/<int:pk>/messages/new/", "POST", url="/plants/{plant}/messages/new/", body={"channel": "sms", "to": "technician-{technician}", "text": "Cabin check at 10."},
      operator=To("/plants/{plant}/messages/"), technician=403, technician2=403, supervisor=To("/plants/{plant}/messages/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("plants/<int:pk>/messages/new/", "DELETE", url="/plants/{plant}/messages/new/", **every(405)),
    # the technicians' contact points, kept by the supervisors
    R("contact-points/", "GET", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("contact-points/", "POST", **every(405)),
    R("contact-points/<int:user_id>/", "GET", url="/contact-points/{technician}/", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("contact-points/<int:user_id>/", "POST", url="/contact-points/{technician}/", body={"channel": "email", "address": "tech@example.net", "position": "1"},
      operator=403, technician=403, technician2=403, supervisor=To("/contact-points/{technician}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("contact-points/<int:user_id>/", "DELETE", url="/contact-points/{technician}/", **every(405)),
    R("contact-points/<int:user_id>/<int:pk>/", "GET", url="/contact-points/{technician}/{contact_point}/", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("contact-points/<int:user_id>/<int:pk>/", "POST", url="/contact-points/{technician}/{contact_point}/", body={"channel": "sms", "address": "+393331234568", "position": "0", "active": "on"},
      operator=403, technician=403, technician2=403, supervisor=To("/contact-points/{technician}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("contact-points/<int:user_id>/<int:pk>/", "GET", url="/contact-points/{technician2_id}/{contact_point}/", label="another technician's point", operator=403, technician=403, technician2=403, supervisor=404, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("contact-points/<int:user_id>/<int:pk>/", "DELETE", url="/contact-points/{technician}/{contact_point}/", **every(405)),
    R("contact-points/<int:user_id>/<int:pk>/active/", "POST", url="/contact-points/{technician}/{contact_point}/active/", body={"active": "0"},
      operator=403, technician=403, technician2=403, supervisor=To("/contact-points/{technician}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("contact-points/<int:user_id>/<int:pk>/active/", "GET", url="/contact-points/{technician}/{contact_point}/active/", **every(405)),
    R("contact-points/<int:user_id>/language/", "POST", url="/contact-points/{technician}/language/", body={"language": "en"},
      operator=403, technician=403, technician2=403, supervisor=To("/contact-points/{technician}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("contact-points/<int:user_id>/language/", "POST", url="/contact-points/{technician}/language/", body={"language": "xx"}, label="a language the centre does not offer",
      operator=403, technician=403, technician2=403, supervisor=400, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("contact-points/<int:user_id>/language/", "GET", url="/contact-points/{technician}/language/", **every(405)),
    # the technician's phone pages
    R("m/", "GET", operator=403, technician=200, technician2=200, supervisor=403, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("m/", "POST", **every(405)),
    R("m/interventions/<int:pk>/", "GET", url="/m/interventions/{intervention}/", label="non-technicians are sent to the desktop page",
      operator=To("/interventions/{intervention}/"), technician=200, technician2=404, supervisor=To("/interventions/{intervention}/"), utility=To("/interventions/{intervention}/"), utility_b=To("/interventions/{intervention}/"), norole=403, anon=LOGIN),
    R("m/interventions/<int:pk>/", "POST", url="/m/interventions/{intervention}/", **every(405)),
    R("m/duty/", "POST", body={"on_duty": "1"}, operator=403, technician=To("/m/"), technician2=To("/m/"), supervisor=403, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("m/duty/", "GET", **every(405)),
    R("m/sw.js", "GET", **every(200)),
    R("m/sw.js", "POST", **every(405)),
    R("m/manifest.webmanifest", "GET", **every(200)),
    R("m/manifest.webmanifest", "POST", **every(405)),
    # calls
    R("calls/", "GET", operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=200, norole=403, anon=LOGIN),
    R("calls/", "POST", body={"caller_number": "02 1234 5678", "call_type": "gas_leak"},
      operator=302, technician=403, technician2=403, supervisor=302, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("calls/", "DELETE", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=403, anon=LOGIN),
    R("calls/<int:pk>/", "GET", url="/calls/{call}/", writes=True, operator=200, technician=200, technician2=404, supervisor=200, utility=200, utility_b=404, norole=403, anon=LOGIN),
    R("calls/<int:pk>/", "GET", url="/calls/{call2}/", writes=True, label="c2", operator=200, technician=200, technician2=404, supervisor=200, utility=404, utility_b=200, norole=403, anon=LOGIN),
    R("calls/<int:pk>/", "POST", url="/calls/{call}/", **every(405)),
    R("calls/<int:pk>/status/", "GET", url="/calls/{call}/status/", operator=200, technician=200, technician2=404, supervisor=200, utility=200, utility_b=404, norole=403, anon=LOGIN),
    R("calls/<int:pk>/status/", "POST", url="/calls/{call}/status/", **every(405)),
    R("calls/<int:pk>/script/", "GET", url="/calls/{call}/script/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("calls/<int:pk>/script/", "POST", url="/calls/{call}/script/", body={"step": "start", "answer": "0"},
      operator=To("/calls/{call}/"), technician=403, technician2=403, supervisor=To("/calls/{call}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("calls/<int:pk>/script/", "DELETE", url="/calls/{call}/script/", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("calls/<int:pk>/script/apply/", "POST", url="/calls/{call}/script/apply/",
      operator=To("/calls/{call}/"), technician=403, technician2=403, supervisor=To("/calls/{call}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("calls/<int:pk>/script/apply/", "GET", url="/calls/{call}/script/apply/", **every(405)),
    R("calls/<int:pk>/intervention/", "POST", url="/calls/{call}/intervention/", body={"summary": "Gas smell in the stairwell", "priority": "2", "technician": "{technician}"},
      operator=302, technician=403, technician2=403, supervisor=302, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("calls/<int:pk>/intervention/", "GET", url="/calls/{call}/intervention/", **every(405)),
    R("calls/<int:pk>/plant/", "POST", url="/calls/{call}/plant/", body={"plant_code": "P2"},
      operator=To("/calls/{call}/"), technician=403, technician2=403, supervisor=To("/calls/{call}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("calls/<int:pk>/plant/", "GET", url="/calls/{call}/plant/", **every(405)),
    # a test call (issue 21): supervisors only, once the call has ended (this one has)
    R("calls/<int:pk>/test-call/", "POST", url="/calls/{ended_call}/test-call/", body={"is_test": "1"},
      operator=403, technician=403, technician2=403, supervisor=To("/calls/{ended_call}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("calls/<int:pk>/test-call/", "GET", url="/calls/{call}/test-call/", **every(405)),
    # the call screen's plant type-ahead (issue 16): staff only; a query past 100 characters is a 400
    R("calls/<int:pk>/plants/", "GET", url="/calls/{call}/plants/", query={"q": "P"},
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("calls/<int:pk>/plants/", "GET", url="/calls/{call}/plants/", query={"q": "x" * 101}, label="query too long",
      operator=400, technician=403, technician2=403, supervisor=400, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("calls/<int:pk>/plants/", "POST", url="/calls/{call}/plants/", **every(405)),
    R("calls/<int:pk>/plant-check/", "POST", url="/calls/{call}/plant-check/",
      operator=To("/calls/{call}/"), technician=403, technician2=403, supervisor=To("/calls/{call}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("calls/<int:pk>/plant-check/", "GET", url="/calls/{call}/plant-check/", **every(405)),
    R("calls/<int:pk>/callback/", "POST", url="/calls/{call}/callback/", body={"due_at": "{in_two_hours}", "note": "Call back after the check"},
      operator=To("/calls/{call}/"), technician=403, technician2=403, supervisor=To("/calls/{call}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("calls/<int:pk>/callback/", "GET", url="/calls/{call}/callback/", **every(405)),
    # call scripts
    R("scripts/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("scripts/", "POST", **every(405)),
    R("scripts/<slug:call_type>/edit/", "GET", url="/scripts/gas_leak/edit/", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("scripts/<slug:call_type>/edit/", "POST", url="/scripts/gas_leak/edit/", body={"name": "Gas leak, v2", "source": SCRIPT},
      operator=403, technician=403, technician2=403, supervisor=To("/scripts/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("scripts/<slug:call_type>/edit/", "DELETE", url="/scripts/gas_leak/edit/", operator=403, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=LOGIN),
    # callbacks
    R("callbacks/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("callbacks/", "POST", body={"callback": "{callback}", "outcome": "Called back: all clear"},
      operator=To("/callbacks/"), technician=403, technician2=403, supervisor=To("/callbacks/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    # The view answers every method but POST as a GET (calls/, scripts/…/edit/ say 405): nothing is changed, the list is shown.
    R("callbacks/", "DELETE", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("callbacks/due/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("callbacks/due/", "POST", **every(405)),
    # plant documents and photos
    R("plants/<int:plant_pk>/documents/<int:pk>/", "GET", url="/plants/{plant}/documents/{document}/", label="PDF",
      operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=404, norole=403, anon=LOGIN),
    # Faxes and photos belong to their intervention: staff and its technicians (ever assigned);
    # its utility sees the photos, not the faxes (orders addressed to a technician's fax number).
    R("plants/<int:plant_pk>/documents/<int:pk>/", "GET", url="/plants/{plant}/documents/{photo}/", writes=True, label="photo from the intervention",
      operator=200, technician=200, technician2=404, supervisor=200, utility=200, utility_b=404, norole=403, anon=LOGIN),
    R("plants/<int:plant_pk>/documents/<int:pk>/", "GET", url="/plants/{plant}/documents/{fax}/", writes=True, label="fax sent for the intervention",
      operator=200, technician=200, technician2=404, supervisor=200, utility=404, utility_b=404, norole=403, anon=LOGIN),
    R("plants/<int:plant_pk>/documents/<int:pk>/", "GET", url="/plants/{plant2}/documents/{document}/", label="c1's PDF under c2's plant",
      operator=404, technician=404, technician2=404, supervisor=404, utility=404, utility_b=404, norole=403, anon=LOGIN),
    R("plants/<int:plant_pk>/documents/<int:pk>/", "POST", url="/plants/{plant}/documents/{document}/", **every(405)),
    # interventions
    R("interventions/", "GET", operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=200, norole=403, anon=LOGIN),
    R("interventions/", "POST", **every(405)),
    R("interventions/<int:pk>/", "GET", url="/interventions/{intervention}/", writes=True, operator=200, technician=200, technician2=404, supervisor=200, utility=200, utility_b=404, norole=403, anon=LOGIN),
    R("interventions/<int:pk>/", "GET", url="/interventions/{intervention2}/", writes=True, label="c2", operator=200, technician=200, technician2=404, supervisor=200, utility=404, utility_b=200, norole=403, anon=LOGIN),
    R("interventions/<int:pk>/", "POST", url="/interventions/{intervention}/", **every(405)),
    R("interventions/<int:pk>/notifications/", "GET", url="/interventions/{intervention}/notifications/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("interventions/<int:pk>/notifications/", "POST", url="/interventions/{intervention}/notifications/", **every(405)),
    R("interventions/<int:pk>/<slug:action>/", "POST", url="/interventions/{intervention}/assign/", label="assign", body={"technician": "{technician2_id}"},
      operator=To("/interventions/{intervention}/"), technician=403, technician2=404, supervisor=To("/interventions/{intervention}/"), utility=403, utility_b=404, norole=403, anon=LOGIN),
    R("interventions/<int:pk>/<slug:action>/", "POST", url="/interventions/{intervention}/acknowledge/", label="acknowledge",
      operator=403, technician=To("/interventions/{intervention}/"), technician2=404, supervisor=403, utility=403, utility_b=404, norole=403, anon=LOGIN),
    R("interventions/<int:pk>/<slug:action>/", "POST", url="/interventions/{intervention}/arrive/", label="arrive", state=S.ACKNOWLEDGED,
      operator=403, technician=To("/interventions/{intervention}/"), technician2=404, supervisor=403, utility=403, utility_b=404, norole=403, anon=LOGIN),
    R("interventions/<int:pk>/<slug:action>/", "POST", url="/interventions/{intervention}/complete/", label="complete", state=S.ON_SITE, body={"closing_reason": "Fitting tightened"},
      operator=403, technician=To("/interventions/{intervention}/"), technician2=404, supervisor=403, utility=403, utility_b=404, norole=403, anon=LOGIN),
    R("interventions/<int:pk>/<slug:action>/", "POST", url="/interventions/{intervention}/close/", label="close", state=S.COMPLETED,
      operator=403, technician=403, technician2=404, supervisor=To("/interventions/{intervention}/"), utility=403, utility_b=404, norole=403, anon=LOGIN),
    R("interventions/<int:pk>/<slug:action>/", "POST", url="/interventions/{intervention}/cancel/", label="cancel", body={"reason": "Duplicate"},
      operator=403, technician=403, technician2=404, supervisor=To("/interventions/{intervention}/"), utility=403, utility_b=404, norole=403, anon=LOGIN),
    R("interventions/<int:pk>/<slug:action>/", "POST", url="/interventions/{intervention}/explode/", label="no such action",
      operator=403, technician=403, technician2=403, supervisor=403, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("interventions/<int:pk>/<slug:action>/", "GET", url="/interventions/{intervention}/close/", label="close", **every(405)),
    # requests from people and the access log (docs/privacy.md); reading an export or the log writes the log
    R("privacy/requests/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("privacy/requests/", "POST", body=PRIVACY_REQUEST,
      operator=302, technician=403, technician2=403, supervisor=302, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("privacy/requests/", "DELETE", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("privacy/requests/<int:pk>/", "GET", url="/privacy/requests/{privacy_request}/",
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("privacy/requests/<int:pk>/", "POST", url="/privacy/requests/{privacy_request}/", **every(405)),
    R("privacy/requests/<int:pk>/answer/", "POST", url="/privacy/requests/{privacy_request}/answer/", label="access: the export prepared",
      operator=To("/privacy/requests/{privacy_request}/"), technician=403, technician2=403, supervisor=To("/privacy/requests/{privacy_request}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("privacy/requests/<int:pk>/answer/", "GET", url="/privacy/requests/{privacy_request}/answer/", **every(405)),
    R("privacy/requests/<int:pk>/export.<str:fmt>", "GET", url="/privacy/requests/{privacy_answered}/export.json", label="json", writes=True,
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("privacy/requests/<int:pk>/export.<str:fmt>", "GET", url="/privacy/requests/{privacy_answered}/export.pdf", label="pdf", writes=True,
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("privacy/requests/<int:pk>/export.<str:fmt>", "GET", url="/privacy/requests/{privacy_request}/export.json", label="not answered yet", writes=True,
      operator=404, technician=403, technician2=403, supervisor=404, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("privacy/requests/<int:pk>/export.<str:fmt>", "POST", url="/privacy/requests/{privacy_answered}/export.json", **every(405)),
    R("privacy/access-log/", "GET", query={"number": "02 1234 5678", "reason": "Complaint 7"}, writes=True,
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("privacy/access-log/", "POST", **every(405)),
    # service-level reports
    R("reports/service-levels/", "GET", query={"customer": "{customer}", **PERIOD},
      operator=403, technician=403, technician2=403, supervisor=200, utility=200, utility_b=404, norole=403, anon=LOGIN),
    R("reports/service-levels/", "GET", label="no customer asked: one's own", operator=403, technician=403, technician2=403, supervisor=200, utility=200, utility_b=200, norole=403, anon=LOGIN),
    R("reports/service-levels/", "POST", **every(405)),
    R("reports/service-levels.csv", "GET", query={"customer": "{customer}", **PERIOD},
      operator=403, technician=403, technician2=403, supervisor=200, utility=200, utility_b=404, norole=403, anon=LOGIN),
    R("reports/service-levels.csv", "POST", **every(405)),
    R("reports/service-levels/sign-off/", "POST", body={"customer": "{customer}", **PERIOD, "note": "Filed"},
      operator=403, technician=403, technician2=403, supervisor=302, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reports/service-levels/sign-off/", "GET", **every(405)),
    R("reports/sign-offs/<int:pk>.pdf", "GET", url="/reports/sign-offs/{signoff}.pdf",
      operator=403, technician=403, technician2=403, supervisor=200, utility=200, utility_b=404, norole=403, anon=LOGIN),
    R("reports/sign-offs/<int:pk>.pdf", "GET", url="/reports/sign-offs/{signoff2}.pdf", label="c2",
      operator=403, technician=403, technician2=403, supervisor=200, utility=404, utility_b=200, norole=403, anon=LOGIN),
    R("reports/sign-offs/<int:pk>.pdf", "POST", url="/reports/sign-offs/{signoff}.pdf", **every(405)),
    R("reports/runs/", "POST", body={"customer": "{customer}", **PERIOD},
      operator=403, technician=403, technician2=403, supervisor=302, utility=302, utility_b=404, norole=403, anon=LOGIN),
    R("reports/runs/", "GET", **every(405)),
    R("reports/runs/<int:pk>/", "GET", url="/reports/runs/{run}/",
      operator=403, technician=403, technician2=403, supervisor=200, utility=200, utility_b=404, norole=403, anon=LOGIN),
    R("reports/runs/<int:pk>/", "GET", url="/reports/runs/{run2}/", label="c2",
      operator=403, technician=403, technician2=403, supervisor=200, utility=404, utility_b=200, norole=403, anon=LOGIN),
    R("reports/runs/<int:pk>/", "POST", url="/reports/runs/{run}/", **every(405)),
    R("reports/runs/<int:pk>/report.<str:fmt>", "GET", url="/reports/runs/{run}/report.csv", label="csv",
      operator=403, technician=403, technician2=403, supervisor=200, utility=200, utility_b=404, norole=403, anon=LOGIN),
    R("reports/runs/<int:pk>/report.<str:fmt>", "GET", url="/reports/runs/{run}/report.pdf", label="pdf",
      operator=403, technician=403, technician2=403, supervisor=200, utility=200, utility_b=404, norole=403, anon=LOGIN),
    R("reports/runs/<int:pk>/report.<str:fmt>", "POST", url="/reports/runs/{run}/report.pdf", **every(405)),
    R("reports/standards/", "GET", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reports/standards/", "POST", **every(405)),
    R("reports/standards/new/", "POST", body={"customer": "{customer2}", "service": "gas"},
      operator=403, technician=403, technician2=403, supervisor=302, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reports/standards/new/", "GET", **every(405)),
    R("reports/standards/<int:pk>/", "GET", url="/reports/standards/{profile}/", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reports/standards/<int:pk>/", "POST", url="/reports/standards/{profile}/", body=FORM_PROFILE,
      operator=403, technician=403, technician2=403, supervisor=To("/reports/standards/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("reports/standards/<int:pk>/", "DELETE", url="/reports/standards/{profile}/", **every(405)),
    # retention of personal data: supervisors only
    R("privacy/retention/", "GET", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("privacy/retention/", "POST", **every(405)),
    R("privacy/retention/policies/", "POST", body={"kind": "note", "customer": "{customer}", "days": "400"},
      operator=403, technician=403, technician2=403, supervisor=To("/privacy/retention/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("privacy/retention/policies/", "GET", **every(405)),
    R("privacy/holds/", "POST", body={"what": "call", "ref": "{call}", "reason": "Claim", "until": "2099-12-31"},
      operator=403, technician=403, technician2=403, supervisor=To("/privacy/retention/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("privacy/holds/", "GET", **every(405)),
    R("privacy/holds/<int:pk>/release/", "POST", url="/privacy/holds/{hold}/release/",
      operator=403, technician=403, technician2=403, supervisor=To("/privacy/retention/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("privacy/holds/<int:pk>/release/", "GET", url="/privacy/holds/{hold}/release/", **every(405)),
    # Issue 17: routing setup. Operators read the rules and try them on a sample call; supervisors edit them (each save
    # publishes a version) and keep the catalogue (classes, class rules, skills, teams, lines, queues, operators' profiles).
    R("routing/rules/", "GET", query=ROUTING_SAMPLE, operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/rules/", "POST", **every(405)),
    # Issue 18: a case's service-level panel (on its page, for whoever may see the case), its forms
    # (staff, back to the case's page), and the late clocks on the desk (staff).
    R("clocks/cases/<int:pk>/panel/", "GET", url="/clocks/cases/{intervention}/panel/", operator=200, technician=200, technician2=404, supervisor=200, utility=200, utility_b=404, norole=403, anon=LOGIN),
    R("clocks/cases/<int:pk>/panel/", "GET", url="/clocks/cases/{intervention2}/panel/", label="c2", operator=200, technician=200, technician2=404, supervisor=200, utility=404, utility_b=200, norole=403, anon=LOGIN),
    R("clocks/cases/<int:pk>/panel/", "POST", url="/clocks/cases/{intervention}/panel/", **every(405)),
    R("clocks/cases/<int:pk>/type/", "POST", url="/clocks/cases/{intervention}/type/", body={"case_type": "incident", "reach": "2"},
      operator=To("/interventions/{intervention}/#case-clocks"), technician=403, technician2=403, supervisor=To("/interventions/{intervention}/#case-clocks"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("clocks/cases/<int:pk>/type/", "GET", url="/clocks/cases/{intervention}/type/", **every(405)),
    R("clocks/cases/<int:pk>/pause/", "POST", url="/clocks/cases/{intervention}/pause/", body={"reason": "parts", "note": "Valve"},
      operator=To("/interventions/{intervention}/#case-clocks"), technician=403, technician2=403, supervisor=To("/interventions/{intervention}/#case-clocks"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("clocks/cases/<int:pk>/pause/", "GET", url="/clocks/cases/{intervention}/pause/", **every(405)),
    R("clocks/cases/<int:pk>/resume/", "POST", url="/clocks/cases/{intervention2}/resume/", label="c2, paused",
      operator=To("/interventions/{intervention2}/#case-clocks"), technician=403, technician2=403, supervisor=To("/interventions/{intervention2}/#case-clocks"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("clocks/cases/<int:pk>/resume/", "GET", url="/clocks/cases/{intervention2}/resume/", **every(405)),
    R("clocks/late/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("clocks/late/", "POST", **every(405)),
    R("routing/rules/new/", "GET", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/rules/new/", "POST", body=ROUTING_RULE_FORM,
      operator=403, technician=403, technician2=403, supervisor=To("/routing/rules/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/rules/new/", "DELETE", operator=403, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/rules/<int:position>/", "GET", url="/routing/rules/3/", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/rules/<int:position>/", "GET", url="/routing/rules/99/", label="no such rule", operator=403, technician=403, technician2=403, supervisor=404, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/rules/<int:position>/", "POST", url="/routing/rules/3/", body=ROUTING_RULE_FORM,
      operator=403, technician=403, technician2=403, supervisor=To("/routing/rules/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/rules/<int:position>/", "POST", url="/routing/rules/3/", label="test the draft: nothing published", body={**ROUTING_RULE_FORM, "do": "test"},
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/rules/<int:position>/", "DELETE", url="/routing/rules/3/", operator=403, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/rules/<int:position>/remove/", "POST", url="/routing/rules/7/remove/",
      operator=403, technician=403, technician2=403, supervisor=To("/routing/rules/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/rules/<int:position>/remove/", "GET", url="/routing/rules/7/remove/", **every(405)),
    R("routing/rules/<int:position>/move/", "POST", url="/routing/rules/2/move/", body={"direction": "up"},
      operator=403, technician=403, technician2=403, supervisor=To("/routing/rules/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/rules/<int:position>/move/", "POST", url="/routing/rules/1/move/", label="the first cannot go up", body={"direction": "up"},
      operator=403, technician=403, technician2=403, supervisor=404, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/rules/<int:position>/move/", "GET", url="/routing/rules/2/move/", **every(405)),
    R("routing/rules/versions/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/rules/versions/", "POST", **every(405)),
    R("routing/rules/versions/<int:pk>/", "GET", url="/routing/rules/versions/{rule_version}/", query=ROUTING_SAMPLE,
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/rules/versions/<int:pk>/", "POST", url="/routing/rules/versions/{rule_version}/", **every(405)),
    R("routing/rules/versions/<int:pk>/restore/", "POST", url="/routing/rules/versions/{rule_version}/restore/", body={"note": "Back to v1"},
      operator=403, technician=403, technician2=403, supervisor=To("/routing/rules/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/rules/versions/<int:pk>/restore/", "GET", url="/routing/rules/versions/{rule_version}/restore/", **every(405)),
    R("routing/setup/", "GET", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/setup/", "POST", **every(405)),
    R("routing/setup/<slug:kind>/", "GET", url="/routing/setup/operators/", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/setup/<slug:kind>/", "GET", url="/routing/setup/wallboards/", label="no such kind", operator=403, technician=403, technician2=403, supervisor=404, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/setup/<slug:kind>/", "POST", url="/routing/setup/queues/", **every(405)),
    R("routing/setup/<slug:kind>/new/", "GET", url="/routing/setup/class-rules/new/", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/setup/<slug:kind>/new/", "POST", url="/routing/setup/lines/new/", body={"number": "800300", "name": "Water", "fallback_uri": "+390200100"},
      operator=403, technician=403, technician2=403, supervisor=To("/routing/setup/lines/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/setup/<slug:kind>/new/", "DELETE", url="/routing/setup/lines/new/", operator=403, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/setup/<slug:kind>/<int:pk>/", "GET", url="/routing/setup/queues/{queue}/", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/setup/<slug:kind>/<int:pk>/", "POST", url="/routing/setup/queues/{queue}/",
      body={"code": "gas", "name": "Gas emergencies", "skills": ["{skill}"], "offer_timeout_seconds": "20"},
      operator=403, technician=403, technician2=403, supervisor=To("/routing/setup/queues/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/setup/<slug:kind>/<int:pk>/", "DELETE", url="/routing/setup/queues/{queue}/", operator=403, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/setup/<slug:kind>/<int:pk>/delete/", "POST", url="/routing/setup/class-rules/{class_rule}/delete/",
      operator=403, technician=403, technician2=403, supervisor=To("/routing/setup/class-rules/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/setup/<slug:kind>/<int:pk>/delete/", "POST", url="/routing/setup/queues/{queue}/delete/", label="queues are not removed",
      operator=403, technician=403, technician2=403, supervisor=404, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("routing/setup/<slug:kind>/<int:pk>/delete/", "GET", url="/routing/setup/class-rules/{class_rule}/delete/", **every(405)),
    # --- the API (token client) -----------------------------------------------------------------------------------------------------------------------------------------
    R("api/", "GET", operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=200, norole=200, anon=401),
    R("api/", "POST", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/auth/token/", "POST", label="own password (a new token; the sign-in time); anon: a wrong one", body={"username": "{username}", "password": "{password}"},
      operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=200, norole=200, anon=400),
    R("api/auth/token/", "GET", **every(405)),
    # Revoking deletes only knox's rows, which the snapshot leaves out (changes=False); a session cannot revoke (test_api_tokens).
    R("api/auth/token/revoke/", "POST", changes=False, operator=204, technician=204, technician2=204, supervisor=204, utility=204, utility_b=204, norole=204, anon=401),
    R("api/auth/token/revoke/", "GET", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/auth/token/revoke-all/", "POST", changes=False, operator=204, technician=204, technician2=204, supervisor=204, utility=204, utility_b=204, norole=204, anon=401),
    R("api/auth/token/revoke-all/", "GET", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/schema/", "GET", operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=200, norole=200, anon=401),
    R("api/schema/", "POST", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/docs/", "GET", operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=200, norole=200, anon=401),
    R("api/docs/", "POST", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    # webhooks, asked as the roles would without the gateway's secret (test_webhooks: signed and forged)
    R("api/telephony/events/", "POST", label="no signature", body={"call_id": "pbx-9", "event": "ring", "timestamp": "{now}", "caller": "347 123 4567"}, **every(403)),
    R("api/telephony/events/", "GET", label="no signature", **every(403)),
    R("api/telephony/recordings/", "POST", label="no signature", body={"call_id": "pbx-9", "url": "https://example.org/r.wav"}, **every(403)),
    R("api/telephony/recordings/", "GET", label="no signature", **every(403)),
    # Issue 21: the evidence pack over the API (supervisors).
    R("api/quality/evidence/calls/", "GET", query={"start": "2026-01-01T00:00:00Z", "end": "2099-01-01T00:00:00Z"}, operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/quality/evidence/calls/", "POST", operator=403, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/quality/evidence/calls/<int:pk>/", "GET", url="/api/quality/evidence/calls/{call}/", writes=True, operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/quality/evidence/calls/<int:pk>/", "POST", url="/api/quality/evidence/calls/{call}/", operator=403, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/telephony/route/", "POST", label="no signature", body={"call_id": "pbx-9", "timestamp": "{now}", "caller": "347 123 4567"}, **every(403)),
    R("api/telephony/route/", "GET", label="no signature", **every(403)),
    R("api/telephony/queue/", "POST", label="no signature", body={"waiting": ["pbx-9"]}, **every(403)),
    R("api/telephony/queue/", "GET", label="no signature", **every(403)),
    R("api/notifications/<int:pk>/status/", "GET", url="/api/notifications/{notification}/status/", label="wrong token", writes=True,
      query={"token": "0" * 32, "type": "1", "smsc_reply": "ACK/"}, **every(403)),
    R("api/notifications/<int:pk>/status/", "POST", url="/api/notifications/{notification}/status/", **every(405)),
    R("api/notifications/sms/inbound/", "GET", label="wrong token", writes=True,
      query={"token": "wrong", "sender": TECHNICIAN_SMS, "text": "OK {intervention}"}, **every(403)),
    # A JSON body is neither Kannel's post-url nor a form: no token is read from it (test_webhooks: posted right).
    R("api/notifications/sms/inbound/", "POST", label="JSON, no token read", writes=True,
      body={"token": "wrong", "sender": TECHNICIAN_SMS, "text": "OK {intervention}"}, **every(400)),
    # reports
    R("api/reports/service-levels/", "GET", query={"customer": "{customer}", **API_PERIOD},
      operator=403, technician=403, technician2=403, supervisor=200, utility=200, utility_b=404, norole=403, anon=401),
    # A plain APIView checks its one action's roles whatever the method: the role is refused before the method.
    R("api/reports/service-levels/", "POST", operator=403, technician=403, technician2=403, supervisor=405, utility=405, utility_b=405, norole=403, anon=401),
    # telecontrol
    R("api/plants/<str:pk>/status/", "GET", url="/api/plants/{plant}/status/",
      operator=200, technician=200, technician2=200, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    # A technician stores a check on its own intervention only, never on a call (telecontrol.services._check_permission).
    R("api/plants/<str:pk>/status/", "GET", url="/api/plants/{plant}/status/", label="check stored on the call", query={"call": "{call}"}, writes=True,
      operator=200, technician=403, technician2=404, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/plants/<str:pk>/status/", "GET", url="/api/plants/{plant}/status/", label="check stored on the intervention", query={"intervention": "{intervention}"}, writes=True,
      operator=200, technician=200, technician2=404, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/plants/<str:pk>/status/", "POST", url="/api/plants/{plant}/status/", operator=405, technician=405, technician2=405, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/plants/<str:pk>/state/", "GET", url="/api/plants/{plant}/state/",
      operator=200, technician=200, technician2=200, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/plants/<str:pk>/state/", "POST", url="/api/plants/{plant}/state/", operator=405, technician=405, technician2=405, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    # requests from people and the access log
    R("api/privacy/requests/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/privacy/requests/", "POST", body=PRIVACY_REQUEST,
      operator=201, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/privacy/requests/", "DELETE", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/privacy/requests/<int:pk>/", "GET", url="/api/privacy/requests/{privacy_request}/",
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/privacy/requests/<int:pk>/", "DELETE", url="/api/privacy/requests/{privacy_request}/",
      operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/privacy/requests/<int:pk>/answer/", "POST", url="/api/privacy/requests/{privacy_request}/answer/", label="access",
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/privacy/requests/<int:pk>/answer/", "GET", url="/api/privacy/requests/{privacy_request}/answer/",
      operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/privacy/requests/<int:pk>/export/", "GET", url="/api/privacy/requests/{privacy_answered}/export/", writes=True,
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/privacy/requests/<int:pk>/export/", "POST", url="/api/privacy/requests/{privacy_answered}/export/",
      operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/privacy/access-log/", "GET", query={"number": "02 1234 5678", "reason": "Complaint 7"}, writes=True,
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/privacy/access-log/", "POST", operator=403, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    # calls
    R("api/calls/", "GET", operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=200, norole=403, anon=401),
    R("api/calls/", "POST", body={"caller_number": "02 1234 5678"},
      operator=201, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/calls/", "DELETE", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/calls/<pk>/", "GET", url="/api/calls/{call}/", writes=True, operator=200, technician=200, technician2=404, supervisor=200, utility=200, utility_b=404, norole=403, anon=401),
    R("api/calls/<pk>/", "GET", url="/api/calls/{call2}/", writes=True, label="c2", operator=200, technician=200, technician2=404, supervisor=200, utility=404, utility_b=200, norole=403, anon=401),
    R("api/calls/<pk>/", "PATCH", url="/api/calls/{call}/", body={"notes": "Caller rang again"},
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/calls/<pk>/", "PUT", url="/api/calls/{call}/", body={"caller_number": "02 1234 5678"},
      operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/calls/<pk>/", "DELETE", url="/api/calls/{call}/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/calls/<pk>/history/", "GET", url="/api/calls/{call}/history/", writes=True, operator=200, technician=200, technician2=404, supervisor=200, utility=200, utility_b=404, norole=403, anon=401),
    R("api/calls/<pk>/history/", "POST", url="/api/calls/{call}/history/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/calls/<pk>/test-call/", "POST", url="/api/calls/{ended_call}/test-call/", body={"is_test": True},
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/calls/<pk>/test-call/", "GET", url="/api/calls/{call}/test-call/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    # plants
    R("api/plants/", "GET", operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=200, norole=403, anon=401),
    R("api/plants/", "POST", body={"code": "P9"}, operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/plants/<pk>/", "GET", url="/api/plants/{plant}/", operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=404, norole=403, anon=401),
    R("api/plants/<pk>/", "GET", url="/api/plants/{plant2}/", label="c2", operator=200, technician=200, technician2=200, supervisor=200, utility=404, utility_b=200, norole=403, anon=401),
    R("api/plants/<pk>/", "DELETE", url="/api/plants/{plant}/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    # interventions
    R("api/interventions/", "GET", operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=200, norole=403, anon=401),
    R("api/interventions/", "POST", body={"plant": "{plant}", "summary": "Leak at the cabin"},
      operator=201, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/interventions/", "PUT", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/interventions/<pk>/", "GET", url="/api/interventions/{intervention}/", operator=200, technician=200, technician2=404, supervisor=200, utility=200, utility_b=404, norole=403, anon=401),
    R("api/interventions/<pk>/", "GET", url="/api/interventions/{intervention2}/", label="c2", operator=200, technician=200, technician2=404, supervisor=200, utility=404, utility_b=200, norole=403, anon=401),
    R("api/interventions/<pk>/", "DELETE", url="/api/interventions/{intervention}/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/interventions/<pk>/history/", "GET", url="/api/interventions/{intervention}/history/", writes=True, operator=200, technician=200, technician2=404, supervisor=200, utility=200, utility_b=404, norole=403, anon=401),
    R("api/interventions/<pk>/history/", "POST", url="/api/interventions/{intervention}/history/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/interventions/<pk>/assign/", "POST", url="/api/interventions/{intervention}/assign/", body={"technician": "technician2"},
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/interventions/<pk>/assign/", "GET", url="/api/interventions/{intervention}/assign/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/interventions/<pk>/acknowledge/", "POST", url="/api/interventions/{intervention}/acknowledge/",
      operator=403, technician=200, technician2=404, supervisor=403, utility=403, utility_b=403, norole=403, anon=401),
    R("api/interventions/<pk>/acknowledge/", "GET", url="/api/interventions/{intervention}/acknowledge/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/interventions/<pk>/arrive/", "POST", url="/api/interventions/{intervention}/arrive/", state=S.ACKNOWLEDGED,
      operator=403, technician=200, technician2=404, supervisor=403, utility=403, utility_b=403, norole=403, anon=401),
    R("api/interventions/<pk>/arrive/", "GET", url="/api/interventions/{intervention}/arrive/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/interventions/<pk>/complete/", "POST", url="/api/interventions/{intervention}/complete/", state=S.ON_SITE, body={"closing_reason": "Fitting tightened"},
      operator=403, technician=200, technician2=404, supervisor=403, utility=403, utility_b=403, norole=403, anon=401),
    R("api/interventions/<pk>/complete/", "GET", url="/api/interventions/{intervention}/complete/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/interventions/<pk>/close/", "POST", url="/api/interventions/{intervention}/close/", state=S.COMPLETED,
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/interventions/<pk>/close/", "GET", url="/api/interventions/{intervention}/close/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/interventions/<pk>/cancel/", "POST", url="/api/interventions/{intervention}/cancel/", body={"reason": "Duplicate"},
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/interventions/<pk>/cancel/", "GET", url="/api/interventions/{intervention}/cancel/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/interventions/<pk>/note/", "POST", url="/api/interventions/{intervention}/note/", body={"text": "Gate code 1234"},
      operator=201, technician=201, technician2=404, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/interventions/<pk>/note/", "GET", url="/api/interventions/{intervention}/note/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/interventions/<pk>/steps/", "POST", url="/api/interventions/{intervention}/steps/", body={"step_id": "{step_id}", "action": "note", "client_time": "{now}", "note": "Valve shut"},
      operator=403, technician=201, technician2=404, supervisor=403, utility=403, utility_b=403, norole=403, anon=401),
    R("api/interventions/<pk>/steps/", "GET", url="/api/interventions/{intervention}/steps/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/interventions/<int:pk>/notifications/", "GET", url="/api/interventions/{intervention}/notifications/",
      operator=200, technician=200, technician2=404, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/interventions/<int:pk>/notifications/", "POST", url="/api/interventions/{intervention}/notifications/",
      operator=405, technician=405, technician2=405, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    # Issue 20: an SMS or email an operator writes about an intervention
    R("api/interventions/<int:pk>/messages/", "POST", url="/api/interventions/{intervention}/messages/", body={"channel": "sms", "technician": "{technician}", "text": "Ring the caller at the gate."},
      operator=201, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/interventions/<int:pk>/messages/", "GET", url="/api/interventions/{intervention}/messages/",
      operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    # callbacks
    R("api/callbacks/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/callbacks/", "POST", body={"call": "{call}", "due_at": "{in_two_hours}", "note": "Call back"},
      operator=201, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/callbacks/", "DELETE", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/callbacks/<pk>/", "GET", url="/api/callbacks/{callback}/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/callbacks/<pk>/", "DELETE", url="/api/callbacks/{callback}/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/callbacks/<pk>/complete/", "POST", url="/api/callbacks/{callback}/complete/", body={"outcome": "Called back: all clear"},
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/callbacks/<pk>/complete/", "GET", url="/api/callbacks/{callback}/complete/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/callbacks/<pk>/cancel/", "POST", url="/api/callbacks/{callback}/cancel/", body={"reason": "Caller rang back"},
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/callbacks/<pk>/cancel/", "GET", url="/api/callbacks/{callback}/cancel/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    # Issue 17: routing setup. The rules' versions: staff read and try them, supervisors publish.
    R("api/routing/rule-versions/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/rule-versions/", "POST", body=ROUTING_PUBLISH,
      operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/rule-versions/", "DELETE", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/routing/rule-versions/test/", "POST", body=ROUTING_TEST, changes=False,
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/rule-versions/test/", "GET", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/routing/rule-versions/<int:pk>/", "GET", url="/api/routing/rule-versions/{rule_version}/",
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/rule-versions/<int:pk>/", "DELETE", url="/api/routing/rule-versions/{rule_version}/",
      operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    # Issue 17: routing API. The staff read the catalogue, supervisors create and change its rows (PATCH: the
    # fields sent; PUT is not served) and remove class rules; a router's method that is not routed is 405 to
    # every signed-in role.
    R("api/routing/caller-classes/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/caller-classes/", "POST", body=ROUTING_CATALOGUE_NEW["caller-classes"],
      operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/caller-classes/<pk>/", "GET", url="/api/routing/caller-classes/{caller_class}/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/caller-classes/<pk>/", "PATCH", url="/api/routing/caller-classes/{caller_class}/", body=ROUTING_CATALOGUE_CHANGE["caller-classes"],
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/caller-classes/<pk>/", "PUT", url="/api/routing/caller-classes/{caller_class}/", body=ROUTING_CATALOGUE_NEW["caller-classes"], operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/routing/caller-classes/<pk>/", "DELETE", url="/api/routing/caller-classes/{caller_class}/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/routing/caller-class-rules/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/caller-class-rules/", "POST", body=ROUTING_CATALOGUE_NEW["caller-class-rules"],
      operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/caller-class-rules/<pk>/", "GET", url="/api/routing/caller-class-rules/{class_rule}/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/caller-class-rules/<pk>/", "PATCH", url="/api/routing/caller-class-rules/{class_rule}/", body=ROUTING_CATALOGUE_CHANGE["caller-class-rules"],
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/caller-class-rules/<pk>/", "PUT", url="/api/routing/caller-class-rules/{class_rule}/", body=ROUTING_CATALOGUE_NEW["caller-class-rules"], operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/routing/caller-class-rules/<pk>/", "DELETE", url="/api/routing/caller-class-rules/{class_rule}/", operator=403, technician=403, technician2=403, supervisor=204, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/skills/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/skills/", "POST", body=ROUTING_CATALOGUE_NEW["skills"],
      operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/skills/<pk>/", "GET", url="/api/routing/skills/{skill}/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/skills/<pk>/", "PATCH", url="/api/routing/skills/{skill}/", body=ROUTING_CATALOGUE_CHANGE["skills"],
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/skills/<pk>/", "PUT", url="/api/routing/skills/{skill}/", body=ROUTING_CATALOGUE_NEW["skills"], operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/routing/skills/<pk>/", "DELETE", url="/api/routing/skills/{skill}/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/routing/teams/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/teams/", "POST", body=ROUTING_CATALOGUE_NEW["teams"],
      operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/teams/<pk>/", "GET", url="/api/routing/teams/{team}/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/teams/<pk>/", "PATCH", url="/api/routing/teams/{team}/", body=ROUTING_CATALOGUE_CHANGE["teams"],
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/teams/<pk>/", "PUT", url="/api/routing/teams/{team}/", body=ROUTING_CATALOGUE_NEW["teams"], operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/routing/teams/<pk>/", "DELETE", url="/api/routing/teams/{team}/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/routing/lines/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/lines/", "POST", body=ROUTING_CATALOGUE_NEW["lines"],
      operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/lines/<pk>/", "GET", url="/api/routing/lines/{line}/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/lines/<pk>/", "PATCH", url="/api/routing/lines/{line}/", body=ROUTING_CATALOGUE_CHANGE["lines"],
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/lines/<pk>/", "PUT", url="/api/routing/lines/{line}/", body=ROUTING_CATALOGUE_NEW["lines"], operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/routing/lines/<pk>/", "DELETE", url="/api/routing/lines/{line}/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/routing/queues/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/queues/", "POST", body=ROUTING_CATALOGUE_NEW["queues"],
      operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/queues/<pk>/", "GET", url="/api/routing/queues/{queue}/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/queues/<pk>/", "PATCH", url="/api/routing/queues/{queue}/", body=ROUTING_CATALOGUE_CHANGE["queues"],
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/queues/<pk>/", "PUT", url="/api/routing/queues/{queue}/", body=ROUTING_CATALOGUE_NEW["queues"], operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/routing/queues/<pk>/", "DELETE", url="/api/routing/queues/{queue}/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/routing/operators/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/operators/", "POST", body=ROUTING_CATALOGUE_NEW["operators"],
      operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/operators/<pk>/", "GET", url="/api/routing/operators/{operator_profile}/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/operators/<pk>/", "PATCH", url="/api/routing/operators/{operator_profile}/", body=ROUTING_CATALOGUE_CHANGE["operators"],
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/operators/<pk>/", "PUT", url="/api/routing/operators/{operator_profile}/", body=ROUTING_CATALOGUE_NEW["operators"], operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/routing/operators/<pk>/", "DELETE", url="/api/routing/operators/{operator_profile}/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    # The live side: one set of roles per view, refused before the method is looked at.
    R("api/routing/wallboard/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/wallboard/", "POST", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/me/state/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/me/state/", "POST", body={"state": "paused", "reason": "break"}, operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/me/state/", "DELETE", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/operators/<int:pk>/state/", "POST", url="/api/routing/operators/{operator_profile}/state/", body={"state": "available"},
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/operators/<int:pk>/state/", "GET", url="/api/routing/operators/{operator_profile}/state/",
      operator=403, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/abandoned/", "GET", query={"date": "{today}"}, operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/abandoned/", "POST", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    # A call's route: staff only, whatever the call; a call the router never saw is not found.
    R("api/routing/calls/<int:pk>/route/", "GET", url="/api/routing/calls/{routed_call}/route/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/calls/<int:pk>/route/", "GET", url="/api/routing/calls/{call}/route/", label="not routed", operator=404, technician=403, technician2=403, supervisor=404, utility=403, utility_b=403, norole=403, anon=401),
    R("api/routing/calls/<int:pk>/route/", "POST", url="/api/routing/calls/{routed_call}/route/", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    # Issue 18: service-level clocks. Case types: staff. A case's clocks: whoever may see the case
    # (its technician, its utility, the staff). Typing and pausing a case: staff.
    R("api/clocks/case-types/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/clocks/case-types/", "POST", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/clocks/figures/", "GET", query={"date_from": "2026-01-01", "date_to": "2026-12-31"}, operator=200, technician=403, technician2=403, supervisor=200, utility=200, utility_b=200, norole=403, anon=401),
    R("api/clocks/figures/", "POST", operator=405, technician=403, technician2=403, supervisor=405, utility=405, utility_b=405, norole=403, anon=401),
    R("api/clocks/cases/<int:pk>/", "GET", url="/api/clocks/cases/{intervention}/", operator=200, technician=200, technician2=404, supervisor=200, utility=200, utility_b=404, norole=403, anon=401),
    R("api/clocks/cases/<int:pk>/", "GET", url="/api/clocks/cases/{intervention2}/", label="c2", operator=200, technician=200, technician2=404, supervisor=200, utility=404, utility_b=200, norole=403, anon=401),
    R("api/clocks/cases/<int:pk>/", "POST", url="/api/clocks/cases/{intervention}/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=403, anon=401),
    R("api/clocks/cases/<int:pk>/type/", "POST", url="/api/clocks/cases/{intervention}/type/", body={"case_type": "emergency", "caller_class": "gold", "reach": 3},
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/clocks/cases/<int:pk>/type/", "GET", url="/api/clocks/cases/{intervention}/type/", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/clocks/cases/<int:pk>/pause/", "POST", url="/api/clocks/cases/{intervention}/pause/", body={"reason": "parts", "note": "Valve on order"},
      operator=201, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/clocks/cases/<int:pk>/pause/", "GET", url="/api/clocks/cases/{intervention}/pause/", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/clocks/cases/<int:pk>/resume/", "POST", url="/api/clocks/cases/{intervention2}/resume/", label="c2, paused",
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/clocks/cases/<int:pk>/resume/", "GET", url="/api/clocks/cases/{intervention}/resume/", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    # Issue 18, shifts: the roster, its cells' forms, who is on now, coverage. Staff read (the
    # operator is in team north, whose roster it reads, but does not lead it); generating and
    # editing are the supervisor's (and a team leader's, tests/shifts/). The API alike.
    R("shifts/", "GET", query={"team": "{team}", "month": "2026-06"}, operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("shifts/", "POST", **every(405)),
    R("shifts/generate/", "POST", body={"team": "{team}", "month": "2026-06", "pattern": "9h-5-2"}, operator=403, technician=403, technician2=403, supervisor=To("{shift_roster}"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("shifts/generate/", "GET", **every(405)),
    R("shifts/new/", "GET", query={"team": "{team}", "user": "{operator_id}", "day": "2026-06-02"}, operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("shifts/new/", "POST", body={"team": "{team}", "user": "{operator_id}", "day": "2026-06-02", "start": "08:00", "end": "17:00", "break_minutes": "60"}, operator=403, technician=403, technician2=403, supervisor=To("{shift_roster}"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("shifts/new/", "PUT", **every(405)),
    R("shifts/<int:pk>/", "GET", url="/shifts/{shift}/", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("shifts/<int:pk>/", "POST", url="/shifts/{shift}/", body={"user": "{operator_id}", "day": "2026-06-01", "start": "09:00", "end": "18:00", "break_minutes": "30"}, operator=403, technician=403, technician2=403, supervisor=To("{shift_roster}"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("shifts/<int:pk>/", "PUT", url="/shifts/{shift}/", **every(405)),
    R("shifts/<int:pk>/delete/", "POST", url="/shifts/{shift}/delete/", operator=403, technician=403, technician2=403, supervisor=To("{shift_roster}"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("shifts/<int:pk>/delete/", "GET", url="/shifts/{shift}/delete/", **every(405)),
    R("shifts/now/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("shifts/now/", "POST", **every(405)),
    R("shifts/coverage/", "GET", query={"date_from": "2026-06-01", "date_to": "2026-06-30"}, operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("shifts/coverage/", "POST", **every(405)),
    R("shifts/patterns/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("shifts/patterns/", "POST", body={"code": "6h-evening", "name": "6h evenings", "kind": "custom", "cycle_days": "3", "blocks": "0 16:00-22:00 15"},
      operator=403, technician=403, technician2=403, supervisor=To("/shifts/patterns/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("shifts/patterns/", "PUT", **every(405)),
    R("shifts/minimums/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("shifts/minimums/", "POST", body={"line": "{line}", "weekdays": ["0", "1"], "from_hour": "8", "to_hour": "20", "minimum": "2"},
      operator=403, technician=403, technician2=403, supervisor=To("/shifts/minimums/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("shifts/minimums/", "PUT", **every(405)),
    R("shifts/minimums/<int:pk>/delete/", "POST", url="/shifts/minimums/{minimum}/delete/",
      operator=403, technician=403, technician2=403, supervisor=To("/shifts/minimums/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("shifts/minimums/<int:pk>/delete/", "GET", url="/shifts/minimums/{minimum}/delete/", **every(405)),
    R("api/shifts/", "GET", query={"from": "2026-06-01", "to": "2026-06-30", "team": "{team}"}, operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/shifts/", "POST", body={"user": "{operator_id}", "team": "{team}", "day": "2026-06-02", "start": "08:00", "end": "17:00"}, operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/shifts/", "PUT", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/shifts/<int:pk>/", "GET", url="/api/shifts/{shift}/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/shifts/<int:pk>/", "PUT", url="/api/shifts/{shift}/", body={"user": "{operator_id}", "team": "{team}", "day": "2026-06-01", "start": "19:00", "end": "07:00"}, operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/shifts/<int:pk>/", "DELETE", url="/api/shifts/{shift}/", operator=403, technician=403, technician2=403, supervisor=204, utility=403, utility_b=403, norole=403, anon=401),
    R("api/shifts/<int:pk>/", "POST", url="/api/shifts/{shift}/", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/shifts/now/", "GET", query={"team": "{team}", "line": "{line}"}, operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/shifts/now/", "POST", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/shifts/coverage/", "GET", query={"from": "2026-06-01", "to": "2026-06-30", "line": "{line}"}, operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/shifts/coverage/", "POST", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/shifts/generate/", "POST", body={"team": "{team}", "year": 2026, "month": 6, "pattern": "9h-5-2"}, operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/shifts/generate/", "GET", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/shifts/patterns/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/shifts/patterns/", "POST", body={"code": "6h-evening", "name": "6h evenings", "cycle_days": 3, "days": [{"index": 0, "start": "16:00", "length_minutes": 360}]},
      operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/shifts/patterns/", "PUT", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    # Issue 18, escalations: a case's timeline (panel and API): the staff and its technician, 404 for
    # another technician's case; the chains and their editor: supervisors (the API's list: staff).
    R("escalations/cases/<int:pk>/panel/", "GET", url="/escalations/cases/{intervention}/panel/", operator=200, technician=200, technician2=404, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("escalations/cases/<int:pk>/panel/", "POST", url="/escalations/cases/{intervention}/panel/", **every(405)),
    R("escalations/chains/", "GET", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("escalations/chains/", "POST", **every(405)),
    R("escalations/chains/<int:pk>/", "GET", url="/escalations/chains/{chain}/", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("escalations/chains/<int:pk>/", "POST", url="/escalations/chains/{chain}/",
      body={"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "12", "form-0-order": "1",
            "form-0-delay_minutes": "0", "form-0-target": "supervisor_on_duty", "form-0-channel": "first", "publish": "1"},
      operator=403, technician=403, technician2=403, supervisor=To("/escalations/chains/{chain}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("escalations/chains/<int:pk>/", "DELETE", url="/escalations/chains/{chain}/", **every(405)),
    R("api/escalations/chains/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/escalations/chains/", "POST", body={"name": "Emergencies", "case_type": "emergency", "priority": 1, "steps": [{"delay_minutes": 0, "target": "supervisor_on_duty", "channel": "first"}]},
      operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/escalations/chains/", "DELETE", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/escalations/chains/<int:pk>/publish/", "POST", url="/api/escalations/chains/{chain}/publish/", body={"steps": [{"delay_minutes": 0, "target": "team_leader", "channel": "sms"}]},
      operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/escalations/chains/<int:pk>/publish/", "GET", url="/api/escalations/chains/{chain}/publish/", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/escalations/cases/<int:pk>/", "GET", url="/api/escalations/cases/{intervention}/", operator=200, technician=200, technician2=404, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/escalations/cases/<int:pk>/", "POST", url="/api/escalations/cases/{intervention}/", operator=405, technician=405, technician2=405, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    # Issue 19, the supply network: a plant's panel for whoever sees the plant (404 for another
    # customer's), the editor and the CSV import for supervisors; the same over the API.
    R("network/plants/<int:pk>/panel/", "GET", url="/network/plants/{plant}/panel/", operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=404, norole=403, anon=LOGIN),
    R("network/plants/<int:pk>/panel/", "POST", url="/network/plants/{plant}/panel/", **every(405)),
    R("network/plants/<int:pk>/", "GET", url="/network/plants/{plant}/", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("network/plants/<int:pk>/", "POST", url="/network/plants/{plant}/", body={"feeder": "", "supply_points": "12"},
      operator=403, technician=403, technician2=403, supervisor=To("/network/plants/{plant}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("network/plants/<int:pk>/", "DELETE", url="/network/plants/{plant}/", **every(405)),
    R("network/import/", "GET", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("network/import/", "POST", body={"text": "code,parent_code,supply_points\nP2,P1,7\n"},
      operator=403, technician=403, technician2=403, supervisor=To("/network/import/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("network/import/", "DELETE", **every(405)),
    R("api/plants/<int:pk>/network/", "GET", url="/api/plants/{plant}/network/", operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=404, norole=403, anon=401),
    R("api/plants/<int:pk>/network/", "GET", url="/api/plants/{plant2}/network/", label="c2", operator=200, technician=200, technician2=200, supervisor=200, utility=404, utility_b=200, norole=403, anon=401),
    R("api/plants/<int:pk>/network/", "PUT", url="/api/plants/{plant}/network/", body={"feeder": "{plant2}", "supply_points": 12},
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/plants/<int:pk>/network/", "PATCH", url="/api/plants/{plant}/network/", body={"supply_points": 12},
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/plants/<int:pk>/network/", "POST", url="/api/plants/{plant}/network/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/network/import/", "POST", body={"file": "code,parent_code,supply_points\nP2,P1,7\n"}, upload="file",
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/network/import/", "GET", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    # the technician's shift
    R("api/me/", "GET", operator=403, technician=200, technician2=200, supervisor=403, utility=403, utility_b=403, norole=403, anon=401),
    R("api/me/", "POST", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/me/duty/", "POST", body={"on_duty": True}, operator=403, technician=200, technician2=200, supervisor=403, utility=403, utility_b=403, norole=403, anon=401),
    R("api/me/duty/", "GET", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/me/position/", "POST", body={"latitude": 45.4642, "longitude": 9.19, "accuracy_m": 12, "at": "{now}"},
      operator=403, technician=200, technician2=200, supervisor=403, utility=403, utility_b=403, norole=403, anon=401),
    R("api/me/position/", "GET", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    # Issue 18, teams: staff read every team; supervisors change members, area, leader and backup
    # (tests/teams/). The API alike.
    R("teams/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("teams/", "POST", **every(405)),
    R("teams/<int:pk>/", "GET", url="/teams/{team}/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("teams/<int:pk>/", "POST", url="/teams/{team}/", **every(405)),
    R("teams/<int:pk>/members/", "POST", url="/teams/{team}/members/", body={"user": "{technician2_id}", "role": "technician"},
      operator=403, technician=403, technician2=403, supervisor=To("/teams/{team}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("teams/<int:pk>/members/", "GET", url="/teams/{team}/members/", **every(405)),
    R("teams/<int:pk>/members/<int:user_id>/delete/", "POST", url="/teams/{team}/members/{operator_id}/delete/",
      operator=403, technician=403, technician2=403, supervisor=To("/teams/{team}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("teams/<int:pk>/members/<int:user_id>/delete/", "GET", url="/teams/{team}/members/{operator_id}/delete/", **every(405)),
    R("teams/<int:pk>/areas/", "POST", url="/teams/{team}/areas/", body={"kind": "province", "name": "MI"},
      operator=403, technician=403, technician2=403, supervisor=To("/teams/{team}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("teams/<int:pk>/areas/", "GET", url="/teams/{team}/areas/", **every(405)),
    R("teams/<int:pk>/areas/<int:area_id>/delete/", "POST", url="/teams/{team}/areas/{team_area}/delete/",
      operator=403, technician=403, technician2=403, supervisor=To("/teams/{team}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("teams/<int:pk>/areas/<int:area_id>/delete/", "GET", url="/teams/{team}/areas/{team_area}/delete/", **every(405)),
    R("teams/<int:pk>/leadership/", "POST", url="/teams/{team}/leadership/", body={"leader": "{supervisor_id}", "backup_team": ""},
      operator=403, technician=403, technician2=403, supervisor=To("/teams/{team}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("teams/<int:pk>/leadership/", "GET", url="/teams/{team}/leadership/", **every(405)),
    R("api/teams/", "GET", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/teams/", "POST", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/teams/<int:pk>/", "GET", url="/api/teams/{team}/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/teams/<int:pk>/", "PUT", url="/api/teams/{team}/", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/teams/<int:pk>/members/", "POST", url="/api/teams/{team}/members/", body={"user": "{technician2_id}", "role": "technician"},
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/teams/<int:pk>/members/", "GET", url="/api/teams/{team}/members/", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/teams/<int:pk>/members/<int:user_id>/", "DELETE", url="/api/teams/{team}/members/{operator_id}/",
      operator=403, technician=403, technician2=403, supervisor=204, utility=403, utility_b=403, norole=403, anon=401),
    R("api/teams/<int:pk>/members/<int:user_id>/", "GET", url="/api/teams/{team}/members/{operator_id}/", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/teams/<int:pk>/areas/", "POST", url="/api/teams/{team}/areas/", body={"kind": "province", "name": "MI"},
      operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/teams/<int:pk>/areas/", "GET", url="/api/teams/{team}/areas/", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/teams/<int:pk>/areas/<int:area_id>/", "DELETE", url="/api/teams/{team}/areas/{team_area}/",
      operator=403, technician=403, technician2=403, supervisor=204, utility=403, utility_b=403, norole=403, anon=401),
    R("api/teams/<int:pk>/areas/<int:area_id>/", "GET", url="/api/teams/{team}/areas/{team_area}/", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/teams/<int:pk>/leadership/", "PUT", url="/api/teams/{team}/leadership/", body={"leader": "{supervisor_id}", "backup_team": None},
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/teams/<int:pk>/leadership/", "GET", url="/api/teams/{team}/leadership/", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/teams/<int:pk>/changes/", "GET", url="/api/teams/{team}/changes/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/teams/<int:pk>/changes/", "POST", url="/api/teams/{team}/changes/", operator=405, technician=403, technician2=403, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    # Issue 18, on-call: team north's rota has ``technician`` alone (always on call), who asked a
    # swap of ``colleague`` (another of north's technicians); technician2 is in no team (its
    # teams' rows: 404). Staff read every team; a rota, an override and a decision are the
    # supervisor's or the leader's (the service: 403 with the reason on the page).
    R("oncall/", "GET", operator=200, technician=200, technician2=200, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("oncall/", "POST", **every(405)),
    R("oncall/teams/<int:pk>/", "GET", url="/oncall/teams/{team}/", operator=200, technician=200, technician2=404, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("oncall/teams/<int:pk>/", "POST", url="/oncall/teams/{team}/", **every(405)),
    R("oncall/teams/<int:pk>/rotas/new/", "GET", url="/oncall/teams/{team}/rotas/new/", operator=403, technician=403, technician2=404, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("oncall/teams/<int:pk>/rotas/new/", "POST", url="/oncall/teams/{team}/rotas/new/",
      body={"name": "Water", "handover_weekday": "0", "handover_time": "08:00", "starts_on": "2026-06-01", "turn_0": "{technician}"},
      operator=403, technician=403, technician2=404, supervisor=To("/oncall/teams/{team}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("oncall/teams/<int:pk>/rotas/new/", "PUT", url="/oncall/teams/{team}/rotas/new/", **every(405)),
    R("oncall/teams/<int:pk>/override/", "POST", url="/oncall/teams/{team}/override/",
      body={"rota": "{rota}", "user": "{colleague}", "starts_at": "{oncall_from_local}", "ends_at": "{oncall_to_local}"},
      operator=403, technician=403, technician2=404, supervisor=To("/oncall/teams/{team}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("oncall/teams/<int:pk>/override/", "GET", url="/oncall/teams/{team}/override/", **every(405)),
    R("oncall/teams/<int:pk>/swap/", "POST", url="/oncall/teams/{team}/swap/",
      body={"rota": "{rota}", "taker": "{colleague}", "starts_at": "{oncall_from_local}", "ends_at": "{oncall_to_local}"},
      operator=403, technician=To("/oncall/teams/{team}/"), technician2=404, supervisor=403, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("oncall/teams/<int:pk>/swap/", "GET", url="/oncall/teams/{team}/swap/", **every(405)),
    R("oncall/rotas/<int:pk>/", "GET", url="/oncall/rotas/{rota}/", operator=403, technician=403, technician2=404, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("oncall/rotas/<int:pk>/", "POST", url="/oncall/rotas/{rota}/",
      body={"name": "Gas", "handover_weekday": "1", "handover_time": "09:00", "starts_on": "2026-06-01", "turn_0": "{technician}", "turn_1": "{colleague}"},
      operator=403, technician=403, technician2=404, supervisor=To("/oncall/teams/{team}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("oncall/rotas/<int:pk>/", "PUT", url="/oncall/rotas/{rota}/", **every(405)),
    R("oncall/covers/<int:pk>/decide/", "POST", url="/oncall/covers/{cover}/decide/", body={"decision": "approve"},
      operator=403, technician=403, technician2=404, supervisor=To("/oncall/teams/{team}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("oncall/covers/<int:pk>/decide/", "GET", url="/oncall/covers/{cover}/decide/", **every(405)),
    R("oncall/covers/<int:pk>/withdraw/", "POST", url="/oncall/covers/{cover}/withdraw/",
      operator=403, technician=To("/oncall/teams/{team}/"), technician2=404, supervisor=To("/oncall/teams/{team}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("oncall/covers/<int:pk>/withdraw/", "GET", url="/oncall/covers/{cover}/withdraw/", **every(405)),
    R("oncall/feed/", "GET", operator=200, technician=200, technician2=200, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("oncall/feed/", "POST", operator=To("/oncall/feed/"), technician=To("/oncall/feed/"), technician2=To("/oncall/feed/"), supervisor=To("/oncall/feed/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("oncall/feed/", "PUT", **every(405)),
    # The calendar address: the token is the key, whoever asks (a wrong one: tests/oncall/test_feed.py).
    R("oncall/feed/<str:token>.ics", "GET", url="/oncall/feed/{feed_token}.ics", **every(200)),
    R("oncall/feed/<str:token>.ics", "POST", url="/oncall/feed/{feed_token}.ics", **every(405)),
    R("api/oncall/now/", "GET", operator=200, technician=200, technician2=200, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/now/", "POST", operator=405, technician=405, technician2=405, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/rotas/", "GET", operator=200, technician=200, technician2=200, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/rotas/", "POST", body={"team": "{team}", "name": "Water", "handover_weekday": 0, "handover_time": "08:00", "starts_on": "2026-06-01", "members": ["{technician}"]},
      operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/rotas/", "PUT", operator=405, technician=405, technician2=405, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/rotas/<int:pk>/", "GET", url="/api/oncall/rotas/{rota}/", operator=200, technician=200, technician2=404, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/rotas/<int:pk>/", "PUT", url="/api/oncall/rotas/{rota}/",
      body={"team": "{team}", "name": "Gas", "handover_weekday": 1, "handover_time": "09:00", "starts_on": "2026-06-01", "members": ["{technician}", "{colleague}"]},
      operator=403, technician=403, technician2=404, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/rotas/<int:pk>/", "DELETE", url="/api/oncall/rotas/{rota}/", operator=405, technician=405, technician2=405, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/rotas/<int:pk>/spans/", "GET", url="/api/oncall/rotas/{rota}/spans/", query={"from": "{oncall_from}", "to": "{oncall_to}"},
      operator=200, technician=200, technician2=404, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/rotas/<int:pk>/spans/", "POST", url="/api/oncall/rotas/{rota}/spans/", operator=405, technician=405, technician2=405, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/rotas/<int:pk>/covers/", "GET", url="/api/oncall/rotas/{rota}/covers/", operator=200, technician=200, technician2=404, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/rotas/<int:pk>/covers/", "POST", url="/api/oncall/rotas/{rota}/covers/", operator=405, technician=405, technician2=405, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/rotas/<int:pk>/overrides/", "POST", url="/api/oncall/rotas/{rota}/overrides/", body={"user": "{colleague}", "starts_at": "{oncall_from}", "ends_at": "{oncall_to}"},
      operator=403, technician=403, technician2=404, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/rotas/<int:pk>/overrides/", "GET", url="/api/oncall/rotas/{rota}/overrides/", operator=405, technician=405, technician2=405, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/rotas/<int:pk>/swaps/", "POST", url="/api/oncall/rotas/{rota}/swaps/", body={"taker": "{colleague}", "starts_at": "{oncall_from}", "ends_at": "{oncall_to}"},
      operator=403, technician=201, technician2=404, supervisor=403, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/rotas/<int:pk>/swaps/", "GET", url="/api/oncall/rotas/{rota}/swaps/", operator=405, technician=405, technician2=405, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/covers/<int:pk>/decide/", "POST", url="/api/oncall/covers/{cover}/decide/", body={"approve": True},
      operator=403, technician=403, technician2=404, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/covers/<int:pk>/decide/", "GET", url="/api/oncall/covers/{cover}/decide/", operator=405, technician=405, technician2=405, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/covers/<int:pk>/withdraw/", "POST", url="/api/oncall/covers/{cover}/withdraw/",
      operator=403, technician=200, technician2=404, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/oncall/covers/<int:pk>/withdraw/", "GET", url="/api/oncall/covers/{cover}/withdraw/", operator=405, technician=405, technician2=405, supervisor=405, utility=403, utility_b=403, norole=403, anon=401),
    # Issue 19, major incidents: customer 1's incident on its plant P1 (the world's call is within
    # its reach, not attached). Supervisors declare, post updates and resolve; operators and
    # supervisors attach (and subscribe a caller); technicians read the incident's page; utility
    # users their own customer's page and after-action report; the status page is public.
    R("incidents/", "GET", operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=200, norole=403, anon=LOGIN),
    R("incidents/", "POST", **every(405)),
    R("incidents/declare/", "GET", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("incidents/declare/", "POST", body={"node": "P2", "title": "Cabin down", "public_message": "Gas is off in the area."},
      operator=403, technician=403, technician2=403, supervisor=302, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("incidents/declare/", "DELETE", **every(405)),
    R("incidents/<int:pk>/", "GET", url="/incidents/{incident}/", operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=404, norole=403, anon=LOGIN),
    R("incidents/<int:pk>/", "POST", url="/incidents/{incident}/", **every(405)),
    R("incidents/<int:pk>/attach/", "POST", url="/incidents/{incident}/attach/", body={"kind": "call", "item": "{call}"},
      operator=To("/incidents/{incident}/"), technician=403, technician2=403, supervisor=To("/incidents/{incident}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("incidents/<int:pk>/attach/", "GET", url="/incidents/{incident}/attach/", **every(405)),
    R("incidents/<int:pk>/update/", "POST", url="/incidents/{incident}/update/", body={"public_text": "Crews on site."},
      operator=403, technician=403, technician2=403, supervisor=To("/incidents/{incident}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("incidents/<int:pk>/update/", "GET", url="/incidents/{incident}/update/", **every(405)),
    R("incidents/<int:pk>/resolve/", "POST", url="/incidents/{incident}/resolve/", body={"public_text": "Gas is back."},
      operator=403, technician=403, technician2=403, supervisor=To("/incidents/{incident}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("incidents/<int:pk>/resolve/", "GET", url="/incidents/{incident}/resolve/", **every(405)),
    R("incidents/<int:pk>/report/", "GET", url="/incidents/{incident}/report/", operator=200, technician=403, technician2=403, supervisor=200, utility=200, utility_b=404, norole=403, anon=LOGIN),
    R("incidents/<int:pk>/report/", "POST", url="/incidents/{incident}/report/", **every(405)),
    R("incidents/<int:pk>/report.pdf", "GET", url="/incidents/{incident}/report.pdf", operator=200, technician=403, technician2=403, supervisor=200, utility=200, utility_b=404, norole=403, anon=LOGIN),
    R("incidents/<int:pk>/report.pdf", "POST", url="/incidents/{incident}/report.pdf", **every(405)),
    R("incidents/calls/<int:pk>/banner/", "GET", url="/incidents/calls/{call}/banner/", operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("incidents/calls/<int:pk>/banner/", "POST", url="/incidents/calls/{call}/banner/", **every(405)),
    R("incidents/<int:pk>/calls/<int:call_pk>/attach/", "POST", url="/incidents/{incident}/calls/{call}/attach/", body={"subscribe": "1", "number": "+390212345678"},
      operator=To("/calls/{call}/"), technician=403, technician2=403, supervisor=To("/calls/{call}/"), utility=403, utility_b=403, norole=403, anon=LOGIN),
    R("incidents/<int:pk>/calls/<int:call_pk>/attach/", "GET", url="/incidents/{incident}/calls/{call}/attach/", **every(405)),
    # The public status page: the token is the key, whoever asks (a wrong one and the absence of
    # personal data: tests/incidents/test_views.py).
    R("status/<str:token>/", "GET", url="/status/{incident_token}/", **every(200)),
    R("status/<str:token>/", "POST", url="/status/{incident_token}/", **every(405)),
    # Issue 19, major incidents over the API: staff, technicians and utility users read (a utility
    # user its customer's only); supervisors declare, update, resolve and read the deliveries;
    # operators and supervisors attach (tests/incidents/test_api.py).
    R("api/incidents/", "GET", operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=200, norole=403, anon=401),
    R("api/incidents/", "POST", body={"node": "{plant2}", "title": "Cabin down", "public_message": "Gas is off in the area."},
      operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/incidents/", "DELETE", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/incidents/<int:pk>/", "GET", url="/api/incidents/{incident}/", operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=404, norole=403, anon=401),
    R("api/incidents/<int:pk>/", "POST", url="/api/incidents/{incident}/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/incidents/<int:pk>/updates/", "POST", url="/api/incidents/{incident}/updates/", body={"public_text": "Crews on site."},
      operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/incidents/<int:pk>/updates/", "GET", url="/api/incidents/{incident}/updates/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    # Issue 21: complaints over the API (supervisors).
    R("api/complaints/", "GET", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/complaints/", "POST", body={"call": "{call}", "text": "Waited too long."},
      operator=201, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/survey-opt-outs/", "POST", body={"number": "347 123 4567"},
      operator=201, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/survey-opt-outs/", "GET", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/complaints/<int:pk>/", "GET", url="/api/complaints/{complaint}/", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/complaints/<int:pk>/", "POST", url="/api/complaints/{complaint}/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/complaints/<int:pk>/handle/", "POST", url="/api/complaints/{complaint}/handle/", body={"notes": "Called back, apologised."},
      operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/complaints/<int:pk>/handle/", "GET", url="/api/complaints/{complaint}/handle/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/incidents/<int:pk>/resolve/", "POST", url="/api/incidents/{incident}/resolve/", body={"public_text": "Supply restored."},
      operator=403, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401),
    R("api/incidents/<int:pk>/resolve/", "GET", url="/api/incidents/{incident}/resolve/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/incidents/<int:pk>/members/", "POST", url="/api/incidents/{incident}/members/", body={"call": "{call}", "subscribe": True},
      operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/incidents/<int:pk>/members/", "GET", url="/api/incidents/{incident}/members/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
    R("api/incidents/<int:pk>/deliveries/", "GET", url="/api/incidents/{incident}/deliveries/", operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401),
    R("api/incidents/<int:pk>/deliveries/", "POST", url="/api/incidents/{incident}/deliveries/", operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401),
]  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Routes and their normalised patterns

ADMIN_PREFIX = "admin/"
FORMAT_SUFFIX = re.compile(r"\\\.<format>/\?$")
FORMAT_ROOT = "<drf_format_suffix:format>"


def _level(pattern) -> str:
    text = str(pattern).removeprefix("^").removesuffix("$")
    return re.sub(r"\(\?P<(\w+)>[^()]*\)", r"<\1>", text)


def normalise(route: str) -> str:
    """A joined route (``ResolverMatch.route``) in the normalised form of the module docstring."""
    return _level(route)


def url_patterns(patterns=None, prefix: str = "") -> list[str]:
    """Every route of the URL conf, includes followed, in the normalised form."""
    found = []
    for item in get_resolver().url_patterns if patterns is None else patterns:
        joined = prefix + _level(item.pattern)
        if isinstance(item, URLResolver):
            found += url_patterns(item.url_patterns, joined)
        else:
            found.append(joined)
    return found


@functools.cache
def format_bases() -> frozenset[str]:
    """The routes that have a DRF format-suffix twin."""
    return frozenset(base for pattern in url_patterns() if (base := format_base(pattern)) is not None)


def format_base(pattern: str) -> str | None:
    """The route a DRF format-suffix pattern suffixes, or None for any other pattern."""
    if pattern.endswith(FORMAT_ROOT):
        return pattern.removesuffix(FORMAT_ROOT)
    if FORMAT_SUFFIX.search(pattern):
        return FORMAT_SUFFIX.sub("/", pattern)
    return None


def format_twin(url: str) -> str:
    """The ``.json`` twin of an API URL: ``/api/calls/7/`` → ``/api/calls/7.json``."""
    return "/api/.json" if url == "/api/" else url.removesuffix("/") + ".json"


def has_format_twin(row: Row) -> bool:
    return row.pattern in format_bases()


# ----------------------------------------------------------------------------------------------
# The world: one per test, built through the services as the other tests build theirs


@pytest.fixture
def world(
    users, plant, other_plant, customer, other_customer, settings, browser, client_for, tmp_path, monkeypatch
):
    settings.PRONTO_TELEPHONY_SECRET = TELEPHONY_SECRET
    settings.PRONTO_SMS_INBOUND_TOKEN = SMS_INBOUND_TOKEN
    operator, technician, supervisor = users["operator"], users["technician"], users["supervisor"]
    now = timezone.now()
    # The technician is reachable by SMS: assigning writes a notification row.
    contact_point = ContactPoint.objects.create(
        user=technician, channel="sms", address=TECHNICIAN_SMS, position=0
    )
    services.call_script_save(actor=supervisor, call_type="gas_leak", name="Gas leak", source=SCRIPT)
    call = call_logged(users, plant)
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant, call=call)
    call2 = call_logged(users, other_plant, caller_number="051 765 4321")
    intervention2 = intervention_in(S.ASSIGNED, users=users, plant=other_plant, call=call2)
    # The script's "No" suggests the type "information": applying it changes the call.
    services.call_script_answer(actor=operator, call=call, step="start", answer=1)
    callback = services.callback_schedule(
        actor=operator, call=call, due_at=now + timedelta(hours=1), note="Outcome", assigned_to=operator
    )
    document = PlantDocument(plant=plant, title="Cabin drawing")
    document.file.save("drawing.pdf", ContentFile(b"%PDF-1.4 cabin drawing"))
    fax = PlantDocument(plant=plant, intervention=intervention, kind="fax", title="Fax to the technician")
    fax.file.save("fax.pdf", ContentFile(b"%PDF-1.4 fax"))
    step, _ = services.intervention_step_apply(
        actor=technician, intervention=intervention, step_id=uuid.uuid4(), action="photo",
        client_time=now, photo=ContentFile(PNG, name="site.png"),
    )  # fmt: skip
    default = ServiceLevelProfile.objects.get(customer__isnull=True, service="gas")
    profile = report_services.service_level_profile_save(
        actor=supervisor, customer=customer, service="gas",
        **{name: getattr(default, name) for name in report_services.PROFILE_FIELDS},
    )  # fmt: skip
    period = {"date_from": dt.date(2026, 1, 1), "date_to": dt.date(2026, 1, 31), "group_by": "month"}
    signoff = report_services.service_levels_sign_off(actor=supervisor, customer=customer, **period)
    signoff2 = report_services.service_levels_sign_off(actor=supervisor, customer=other_customer, **period)
    run = report_services.report_run_request(actor=supervisor, customer=customer, **period)
    run2 = report_services.report_run_request(actor=supervisor, customer=other_customer, **period)
    for each in (run, run2):
        report_services.report_run_execute(run_id=each.pk)
    notification = Notification.objects.get(intervention=intervention, channel="sms")
    asked = {"kind": "access", "number": "02 1234 5678", "requester": "A caller", "identity_check": "ID card"}
    privacy_request = personal_request_record(actor=operator, **asked)
    privacy_answered = personal_request_export(
        actor=operator, request=personal_request_record(actor=operator, **asked)
    )
    hold = legal_hold_set(actor=supervisor, reason="Claim", until=dt.date(2099, 12, 31), call=call2)
    # Issue 17: a caller who hung up while waiting in the router's queue (nobody signed on).
    route_decide(call_id="matrix-gone", caller="+390612345077", line="800100", at=now - timedelta(seconds=90))
    telephony_event_apply(call_id="matrix-gone", event="abandoned", occurred_at=now - timedelta(seconds=30))
    abandoned = CallRoute.objects.get(call__external_id="matrix-gone", state="abandoned")
    routing = routing_setup(supervisor=supervisor, customer=customer, manager=operator)
    # Issue 17: the routing API's rows: a team, the operator's profile and a routed call.
    team = Team.objects.create(code="north", name="North")
    operator_profile = operator_profile_for(operator)
    route_decide(call_id="matrix-routed", caller="+390612345001", line="800100", at=now)
    routed_call = Call.objects.get(external_id="matrix-routed")
    # Issue 18: customer 2's case waits for the customer (its clocks paused).
    pause_start(actor=operator, intervention=intervention2, reason="customer")
    # Issue 18, shifts: the operator in team north (not its leader) with a shift on 1 June 2026.
    TeamMembership.objects.create(team=team, user=operator, role="operator")
    shift = shift_save(
        actor=supervisor, user=operator, team=team, day=dt.date(2026, 6, 1), start=dt.time(8), end=dt.time(17)
    )
    minimum = LineCoverageMinimum.objects.create(line=routing["gas_line"], from_hour=0, to_hour=24, minimum=1)
    # Issue 18, teams and on-call: north's area (Turin's province); its technicians ``technician``
    # (alone in the rota, so always on call) and ``colleague``, whom the technician asked to take
    # two hours tomorrow; the technician's calendar address.
    team_area = team_area_add(actor=supervisor, team=team, kind="province", name="TO")
    colleague = UserFactory(username="colleague", role="technician")
    for person in (technician, colleague):
        team_member_set(actor=supervisor, team=team, user=person, role="technician")
    rota = rota_save(
        actor=supervisor, team=team, name="Gas", handover_weekday=0, handover_time=dt.time(8),
        starts_on=timezone.localdate(now) - timedelta(days=14), members=[technician],
    )  # fmt: skip
    oncall_from = (now + timedelta(days=1)).replace(microsecond=0)
    oncall_to = oncall_from + timedelta(hours=2)
    cover = swap_request(
        actor=technician, rota=rota, taker=colleague, starts_at=oncall_from, ends_at=oncall_to
    )
    feed = calendar_feed_renew(actor=technician, user=technician)
    # Issue 19: customer 1's major incident on its plant (declared last: it opens its own case).
    incident = incident_declare(
        actor=supervisor, node=plant, title="Cabin P1 down", public_message="Gas is off in the area."
    )
    # Issue 20: a fax nobody could match, waiting in the inbox; a message that could not be read.
    fax_source = InboundSource(name="faxes", kind="fax")
    blank_page = io.BytesIO()
    Image.new("1", (200, 280), 1).save(blank_page, format="PDF")
    fax_item, _ = item_keep(
        source=fax_source, fetched=Fetched(key="1", raw=blank_page.getvalue(), message_id="matrix-fax")
    )
    received_fax = item_process(item=fax_item).fax
    garbled, _ = item_keep(
        source=InboundSource(name="replies", kind="reply"),
        fetched=Fetched(key="2", raw=b"garbage", message_id="matrix-bad"),
    )
    inbound_failed = item_process(item=garbled)
    ended_call = call_logged(users, plant)
    services.call_update(actor=operator, call=ended_call, ended_at=timezone.now())
    # Issue 21: a month's sample of the operator's calls, one reviewed, one waiting for its review.
    criterion = ReviewCriterion.objects.create(name="Greeting", weight=1)
    review_sample = ReviewSample.objects.create(
        month=dt.date(2026, 11, 1), operator=operator, seed=1, size=10
    )
    reviewed = ReviewItem.objects.create(sample=review_sample, call=ended_call, reason="random", rank=1)
    review_item = ReviewItem.objects.create(sample=review_sample, call=call, reason="complaint", rank=2)
    review = review_submit(actor=supervisor, item=reviewed, points={criterion.pk: 4})
    # Issue 21: a complaint an operator wrote down, for the supervisors to handle.
    complaint = complaint_open(actor=operator, call=call, text="Waited too long on the phone.")
    # Issue 21: a call's recording (a real WAV, written by the standard library), in a folder of the test's own.
    monkeypatch.setattr(
        CallRecording._meta.get_field("file"), "storage", FileSystemStorage(location=str(tmp_path))
    )
    wav = io.BytesIO()
    with wave.open(wav, "wb") as writer:
        (
            writer.setnchannels(1),
            writer.setsampwidth(2),
            writer.setframerate(8000),
            writer.writeframes(b"\x00\x01" * 8000),
        )
    wav.seek(0)
    recording, _ = recording_store(call=call, stream=wav, source="upload")
    ids = {
        "ended_call": ended_call.pk, "criterion": criterion.pk, "review_sample": review_sample.pk,
        "review_item": review_item.pk, "review": review.pk,
        "received_fax": received_fax.pk, "inbound_failed": inbound_failed.pk, "complaint": complaint.pk, "recording": recording.pk,
        "call": call.pk, "call2": call2.pk, "intervention": intervention.pk, "intervention2": intervention2.pk,
        "plant": plant.pk, "plant2": other_plant.pk, "customer": customer.pk, "customer2": other_customer.pk,
        "document": document.pk, "photo": step.document_id, "fax": fax.pk, "callback": callback.pk, "signoff": signoff.pk,
        "signoff2": signoff2.pk, "run": run.pk, "run2": run2.pk, "profile": profile.pk,
        "notification": notification.pk, "technician": technician.pk, "technician2_id": users["technician2"].pk,
        "contact_point": contact_point.pk, "privacy_request": privacy_request.pk, "privacy_answered": privacy_answered.pk, "hold": hold.pk,
        "abandoned": abandoned.pk,
        "now": now.isoformat(), "in_two_hours": timezone.localtime(now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "step_id": str(uuid.uuid4()),
        "rule_version": routing["version"].pk, "queue": routing["gas_queue"].pk, "gas_line": routing["gas_line"].pk,
        "skill": routing["gas"].pk, "class_rule": routing["classes"]["vip"].rules.get().pk,
        "caller_class": CallerClass.objects.get(code="gold").pk, "team": team.pk, "line": routing["gas_line"].pk,
        "operator_profile": operator_profile.pk, "routed_call": routed_call.pk, "supervisor_id": supervisor.pk,
        "today": timezone.localdate(now).isoformat(),
        "shift": shift.pk, "operator_id": operator.pk, "minimum": minimum.pk, "shift_roster": f"/shifts/?month=2026-06&team={team.pk}",
        "chain": EscalationChain.objects.get(case_type__isnull=True, priority=1).pk,
        "team_area": team_area.pk, "colleague": colleague.pk, "rota": rota.pk, "cover": cover.pk,
        "feed_token": feed.token, "oncall_from": oncall_from.isoformat(), "oncall_to": oncall_to.isoformat(),
        "oncall_from_local": timezone.localtime(oncall_from).strftime("%Y-%m-%dT%H:%M"),
        "oncall_to_local": timezone.localtime(oncall_to).strftime("%Y-%m-%dT%H:%M"),
        "incident": incident.pk, "incident_token": incident.public_token,
    }  # fmt: skip
    clients = {
        "pages": lambda role: Client() if role == "anon" else browser(role),
        "api": lambda role: client_for(None if role == "anon" else role),
    }
    return {"ids": ids, "users": users, "clients": clients, "intervention": intervention}


def sign_in(world: dict, rows) -> None:
    """The clients these rows need, signed in before any snapshot (signing in writes the user's
    last_login, a session, a token): ``world["pages"]`` and ``world["api"]``, by role."""
    for kind in {"api" if row.api else "pages" for row in rows}:
        if kind not in world:
            world[kind] = {role: world["clients"][kind](role) for role in ROLES}


def fill(value, ids: dict, role: str, users: dict):
    """A URL, query or body template with the world's ids (and the role's own credentials)."""
    if isinstance(value, dict):
        # Keys too: a form field may be named after a row ("points_{criterion}").
        return {fill(key, ids, role, users): fill(item, ids, role, users) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, ids, role, users) for item in value]
    if not isinstance(value, str):
        return value
    credentials = {
        "username": users[role].username if role != "anon" else "operator",
        "password": f"demo-{users[role].username}" if role != "anon" else "not-the-password",
    }
    return value.format(**ids, **credentials)


# ----------------------------------------------------------------------------------------------
# The snapshot: what a refused request must leave as it was

# Written by signing in (sessions, API tokens) or by a refused sign-in, which axes counts: that
# count is the refusal's purpose, not a change the request made.
SNAPSHOT_SKIPPED_APPS = ("sessions", "knox", "axes")


def snapshot() -> dict:
    """Per managed model: its row count and the SHA-256 of all its rows in primary-key order. Read
    with plain SQL (``SELECT * ... ORDER BY pk``): the ORM's ``values_list()`` gave the same
    rows fifteen times slower, and the matrix takes hundreds of these."""
    state = {}
    quote_name = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in apps.get_models():
            meta = model._meta
            if not meta.managed or meta.proxy or meta.app_label in SNAPSHOT_SKIPPED_APPS:
                continue
            cursor.execute(f"SELECT * FROM {quote_name(meta.db_table)} ORDER BY {quote_name(meta.pk.column)}")
            rows = cursor.fetchall()
            state[meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return state


def snapshot_difference(before: dict, after: dict) -> list[str]:
    return [
        f"{label}: {before[label][0]} → {after[label][0]} rows"
        + ("" if before[label][0] != after[label][0] else " (rows changed)")
        for label in before
        if before[label] != after[label]
    ]


# ----------------------------------------------------------------------------------------------
# Asking and judging


def describe(response) -> str:
    if response.status_code not in (301, 302, 303, 307, 308):
        return str(response.status_code)
    location = response["Location"]
    if location.startswith("/accounts/login/"):
        return f"{response.status_code} → login ({location})"
    if location.startswith("/admin/login/"):
        return f"{response.status_code} → admin login ({location})"
    return f"{response.status_code} → {location}"


def expected_text(expected, ids) -> str:
    if isinstance(expected, To):
        if expected in (LOGIN, ADMIN_LOGIN):
            return f"302 → {expected.path}"
        return f"302 → {expected.path.format(**ids)}"
    if expected == 302:
        return "302 → (a page, not a login page)"
    return str(expected)


def matches(expected, response, path: str, ids: dict) -> bool:
    code = response.status_code
    if isinstance(expected, To):
        if code != 302:
            return False
        location = urlsplit(response["Location"])
        if expected in (LOGIN, ADMIN_LOGIN):
            login = "/accounts/login/" if expected == LOGIN else "/admin/login/"
            after = parse_qs(location.query).get("next", [""])[0]
            return location.path == login and urlsplit(after).path == path
        return response["Location"] == expected.path.format(**ids)
    if code != expected:
        return False
    return code != 302 or not response["Location"].startswith(("/accounts/login/", "/admin/login/"))


def ask(row: Row, role: str, world: dict, url: str):
    ids, users = world["ids"], world["users"]
    if row.method == "GET":
        client = world["api" if row.api else "pages"][role]
        return client.get(url, fill(row.query or {}, ids, role, users))
    body = fill(row.body, ids, role, users) if row.body else None
    if row.api:
        client = world["api"][role]
        if row.upload:
            body[row.upload] = SimpleUploadedFile(f"{row.upload}.csv", body[row.upload].encode())
            return getattr(client, row.method.lower())(url, body, format="multipart")
        return getattr(client, row.method.lower())(url, body, format="json")
    client = world["pages"][role]
    if row.method == "POST":
        return client.post(url, body or {})
    return client.generic(row.method, url)


def drive(intervention, state, users):
    """Take the world's intervention (assigned) on to ``state`` through the services."""
    intervention = Intervention.objects.get(pk=intervention.pk)
    steps = {
        S.ACKNOWLEDGED: lambda i: services.intervention_acknowledge(
            actor=users["technician"], intervention=i
        ),
        S.ON_SITE: lambda i: services.intervention_arrive(actor=users["technician"], intervention=i),
        S.COMPLETED: lambda i: services.intervention_complete(
            actor=users["technician"], intervention=i, closing_reason="Loose fitting tightened"
        ),
    }
    order = [S.ACKNOWLEDGED, S.ON_SITE, S.COMPLETED]
    for target in order[: order.index(state) + 1]:
        intervention = steps[target](intervention)
    return intervention


def run_cases(cases: list[tuple[Row, str, bool]], world: dict, capture) -> list[str]:
    """Ask every (row, role, .json twin or not), each in a savepoint rolled back after; return
    the failures, in words."""
    failures = []
    ids = world["ids"]
    by_row: dict[Row, list[tuple[str, bool]]] = {}
    for row, role, twin in cases:
        by_row.setdefault(row, []).append((role, twin))
    sign_in(world, by_row)
    for row, asks in by_row.items():
        outer = transaction.savepoint()
        try:
            if row.state:
                drive(world["intervention"], row.state, world["users"])
            before = None
            for role, twin in asks:
                expected = row.codes[role]
                url = row.url.format(**ids)
                asked = format_twin(url) if twin else url
                refused = expected in (LOGIN, ADMIN_LOGIN) or (
                    isinstance(expected, int) and expected in REFUSED
                )
                check_nothing_changed = refused and (row.method not in SAFE_METHODS or row.writes)
                # Served: the API's 2xx, a page's redirect after its form (a page's 200 to a POST
                # is its form shown again, as the login page does for a wrong password).
                served = row.api or expected == 302 or isinstance(expected, To)
                check_changed = not refused and served and row.method not in SAFE_METHODS and row.changes
                if (check_nothing_changed or check_changed) and before is None:
                    before = snapshot()
                where = f"{row.name} as {role}" + (f" ({asked})" if twin else "")
                inner = transaction.savepoint()
                try:
                    with capture() as callbacks:
                        try:
                            response = ask(row, role, world, asked)
                            got, ok = describe(response), matches(expected, response, asked, ids)
                        except Exception as exc:  # a 500: the test client raises the view's exception
                            got, ok = f"500 ({type(exc).__name__}: {exc})", False
                    if not ok:
                        failures.append(f"{where}: expected {expected_text(expected, ids)}, got {got}")
                    if check_nothing_changed:
                        changed = snapshot_difference(before, snapshot())
                        if changed:
                            failures.append(f"{where}: refused ({got}) but changed {changed}")
                    if check_changed and ok and not snapshot_difference(before, snapshot()):
                        failures.append(f"{where}: served ({got}) but changed nothing: was the body refused?")
                    if refused and callbacks:
                        failures.append(
                            f"{where}: refused ({got}) but queued {len(callbacks)} on_commit callback(s)"
                        )
                finally:
                    transaction.savepoint_rollback(inner)
        finally:
            transaction.savepoint_rollback(outer)
    return failures


# ----------------------------------------------------------------------------------------------
# The tests


def _cases():
    """One test per route pattern with every row, role and .json twin of it."""
    grouped: dict[str, list] = {}
    for row in MATRIX:
        for role in ROLES:
            for twin in (False, True) if has_format_twin(row) else (False,):
                grouped.setdefault(row.pattern or "(root)", []).append((row, role, twin))
    return [pytest.param(cases, id=pattern) for pattern, cases in grouped.items()]


@pytest.mark.parametrize("cases", _cases())
def test_access_matrix(cases, world, django_capture_on_commit_callbacks):
    failures = run_cases(cases, world, django_capture_on_commit_callbacks)
    assert not failures, "\n" + "\n".join(failures)


def test_every_route_has_a_row():
    routes = set(url_patterns())
    rows = {row.pattern for row in MATRIX}
    covered = (
        rows
        | {p for p in routes if p.startswith(ADMIN_PREFIX)}
        | {p for p in routes if format_base(p) in rows}
    )
    missing = sorted(routes - covered)
    stale = sorted(rows - routes)
    assert not missing, "routes without a row in MATRIX:\n" + "\n".join(missing)
    assert not stale, "rows matching no route:\n" + "\n".join(stale)


def test_each_row_reaches_its_route():
    ids = dict.fromkeys(
        ["call", "call2", "intervention", "intervention2", "plant", "plant2", "customer", "customer2", "document",
         "photo", "fax", "callback", "signoff", "signoff2", "run", "run2", "profile", "notification", "technician",
         "technician2_id", "contact_point", "privacy_request", "privacy_answered", "hold", "abandoned", "rule_version",
         "queue", "gas_line", "skill", "class_rule", "caller_class", "team", "line", "operator_profile", "routed_call",
         "shift", "minimum", "chain", "team_area", "operator_id", "rota", "cover", "incident", "received_fax", "inbound_failed",
         "ended_call", "complaint", "recording", "criterion", "review_sample", "review_item", "review"], 7,
    ) | {"now": "2026-01-01T00:00:00+00:00", "in_two_hours": "2026-01-01T02:00", "step_id": "x", "today": "2026-01-01", "feed_token": "x",
         "incident_token": "x"}  # fmt: skip
    wrong = []
    for row in MATRIX:
        url = row.url.format(**ids)
        if normalise(resolve(url).route) != row.pattern:
            wrong.append(f"{row.name}: {url} resolves to {normalise(resolve(url).route)}")
        if has_format_twin(row) and format_base(normalise(resolve(format_twin(url)).route)) != row.pattern:
            wrong.append(f"{row.name}: {format_twin(url)} is not its format-suffix twin")
    assert not wrong, "\n".join(wrong)


# ----------------------------------------------------------------------------------------------
# The admin: every other pattern is behind AdminSite.admin_view (is_staff)


def admin_example_url(pattern: str, ids: dict) -> str:
    url = "/" + pattern
    url = url.replace("<path:object_id>", str(ids["call"])).replace("<id>", str(ids["user"]))
    url = url.replace("<path:content_type_id>", str(ids["content_type"])).replace("<app_label>", "dispatch")
    return url.replace("<url>", "no/such/page/")


def test_admin_routes_need_staff(users, plant, browser):
    """Every admin/ pattern but the login page (rows or not) sends a signed-in user who is not
    staff, and a signed-out one, to the admin's login page (log-out: to the index, which does);
    a staff superuser is served, so the admin rows are about staff, not about a broken admin."""
    from django.contrib.contenttypes.models import ContentType

    from dispatch.models import Call

    call = call_logged(users, plant)
    ids = {
        "call": call.pk,
        "user": users["operator"].pk,
        "content_type": ContentType.objects.get_for_model(Call).pk,
    }
    patterns = [p for p in url_patterns() if p.startswith(ADMIN_PREFIX) and p != "admin/login/"]
    assert len(patterns) > 100
    clients = {"supervisor (not staff)": browser("supervisor"), "signed out": Client()}
    wrong = []
    for pattern in patterns:
        url = admin_example_url(pattern, ids)
        for who, client in clients.items():
            response = client.get(url)
            ok = response.status_code == 302 and response["Location"].startswith("/admin/login/")
            if pattern == "admin/logout/":
                # admin_view sends whoever is not staff asking to log out to the index (then login).
                ok = response.status_code == 302 and response["Location"] == "/admin/"
            if not ok:
                wrong.append(f"{pattern} ({url}) as {who}: {describe(response)}")
    assert not wrong, "\n".join(wrong)
    staff = UserFactory(username="matrix-admin")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/dispatch/call/").status_code == 200


# ----------------------------------------------------------------------------------------------
# Webhooks: signed or tokened as the gateways do, and forged


def _telephony(world, *, secret=TELEPHONY_SECRET, timestamp=None, body=None, headers=True):
    payload = {
        "call_id": "pbx-77",
        "event": "ring",
        "timestamp": timezone.now().isoformat(),
        "caller": "347 123 4567",
    }
    raw = body if body is not None else json.dumps(payload).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = telephony_signature(secret=secret, timestamp=stamp, body=raw)
    meta = {"HTTP_X_PRONTO_TIMESTAMP": stamp, "HTTP_X_PRONTO_SIGNATURE": signature} if headers else {}
    return lambda client: client.post("/api/telephony/events/", raw, content_type="application/json", **meta)


def _phone_system(path, payload, *, secret=TELEPHONY_SECRET):
    raw = json.dumps(payload).encode()
    stamp = str(int(time.time()))
    signature = telephony_signature(secret=secret, timestamp=stamp, body=raw)
    meta = {"HTTP_X_PRONTO_TIMESTAMP": stamp, "HTTP_X_PRONTO_SIGNATURE": signature}
    return lambda client: client.post(path, raw, content_type="application/json", **meta)


def _route(world, **kwargs):
    payload = {"call_id": "pbx-78", "caller": "347 123 4567", "line": "800100", "timestamp": time.time()}
    return _phone_system("/api/telephony/route/", payload, **kwargs)


def _dlr(world, *, token=None, dlr_type="1", pk=None):
    pk = pk or world["ids"]["notification"]
    query = {"type": dlr_type, "smsc_reply": "ACK/"}
    if token is not False:
        query["token"] = token or status_token(pk)
    return lambda client: client.get(f"/api/notifications/{pk}/status/", query)


def _sms(world, *, token=SMS_INBOUND_TOKEN, text=None):
    query = {"sender": TECHNICIAN_SMS, "text": text or f"OK {world['ids']['intervention']}"}
    if token is not None:
        query["token"] = token
    return lambda client: client.get("/api/notifications/sms/inbound/", query)


def _sms_posted(world, *, token=SMS_INBOUND_TOKEN, form=False):
    text = f"OK {world['ids']['intervention']}"
    if form:
        body = urlencode({"sender": TECHNICIAN_SMS, "text": text})
        return lambda client: client.post(
            "/api/notifications/sms/inbound/",
            body,
            content_type="application/x-www-form-urlencoded",
            HTTP_X_PRONTO_TOKEN=token,
        )
    url = f"/api/notifications/sms/inbound/?{urlencode({'token': token})}"
    return lambda client: client.post(
        url, text.encode(), content_type='text/plain; charset="UTF-8"', HTTP_X_KANNEL_FROM=TECHNICIAN_SMS
    )


WEBHOOKS = [
    ("api/telephony/events/", "signed by the phone system", lambda w: _telephony(w), 201),
    ("api/telephony/events/", "no signature headers", lambda w: _telephony(w, headers=False), 403),
    ("api/telephony/events/", "signed with another secret", lambda w: _telephony(w, secret="not-the-secret"), 403),
    ("api/telephony/events/", "timestamp an hour old", lambda w: _telephony(w, timestamp=int(time.time()) - 3600), 403),
    ("api/telephony/events/", "signed, body not an event", lambda w: _telephony(w, body=b'{"event": "explode"}'), 400),
    ("api/telephony/route/", "signed by the phone system", lambda w: _route(w), 200),
    ("api/telephony/route/", "signed with another secret", lambda w: _route(w, secret="not-the-secret"), 403),
    # Nothing waits, nobody is free: the poll answers and changes nothing (5th column: changes).
    ("api/telephony/queue/", "signed by the phone system", lambda w: _phone_system("/api/telephony/queue/", {"waiting": ["pbx-78"]}), 200, False),
    ("api/telephony/queue/", "signed with another secret", lambda w: _phone_system("/api/telephony/queue/", {"waiting": []}, secret="x"), 403),
    ("api/notifications/<int:pk>/status/", "the row's token", lambda w: _dlr(w), 200),
    ("api/notifications/<int:pk>/status/", "another row's token", lambda w: _dlr(w, token=status_token(w["ids"]["notification"] + 1)), 403),
    ("api/notifications/<int:pk>/status/", "no token", lambda w: _dlr(w, token=False), 400),
    ("api/notifications/<int:pk>/status/", "a row that does not exist, its own token", lambda w: _dlr(w, pk=999_999), 404),
    ("api/notifications/sms/inbound/", "the gateway's token", lambda w: _sms(w), 200),
    ("api/notifications/sms/inbound/", "a wrong token", lambda w: _sms(w, token="wrong"), 403),
    ("api/notifications/sms/inbound/", "no token", lambda w: _sms(w, token=None), 400),
    ("api/notifications/sms/inbound/", "Kannel's post-url, the gateway's token", lambda w: _sms_posted(w), 200),
    ("api/notifications/sms/inbound/", "a form, the token as X-Pronto-Token", lambda w: _sms_posted(w, form=True), 200),
    ("api/notifications/sms/inbound/", "Kannel's post-url, a wrong token", lambda w: _sms_posted(w, token="wrong"), 403),
]  # fmt: skip


def _webhook_groups():
    grouped: dict[str, list] = {}
    for pattern, label, make, code, *changes in WEBHOOKS:
        grouped.setdefault(pattern, []).append((label, make, code, changes[0] if changes else True))
    return [pytest.param(pattern, cases, id=pattern) for pattern, cases in grouped.items()]


@pytest.mark.parametrize(("pattern", "cases"), _webhook_groups())
def test_webhooks(pattern, cases, world, django_capture_on_commit_callbacks):
    """Each webhook as its gateway calls it (served, and the database changed) and forged or
    malformed (refused, nothing changed, nothing queued); each case in a savepoint."""
    failures = []
    before = snapshot()
    for label, make, expected, changes_expected in cases:
        send = make(world)
        savepoint = transaction.savepoint()
        try:
            with django_capture_on_commit_callbacks() as callbacks:
                response = send(Client())
            changed = snapshot_difference(before, snapshot())
        finally:
            transaction.savepoint_rollback(savepoint)
        if response.status_code != expected:
            failures.append(
                f"{label}: expected {expected}, got {response.status_code} {response.content[:200]!r}"
            )
        if normalise(resolve(response.request["PATH_INFO"]).route) != pattern:
            failures.append(f"{label}: {response.request['PATH_INFO']} is not {pattern}")
        if expected in REFUSED and (changed or callbacks):
            failures.append(
                f"{label}: refused but changed {changed}, queued {len(callbacks)} on_commit callback(s)"
            )
        if expected not in REFUSED and changes_expected and not changed:
            failures.append(f"{label}: served but changed nothing")
    assert not failures, "\n" + "\n".join(failures)


def test_a_replayed_telephony_request_is_refused_and_changes_nothing(
    world, django_capture_on_commit_callbacks
):
    send = _telephony(world)
    assert send(Client()).status_code == 201
    before = snapshot()
    with django_capture_on_commit_callbacks() as callbacks:
        again = send(Client())
    assert again.status_code == 403 and b"Replayed" in again.content
    assert snapshot_difference(before, snapshot()) == [] and callbacks == []


# ----------------------------------------------------------------------------------------------
# Beyond status codes


def test_the_delivery_log_does_not_reach_utility_users_through_the_history(world):
    """Utility users are refused an intervention's delivery log (403 on
    ``api/interventions/<int:pk>/notifications/``; the page shows them no notifications panel),
    but they read its history, on the page and in the API: that history must not carry it."""
    pk = world["ids"]["intervention"]
    page = world["clients"]["pages"]("utility").get(f"/interventions/{pk}/")
    history = world["clients"]["api"]("utility").get(f"/api/interventions/{pk}/history/")
    assert (page.status_code, history.status_code) == (200, 200)
    assert TECHNICIAN_SMS not in page.content.decode()
    assert TECHNICIAN_SMS not in history.content.decode()
    queued = [e for e in history.json() if e["kind"] == "notification.queued"]
    assert queued and all(n["recipient"] == "(withheld)" for e in queued for n in e["data"]["notifications"])
    # The call centre still reads who was notified.
    staff = world["clients"]["api"]("operator").get(f"/api/interventions/{pk}/history/")
    assert TECHNICIAN_SMS in staff.content.decode()
