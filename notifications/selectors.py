from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from dispatch.access import restrict
from dispatch.choices import Role
from dispatch.models import Contact, Intervention, Plant, PlantDocument

from .choices import Channel, NotificationReason, NotificationStatus
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


# ----------------------------------------------------------------------------------------------
# Messages an operator writes (issue 20)


@dataclass(frozen=True)
class MessageRecipient:
    """Someone an operator may write to about a plant: a technician (by their first active SMS
    and email contact points) or a contact of the plant's customer. An empty address: the
    channel cannot reach them."""

    kind: str  # "technician" | "contact"
    pk: int
    name: str
    role: str
    sms: str
    email: str


def _technician_recipients(technicians: list) -> list[MessageRecipient]:
    points: dict[tuple[int, str], str] = {}
    for point in ContactPoint.objects.filter(
        user__in=technicians, active=True, channel__in=[Channel.SMS, Channel.EMAIL]
    ).order_by("-position", "-id"):
        points[(point.user_id, point.channel)] = point.address  # the first in order wins
    return [
        MessageRecipient(
            kind="technician",
            pk=user.pk,
            name=user.get_full_name() or user.get_username(),
            role=str(Role.TECHNICIAN.label),
            sms=points.get((user.pk, Channel.SMS), ""),
            email=points.get((user.pk, Channel.EMAIL), ""),
        )
        for user in technicians
    ]


def message_recipients(*, plant: Plant, intervention: Intervention | None = None) -> list[MessageRecipient]:
    """Who the compose buttons are beside: about an intervention, its technician; about a plant,
    every active technician reachable by SMS or email; then the contacts of the plant's customer
    (a number or an address of their own). Three queries."""
    users = get_user_model().objects.filter(is_active=True, groups__name=Role.TECHNICIAN)
    if intervention is not None:
        technician_id = intervention.technician_id
        users = users.filter(pk=technician_id) if technician_id is not None else users.none()
    else:
        users = users.filter(
            contact_points__active=True, contact_points__channel__in=[Channel.SMS, Channel.EMAIL]
        )
    technicians = list(users.distinct().order_by("first_name", "last_name", "username"))
    contacts = [
        MessageRecipient(
            kind="contact",
            pk=contact.pk,
            name=contact.name,
            role=contact.role,
            sms=contact.phone_number,
            email=contact.email,
        )
        for contact in Contact.objects.filter(customer_id=plant.customer_id).order_by("name", "pk")
        if contact.phone_number or contact.email
    ]
    return _technician_recipients(technicians) + contacts


def message_recipient_get(*, plant: Plant, kind: str, pk: int) -> MessageRecipient:
    """One of ``message_recipients`` of the plant (any technician), else ``Http404``."""
    if kind == "technician":
        technician = get_object_or_404(
            get_user_model().objects.filter(is_active=True, groups__name=Role.TECHNICIAN), pk=pk
        )
        return _technician_recipients([technician])[0]
    contact = get_object_or_404(Contact.objects.filter(customer_id=plant.customer_id), pk=pk)
    return MessageRecipient(
        "contact", contact.pk, contact.name, contact.role, contact.phone_number, contact.email
    )


def plant_documents_for_message(*, plant: Plant, user) -> QuerySet[PlantDocument]:
    """The plant's archive as the compose form lists it: what ``user`` may read, newest first."""
    return restrict(
        PlantDocument.objects.filter(plant=plant, personal_erased_at__isnull=True), user
    ).order_by("-uploaded_at", "-id")


def message_list_for_plant(*, plant: Plant, limit: int = 100) -> QuerySet[Notification]:
    """The messages operators wrote about the plant (with or without an intervention), newest first."""
    return (
        Notification.objects.filter(plant=plant, reason=NotificationReason.MESSAGE)
        .select_related("author", "recipient_user", "intervention")
        .order_by("-created_at", "-id")[:limit]
    )
