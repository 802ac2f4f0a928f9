"""Writes of the supply network: a plant's feeder and supply points, set or cleared by a
supervisor, and the CSV import (``network.csv_import`` reads and checks the file; this module
applies it). Each change is kept in ``NetworkChange`` (who, when, before, after).

The network stays a tree: a plant never feeds itself, nor a plant that feeds it somewhere up its
chain. Checking that means reading the chain above the new feeder; two supervisors making
``A → B`` and ``B → A`` at once would each read a chain without the other's change and close a
ring. So every write takes ``network_lock()`` first: on PostgreSQL a transaction-level advisory
lock, one for the whole network (edits are rare and short; a CSV import of 100,000 rows holds it
for a few seconds); SQLite lets one writer in at a time anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import Role
from dispatch.models import Plant
from dispatch.roles import AnyUser
from dispatch.services.common import require_role

from .choices import NetworkChangeKind
from .csv_import import ImportRow, import_rows_parse
from .models import NetworkChange, SupplyNode
from .selectors import upstream_ids

# pg_advisory_xact_lock's key: "NETW" in ASCII, so it reads as the network's in pg_locks.
NETWORK_LOCK_KEY = 0x4E455457


def network_lock() -> None:
    """Serialise the network's writers until the current transaction ends (see the module)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NETWORK_LOCK_KEY])


def _state(node: SupplyNode | None) -> dict[str, Any] | None:
    return None if node is None else {"feeder": node.feeder_id, "supply_points": node.supply_points}


def _actor_id(actor: AnyUser) -> int:
    require_role(actor, Role.SUPERVISOR)
    if actor is None or actor.pk is None:
        raise PermissionDenied(_("A change to the network needs a signed-in supervisor."))
    return int(actor.pk)


@transaction.atomic
def supply_node_set(*, actor: AnyUser, plant: Plant, feeder: Plant | None, supply_points: int) -> SupplyNode:
    """Make ``feeder`` feed ``plant`` (None: a root) and set the supply points ``plant`` serves
    itself. Supervisors only. Refused (``ValidationError`` keyed by field): a plant feeding
    itself, a feeder downstream of ``plant`` (a ring), negative supply points. Takes the
    network's lock, then the node's row."""
    actor_id = _actor_id(actor)
    errors: dict[str, str] = {}
    if isinstance(supply_points, bool) or not isinstance(supply_points, int) or supply_points < 0:
        errors["supply_points"] = _("A whole number, zero or more.")
    network_lock()
    if feeder is not None:
        if feeder.pk == plant.pk:
            errors["feeder"] = _("A plant cannot feed itself.")
        elif plant.pk in upstream_ids(plant=feeder):
            errors["feeder"] = _("%(feeder)s is fed by %(plant)s: it cannot feed it too (a ring).") % {
                "feeder": feeder.code,
                "plant": plant.code,
            }
    if errors:
        raise ValidationError(errors)
    node = SupplyNode.objects.select_for_update().filter(plant=plant).first()
    before = _state(node)
    if node is None:
        node = SupplyNode(plant=plant)
    node.feeder = feeder
    node.supply_points = supply_points
    after = _state(node)
    if before != after:
        node.save()
        NetworkChange.objects.create(
            at=timezone.now(), actor_id=actor_id, plant=plant, kind=NetworkChangeKind.SET, before=before,
            after=after,
        )  # fmt: skip
    return node


@transaction.atomic
def supply_node_clear(*, actor: AnyUser, plant: Plant) -> None:
    """Take ``plant`` out of the network: no feeder, no supply points of its own. The plants it
    feeds keep it as their feeder. Supervisors only; nothing to clear is not an error."""
    actor_id = _actor_id(actor)
    network_lock()
    node = SupplyNode.objects.select_for_update().filter(plant=plant).first()
    if node is None:
        return
    before = _state(node)
    node.delete()
    NetworkChange.objects.create(
        at=timezone.now(), actor_id=actor_id, plant=plant, kind=NetworkChangeKind.CLEARED, before=before,
        after=None,
    )  # fmt: skip


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    changed: int
    unchanged: int


@transaction.atomic
def network_import(*, actor: AnyUser, content: bytes | str) -> ImportResult:
    """Import the network from CSV (``code,parent_code,supply_points``, header first; see
    ``network.csv_import``): every row is checked first, against the plants and against the
    network as it will be (no ring, counting the nodes the file leaves as they are); one bad row
    and nothing is imported (``ValidationError`` on ``file``, a message per line). Plants not
    in the file keep their place. Importing the same file again changes nothing. Supervisors
    only; takes the network's lock for the check and the writes."""
    actor_id = _actor_id(actor)
    network_lock()
    rows = import_rows_parse(content)
    existing = {
        node.plant_id: node for node in SupplyNode.objects.filter(plant_id__in=[r.plant_id for r in rows])
    }
    creates: list[SupplyNode] = []
    updates: list[SupplyNode] = []
    kept: list[NetworkChange] = []
    now = timezone.now()
    for row in rows:
        node = existing.get(row.plant_id)
        before = _state(node)
        if node is None:
            if row.feeder_id is None and row.supply_points == 0:
                continue  # a root serving nobody by itself: what having no row means
            node = SupplyNode(plant_id=row.plant_id, feeder_id=row.feeder_id, supply_points=row.supply_points)
            creates.append(node)
        elif (node.feeder_id, node.supply_points) != (row.feeder_id, row.supply_points):
            node.feeder_id, node.supply_points = row.feeder_id, row.supply_points
            updates.append(node)
        else:
            continue
        kept.append(
            NetworkChange(at=now, actor_id=actor_id, plant_id=row.plant_id, kind=NetworkChangeKind.IMPORTED,
                          before=before, after=_state(node))
        )  # fmt: skip
    SupplyNode.objects.bulk_create(creates, batch_size=2000)
    SupplyNode.objects.bulk_update(updates, ["feeder", "supply_points"], batch_size=2000)
    NetworkChange.objects.bulk_create(kept, batch_size=2000)
    return ImportResult(
        rows=len(rows),
        created=len(creates),
        changed=len(updates),
        unchanged=len(rows) - len(creates) - len(updates),
    )


__all__ = [
    "ImportRow",
    "ImportResult",
    "network_import",
    "network_lock",
    "supply_node_clear",
    "supply_node_set",
]
