"""The supply network: one node per plant, its feeder (the plant that feeds it) and the supply
points (or people) it serves itself. A tree: one feeder per node, never a ring (the services
refuse both under a network-wide lock); many roots (a cabin, a water main)."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dispatch.choices import STAFF_ROLES, Role
from dispatch.visibility import Visibility

from .choices import NetworkChangeKind


class SupplyNode(models.Model):
    """A plant's place in the supply network. The primary key *is* the plant's id, so the
    recursive queries of ``network.selectors`` walk one narrow table (plant, feeder, supply
    points) by the feeder's index without a join. A plant without a row is a root that serves
    nobody by itself (what an import of ``code,,0`` means too). ``feeder`` points at a plant,
    not at its node: a root needs no row.

    Written only by ``network.services`` (which keep it a tree); read by ``network.selectors``."""

    plant = models.OneToOneField(
        "dispatch.Plant",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="supply_node",
        verbose_name=_("plant"),
    )
    feeder = models.ForeignKey(
        "dispatch.Plant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,  # the named index below
        related_name="fed_nodes",
        verbose_name=_("fed by"),
        help_text=_("The plant that feeds this one (a cabin, a regulator, a water main, a building)."),
    )
    supply_points = models.PositiveIntegerField(
        _("supply points"),
        default=0,
        help_text=_("Supply points or people served by this node itself (not those downstream)."),
    )

    visibility = Visibility(everyone=STAFF_ROLES | {Role.TECHNICIAN}, customer="plant__customer")

    class Meta:
        ordering = ["plant"]
        verbose_name = _("supply network node")
        verbose_name_plural = _("supply network nodes")
        constraints = [
            models.CheckConstraint(name="supply_node_not_its_own_feeder", condition=~Q(feeder=F("plant"))),
            models.CheckConstraint(name="supply_node_points_not_negative", condition=Q(supply_points__gte=0)),
        ]
        # The downstream walk's index (WHERE feeder_id = ...), named so that the docs and the
        # benchmark can point at it (the ForeignKey's own is switched off).
        indexes = [models.Index(fields=["feeder"], name="supply_node_by_feeder")]

    def __str__(self) -> str:
        return f"{self.plant_id} ← {self.feeder_id or '—'}"


class NetworkChange(models.Model):
    """One supervisor's change to a node (by hand or by an import): who, when, before, after
    (``{"feeder": <plant id or null>, "supply_points": n}``, null when the node had no row)."""

    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    plant = models.ForeignKey(
        "dispatch.Plant", on_delete=models.CASCADE, related_name="network_changes", verbose_name=_("plant")
    )
    kind = models.CharField(_("what"), max_length=12, choices=NetworkChangeKind.choices)
    before = models.JSONField(_("before"), null=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, encoder=DjangoJSONEncoder)

    visibility = Visibility(everyone=frozenset({Role.SUPERVISOR}))

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("network change")
        verbose_name_plural = _("network changes")
        indexes = [models.Index(fields=["plant", "-at"], name="network_change_by_plant")]

    def __str__(self) -> str:
        return f"{self.kind} {self.plant_id}"
