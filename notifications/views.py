"""The notifications' own pages: the embedded outbox and the messages no gateway would take, and
the technicians' contact points (supervisors)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dispatch import services as dispatch_services
from dispatch.choices import Role
from dispatch.models import UserProfile
from dispatch.views import STAFF, form_error_text, role_required
from notifications import selectors, services
from notifications.backends.base import notification_backend
from notifications.choices import Channel


@require_GET
@role_required(*STAFF)
def outbox(request):
    """What the embedded gateway kept (nothing leaves this machine), and failed notifications."""
    backends = {channel: notification_backend(channel).description for channel in ("sms", "email", "fax")}
    return render(
        request,
        "notifications/outbox.html",
        {
            "messages_kept": selectors.outbox_message_list(),
            "failed": selectors.notification_list_failed(),
            "backends": backends,
        },
    )


# ----------------------------------------------------------------------------------------------
# Technicians' contact points, kept by the supervisors


@require_GET
@role_required(Role.SUPERVISOR)
def contact_point_technicians(request):
    """Every technician and the channels an assignment reaches them on, in order."""
    return render(
        request,
        "notifications/contact_point_technicians.html",
        {"technicians": selectors.technician_list_with_contact_points(), "channels": Channel.choices},
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.SUPERVISOR)
def contact_point_list(request, user_id: int):
    """One technician's contact points, and the form to add one."""
    technician = selectors.technician_get(pk=user_id)
    form = {"channel": Channel.SMS, "address": "", "position": str(technician.contact_points.count())}
    error = ""
    if request.method == "POST":
        form = {name: request.POST.get(name, "") for name in ("channel", "address", "position")}
        try:
            services.contact_point_add(actor=request.user, user=technician, **form)
        except ValidationError as exc:
            error = form_error_text(exc)
        else:
            messages.success(request, _("Contact point added."))
            return redirect("notifications:contact-point-list", user_id=technician.pk)
    points = technician.contact_points.order_by("position", "id")
    context = {
        "technician": technician,
        "points": points,
        "form": form,
        "error": error,
        "channels": Channel.choices,
        "language": UserProfile.objects.filter(user=technician).values_list("language", flat=True).first()
        or "",
        "languages": settings.LANGUAGES,
    }
    return render(request, "notifications/contact_point_list.html", context, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
@role_required(Role.SUPERVISOR)
def contact_point_edit(request, user_id: int, pk: int):
    """Change a contact point: channel, address, order, active."""
    technician = selectors.technician_get(pk=user_id)
    point = selectors.contact_point_get_for_technician(technician=technician, pk=pk)
    form: dict[str, object] = {
        "channel": point.channel,
        "address": point.address,
        "position": str(point.position),
        "active": point.active,
    }
    error = ""
    if request.method == "POST":
        channel, address, position = (
            request.POST.get(name, "") for name in ("channel", "address", "position")
        )
        active = request.POST.get("active") == "on"
        form = {"channel": channel, "address": address, "position": position, "active": active}
        try:
            services.contact_point_change(
                actor=request.user,
                point=point,
                channel=channel,
                address=address,
                position=position,
                active=active,
            )
        except ValidationError as exc:
            error = form_error_text(exc)
        else:
            messages.success(request, _("Contact point saved."))
            return redirect("notifications:contact-point-list", user_id=technician.pk)
    context = {
        "technician": technician,
        "point": point,
        "form": form,
        "error": error,
        "channels": Channel.choices,
    }
    return render(request, "notifications/contact_point_edit.html", context, status=400 if error else 200)


@require_POST
@role_required(Role.SUPERVISOR)
def contact_point_active(request, user_id: int, pk: int):
    """Disable a contact point (``active=0``) or enable it again (``active=1``)."""
    technician = selectors.technician_get(pk=user_id)
    point = selectors.contact_point_get_for_technician(technician=technician, pk=pk)
    value = request.POST.get("active", "")
    if value not in ("0", "1"):
        return HttpResponseBadRequest(_("active must be 0 or 1."))
    services.contact_point_set_active(actor=request.user, point=point, active=value == "1")
    messages.success(request, _("Contact point enabled.") if value == "1" else _("Contact point disabled."))
    return redirect("notifications:contact-point-list", user_id=technician.pk)


@require_POST
@role_required(Role.SUPERVISOR)
def contact_point_language(request, user_id: int):
    """The language the technician's messages are written in (empty: the centre's)."""
    technician = selectors.technician_get(pk=user_id)
    try:
        dispatch_services.technician_language_set(
            actor=request.user, technician=technician, language=request.POST.get("language", "")
        )
    except ValidationError as exc:
        return HttpResponseBadRequest(form_error_text(exc))
    messages.success(request, _("Language saved."))
    return redirect("notifications:contact-point-list", user_id=technician.pk)
