"""The recordings on the call page, the player's audio, and the inspector's evidence pack."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from dispatch import selectors as dispatch_selectors
from dispatch.ports import access_logged
from dispatch.views.common import STAFF, role_required
from quality import selectors, services
from quality.evidence import evidence_pack
from quality.ranges import Unsatisfiable, range_parse, ranged_response


def _listen_counts(range_header: str, size: int) -> bool:
    """A listen is a request for the audio from its first byte: the player's first request (no
    Range, or ``bytes=0-``). The further range requests of the same playback (seeking,
    buffering) start later and are not counted again."""
    try:
        span = range_parse(range_header, size)
    except Unsatisfiable:
        return False
    return span is None or span[0] == 0


@require_GET
@role_required(*STAFF)
def call_recordings(request: HttpRequest, pk: int) -> HttpResponse:
    """The call page's recordings (htmx): a player for the roles that may listen, the listens,
    and, once retention deleted the audio, when and why."""
    call = dispatch_selectors.call_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "quality/_call_recordings.html",
        {
            "call": call,
            "recordings": list(selectors.recording_list_for_call(call=call, user=request.user)),
            "can_listen": selectors.recording_listen_allowed(user=request.user),
        },
    )


@require_GET
@role_required(*STAFF)
def recording_audio(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    """The audio, with range requests so the player seeks. Roles: ``PRONTO_RECORDING_LISTEN_ROLES``
    (403 for the others, before the row is looked up); 404 once the audio is deleted."""
    if not selectors.recording_listen_allowed(user=request.user):
        raise PermissionDenied
    recording = selectors.recording_get_for_user(user=request.user, pk=pk)
    if not recording.playable:
        return HttpResponse(
            _("The audio of this recording was deleted."), status=404, content_type="text/plain"
        )
    range_header = request.headers.get("Range", "")
    extension = (recording.file.name or "").rsplit(".", 1)[-1]
    if _listen_counts(range_header, recording.size_bytes):
        services.recording_listen(recording=recording, user=request.user)
        access_logged(request, kind="recording", call=recording.call)
    return ranged_response(
        recording.file.open("rb"),
        size=recording.size_bytes,
        content_type=recording.content_type,
        range_header=range_header,
        filename=f"call-{recording.call_id}-{recording.sha256[:12]}.{extension}",
    )


class EvidenceSearchForm(forms.Form):
    start = forms.DateTimeField(label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(label=_("To"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    number = forms.CharField(label=_("Caller number"), max_length=40, required=False)

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, datetime) and isinstance(end, datetime) and end < start:
            raise ValidationError(_("The end of the window is before its start."))
        return data


@require_GET
@role_required("supervisor")
def evidence_search(request: HttpRequest) -> HttpResponse:
    """Find a call by time window and caller number, then download its evidence pack."""
    form = EvidenceSearchForm(request.GET or None)
    calls = None
    if form.is_bound and form.is_valid():
        try:
            calls = list(
                selectors.evidence_call_search(
                    user=request.user,
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                    number=form.cleaned_data["number"],
                )
            )
        except ValidationError as exc:
            form.add_error("number", exc.messages)
    return render(request, "quality/evidence.html", {"form": form, "calls": calls})


@require_GET
@role_required("supervisor")
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """``evidence-call-<id>.zip``; each download is in the access log."""
    call = dispatch_selectors.call_get_for_user(user=request.user, pk=pk)
    pack, size = evidence_pack(call=call, generated_by=request.user.get_username())
    access_logged(request, kind="evidence", call=call)
    response = FileResponse(pack, as_attachment=True, filename=f"evidence-call-{call.pk}.zip")
    response["Content-Type"] = "application/zip"
    response["Content-Length"] = str(size)
    return response
