"""The notifications' own pages: the embedded outbox and the messages no gateway would take."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from dispatch.views import STAFF, role_required
from notifications.backends.base import notification_backend
from notifications.selectors import notification_list_failed, outbox_message_list


@require_GET
@role_required(*STAFF)
def outbox(request):
    """What the embedded gateway kept (nothing leaves this machine), and failed notifications."""
    backends = {channel: notification_backend(channel).description for channel in ("sms", "email", "fax")}
    return render(
        request,
        "notifications/outbox.html",
        {
            "messages_kept": outbox_message_list(),
            "failed": notification_list_failed(),
            "backends": backends,
        },
    )
