"""Call recordings: received (uploaded or fetched), listened to, deleted when their retention ends.

Each write leaves an event on the call's history: the digest of what was received, who listened,
when the audio was deleted and why. The history is what proves a recording existed and was not
changed (the evidence pack lists the same digest).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.history import event_record
from dispatch.models import Call
from dispatch.queue import task_enqueue_on_commit
from quality.audio import SNIFF_BYTES, audio_duration, audio_type_sniff
from quality.backends.http_fetch import FetchRefused, url_check, url_fetch
from quality.choices import RecordingDeletedReason, RecordingSource
from quality.models import CallRecording, RecordingListen, RecordingRetention

logger = logging.getLogger(__name__)
CHUNK = 64 * 1024


def _call_by_external_id(external_call_id: str) -> Call:
    call = Call.objects.filter(external_id=external_call_id).first() if external_call_id else None
    if call is None:
        raise ValidationError({"call_id": _("No call has this phone system id.")})
    return call


def _copy_bounded(stream: IO[bytes]) -> tuple[IO[bytes], str, int]:
    """``stream`` copied into a temporary file, with its SHA-256 and size; refused past the bound."""
    limit = settings.PRONTO_RECORDING_MAX_BYTES
    copy = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            copy.close()
            raise ValidationError(
                {"file": _("The recording is larger than %(limit)s bytes.") % {"limit": limit}}
            )
        digest.update(chunk)
        copy.write(chunk)
    copy.seek(0)
    return copy, digest.hexdigest(), size


def _file_put(recording: CallRecording, name: str, content: IO[bytes], size: int) -> None:
    """Store the audio under ``name`` (its call and digest). The same name holding as many bytes
    is the same file, left by a transaction that failed after storing it: reused, not copied
    again beside it. A shorter one (a write cut off) is replaced."""
    storage = recording.file.storage
    if storage.exists(name):
        if storage.size(name) == size:
            recording.file.name = name
            return
        storage.delete(name)
    recording.file.save(name, File(content), save=False)


def recording_store(
    *, call: Call, stream: IO[bytes], source: str, source_url: str = ""
) -> tuple[CallRecording, bool]:
    """Keep ``stream`` as a recording of ``call`` if its content is WAV, MP3 or Ogg (Opus, Vorbis).

    Returns the recording and whether it is new: the same bytes handed over again (a retry) are
    the recording already kept. Takes the call's row lock for the history event. Raises
    ``ValidationError`` (nothing kept) for a file too large, empty or of another type.
    """
    copy, sha256, size = _copy_bounded(stream)
    try:
        head = copy.read(SNIFF_BYTES)
        copy.seek(0)
        kind = audio_type_sniff(head)
        if kind is None:
            raise ValidationError({"file": _("This is not a WAV, MP3 or Ogg (Opus, Vorbis) recording.")})
        duration = audio_duration(copy, kind)
        with transaction.atomic():
            locked = Call.objects.select_for_update().get(pk=call.pk)
            existing = CallRecording.objects.filter(call=locked, sha256=sha256).first()
            if existing is not None:
                return existing, False
            recording = CallRecording(
                call=locked, sha256=sha256, size_bytes=size, content_type=kind.content_type,
                duration_seconds=duration, source=source, source_url=source_url, received_at=timezone.now(),
            )  # fmt: skip
            _file_put(recording, f"calls/{locked.pk}/{sha256}.{kind.extension}", copy, size)
            recording.save()
            event_record(
                subject=locked,
                kind="recording.received",
                actor=None,
                data={
                    "recording": recording.pk, "sha256": sha256, "bytes": size, "format": kind.name,
                    "duration_seconds": duration, "source": source,
                },
            )  # fmt: skip
    finally:
        copy.close()
    return recording, True


def recording_receive(*, external_call_id: str, stream: IO[bytes]) -> tuple[CallRecording, bool]:
    """The phone system uploaded a call's recording (the body is the audio)."""
    call = _call_by_external_id(external_call_id)
    return recording_store(call=call, stream=stream, source=RecordingSource.UPLOAD)


def recording_fetch_request(*, external_call_id: str, url: str) -> Call:
    """The phone system says where a call's recording is: fetched after commit by
    ``quality.tasks.recording_fetch``. The URL is checked now (scheme, host, address) so that a
    refusal is the phone system's 400, not a silent failure later."""
    call = _call_by_external_id(external_call_id)
    try:
        url_check(url, allow_private=settings.PRONTO_RECORDING_FETCH_ALLOW_PRIVATE)
    except FetchRefused as exc:
        raise ValidationError({"url": str(exc)}) from exc
    task_enqueue_on_commit("quality.tasks.recording_fetch", call.pk, url)
    return call


def recording_fetch(*, call_id: int, url: str) -> CallRecording | None:
    """Download ``url`` and keep it as ``call_id``'s recording (idempotent: by digest).

    A refusal (address, size, time, type) is logged and recorded on the call's history; the
    phone system still holds the file and may hand it over again."""
    call = Call.objects.get(pk=call_id)
    try:
        body = url_fetch(
            url,
            max_bytes=settings.PRONTO_RECORDING_MAX_BYTES,
            timeout=settings.PRONTO_RECORDING_FETCH_TIMEOUT_SECONDS,
            allow_private=settings.PRONTO_RECORDING_FETCH_ALLOW_PRIVATE,
        )
        with body:
            recording, _created = recording_store(
                call=call, stream=body, source=RecordingSource.FETCH, source_url=url
            )
        return recording
    except (FetchRefused, ValidationError) as exc:
        reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        logger.warning("recording of call %s not fetched from %s: %s", call_id, url, reason)
        with transaction.atomic():
            locked = Call.objects.select_for_update().get(pk=call_id)
            event_record(
                subject=locked, kind="recording.fetch_failed", actor=None, data={"url": url, "why": reason}
            )
        return None


def recording_listen(*, recording: CallRecording, user: Any) -> RecordingListen:
    """``user`` started listening to ``recording``: a row and an event on the call's history."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=recording.call_id)
        listen = RecordingListen.objects.create(recording=recording, user=user, listened_at=timezone.now())
        event_record(
            subject=call,
            kind="recording.listened",
            actor=user,
            data={"recording": recording.pk, "sha256": recording.sha256},
        )
    return listen


def retention_days_for(*, call: Call, rules: list[RecordingRetention] | None = None) -> int:
    """Days ``call``'s recordings are kept: the most specific rule for its plant's customer and
    its type; ``PRONTO_RECORDING_RETENTION_DAYS`` when none matches."""
    customer_id = call.plant.customer_id if call.plant_id and call.plant else None
    if rules is None:
        rules = list(RecordingRetention.objects.all())
    best: tuple[int, int] | None = None
    for rule in rules:
        if rule.customer_id is not None and rule.customer_id != customer_id:
            continue
        if rule.call_type and rule.call_type != call.call_type:
            continue
        rank = (2 if rule.customer_id is not None else 0) + (1 if rule.call_type else 0)
        if best is None or rank > best[0]:
            best = (rank, rule.days)
    return best[1] if best else int(settings.PRONTO_RECORDING_RETENTION_DAYS)


def recordings_expire(*, now: datetime | None = None, batch: int = 200) -> int:
    """Delete the audio of recordings past their retention; the rows stay (digest, size, when
    deleted). Idempotent: a deleted recording is skipped; each one is deleted under its call's
    lock, so two runs at once delete it once. Returns how many were deleted."""
    now = now or timezone.now()
    rules = list(RecordingRetention.objects.all())
    shortest = min([rule.days for rule in rules] + [int(settings.PRONTO_RECORDING_RETENTION_DAYS)])
    candidates = (
        CallRecording.objects.filter(deleted_at__isnull=True, received_at__lt=now - timedelta(days=shortest))
        .select_related("call__plant")
        .order_by("received_at", "pk")
    )
    deleted = 0
    # ``batch`` bounds the deletions, not the rows looked at: recordings kept longer by their rule
    # (older than the shortest period, not yet past their own) must not hide the expired behind them.
    for recording in candidates.iterator(chunk_size=500):
        days = retention_days_for(call=recording.call, rules=rules)
        if recording.received_at >= now - timedelta(days=days):
            continue
        if _recording_delete(recording_id=recording.pk, days=days, now=now):
            deleted += 1
            if deleted >= batch:
                break
    return deleted


def _recording_delete(*, recording_id: int, days: int, now: datetime) -> bool:
    with transaction.atomic():
        call_id = CallRecording.objects.values_list("call_id", flat=True).get(pk=recording_id)
        call = Call.objects.select_for_update().get(pk=call_id)
        recording = CallRecording.objects.get(pk=recording_id)
        if recording.deleted_at is not None:
            return False
        name = recording.file.name
        recording.file = ""
        recording.deleted_at = now
        recording.deleted_reason = RecordingDeletedReason.RETENTION
        recording.save(update_fields=["file", "deleted_at", "deleted_reason"])
        event_record(
            subject=call,
            kind="recording.deleted",
            actor=None,
            data={"recording": recording.pk, "sha256": recording.sha256, "reason": "retention", "days": days},
        )
        # The bytes go once the row says so: a failed commit leaves the audio where it was.
        if name:
            storage = recording.file.storage
            transaction.on_commit(lambda: storage.delete(name))
    return True
