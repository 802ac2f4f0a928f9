from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from dispatch.choices import Role
from dispatch.models import Intervention

from .choices import NotificationStatus
from .models import ContactPoint, Notification, NotificationAttempt, OutboxMessage


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


def technician_list_with_contact_points() -> QuerySet:
    """Every technician (active ones first, by username) with their contact points in order: the
    supervisors' page. Two queries."""
    return (
        get_user_model()
        .objects.filter(groups__name=Role.TECHNICIAN)
        .prefetch_related(
            Prefetch("contact_points", queryset=ContactPoint.objects.order_by("position", "id"))
        )
        .order_by("-is_active", "username")
    )


def technician_get(*, pk: int):
    """A technician by id; ``Http404`` for anyone else (no page shows another role's points)."""
    return get_object_or_404(get_user_model().objects.filter(groups__name=Role.TECHNICIAN), pk=pk)


def contact_point_get_for_technician(*, technician, pk: int) -> ContactPoint:
    return get_object_or_404(ContactPoint.objects.select_related("user"), user=technician, pk=pk)
