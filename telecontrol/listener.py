"""The MQTT telemetry listener behind ``manage.py telemetry_listen``.

Messages arrive on the MQTT client's network thread, are validated there and merged into the
latest message per plant; the main thread flushes that batch into ``PlantState`` every
``PRONTO_TELEMETRY_FLUSH_SECONDS`` with one bulk upsert. A commit per message would be
fsync-bound at a few hundred a second; a batch keeps up with the broker.

Messages are acknowledged to the broker after the batch that holds them is committed, so several
listeners can share the topics (``PRONTO_MQTT_SHARE_GROUP``) and any of them can be killed
without losing a message: what it had not committed comes back from the broker, and the
services apply a repeat as a no-op (docs/telecontrol.md, "Scaling out and securing the listener").
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from ops.metrics import TELEMETRY_RECEIVED, telemetry_flushed
from ops.services import process_heartbeat_record

from .backends.base import MqttTls, mqtt_subscriber_class
from .choices import FLAG_ALARMS, Protocol, RejectionReason
from .payloads import (
    AlarmMessage,
    PayloadRejected,
    TelemetryMessage,
    alarm_parse,
    telemetry_merged,
    telemetry_parse,
    topic_parse,
)
from .selectors import mqtt_plant_codes
from .services import (
    plant_comms_sweep,
    plant_signs_of_life_record,
    telemetry_apply,
    telemetry_rejections_record,
)

logger = logging.getLogger(__name__)

# Unknown plant codes trigger a reload of the code map at most this often.
CODE_RELOAD_SECONDS = 10.0


def _observed(message: TelemetryMessage) -> float:
    """Sort key: the instant measured (a stable sort keeps arrival order between equals)."""
    return message.observed_at.timestamp()


@dataclass
class Batch:
    telemetry: dict[str, tuple[TelemetryMessage, set[str], int]] = field(default_factory=dict)
    alarms: list[AlarmMessage] = field(default_factory=list)
    rejected: Counter = field(default_factory=Counter)
    rejected_example: dict[str, str] = field(default_factory=dict)
    # The subscriber's ack tokens of the batch's messages, acknowledged once it is committed.
    acks: list[Any] = field(default_factory=list)


def listener_client_id(
    *, client_id: str | None = None, instance: str | None = None, share_group: str | None = None
) -> str:
    """The MQTT client id of this listener process. The broker keeps one session per client id
    (subscriptions, and the messages queued or in flight for it), so a process restarted under
    the same id takes its messages back; under a new id they wait in the old session until it
    expires. Hence: ``client_id`` as given; else the configured id and the instance number
    (stable across restarts: run instance 1, 2, ... under a process manager); else, with a
    share group, the configured id, host name and process id, unique but not stable."""
    if client_id:
        return client_id
    if instance:
        return f"{settings.PRONTO_MQTT_CLIENT_ID}-{instance}"
    if settings.PRONTO_MQTT_SHARE_GROUP if share_group is None else share_group:
        return f"{settings.PRONTO_MQTT_CLIENT_ID}-{socket.gethostname()}-{os.getpid()}"
    return settings.PRONTO_MQTT_CLIENT_ID


def _tls() -> MqttTls | None:
    if not settings.PRONTO_MQTT_TLS_CA:
        return None
    return MqttTls(
        ca=settings.PRONTO_MQTT_TLS_CA, cert=settings.PRONTO_MQTT_TLS_CERT, key=settings.PRONTO_MQTT_TLS_KEY
    )


class TelemetryListener:
    """Subscribe, validate, batch, apply. ``received``, ``applied`` and ``rejected`` count
    messages, so that ``received == applied + rejected`` once a flush has run."""

    def __init__(
        self, *, host=None, port=None, prefix=None, client_id=None, max_bytes=None, share_group=None
    ) -> None:
        self.prefix = settings.PRONTO_MQTT_TOPIC_PREFIX if prefix is None else prefix.strip("/")
        self.max_bytes = max_bytes or settings.PRONTO_TELEMETRY_MAX_PAYLOAD_BYTES
        topic_root = f"{self.prefix}/" if self.prefix else ""
        self.subscriber = mqtt_subscriber_class()(
            host=host or settings.PRONTO_MQTT_HOST,
            port=port or settings.PRONTO_MQTT_PORT,
            client_id=client_id or listener_client_id(share_group=share_group),
            topics=[f"{topic_root}+/telemetry", f"{topic_root}+/alarm"],
            on_message=self.on_message,
            username=settings.PRONTO_MQTT_USERNAME,
            password=settings.PRONTO_MQTT_PASSWORD,
            share_group=settings.PRONTO_MQTT_SHARE_GROUP if share_group is None else share_group,
            session_expiry=settings.PRONTO_MQTT_SESSION_EXPIRY_SECONDS,
            tls=_tls(),
        )
        self._lock = threading.Lock()
        self._batch = Batch()
        self.received = 0
        self.applied = 0
        self.rejected = 0
        self._codes: dict[str, int] = {}
        self._codes_loaded_at = float("-inf")

    # -- network thread --------------------------------------------------------------------
    def on_message(self, topic: str, payload: bytes, ack: Any = None) -> None:
        received_at = datetime.now(UTC)
        TELEMETRY_RECEIVED.inc()
        try:
            code, kind = topic_parse(topic, self.prefix)
            if kind == "telemetry":
                message = telemetry_parse(code, payload, received_at=received_at, max_bytes=self.max_bytes)
                seen = {flag for flag, _kind in FLAG_ALARMS if getattr(message, flag)}
                with self._lock:
                    self._received(ack)
                    previous = self._batch.telemetry.get(code)
                    if previous is None:
                        self._batch.telemetry[code] = (message, seen, 1)
                    else:
                        earlier, later = sorted((previous[0], message), key=_observed)
                        latest = telemetry_merged(earlier, later)
                        self._batch.telemetry[code] = (latest, previous[1] | seen, previous[2] + 1)
            else:
                alarm = alarm_parse(code, payload, received_at=received_at, max_bytes=self.max_bytes)
                with self._lock:
                    self._received(ack)
                    self._batch.alarms.append(alarm)
        except PayloadRejected as rejection:
            with self._lock:
                self._received(ack)
                self._batch.rejected[rejection.reason] += 1
                self._batch.rejected_example[rejection.reason] = f"{topic[:100]}: {rejection.detail}"

    def _received(self, ack: Any) -> None:
        """Count a message into the batch; the caller holds ``_lock``."""
        self.received += 1
        if ack is not None:
            self._batch.acks.append(ack)

    # -- main thread -------------------------------------------------------------------------
    def _plant_id(self, code: str) -> int | None:
        plant_id = self._codes.get(code)
        if plant_id is None and time.monotonic() - self._codes_loaded_at > CODE_RELOAD_SECONDS:
            self._codes = mqtt_plant_codes()
            self._codes_loaded_at = time.monotonic()
            plant_id = self._codes.get(code)
        return plant_id

    def flush(self) -> int:
        """Apply what arrived since the last flush; returns how many messages it applied. On a
        database error the batch goes back in front of what arrived meanwhile, so nothing is
        lost and nothing newer is overwritten by older data."""
        with self._lock:
            batch, self._batch = self._batch, Batch()
        if not (batch.telemetry or batch.alarms or batch.rejected):
            return 0
        now = timezone.now()
        telemetry: dict[int, tuple[TelemetryMessage, set[str]]] = {}
        alarms: list[tuple[int, AlarmMessage]] = []
        applied = 0
        unknown: Counter[str] = Counter()
        for code, (message, seen, count) in batch.telemetry.items():
            plant_id = self._plant_id(code)
            if plant_id is None:
                unknown[code] += count
                continue
            telemetry[plant_id] = (message, seen)
            applied += count
        for alarm in batch.alarms:
            plant_id = self._plant_id(alarm.plant_code)
            if plant_id is None:
                unknown[alarm.plant_code] += 1
                continue
            alarms.append((plant_id, alarm))
            applied += 1
        rejected = {
            reason: (count, batch.rejected_example[reason]) for reason, count in batch.rejected.items()
        }
        if unknown:
            example = ", ".join(sorted(unknown)[:5])
            rejected[RejectionReason.UNKNOWN_PLANT] = (sum(unknown.values()), f"plant codes: {example}"[:300])
        try:
            telemetry_apply(telemetry, alarms, now=now)
            if alarms:
                plant_signs_of_life_record({plant_id for plant_id, _message in alarms}, now=now)
            if rejected:
                telemetry_rejections_record(rejected, now=now)
        except DatabaseError:
            logger.exception("Telemetry batch not stored; keeping it for the next flush")
            close_old_connections()
            self._requeue(batch)
            return 0
        if batch.acks:
            self.subscriber.ack(batch.acks)
        self.applied += applied
        telemetry_flushed(
            applied=applied, rejected={reason: count for reason, (count, _e) in rejected.items()}
        )
        self.rejected += sum(count for count, _example in rejected.values())
        for reason, (count, _example) in rejected.items():
            logger.warning("Rejected %d telemetry message(s): %s", count, reason)
        return applied

    def _requeue(self, batch: Batch) -> None:
        with self._lock:
            newer = self._batch
            self._batch = batch
            for code, (message, seen, count) in newer.telemetry.items():
                previous = batch.telemetry.get(code)
                if previous is None:
                    batch.telemetry[code] = (message, seen, count)
                else:
                    earlier, later = sorted((previous[0], message), key=_observed)
                    batch.telemetry[code] = (
                        telemetry_merged(earlier, later),
                        seen | previous[1],
                        count + previous[2],
                    )
            batch.alarms.extend(newer.alarms)
            batch.rejected.update(newer.rejected)
            batch.rejected_example.update(newer.rejected_example)
            batch.acks.extend(newer.acks)

    def comms_sweep(self) -> None:
        try:
            plant_comms_sweep(protocol=Protocol.MQTT, now=timezone.now())
        except DatabaseError:
            logger.exception("Communication-loss sweep failed; retrying at the next one")
            close_old_connections()

    def run(self, stop: threading.Event, *, flush_seconds=None, sweep_seconds=None) -> None:
        flush_seconds = flush_seconds or settings.PRONTO_TELEMETRY_FLUSH_SECONDS
        sweep_seconds = sweep_seconds or settings.PRONTO_COMMS_SWEEP_SECONDS
        self.subscriber.start()
        next_sweep = time.monotonic() + sweep_seconds
        try:
            while not stop.wait(flush_seconds):
                try:
                    self.flush()
                    process_heartbeat_record(kind="telemetry_listen")
                    if time.monotonic() >= next_sweep:
                        self.comms_sweep()
                        next_sweep = time.monotonic() + sweep_seconds
                except Exception:
                    # A bug must not stop the listener at 3 a.m.: the plants' next reports bring
                    # their state again, and alarms are reconciled against it.
                    logger.exception("Telemetry batch failed; carrying on")
                    close_old_connections()
        finally:
            # Commit and acknowledge what arrived while still connected; whatever arrives after
            # this flush is committed by the last one but acknowledged no more (the broker sends
            # it again at the next start, and applying it again changes nothing).
            self.flush()
            self.subscriber.stop()
            self.flush()
