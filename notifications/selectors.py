from django.db.models import Prefetch, QuerySet

from dispatch.models import Intervention

from .choices import NotificationStatus
from .models import Notification, NotificationAttempt, OutboxMessage


def notification_list_for_intervention(*, intervention: Intervention) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(intervention=intervention)
        .prefetch_related(Prefetch("attempt_rows", queryset=NotificationAttempt.objects.order_by("id")))
        .order_by("created_at", "id")
    )


def notification_list_failed(*, limit: int = 100) -> QuerySet[Notification]:
    """What the supervisor must look at: messages no gateway would take."""
    return (
        Notification.objects.filter(status=NotificationStatus.FAILED)
        .select_related("intervention__plant", "recipient_user")
        .order_by("-failed_at")[:limit]
    )


def outbox_message_list(*, limit: int = 200) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.order_by("-stored_at", "-id")[:limit]
