"""The inspector's evidence pack: one ZIP with everything Pronto holds about a call.

``call.json`` (the call's row), ``history.json`` (its hash-chained events, with ``prev_hash`` and
``hash``, so the chain can be checked against ``verify_history``), ``interventions.json`` (the
interventions it opened, each with its own history), ``telecontrol_checks.json`` (the plant
checks made during the call or for its interventions), ``notifications.json`` (the outbox rows of
its interventions), the recordings whose audio is still kept (``recordings/<sha256>.<ext>``), and
``manifest.json``: every other file's name, size and SHA-256, and every recording's digest and
deletion, so a file changed after the download is found out.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from typing import IO, Any

from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone

from dispatch.choices import SubjectType
from dispatch.models import Call, Event, Intervention
from notifications.models import Notification
from quality.models import CallRecording
from telecontrol.models import PlantCheck

CHUNK = 64 * 1024


def _rows(queryset: Any) -> Any:
    return json.loads(serializers.serialize("json", queryset))


def _events(subject_type: str, subject_id: int) -> list[dict[str, Any]]:
    events = Event.objects.filter(subject_type=subject_type, subject_id=subject_id).order_by("seq")
    return [
        {
            "seq": event.seq,
            "occurred_at": event.occurred_at,
            "kind": event.kind,
            "actor": event.actor_id,
            "actor_label": event.actor_label,
            "data": event.data,
            "prev_hash": event.prev_hash,
            "hash": event.hash,
        }  # fmt: skip
        for event in events
    ]


def _json(value: Any) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False, sort_keys=True).encode()


def evidence_pack(*, call: Call, generated_by: str) -> tuple[IO[bytes], int]:
    """The ZIP of ``call`` (already found for the user) in a temporary file at its start, and
    its size. Reads only; the caller logs the access."""
    interventions = list(Intervention.objects.filter(call=call).order_by("pk"))
    intervention_ids = [intervention.pk for intervention in interventions]
    checks = PlantCheck.objects.filter(Q(call=call) | Q(intervention_id__in=intervention_ids)).order_by("pk")
    documents: dict[str, bytes] = {
        "call.json": _json(_rows([call])[0]),
        "history.json": _json(_events(SubjectType.CALL, call.pk)),
        "interventions.json": _json(
            [{**row, "history": _events(SubjectType.INTERVENTION, row["pk"])} for row in _rows(interventions)]
        ),
        "telecontrol_checks.json": _json(_rows(checks)),
        "notifications.json": _json(
            _rows(Notification.objects.filter(intervention_id__in=intervention_ids).order_by("pk"))
        ),
    }
    files: list[dict[str, Any]] = []
    recordings: list[dict[str, Any]] = []
    pack = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    with zipfile.ZipFile(pack, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in documents.items():
            archive.writestr(name, content)
            files.append({"name": name, "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()})
        for recording in CallRecording.objects.filter(call=call).order_by("received_at", "pk"):
            entry: dict[str, Any] = {
                "sha256": recording.sha256, "bytes": recording.size_bytes,
                "content_type": recording.content_type, "received_at": recording.received_at,
                "deleted_at": recording.deleted_at,
                "deleted_reason": recording.deleted_reason, "file": None,
            }  # fmt: skip
            if recording.playable:
                name = f"recordings/{(recording.file.name or '').rsplit('/', 1)[-1]}"
                digest = hashlib.sha256()
                with recording.file.open("rb") as audio, archive.open(name, "w") as target:
                    while chunk := audio.read(CHUNK):
                        digest.update(chunk)
                        target.write(chunk)
                files.append({"name": name, "bytes": recording.size_bytes, "sha256": digest.hexdigest()})
                entry["file"] = name
            recordings.append(entry)
        manifest = {
            "call": call.pk, "generated_at": timezone.now(), "generated_by": generated_by,
            "files": files, "recordings": recordings,
        }  # fmt: skip
        archive.writestr("manifest.json", _json(manifest))
    size = pack.tell()
    pack.seek(0)
    return pack, size
