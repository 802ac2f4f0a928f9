"""The inbound pages: the fax inbox (operators and supervisors file a fax with two clicks: pick
the plant or the intervention, file) and the failures (supervisors: reason, raw message, retry,
dismiss)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dispatch import selectors as dispatch_selectors
from dispatch.choices import Role
from dispatch.inputs import id_parse
from dispatch.views import STAFF, form_error_text, role_required

from . import selectors, services
from .services.faxes import ACTIVE

# Above this many plants the inbox asks for a plant code instead of listing every plant.
PLANTS_LISTED = 300


@require_GET
@role_required(*STAFF)
def fax_inbox(request):
    """Faxes that matched no plant, each with its two-click filing form; the latest filed."""
    plants = dispatch_selectors.plant_list_for_user(user=request.user).filter(active=True).order_by("code")
    interventions = (
        dispatch_selectors.intervention_list_for_user(user=request.user)
        .filter(status__in=ACTIVE)
        .select_related("plant")
        .order_by("-id")[:100]
    )
    context = {
        "faxes": selectors.fax_list_inbox(user=request.user),
        "filed": selectors.fax_list_filed(user=request.user),
        "plants": list(plants[: PLANTS_LISTED + 1]),
        "plants_listed": PLANTS_LISTED,
        "interventions": interventions,
        "sources": list(settings.PRONTO_INBOUND_SOURCES),
    }
    return render(request, "inbound/fax_inbox.html", context)


@require_POST
@role_required(*STAFF)
def fax_file(request, pk: int):
    """File one fax: ``target`` is ``i:<intervention id>`` or ``p:<plant id>``, or ``code`` a
    plant's code."""
    fax = selectors.fax_get_for_user(user=request.user, pk=pk)
    target = request.POST.get("target", "")
    code = request.POST.get("code", "").strip()
    plant = intervention = None
    kind, _sep, raw_id = target.partition(":")
    number = id_parse(raw_id)
    try:
        if kind == "i" and number is not None:
            intervention = dispatch_selectors.intervention_get_for_user(user=request.user, pk=number)
        elif kind == "p" and number is not None:
            plant = dispatch_selectors.plant_list_for_user(user=request.user).filter(pk=number).first()
        elif code:
            plant = dispatch_selectors.plant_list_for_user(user=request.user).filter(code=code).first()
            if plant is None:
                raise ValidationError({"code": _("No plant has the code %(code)s.") % {"code": code}})
        services.fax_file(actor=request.user, fax=fax, plant=plant, intervention=intervention)
    except (ValidationError, Http404) as exc:
        text = (
            form_error_text(exc) if isinstance(exc, ValidationError) else _("No such plant or intervention.")
        )
        messages.error(request, text)
        return redirect("inbound:fax-inbox")
    fax.refresh_from_db()
    where = f"#{fax.intervention_id}" if fax.intervention_id else str(fax.plant)
    messages.success(request, _("Fax filed on %(where)s.") % {"where": where})
    return redirect("inbound:fax-inbox")


@require_GET
@role_required(*STAFF)
def fax_pdf(request, pk: int):
    """The received fax as PDF (an attachment: PDFs are never rendered inside Pronto's pages)."""
    fax = selectors.fax_get_for_user(user=request.user, pk=pk)
    try:
        handle = fax.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=f"fax-{fax.pk}.pdf", content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@role_required(Role.SUPERVISOR)
def failure_list(request):
    """Messages that could not be processed: why, how often tried, the raw message to download."""
    return render(request, "inbound/failures.html", {"items": selectors.item_list_failed(user=request.user)})


@require_GET
@role_required(Role.SUPERVISOR)
def failure_raw(request, pk: int):
    """The message exactly as received (its SHA-256 in a header, to check it against the row)."""
    item = selectors.item_get_for_user(user=request.user, pk=pk)
    response = HttpResponse(bytes(item.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="inbound-{item.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Pronto-SHA256"] = item.sha256
    return response


@require_POST
@role_required(Role.SUPERVISOR)
def failure_retry(request, pk: int):
    item = services.item_retry(actor=request.user, item=selectors.item_get_for_user(user=request.user, pk=pk))
    if item.status == "failed":
        messages.error(request, _("Still failing: %(error)s") % {"error": item.error})
    else:
        messages.success(request, _("Processed: %(status)s.") % {"status": item.get_status_display()})
    return redirect("inbound:failure-list")


@require_POST
@role_required(Role.SUPERVISOR)
def failure_dismiss(request, pk: int):
    services.item_dismiss(actor=request.user, item=selectors.item_get_for_user(user=request.user, pk=pk))
    messages.success(request, _("Dismissed."))
    return redirect("inbound:failure-list")
