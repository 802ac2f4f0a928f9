"""Major incidents: one fault under a node of the supply network, the calls, alarms and field
interventions it caused, the updates given about it, and who asked to receive them.

The history of an incident is append-only: its updates (``IncidentUpdate``) are never edited,
its members are attached and never detached, and each message that went out is an outbox row
(``notifications.Notification``) linked by an ``IncidentDelivery``. Written only by
``incidents.services``; read by ``incidents.selectors``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dispatch.choices import STAFF_ROLES, Role
from dispatch.visibility import Visibility

from .choices import AttachedHow, IncidentState, UpdateKind

TITLE_MAX = 200
PUBLIC_MESSAGE_MAX = 480  # three SMS segments: what a caller reads on a phone


class IncidentRule(models.Model):
    """Declares an incident by itself: ``min_events`` calls or alarms within ``window_minutes``
    on plants under one upstream node (``node``, or any node of ``customer``'s network, or of
    any customer's when both are empty). ``auto_attach``: calls and alarms within the reach
    attach without a click."""

    name = models.CharField(_("name"), max_length=120)
    customer = models.ForeignKey(
        "dispatch.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    node = models.ForeignKey(
        "dispatch.Plant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("node"),
        help_text=_("Only faults under this node; empty: under any node."),
    )
    min_events = models.PositiveSmallIntegerField(_("calls or alarms"), default=10)
    window_minutes = models.PositiveSmallIntegerField(_("within minutes"), default=10)
    auto_attach = models.BooleanField(_("attach automatically"), default=True)
    public_message = models.CharField(_("public message"), max_length=PUBLIC_MESSAGE_MAX, blank=True)
    active = models.BooleanField(_("active"), default=True)

    visibility = Visibility(everyone=STAFF_ROLES)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("incident rule")
        verbose_name_plural = _("incident rules")
        constraints = [
            models.CheckConstraint(name="incident_rule_min_events", condition=Q(min_events__gte=2)),
            models.CheckConstraint(name="incident_rule_window", condition=Q(window_minutes__gte=1)),
        ]

    def __str__(self) -> str:
        return self.name


class MajorIncident(models.Model):
    """A fault at ``node``: its reach is every plant the node feeds (``network.selectors``)."""

    customer = models.ForeignKey(
        "dispatch.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    node = models.ForeignKey(
        "dispatch.Plant", on_delete=models.PROTECT, related_name="+", verbose_name=_("node")
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    cause = models.TextField(_("cause"), blank=True, max_length=2000)
    public_message = models.CharField(_("public message"), max_length=PUBLIC_MESSAGE_MAX)
    eta = models.DateTimeField(_("estimated restoration"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=IncidentState.choices, default=IncidentState.OPEN
    )
    rule = models.ForeignKey(IncidentRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    auto_attach = models.BooleanField(_("attach automatically"), default=False)
    # The incident's own case on the node: alarms within the reach attach to it instead of each
    # opening an intervention of its own.
    lead_intervention = models.OneToOneField(
        "dispatch.Intervention",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_incident",
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detected_at = models.DateTimeField(_("first report"))
    declared_at = models.DateTimeField(_("declared at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The status page's address: unguessable, so the utility may publish it.
    public_token = models.CharField(max_length=64, unique=True)
    # The reach when declared (the network may change afterwards; the report keeps these).
    reach_nodes = models.PositiveIntegerField(default=0)
    reach_supply_points = models.PositiveBigIntegerField(default=0)

    visibility = Visibility(everyone=STAFF_ROLES | {Role.TECHNICIAN}, customer="customer")

    class Meta:
        ordering = ["-declared_at", "-pk"]
        verbose_name = _("major incident")
        verbose_name_plural = _("major incidents")
        constraints = [
            # One active incident per node: a second declaration on it is the same incident.
            models.UniqueConstraint(
                fields=["node"], condition=Q(state=IncidentState.OPEN), name="incident_one_open_per_node"
            ),
        ]
        indexes = [models.Index(fields=["state", "declared_at"], name="incident_state_idx")]

    def __str__(self) -> str:
        return self.title


class IncidentMember(models.Model):
    """A call, an alarm or a field intervention attached to the incident (exactly one of them);
    each at most once, to one incident."""

    incident = models.ForeignKey(MajorIncident, on_delete=models.PROTECT, related_name="members")
    call = models.OneToOneField(
        "dispatch.Call", on_delete=models.PROTECT, null=True, blank=True, related_name="incident_member"
    )
    alarm = models.OneToOneField(
        "telecontrol.PlantAlarm",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incident_member",
    )
    intervention = models.OneToOneField(
        "dispatch.Intervention",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incident_member",
    )
    plant = models.ForeignKey(
        "dispatch.Plant", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    how = models.CharField(_("how"), max_length=10, choices=AttachedHow.choices)
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attached_at = models.DateTimeField(_("attached at"))

    visibility = Visibility(everyone=STAFF_ROLES, customer="incident__customer")

    class Meta:
        ordering = ["incident", "attached_at", "pk"]
        verbose_name = _("incident member")
        verbose_name_plural = _("incident members")
        constraints = [
            models.CheckConstraint(
                name="incident_member_exactly_one",
                condition=(
                    Q(call__isnull=False, alarm__isnull=True, intervention__isnull=True)
                    | Q(call__isnull=True, alarm__isnull=False, intervention__isnull=True)
                    | Q(call__isnull=True, alarm__isnull=True, intervention__isnull=False)
                ),
            ),
        ]
        indexes = [models.Index(fields=["incident", "attached_at"], name="incident_member_time_idx")]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.call_id or self.alarm_id or self.intervention_id}"


class IncidentUpdate(models.Model):
    """What was said about the incident, in order: the declaration, each new message or ETA, the
    resolution. Append-only; ``public_text`` is what callers and the status page read."""

    incident = models.ForeignKey(MajorIncident, on_delete=models.PROTECT, related_name="updates")
    position = models.PositiveIntegerField()
    kind = models.CharField(_("what"), max_length=10, choices=UpdateKind.choices)
    public_text = models.CharField(_("public message"), max_length=PUBLIC_MESSAGE_MAX)
    eta = models.DateTimeField(_("estimated restoration"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    visibility = Visibility(everyone=STAFF_ROLES | {Role.TECHNICIAN}, customer="incident__customer")

    class Meta:
        ordering = ["incident", "position"]
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")
        constraints = [
            models.UniqueConstraint(fields=["incident", "position"], name="incident_update_position"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}#{self.position} {self.kind}"


class IncidentSubscriber(models.Model):
    """A caller who asked (on the call, the operator ticking the box) to receive the updates by
    SMS: once per number, however many times it called."""

    incident = models.ForeignKey(MajorIncident, on_delete=models.PROTECT, related_name="subscribers")
    number = models.CharField(_("number"), max_length=20, help_text=_("E.164"))
    call = models.ForeignKey(
        "dispatch.Call", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subscribed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subscribed_at = models.DateTimeField(_("subscribed at"))
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    visibility = Visibility(everyone=STAFF_ROLES)

    class Meta:
        ordering = ["incident", "subscribed_at", "pk"]
        verbose_name = _("incident subscriber")
        verbose_name_plural = _("incident subscribers")
        constraints = [
            models.UniqueConstraint(fields=["incident", "number"], name="incident_subscriber_once"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.number}"


class IncidentDelivery(models.Model):
    """One update to one recipient: a subscriber (SMS) or a customer's contact (email), sent as
    the outbox row ``notification``. Unique per update and recipient, so a broadcast retried
    after a crash never sends twice."""

    update = models.ForeignKey(IncidentUpdate, on_delete=models.PROTECT, related_name="deliveries")
    subscriber = models.ForeignKey(
        IncidentSubscriber, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries"
    )
    contact = models.ForeignKey(
        "dispatch.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notification = models.OneToOneField(
        "notifications.Notification", on_delete=models.PROTECT, related_name="incident_delivery"
    )

    visibility = Visibility(everyone=frozenset({Role.SUPERVISOR}))

    class Meta:
        ordering = ["update", "pk"]
        verbose_name = _("incident delivery")
        verbose_name_plural = _("incident deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["update", "subscriber"],
                condition=Q(subscriber__isnull=False),
                name="incident_delivery_once_per_subscriber",
            ),
            models.UniqueConstraint(
                fields=["update", "contact"],
                condition=Q(contact__isnull=False),
                name="incident_delivery_once_per_contact",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.update_id} → {self.notification_id}"
