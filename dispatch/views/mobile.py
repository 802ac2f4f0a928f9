"""The technician's mobile terminal: phone-first pages under /m/, installable (manifest and a
service worker scoped to /m/), readable offline once opened; the steps taken on them are queued
on the phone (static/technician.js) and sent to ``POST /api/interventions/{id}/steps/``."""

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from clocks.choices import ClockState, Metric
from clocks.selectors import case_clocks
from dispatch import selectors, services
from dispatch.choices import DocumentKind, InterventionStatus, Role
from dispatch.roles import has_role
from dispatch.timeline import timeline_for
from dispatch.transitions import TRANSITIONS
from dispatch.views.common import ALL_ROLES, role_required
from telecontrol.selectors import plant_state_get

OPEN_FOR_TECHNICIAN = (
    InterventionStatus.ASSIGNED,
    InterventionStatus.ACKNOWLEDGED,
    InterventionStatus.ON_SITE,
)


# The phone shows the latest events only: the whole history is on the desktop page.
MOBILE_HISTORY = 20

# The steps that move an intervention on from the phone, in the order they are taken.
PHONE_TRANSITIONS = ("acknowledge", "arrive", "complete")


@dataclass(frozen=True)
class PhoneStep:
    """A state-changing step as the phone offers it: ``sources`` and ``target`` come from the
    state machine so that technician.js can work out, from the steps still queued on the phone,
    which ones are valid next without asking the server."""

    action: str
    order: int
    sources: str
    target: str
    valid: bool


def phone_steps(status: str) -> list[PhoneStep]:
    """The state-changing steps for an intervention in ``status``: those valid now first (in the
    order they are taken), then the others, which the page hides."""
    steps = [
        PhoneStep(
            action=action,
            order=order,
            sources=" ".join(sorted(TRANSITIONS[action].sources)),
            target=TRANSITIONS[action].target,
            valid=status in TRANSITIONS[action].sources,
        )
        for order, action in enumerate(PHONE_TRANSITIONS)
    ]
    return sorted(steps, key=lambda step: not step.valid)


def map_links(plant) -> dict[str, str]:
    """Where the plant is, for the phone's own maps app (a ``geo:`` URI: RFC 5870 with the
    ``q`` label that Android and iOS maps read) and, with coordinates, a web map for a phone
    that has no app for ``geo:``. Without coordinates the maps app searches the address."""
    if plant.latitude is not None and plant.longitude is not None:
        where = f"{plant.latitude},{plant.longitude}"
        label = quote(f"{plant.code} {plant.name}".strip(), safe="")
        return {
            "geo": f"geo:{where}?q={where}({label})",
            "web": f"https://www.openstreetmap.org/?mlat={plant.latitude}&mlon={plant.longitude}#map=17/"
            f"{plant.latitude}/{plant.longitude}",
        }
    address = ", ".join(part for part in (plant.address.strip(), plant.municipality.strip()) if part)
    if not address:
        return {"geo": "", "web": ""}
    return {"geo": f"geo:0,0?q={quote(address, safe='')}", "web": ""}


@require_GET
@role_required(Role.TECHNICIAN)
def my_interventions(request):
    interventions = (
        selectors.intervention_list_for_user(user=request.user)
        .filter(technician=request.user)
        .not_final()
        .order_by("priority", "opened_at")
    )
    return render(
        request,
        "mobile/list.html",
        {"interventions": interventions, "profile": selectors.technician_profile_get(user=request.user)},
    )


@require_POST
@role_required(Role.TECHNICIAN)
def duty(request):
    """On or off duty, from the phone's list page (the API has the same: ``/api/me/duty/``)."""
    services.technician_duty_set(actor=request.user, on_duty=request.POST.get("on_duty") == "1")
    return redirect("dispatch:m-list")


@require_GET
@role_required(*ALL_ROLES)
def intervention(request, pk):
    """The page the SMS links to. Anyone who is not a technician gets the desktop page."""
    if not has_role(request.user, Role.TECHNICIAN):
        return redirect("dispatch:intervention-detail", pk=pk)
    item = selectors.intervention_get_for_user(user=request.user, pk=pk)
    plant = item.plant
    context = {
        "profile": selectors.technician_profile_get(user=request.user),
        "intervention": item,
        "plant": plant,
        "can_step": item.technician_id == request.user.pk and item.status in OPEN_FOR_TECHNICIAN,
        "documents": selectors.plant_document_list_for_user(user=request.user)
        .filter(plant=plant, kind=DocumentKind.DOCUMENT)
        .order_by("title")[:20],
        "faxes": selectors.plant_document_list_for_user(user=request.user)
        .filter(plant=plant, kind=DocumentKind.FAX_RECEIVED)
        .order_by("-received_at", "-pk")[:10],
        "photos": selectors.intervention_photos(intervention=item, user=request.user),
        "photo_max_pixels": settings.PRONTO_PHOTO_MAX_PIXELS,
        "state": plant_state_get(plant=plant),
        "past": plant.interventions.exclude(pk=item.pk).order_by("-opened_at")[:10],
        # The same sentences as the desk's pages, newest first: what happened last matters on site.
        "timeline": timeline_for(
            request.user, selectors.event_list_for_subject(subject=item, user=request.user)
        )[::-1][:MOBILE_HISTORY],
        "steps": phone_steps(item.status),
        "map": map_links(plant),
        # Issue 18: the case's service-level clocks (when it must be acknowledged, reached, done).
        "clocks": _clocks(item.pk),
    }
    return render(request, "mobile/intervention.html", context)


def _clocks(pk: int) -> list[dict]:
    labels, states = dict(Metric.choices), dict(ClockState.choices)
    found = case_clocks([pk], now=timezone.now()).get(pk, [])
    return [
        {"metric": labels[c.metric], "state": c.state, "label": states[c.state], "due_at": c.due_at}
        for c in found
    ]


SW_ASSETS = ("technician.js", "mobile.css")


def _assets_version() -> str:
    """Part of the worker's cache name: a changed script or style changes the worker itself, so
    phones install it and drop the old copies (static names carry no hash outside production).
    Every page load asks for the worker: the files are read again only when they change."""
    stamps = []
    for name in SW_ASSETS:
        path = finders.find(name)
        if path:
            stat = os.stat(path)
            stamps.append((path, stat.st_mtime_ns, stat.st_size))
    return _assets_digest(tuple(stamps))


@lru_cache(maxsize=8)
def _assets_digest(stamps: tuple) -> str:
    digest = hashlib.sha256()
    for path, _mtime, _size in stamps:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:12]


@require_GET
@never_cache
def service_worker(request):
    """Served from /m/ so that its scope is the technician's pages. No sign-in: it holds no data."""
    body = render(
        request,
        "mobile/sw.js",
        {"assets": [static(name) for name in SW_ASSETS], "version": _assets_version()},
    ).content
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    return response


@require_GET
def manifest(request):
    return render(request, "mobile/manifest.webmanifest", {}, content_type="application/manifest+json")
