"""The fleet pollers' leases: N ``telemetry_poll`` processes divide the Modbus plants among
themselves through rows in the database (docs/telecontrol.md, "Several pollers").

The plants are split into ``PRONTO_POLL_SHARDS`` shards (``plant id % shards``); each shard is
leased to one poller (``PollerShard``). Every poller writes a heartbeat (``PollerHeartbeat``)
and, in the same round, renews its shards, gives back those above its fair share
(``ceil(shards / live pollers)``) and takes free or expired shards up to it.

Why conditional UPDATEs and not ``SELECT ... FOR UPDATE SKIP LOCKED`` or advisory locks: an
``UPDATE ... WHERE number IN (...) AND (holder = '' OR expires_at < now)`` is atomic on
PostgreSQL (a second claimer waits for the first's row lock, then re-checks the condition on
the row the first wrote, and finds it taken) and on SQLite (one writer at a time), so one
statement is the whole protocol on both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from telecontrol.models import PollerHeartbeat, PollerShard


@dataclass(frozen=True)
class LeaseRound:
    """What one round left this poller with."""

    held: frozenset[int]
    claimed: frozenset[int]
    released: frozenset[int]
    live_pollers: int
    fair_share: int
    expires_at: datetime


def plant_shard(plant_id: int, shards: int) -> int:
    """The shard a plant belongs to. Plant ids are dense, so the modulo spreads them evenly."""
    return plant_id % shards


def fair_share(shards: int, live_pollers: int) -> int:
    """The most shards one poller should hold: rounded up, so the live pollers together can
    always hold every shard."""
    return math.ceil(shards / max(1, live_pollers))


def poller_shards_ensure(*, shards: int) -> None:
    """Create the shard rows 0..shards-1 that are missing (idempotent: ignores existing rows)."""
    PollerShard.objects.bulk_create(
        [PollerShard(number=number) for number in range(shards)], ignore_conflicts=True
    )


@transaction.atomic
def poller_leases_renew(
    *, poller_id: str, shards: int, lease_seconds: float, now: datetime, started_at: datetime
) -> LeaseRound:
    """One lease round for ``poller_id`` at ``now`` (its clock): heartbeat, renew every shard it
    still holds, release those above its fair share, claim free or expired shards up to it.

    Guarantees: a shard is only ever held by one poller (each change of holder is one
    conditional UPDATE); a shard this poller held and another took over is not renewed (the
    UPDATE is filtered on ``holder``). ``held`` is what the database says this poller holds
    until ``expires_at``. One transaction; its first statement writes, so on SQLite it takes
    the write lock (waiting its busy timeout) before reading anything, and never fails
    upgrading a read lock.
    """
    expires_at = now + timedelta(seconds=lease_seconds)
    beat = {"seen_at": now, "expires_at": expires_at}
    if not PollerHeartbeat.objects.filter(poller_id=poller_id).update(**beat):
        PollerHeartbeat.objects.create(poller_id=poller_id, started_at=started_at, **beat)
    # Rows of pollers gone for a whole lease more: nobody counts them any more anyway.
    PollerHeartbeat.objects.filter(expires_at__lt=now - timedelta(seconds=lease_seconds)).delete()
    live = PollerHeartbeat.objects.filter(expires_at__gt=now).count()
    share = fair_share(shards, live)

    # Shards past the count (PRONTO_POLL_SHARDS was lowered) are given back, never polled.
    PollerShard.objects.filter(holder=poller_id, number__gte=shards).update(
        holder="", expires_at=None, renewed_at=None
    )
    mine = PollerShard.objects.filter(holder=poller_id, number__lt=shards)
    mine.update(expires_at=expires_at, renewed_at=now)
    held = sorted(mine.values_list("number", flat=True))
    released: list[int] = []
    claimed: list[int] = []
    if len(held) > share:
        # Give back the highest numbers: whichever, as long as it is the excess alone.
        released = held[share:]
        PollerShard.objects.filter(holder=poller_id, number__in=released).update(
            holder="", expires_at=None, renewed_at=None
        )
        held = held[:share]
    elif len(held) < share:
        takeable = Q(holder="") | Q(expires_at__lt=now)
        free = PollerShard.objects.filter(takeable, number__lt=shards).order_by("number")
        wanted = list(free.values_list("number", flat=True)[: share - len(held)])
        if wanted:
            PollerShard.objects.filter(takeable, number__in=wanted).update(
                holder=poller_id, expires_at=expires_at, renewed_at=now
            )
            now_held = sorted(mine.values_list("number", flat=True))
            claimed = sorted(set(now_held) - set(held))
            held = now_held
    return LeaseRound(
        held=frozenset(held),
        claimed=frozenset(claimed),
        released=frozenset(released),
        live_pollers=live,
        fair_share=share,
        expires_at=expires_at,
    )


@transaction.atomic
def poller_leases_release(*, poller_id: str) -> int:
    """A clean stop: free every shard ``poller_id`` holds and remove its heartbeat, so the
    others take its plants at their next round instead of after the lease. Returns the count
    of shards freed."""
    freed = PollerShard.objects.filter(holder=poller_id).update(holder="", expires_at=None, renewed_at=None)
    PollerHeartbeat.objects.filter(poller_id=poller_id).delete()
    return freed
