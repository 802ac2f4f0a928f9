"""The HylaFAX fax backend against a real, private hfaxd + faxq on loopback (tests/servers/hylafax.py):
what the server queues (checked in its spool and with HylaFAX's own faxstat), how a retry finds
the job an earlier attempt queued, and what each outage or refusal turns into. No database, but
for the sweeper's delivery poll, which follows an assignment's fax row to its end.

There is no modem: an accepted job waits for one forever, which is what ``sent`` means here.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import re
import socket
import socketserver
import threading
import time

import pytest
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from dispatch import services as dispatch_services
from dispatch.models import Event
from notifications import services
from notifications.backends.base import Attachment, GatewayRejected, GatewayUnavailable, OutgoingMessage
from notifications.backends.hylafax import HylafaxFaxBackend, HylafaxLoginRefused
from notifications.models import ContactPoint, Notification
from tests.servers import LOOPBACK
from tests.servers.hylafax import DENIED_USER, HylafaxGateway

pytestmark = pytest.mark.real_component

NUMBER = "+390212345678"
TIMEOUT = 5.0
_ids = itertools.count(1)


def one_page_pdf(text: str = "Intervento 12: perdita di gas, impianto P1") -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawString(60, 780, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def one_page_tiff() -> bytes:
    """TIFF Class F as a fax machine takes it: bilevel, 1728 dots across, fine resolution."""
    page = Image.new("1", (1728, 2292), 1)
    ImageDraw.Draw(page).text((100, 100), "Intervento 12", fill=0)
    buffer = io.BytesIO()
    page.save(buffer, format="TIFF", compression="group4", dpi=(204, 196))
    return buffer.getvalue()


PDF = one_page_pdf()


def message(recipient: str = NUMBER, *, key: str | None = None, attachments=None) -> OutgoingMessage:
    notification_id = next(_ids)
    if attachments is None:
        attachments = (Attachment(f"fax-{notification_id}.pdf", "application/pdf", PDF),)
    return OutgoingMessage(
        notification_id=notification_id,
        idempotency_key=key or f"fax-test-{notification_id}-{time.monotonic_ns()}",
        channel="fax",
        recipient=recipient,
        subject="[Pronto] Intervento 12",
        body="Impianto P1: perdita di gas",
        attachments=tuple(attachments),
    )


def backend_for(host: str, port: int, **options) -> HylafaxFaxBackend:
    # The email-to-fax options share the settings block; the backend must ignore them.
    options = {
        "hylafax_host": host,
        "hylafax_port": port,
        "hylafax_user": "pronto",
        "hylafax_password": "",
        "timeout": TIMEOUT,
        "host": "smtp.invalid",
        "port": 25,
        "from_address": "pronto@localhost",
        "address_template": "{number}@fax.localhost",
        "attach": "pdf",
        **options,
    }
    backend = HylafaxFaxBackend(**options)
    backend.check_config()
    return backend


@pytest.fixture
def backend(hylafax: HylafaxGateway) -> HylafaxFaxBackend:
    credentials = {"hylafax_user": hylafax.user, "hylafax_password": hylafax.password}
    return backend_for(hylafax.host, hylafax.port, **credentials)


# --------------------------------------------------------------------------------------------
# Accepted jobs
# --------------------------------------------------------------------------------------------


def test_send_queues_one_job_with_the_number_tag_and_document(hylafax, backend):
    outgoing = message()

    result = backend.send(outgoing)

    assert result.gateway_id.isdigit() and not result.delivered
    job = hylafax.qfile(result.gateway_id)
    assert job is not None and job["queue"] == "sendq"
    assert job["number"] == NUMBER
    assert job["jobtag"] == outgoing.idempotency_key
    assert job["owner"] == "pronto"
    assert job["notify"] == "none"
    assert job["state"] != "1", "submitted jobs are never left suspended"
    # The uploaded PDF became the job's document, byte for byte.
    [document] = [line for line in job["pdf"].splitlines() if line]
    assert (hylafax.spool / document.rsplit(":", 1)[-1]).read_bytes() == PDF
    # HylaFAX's own client sees it in the send queue, with the same dial string and tag.
    listing = hylafax.faxstat("-s")
    assert f"{result.gateway_id}|" in listing
    [line] = [row for row in listing.splitlines() if row.startswith(f"{result.gateway_id}|")]
    job_id, state, tag, number = line.split("|")
    assert (tag, number.strip()) == (outgoing.idempotency_key, NUMBER)
    assert state.strip() in "PSBWR"


def test_delivery_status_is_unknown_while_the_job_waits_for_a_modem(hylafax, backend):
    result = backend.send(message())

    status = backend.delivery_status(result.gateway_id)

    assert status is not None and status.delivered is None
    assert f"job {result.gateway_id}" in status.detail
    assert any(word in status.detail for word in ("blocked", "ready", "pending", "sleeping", "active"))


def test_find_returns_the_job_queued_with_the_same_key_and_none_for_another(hylafax, backend):
    outgoing = message()
    result = backend.send(outgoing)

    found = backend.find(message(key=outgoing.idempotency_key))
    missing = backend.find(message())

    assert found is not None and found.gateway_id == result.gateway_id and not found.delivered
    assert missing is None


def test_a_retry_with_the_same_key_returns_the_first_job(hylafax, backend):
    outgoing = message()

    first = backend.send(outgoing)
    again = backend.send(dataclasses.replace(outgoing, attempt=2))

    assert again.gateway_id == first.gateway_id
    assert "already queued" in again.detail
    assert hylafax.jobs_tagged(outgoing.idempotency_key) == [first.gateway_id]


def test_tiff_is_uploaded_when_preferred_and_pdf_otherwise(hylafax):
    tiff = one_page_tiff()
    attachments = (
        Attachment("fax.pdf", "application/pdf", PDF),
        Attachment("fax.tif", "image/tiff", tiff),
    )
    options = {"hylafax_user": hylafax.user, "hylafax_password": hylafax.password}
    as_tiff = backend_for(hylafax.host, hylafax.port, hylafax_format="tiff", **options)
    as_pdf = backend_for(hylafax.host, hylafax.port, hylafax_format="pdf", **options)

    tiff_job = hylafax.qfile(as_tiff.send(message(attachments=attachments)).gateway_id)
    pdf_job = hylafax.qfile(as_pdf.send(message(attachments=attachments)).gateway_id)
    only_tiff_job = hylafax.qfile(as_pdf.send(message(attachments=attachments[1:])).gateway_id)

    assert "tiff" in tiff_job and "pdf" not in tiff_job
    assert (hylafax.spool / tiff_job["tiff"].rsplit(":", 1)[-1]).read_bytes() == tiff
    assert "pdf" in pdf_job and "tiff" not in pdf_job
    assert "tiff" in only_tiff_job


def test_delivery_status_reports_hylafax_giving_up_and_finishing(hylafax, backend):
    result = backend.send(message())
    killed = hylafax.kill_job(result.gateway_id)  # as the owner would with faxrm

    failed = backend.delivery_status(result.gateway_id)

    assert killed["state"] == "8"
    assert failed.delivered is False
    assert failed.failed_reason and failed.failed_reason == killed["status"]
    # No modem here can finish a job: write the end state faxq writes after the last page, and
    # let hfaxd report it through the protocol.
    hylafax.rewrite_qfile(result.gateway_id, state="7", status="")
    done = backend.delivery_status(result.gateway_id)
    assert done.delivered is True and not done.failed_reason


def test_delivery_status_of_a_job_hylafax_does_not_know(backend):
    status = backend.delivery_status("31999")

    assert status is not None and status.delivered is None
    assert "no longer lists job 31999" in status.detail


# --------------------------------------------------------------------------------------------
# The sweeper follows a fax row to its end
# --------------------------------------------------------------------------------------------


@pytest.fixture
def fax_row(hylafax, users, plant, settings, tmp_path, django_capture_on_commit_callbacks):
    """An assignment's fax, sent through the private HylaFAX by the outbox (the other channels go
    to the embedded outbox): its row is ``sent`` with the job id HylaFAX gave."""
    settings.MEDIA_ROOT = tmp_path
    outbox = {"BACKEND": "notifications.backends.outbox.OutboxBackend", "OPTIONS": {}}
    settings.PRONTO_NOTIFICATION_BACKENDS = {
        "sms": outbox,
        "email": outbox,
        "fax": {
            "BACKEND": "notifications.backends.hylafax.HylafaxFaxBackend",
            "OPTIONS": {
                "hylafax_host": hylafax.host,
                "hylafax_port": hylafax.port,
                "hylafax_user": hylafax.user,
                "hylafax_password": hylafax.password,
                "timeout": TIMEOUT,
            },
        },
    }
    ContactPoint.objects.create(user=users["technician"], channel="fax", address=NUMBER)
    ContactPoint.objects.create(user=users["supervisor"], channel="email", address="boss@example.net")
    intervention = dispatch_services.intervention_open(actor=users["operator"], plant=plant, summary="Gas")
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_services.intervention_assign(
            actor=users["operator"], intervention=intervention, technician=users["technician"]
        )
    row = Notification.objects.get(intervention=intervention, channel="fax")
    assert row.status == "sent" and hylafax.qfile(row.gateway_id)["jobtag"] == row.idempotency_key
    return row


def _sweep(django_capture_on_commit_callbacks) -> dict[str, int]:
    with django_capture_on_commit_callbacks(execute=True):
        return services.notifications_sweep()


@pytest.mark.django_db
def test_the_sweep_leaves_a_waiting_job_sent_and_writes_no_history(
    hylafax, fax_row, django_capture_on_commit_callbacks
):
    events = Event.objects.filter(intervention=fax_row.intervention).count()

    swept = [_sweep(django_capture_on_commit_callbacks) for _ in range(2)]

    fax_row.refresh_from_db()
    assert fax_row.status == "sent" and fax_row.delivery_checked_at is not None
    assert [(s["delivery_polled"], s["delivery_settled"]) for s in swept] == [(1, 0), (1, 0)]
    assert Event.objects.filter(intervention=fax_row.intervention).count() == events


@pytest.mark.django_db
@pytest.mark.parametrize("ending", ["done", "killed"])
def test_the_sweep_makes_a_finished_job_delivered_and_a_killed_one_failed(
    hylafax, fax_row, django_capture_on_commit_callbacks, ending
):
    killed = hylafax.kill_job(fax_row.gateway_id)
    if ending == "done":
        # No modem here can finish a job: write the end state faxq leaves in doneq after the
        # last page, and let hfaxd report it through the protocol.
        hylafax.rewrite_qfile(fax_row.gateway_id, state="7", status="")

    swept = _sweep(django_capture_on_commit_callbacks)
    again = _sweep(django_capture_on_commit_callbacks)

    fax_row.refresh_from_db()
    assert (swept["delivery_polled"], swept["delivery_settled"]) == (1, 1)
    assert again["delivery_polled"] == 0
    kinds = list(Event.objects.filter(intervention=fax_row.intervention).values_list("kind", flat=True))
    if ending == "done":
        assert fax_row.status == "delivered" and fax_row.delivered_at is not None
        assert kinds.count("notification.delivered") == 1
        assert not Notification.objects.filter(reason="supervisor_warning").exists()
    else:
        assert fax_row.status == "failed" and fax_row.last_error == killed["status"]
        assert kinds.count("notification.failed") == 1
        warning = Notification.objects.get(reason="supervisor_warning")
        assert warning.recipient == "boss@example.net" and killed["status"] in warning.body


@pytest.mark.django_db
def test_a_fax_server_that_hangs_costs_the_sweep_one_timeout(
    hylafax, fax_row, django_capture_on_commit_callbacks, users, plant, settings, fault_server
):
    intervention = dispatch_services.intervention_open(actor=users["operator"], plant=plant, summary="Gas")
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_services.intervention_assign(
            actor=users["operator"], intervention=intervention, technician=users["technician"]
        )
    assert Notification.objects.filter(channel="fax", status="sent").count() == 2
    # The fax server now accepts connections and never answers.
    silent = fault_server("silent")
    options = settings.PRONTO_NOTIFICATION_BACKENDS["fax"]["OPTIONS"]
    options.update(hylafax_host=silent.host, hylafax_port=silent.port, timeout=0.5)

    started = time.monotonic()
    swept = _sweep(django_capture_on_commit_callbacks)
    elapsed = time.monotonic() - started

    assert silent.connections == 1 and elapsed < 1.0
    assert swept["delivery_polled"] == 0
    assert set(Notification.objects.filter(channel="fax").values_list("status", flat=True)) == {"sent"}
    # Neither row counts as asked: both go first once the server answers again.
    assert not Notification.objects.filter(delivery_checked_at__isnull=False).exists()


# --------------------------------------------------------------------------------------------
# Outages
# --------------------------------------------------------------------------------------------


def test_gateway_down_is_unavailable_at_once_and_sends_again_once_back(hylafax, backend):
    hylafax.stop()
    outgoing = message()

    started = time.monotonic()
    with pytest.raises(GatewayUnavailable, match="refused the connection"):
        backend.send(outgoing)
    with pytest.raises(GatewayUnavailable):
        backend.find(outgoing)  # "cannot tell" must not read as "not queued"
    with pytest.raises(GatewayUnavailable):
        backend.delivery_status("1")
    assert time.monotonic() - started < 1.0

    hylafax.start()
    result = backend.send(outgoing)
    assert hylafax.jobs_tagged(outgoing.idempotency_key) == [result.gateway_id]


def test_scheduler_down_is_unavailable_and_leaves_no_job_behind(hylafax, backend):
    hylafax.stop_scheduler()
    outgoing = message()

    with pytest.raises(GatewayUnavailable, match="460"):
        backend.send(outgoing)
    # hfaxd deletes the job it could not hand to faxq when the session ends.
    deadline = time.monotonic() + 5
    while hylafax.jobs_tagged(outgoing.idempotency_key) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hylafax.jobs_tagged(outgoing.idempotency_key) == []
    assert backend.find(outgoing) is None

    hylafax.start_scheduler()
    result = backend.send(outgoing)
    assert hylafax.jobs_tagged(outgoing.idempotency_key) == [result.gateway_id]


@pytest.mark.parametrize("timeout", [0.5, 1.5])
def test_silent_server_is_unavailable_within_the_timeout(fault_server, timeout):
    server = fault_server("silent")  # accepts, never sends hfaxd's 220 greeting
    backend = backend_for(server.host, server.port, timeout=timeout)

    started = time.monotonic()
    with pytest.raises(GatewayUnavailable, match=f"did not answer within {timeout:g} s"):
        backend.send(message())
    elapsed = time.monotonic() - started

    assert timeout * 0.9 <= elapsed < timeout + 0.5
    assert server.connections == 1


# --------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "recipient", ["", "+39 02 1234 5678", "0039-02-12345678", "++390212345678", "fax:0212345678", "١٢٣٤٥٦٧"]
)
def test_invalid_number_is_rejected_without_connecting(fault_server, recipient):
    server = fault_server("silent")
    backend = backend_for(server.host, server.port)

    with pytest.raises(GatewayRejected, match="not a fax number"):
        backend.send(message(recipient))

    time.sleep(0.05)
    assert server.connections == 0


def test_message_without_a_pdf_or_tiff_is_rejected_without_connecting(fault_server):
    server = fault_server("silent")
    backend = backend_for(server.host, server.port)
    png = Attachment("map.png", "image/png", b"\x89PNG\r\n\x1a\n")

    with pytest.raises(GatewayRejected, match="no PDF or TIFF"):
        backend.send(message(attachments=[png]))

    time.sleep(0.05)
    assert server.connections == 0


@pytest.mark.parametrize(
    "attachment, words",
    [
        (Attachment("fax.pdf", "application/pdf", b"this is not a PDF at all\n" * 40), "not a PDF file"),
        (Attachment("fax.tif", "image/tiff", b"GIF89a" + bytes(100)), "not a TIFF file"),
    ],
)
def test_a_corrupt_document_is_rejected_without_connecting(fault_server, attachment, words):
    # hfaxd itself would queue it (it types documents by the FORM sent before them), and the job
    # would fail only when faxq converts it, once a modem is free.
    server = fault_server("silent")
    backend = backend_for(server.host, server.port)

    with pytest.raises(GatewayRejected, match=words) as raised:
        backend.send(message(attachments=[attachment]))

    assert attachment.filename in str(raised.value)
    time.sleep(0.05)
    assert server.connections == 0


@pytest.mark.parametrize(
    "user, password, words",
    [
        ("pronto", "wrong-password", "530 Login incorrect"),
        ("pronto", "", "asks a password"),
        # hfaxd asks every unknown or barred user for a password, so as not to tell which exist.
        (DENIED_USER, "any-password", "530 Login incorrect"),
    ],
)
def test_refused_login_fails_the_message_with_a_reason_for_the_supervisor(hylafax, user, password, words):
    backend = backend_for(hylafax.host, hylafax.port, hylafax_user=user, hylafax_password=password)
    outgoing = message()

    with pytest.raises(HylafaxLoginRefused, match=words) as raised:
        backend.send(outgoing)

    assert isinstance(raised.value, GatewayRejected)
    assert user in str(raised.value)
    assert "wrong-password" not in str(raised.value)
    assert hylafax.jobs_tagged(outgoing.idempotency_key) == []


# --------------------------------------------------------------------------------------------
# Refusals the real hfaxd never makes here, from a scripted stand-in
# --------------------------------------------------------------------------------------------


class _ScriptedHandler(socketserver.StreamRequestHandler):
    server: ScriptedHfaxd

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply(self.server.replies.get("GREETING", "220 scripted hfaxd ready."))
        data_listener: socket.socket | None = None
        for raw in self.rfile:
            line = raw.decode().strip()
            self.server.commands.append(line)
            words = line.split()
            key = " ".join(words[:2]).upper() if words[0].upper() == "JPARM" else words[0].upper()
            if key in self.server.replies:
                self.reply(self.server.replies[key])
            elif key == "PASV":
                data_listener = socket.create_server((LOOPBACK, 0))
                port = data_listener.getsockname()[1]
                self.reply(f"227 Entering Passive Mode (127,0,0,1,{port // 256},{port % 256})")
            elif key in ("STOT", "LIST"):
                assert data_listener is not None
                self.reply(f"150 {'FILE: /tmp/doc1.pdf ' if key == 'STOT' else ''}(Opening data connection).")
                connection, _ = data_listener.accept()
                with connection:
                    while key == "STOT" and connection.recv(65536):
                        pass
                data_listener.close()
                self.reply("226 Transfer complete (FILE: /tmp/doc1.pdf)." if key == "STOT" else "226 Done.")
            elif key == "QUIT":
                self.reply("221 Goodbye.")
                return
            else:
                self.reply(DEFAULT_REPLIES.get(key, "200 OK."))


DEFAULT_REPLIES = {
    "USER": "230 User logged in.",
    "JNEW": "200 New job created: jobid: 7 groupid: 7.",
    "JSUBM": "200 Job 7 submitted.",
}


class ScriptedHfaxd(socketserver.ThreadingTCPServer):
    """Just enough of hfaxd's protocol (passive uploads and listings included) for the backend to
    reach every step, answering ``replies[command]`` (``"JPARM DIALSTRING"``, ``"JSUBM"``, or
    ``"GREETING"``) where given. A real hfaxd takes any dial string and any document, so its
    refusals of a message can only be staged."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, replies: dict[str, str]) -> None:
        self.replies = replies
        self.commands: list[str] = []
        super().__init__((LOOPBACK, 0), _ScriptedHandler)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server_address[1]


@pytest.fixture
def scripted():
    servers: list[ScriptedHfaxd] = []

    def make(**replies: str) -> ScriptedHfaxd:
        server = ScriptedHfaxd({key.replace("_", " "): value for key, value in replies.items()})
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


def test_the_scripted_stand_in_accepts_what_the_real_hfaxd_accepts(scripted):
    server = scripted()

    result = backend_for(LOOPBACK, server.port).send(message())

    assert result.gateway_id == "7"
    assert [c.split()[0] for c in server.commands][-2:] == ["JSUBM", "QUIT"]


@pytest.mark.parametrize(
    "step, reply, words",
    [
        ("JPARM_DIALSTRING", "550 Dial string not permitted.", re.escape(f"number {NUMBER}: 550 Dial")),
        ("JPARM_DOCUMENT", "550 /tmp/doc1.pdf: Document type not recognized.", "the document 'fax-"),
        ("JSUBM", "504 Cannot submit job 7; null or missing MODEM parameter.", "job 7 for .*504 Cannot"),
    ],
)
def test_a_5xx_about_the_number_document_or_job_rejects_the_message(scripted, step, reply, words):
    server = scripted(**{step: reply})

    with pytest.raises(GatewayRejected, match=words) as raised:
        backend_for(LOOPBACK, server.port).send(message())

    assert not isinstance(raised.value, HylafaxLoginRefused)
    assert reply.split(".")[0].split(";")[0] in str(raised.value)


@pytest.mark.parametrize(
    "step, reply, words",
    [
        ("GREETING", "421 Service not available, closing control connection.", "421 Service not available"),
        ("JNEW", "503 Cannot open/create job description file /sendq/q7.", "503 Cannot open"),
        ("JNEW", "200 New job created.", "no job id"),
        ("JSUBM", "450 Job file lock failed.", "450 Job file lock"),
        ("JOBFMT", "500 JOBFMT not understood.", "500 JOBFMT"),
    ],
)
def test_other_refusals_and_odd_replies_leave_the_message_for_a_retry(scripted, step, reply, words):
    server = scripted(**{step: reply})

    # A retry: it lists the queues (JOBFMT) before queueing again; a first attempt does not.
    with pytest.raises(GatewayUnavailable, match=words):
        backend_for(LOOPBACK, server.port).send(dataclasses.replace(message(), attempt=2))
