from django.db import models
from django.utils.translation import gettext_lazy as _

from routing.choices import ConsultOutcome, DecisionAction, RouteState

from .classes import CallerClass
from .operators import OperatorProfile
from .rules import Queue, RoutingRule


class CallRoute(models.Model):
    """How one call travels through the router: its class, rule, queue, and where it is now."""

    call = models.OneToOneField("dispatch.Call", on_delete=models.PROTECT, related_name="route")
    caller_class = models.ForeignKey(CallerClass, on_delete=models.PROTECT, null=True, related_name="+")
    rule = models.ForeignKey(RoutingRule, on_delete=models.PROTECT, null=True, related_name="+")
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, null=True, related_name="+")
    # Larger first: the class's rank turned around plus the rule's boost (services.routes).
    priority = models.IntegerField(default=0)
    state = models.CharField(max_length=12, choices=RouteState.choices, default=RouteState.NEW)
    preferred = models.ForeignKey(OperatorProfile, on_delete=models.SET_NULL, null=True, related_name="+")
    preferred_team = models.ForeignKey("teams.Team", on_delete=models.SET_NULL, null=True, related_name="+")
    operator = models.ForeignKey(OperatorProfile, on_delete=models.SET_NULL, null=True, related_name="+")
    offer_expires_at = models.DateTimeField(null=True)
    arrived_at = models.DateTimeField()
    enqueued_at = models.DateTimeField(null=True)
    overflowed_at = models.DateTimeField(null=True)
    connected_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    announced_wait_seconds = models.PositiveIntegerField(null=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("call route")
        verbose_name_plural = _("call routes")
        indexes = [
            models.Index(fields=["state", "queue", "-priority", "enqueued_at"], name="routing_route_waiting"),
            models.Index(fields=["arrived_at"], name="routing_route_arrived"),
        ]

    def __str__(self) -> str:
        return f"route of call {self.call_id} ({self.state})"


class RoutingDecision(models.Model):
    """Each answer the router gave for a call, as it gave it (the call's routing record)."""

    route = models.ForeignKey(CallRoute, on_delete=models.CASCADE, related_name="decisions")
    at = models.DateTimeField()
    attempt = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=10, choices=DecisionAction.choices)
    operator = models.ForeignKey(OperatorProfile, on_delete=models.SET_NULL, null=True, related_name="+")
    target = models.CharField(max_length=200, blank=True)
    queue = models.ForeignKey(Queue, on_delete=models.SET_NULL, null=True, related_name="+")
    position = models.PositiveIntegerField(null=True)
    estimated_wait_seconds = models.PositiveIntegerField(null=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} #{self.attempt} of call route {self.route_id}"


class Consult(models.Model):
    """A first-line operator asking the second line about a call: then taking it back or
    transferring it. Who, when, how long."""

    route = models.ForeignKey(CallRoute, on_delete=models.PROTECT, related_name="consults")
    operator = models.ForeignKey(OperatorProfile, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("teams.Team", on_delete=models.PROTECT, related_name="+")
    consultant = models.ForeignKey(OperatorProfile, on_delete=models.PROTECT, null=True, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True)
    outcome = models.CharField(max_length=12, choices=ConsultOutcome.choices, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]

    def __str__(self) -> str:
        return f"consult of {self.operator} with {self.team}"
