"""Timed callbacks: the list, and the alert of those due that every staff page polls."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dispatch import selectors, services
from dispatch.errors import TransitionNotAllowed
from dispatch.views.common import STAFF, form_error_text, role_required


@require_GET
@role_required(*STAFF)
def callbacks_due(request):
    """The header's callbacks link with the number due, and the alert above the page naming the
    first ones; every staff page polls it, so a callback coming due shows wherever they are."""
    count, first = selectors.callbacks_due_for_user(user=request.user)
    now = timezone.now()
    rows = [(callback, selectors.callback_is_overdue(callback, now)) for callback in first]
    return render(
        request, "dispatch/_callbacks_due.html", {"count": count, "rows": rows, "more": count - len(rows)}
    )


@role_required(*STAFF)
@require_http_methods(["GET", "HEAD", "POST"])
def callback_list(request):
    """Scheduled callbacks, soonest first, due and overdue ones marked; complete one here."""
    if request.method == "POST":
        callback = selectors.callback_get_for_user(user=request.user, pk=request.POST.get("callback"))
        try:
            services.callback_complete(
                actor=request.user, callback=callback, outcome=request.POST.get("outcome", "")
            )
        except ValidationError as exc:
            messages.error(request, form_error_text(exc))
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
        return redirect("dispatch:callback-list")
    now = timezone.now()
    rows = [
        (callback, selectors.callback_is_due(callback, now), selectors.callback_is_overdue(callback, now))
        for callback in selectors.callback_list_open(user=request.user)[:200]
    ]
    return render(request, "dispatch/callback_list.html", {"rows": rows})
