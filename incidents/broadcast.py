"""An incident's updates on their way out: one outbox row (``notifications.Notification``) per
recipient and update, written in the update's transaction, then handed to the gateways.

Who gets what:

- every update (the declaration too): each of the customer's contacts with an email address, by
  email, with the status page's link. The utility hears of a major incident on its network as
  soon as it is declared.
- a new message, a new estimate, the resolution (``BROADCAST_KINDS``): each subscriber still
  subscribed, by SMS to its number. The declaration is not texted: nobody has subscribed yet
  when it is written (callers subscribe on their call, afterwards).

Once each: a subscriber is one row per number (``IncidentSubscriber``), so a caller who called
five times gets one SMS per update; the rows' idempotency keys (``inc:<update>:s<subscriber>``,
``inc:<update>:c<contact>``) and ``IncidentDelivery``'s unique constraints refuse a second row,
and ``update_broadcast`` skips the recipients an update already has, so running it again adds
only those who subscribed since.

At the gateway's pace: the SMS rows get ``next_attempt_at`` spaced ``1 / PRONTO_INCIDENT_SMS_RATE
_PER_SECOND`` apart, after the incident SMS already waiting (two updates in a row never double
the rate), and one task (``update_deliver``) walks them in that order, sleeping until each is
due. The emails (a customer's handful of contacts) go at once, each by the ordinary
``notification_send`` task. See docs/incidents.md, "Updates and their delivery".
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from dispatch.bulk import rows_insert
from dispatch.models import Contact
from dispatch.queue import task_enqueue_each_on_commit, task_enqueue_on_commit, task_send
from dispatch.timing import seconds_between, shifted
from incidents.choices import BROADCAST_KINDS, UpdateKind
from incidents.models import IncidentDelivery, IncidentSubscriber, IncidentUpdate, MajorIncident
from notifications.choices import Channel, NotificationReason, NotificationStatus
from notifications.models import Notification
from notifications.services import notification_deliver
from notifications.services.outbox import NOTIFICATION_SEND
from notifications.sms_text import sms_fit

S = NotificationStatus
UPDATE_DELIVER = "incidents.tasks.update_deliver"
SMS_MAX_PARTS = 3
# One run of ``update_deliver`` hands rows to the gateway for at most this long, then queues
# itself again for the rest: a worker slot is never held for the whole of a 10,000-row broadcast,
# and the task ends well within its soft time limit (``incidents.tasks``).
DRAIN_SLICE_SECONDS = 45.0
# Rows read per query while draining.
DRAIN_BATCH = 500
# Behind schedule by more than this (a slow gateway): the rows still waiting move later by the
# delay, so none becomes "due for long" and the notifications sweeper (which re-sends rows due
# for PRONTO_NOTIFICATION_SWEEP_SECONDS) does not send them all at once beside the drain.
RESCHEDULE_AFTER_SECONDS = 5.0


def sms_rate() -> float:
    return max(0.01, float(settings.PRONTO_INCIDENT_SMS_RATE_PER_SECOND))


def status_url(incident: MajorIncident) -> str:
    # The status page is public: the token is the key.
    return settings.PRONTO_PUBLIC_URL + reverse("incidents:status", args=[incident.public_token])


def _when(moment: datetime, *, now: datetime) -> str:
    """A short local time: ``14:30`` today, ``5/3 14:30`` another day (the locale's order)."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localtime(now).date():
        return formats.time_format(local, "H:i")
    return formats.date_format(local, _("j/n H:i"))


def sms_text(update: IncidentUpdate, *, now: datetime) -> str:
    """What a subscriber reads: who writes, the public text and, while not resolved, the
    estimate; shortened to three SMS at most."""
    incident = update.incident
    text = _("%(customer)s: %(text)s") % {"customer": incident.customer.name, "text": update.public_text}
    if update.kind != UpdateKind.RESOLVED and update.eta is not None:
        text += " " + _("Expected back by %(when)s.") % {"when": _when(update.eta, now=now)}
    return sms_fit(text, max_parts=SMS_MAX_PARTS)


def email_text(update: IncidentUpdate, *, now: datetime) -> tuple[str, str]:
    """The contacts' email: subject and body, with the status page's link."""
    incident = update.incident
    subject = _("[Pronto] Major incident: %(title)s (%(what)s)") % {
        "title": incident.title,
        "what": update.get_kind_display(),
    }
    lines = [
        incident.title,
        _("Plant: %(node)s") % {"node": f"{incident.node.code} {incident.node.name}"},
        _("State: %(state)s") % {"state": incident.get_state_display()},
        "",
        update.public_text,
    ]
    if update.eta is not None and update.kind != UpdateKind.RESOLVED:
        lines.append(_("Expected back by %(when)s.") % {"when": _when(update.eta, now=now)})
    lines += ["", _("Status page: %(url)s") % {"url": status_url(incident)}]
    return subject[:200], "\n".join(lines)


@dataclass(frozen=True)
class _Recipients:
    subscribers: list[tuple[int, str]]  # (subscriber id, number) still without this update
    contacts: list[tuple[int, str]]  # (contact id, email) still without this update


def _recipients(update: IncidentUpdate) -> _Recipients:
    done = IncidentDelivery.objects.filter(update=update)
    subscribers: list[tuple[int, str]] = []
    if update.kind in BROADCAST_KINDS:
        subscribers = list(
            IncidentSubscriber.objects.filter(incident_id=update.incident_id, unsubscribed_at__isnull=True)
            .exclude(pk__in=done.filter(subscriber__isnull=False).values("subscriber_id"))
            .order_by("subscribed_at", "pk")
            .values_list("pk", "number")
        )
    contacts = list(
        Contact.objects.filter(customer_id=update.incident.customer_id)
        .exclude(email="")
        .exclude(pk__in=done.filter(contact__isnull=False).values("contact_id"))
        .order_by("pk")
        .values_list("pk", "email")
    )
    return _Recipients(subscribers, contacts)


def _sms_start(now: datetime, rate: float) -> datetime:
    """When this broadcast's first SMS may go: now, or just after the last incident SMS still
    waiting for its first attempt (another update's), so the gateway's rate holds for both."""
    last = Notification.objects.filter(
        reason=NotificationReason.INCIDENT_UPDATE, channel=Channel.SMS, status=S.PENDING, attempts=0
    ).aggregate(last=Max("next_attempt_at"))["last"]
    if last is None or last < now:
        return now
    return shifted(last, timedelta(seconds=1 / rate))


def _row(*, key: str, channel: str, recipient: str, subject: str, body: str, due: datetime, now: datetime):
    return Notification(
        reason=NotificationReason.INCIDENT_UPDATE,
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=body,
        attachments=[],
        idempotency_key=key,
        status=S.PENDING,
        attempts=0,
        next_attempt_at=due,
        gateway_id="",
        last_error="",
        created_at=now,
        escalation_step=0,
    )


def update_broadcast(*, update: IncidentUpdate, now: datetime | None = None) -> int:
    """Write the outbox rows of ``update`` for every recipient it does not have yet (see the
    module's docstring for who) and their ``IncidentDelivery`` rows, in the caller's transaction;
    after commit, queue the emails' delivery and one ``update_deliver`` task for the SMS. Returns
    the number of rows written (0 when run again for an update that has them all).

    Takes the update's row lock, so two runs for one update are serialised and the second finds
    the first's rows. Texts are in the site's language (``LANGUAGE_CODE``), not the language of
    the supervisor whose request wrote the update."""
    now = now or timezone.now()
    with transaction.atomic():
        update = (
            IncidentUpdate.objects.select_for_update(of=("self",))
            .select_related("incident__customer", "incident__node")
            .get(pk=update.pk)
        )
        recipients = _recipients(update)
        if not recipients.subscribers and not recipients.contacts:
            return 0
        with translation.override(settings.LANGUAGE_CODE):
            body = sms_text(update, now=now) if recipients.subscribers else ""
            subject, email_body = email_text(update, now=now)
        rate = sms_rate()
        start = _sms_start(now, rate) if recipients.subscribers else now
        rows = [
            _row(
                key=f"inc:{update.pk}:s{pk}",
                channel=Channel.SMS,
                recipient=number,
                subject="",
                body=body,
                due=start + timedelta(seconds=n / rate),
                now=now,
            )
            for n, (pk, number) in enumerate(recipients.subscribers)
        ]
        emails = [
            _row(
                key=f"inc:{update.pk}:c{pk}",
                channel=Channel.EMAIL,
                recipient=address,
                subject=subject,
                body=email_body,
                due=now,
                now=now,
            )
            for pk, address in recipients.contacts
        ]
        rows_insert(Notification, [*rows, *emails], returning_pk=True)
        deliveries = [
            {"update_id": update.pk, "subscriber_id": pk, "contact_id": None, "notification_id": row.pk}
            for (pk, _number), row in zip(recipients.subscribers, rows, strict=True)
        ] + [
            {"update_id": update.pk, "subscriber_id": None, "contact_id": pk, "notification_id": row.pk}
            for (pk, _address), row in zip(recipients.contacts, emails, strict=True)
        ]
        rows_insert(IncidentDelivery, deliveries)
    task_enqueue_each_on_commit(NOTIFICATION_SEND, [(row.pk,) for row in emails])
    if rows:
        task_enqueue_on_commit(UPDATE_DELIVER, update.pk, countdown=max(0.0, seconds_between(now, start)))
    return len(rows) + len(emails)


# ----------------------------------------------------------------------------------------------
# Handing the SMS to the gateway at its rate


def _waiting(update_id: int) -> list[tuple[int, datetime]]:
    """The update's SMS rows not yet tried, in their order (retries are the outbox's own: a row
    that failed once is sent again by ``notification_send`` at its retry time)."""
    return list(
        Notification.objects.filter(
            incident_delivery__update_id=update_id, channel=Channel.SMS, status=S.PENDING, attempts=0
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "next_attempt_at")[:DRAIN_BATCH]
    )


def _reschedule(*, after: datetime, by: float) -> int:
    """Move every incident SMS still waiting from ``after`` on (this update's and any queued
    behind it) ``by`` seconds later, keeping their spacing."""
    return Notification.objects.filter(
        reason=NotificationReason.INCIDENT_UPDATE,
        channel=Channel.SMS,
        status=S.PENDING,
        attempts=0,
        next_attempt_at__gte=after,
    ).update(next_attempt_at=F("next_attempt_at") + timedelta(seconds=by))


def _parallel() -> int:
    """How many gateway calls the drain makes at once. Each ``sendsms`` answers in 20-30 ms, so
    one at a time tops out near 40 a second whatever the rate; in parallel the configured rate is
    reached. Only on PostgreSQL and outside a transaction: SQLite takes one writer at a time (the
    embedded demo sends one by one), and rows inside an open transaction are invisible to the
    other threads' connections."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, int(settings.PRONTO_INCIDENT_SMS_PARALLEL))


def _deliver_here(pk: int) -> str:
    return notification_deliver(notification_id=pk)


def _deliver_in_thread(pk: int) -> str:
    try:
        return notification_deliver(notification_id=pk)
    finally:
        connection.close()  # this thread's own connection: not left open after the drain


def update_deliver(
    *, update_id: int, budget_seconds: float = DRAIN_SLICE_SECONDS, sleep=time.sleep
) -> dict[str, int]:
    """Hand ``update_id``'s SMS rows to the gateway, each when it is due (sleeping until then),
    through ``notifications.services.notification_deliver``, for at most ``budget_seconds``;
    then queue ``incidents.tasks.update_deliver`` again for the rest. Up to ``_parallel()``
    gateway calls run at once (threads), the pace still set by the rows' times.

    Idempotent and safe beside itself and the sweeper: ``notification_deliver`` claims a row
    under its lock only while it is pending and due, so a row is sent once whoever gets there
    first. No lock is held while sleeping or while the gateway answers. Returns counts
    ``{"handed": rows this run took, "left": 1 when it queued itself again, else 0}``."""
    parallel = _parallel()
    if parallel == 1:
        return _drain(update_id, budget_seconds, sleep, hand=_deliver_here)
    slots = threading.BoundedSemaphore(parallel)
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="incident-sms") as pool:

        def hand(pk: int) -> None:
            slots.acquire()  # never more calls waiting than threads: the pace stays the rows'
            pool.submit(_deliver_in_thread, pk).add_done_callback(lambda _future: slots.release())

        return _drain(update_id, budget_seconds, sleep, hand=hand)


def _drain(update_id: int, budget_seconds: float, sleep, *, hand) -> dict[str, int]:
    deadline = time.monotonic() + budget_seconds
    handed = 0
    taken: set[int] = set()  # handed to a thread, maybe not claimed yet: not handed twice
    while True:
        batch = [(pk, due) for pk, due in _waiting(update_id) if pk not in taken]
        if not batch:
            return {"handed": handed, "left": 0}
        for pk, due in batch:
            wait = seconds_between(timezone.now(), due)
            if wait < -RESCHEDULE_AFTER_SECONDS:
                _reschedule(after=due, by=-wait)
                break  # the rows' times changed: read them again
            if time.monotonic() + max(wait, 0.0) > deadline:
                task_send(UPDATE_DELIVER, update_id, countdown=max(0.0, wait))
                return {"handed": handed, "left": 1}
            if wait > 0:
                sleep(wait)
            status = hand(pk)
            if status == S.PENDING and not Notification.objects.filter(pk=pk, attempts__gt=0).exists():
                break  # not due after all (moved later meanwhile): read the rows again
            taken.add(pk)
            handed += 1
