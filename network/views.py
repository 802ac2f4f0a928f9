"""The network's pages: a plant's panel (what feeds it, what it feeds, the reach of a fault
there), loaded by htmx into the pages that show a plant; the supervisors' page to set a plant's
feeder and supply points; the CSV import (every error by line, the text kept)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dispatch import selectors as dispatch_selectors
from dispatch.choices import Role
from dispatch.models import Plant
from dispatch.views.common import role_required
from network import selectors, services
from network.csv_import import IMPORT_MAX_BYTES
from network.forms import ImportForm, NodeForm

READERS = (Role.OPERATOR, Role.SUPERVISOR, Role.TECHNICIAN, Role.UTILITY)
PAGE_LISTED = 200


def _context(request: HttpRequest, plant: Plant, *, limit: int) -> dict[str, Any]:
    node = selectors.node_get(plant=plant)
    chain = selectors.feeders(plant=plant, user=request.user)
    return {
        "plant": plant,
        "node": node,
        "feeders": chain,
        "children": selectors.children(plant=plant, user=request.user),
        "reach": selectors.reach(plant=plant, user=request.user, limit=limit),
    }


@require_GET
@role_required(*READERS)
def plant_panel(request: HttpRequest, pk: int) -> HttpResponse:
    plant = dispatch_selectors.plant_get_for_user(user=request.user, pk=pk)
    return render(request, "network/_plant_panel.html", _context(request, plant, limit=0))


@require_http_methods(["GET", "POST"])
@role_required(Role.SUPERVISOR)
def plant_node(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the plant's place in the network, its reach listed, its latest changes, and the form.
    POST: the feeder (by plant code; empty for a root) and the supply points."""
    plant = dispatch_selectors.plant_get_for_user(user=request.user, pk=pk)
    node = selectors.node_get(plant=plant)
    initial = {
        "feeder": node.feeder.code if node and node.feeder else "",
        "supply_points": node.supply_points if node else 0,
    }
    form = NodeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["feeder"].strip()
        feeder = Plant.objects.filter(code=code).first() if code else None
        if code and feeder is None:
            form.add_error("feeder", _("No plant has the code “%(code)s”.") % {"code": code})
        else:
            try:
                services.supply_node_set(
                    actor=request.user,
                    plant=plant,
                    feeder=feeder,
                    supply_points=form.cleaned_data["supply_points"],
                )
            except ValidationError as error:
                for field, texts in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, texts)
            else:
                messages.success(request, _("The network is saved."))
                return redirect(reverse("network:plant", args=[plant.pk]))
    context = _context(request, plant, limit=PAGE_LISTED)
    context.update({"form": form, "changes": selectors.changes(plant=plant)})
    return render(request, "network/plant.html", context)


def _text_of(upload: Any) -> str:
    raw = upload.read(IMPORT_MAX_BYTES + 1)
    try:
        return str(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return ""


@require_http_methods(["GET", "POST"])
@role_required(Role.SUPERVISOR)
def network_import(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: a file or pasted text; refused, every bad line is listed and the text
    stays in the box to be corrected; imported, the counts."""
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("file")
        content: bytes | str = upload.read(IMPORT_MAX_BYTES + 1) if upload else form.cleaned_data["text"]
        try:
            result = services.network_import(actor=request.user, content=content)
        except ValidationError as error:
            errors = error.message_dict.get("file", error.messages)
            if upload:
                upload.seek(0)
                form = ImportForm(initial={"text": _text_of(upload)})
        else:
            messages.success(
                request,
                _(
                    "%(rows)s rows read: %(created)s nodes added, %(changed)s changed, "
                    "%(unchanged)s as they were."
                )
                % vars(result),
            )
            return redirect(reverse("network:import"))
    return render(request, "network/import.html", {"form": form, "errors": errors})
