"""One fleet poller's view of its leases (``telecontrol.services.leases`` writes them): which
shards of plants it may poll right now.

A round runs every third of a lease. The poller polls a shard only while it has more than a
third of the lease left by its own monotonic clock, counted from the moment before the round
that renewed it: with every round on time that is always so; after two rounds lost (database
down, process stalled) it stops polling at once, a third of a lease before anyone else may take
the shard over.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from .services import LeaseRound, poller_leases_release, poller_leases_renew, poller_shards_ensure

logger = logging.getLogger(__name__)


class ShardLeases:
    def __init__(
        self,
        *,
        poller_id: str,
        shards: int,
        lease_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = timezone.now,
    ) -> None:
        if shards < 1 or lease_seconds <= 0:
            raise ValueError(f"shards ({shards}) and lease seconds ({lease_seconds}) must be positive")
        self.poller_id = poller_id
        self.shards = shards
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.wall = wall
        self.started_at = wall()
        self.held: frozenset[int] = frozenset()
        self.last_round: LeaseRound | None = None
        self._valid_until = float("-inf")
        self._next_round = float("-inf")
        self._rows_ensured = False

    @property
    def renew_every(self) -> float:
        return self.lease_seconds / 3

    def maintain(self) -> LeaseRound | None:
        """Run a round if one is due; the round's outcome, or None (not due, or it failed)."""
        if self.clock() < self._next_round:
            return None
        return self.round()

    def round(self) -> LeaseRound | None:
        """Heartbeat, renew, rebalance (``poller_leases_renew``). A database error is logged
        and the round is tried again at the next tick; the leases run out meanwhile."""
        started = self.clock()
        try:
            if not self._rows_ensured:
                poller_shards_ensure(shards=self.shards)
                self._rows_ensured = True
            outcome = poller_leases_renew(
                poller_id=self.poller_id,
                shards=self.shards,
                lease_seconds=self.lease_seconds,
                now=self.wall(),
                started_at=self.started_at,
            )
        except DatabaseError:
            logger.exception("Poller %s: lease round failed; stops polling as leases run out", self.poller_id)
            close_old_connections()
            self._next_round = started + min(1.0, self.renew_every)
            return None
        if outcome.claimed or outcome.released:
            logger.info(
                "Poller %s: %d shard(s) held (took %d, gave back %d); %d poller(s) live, fair share %d",
                self.poller_id,
                len(outcome.held),
                len(outcome.claimed),
                len(outcome.released),
                outcome.live_pollers,
                outcome.fair_share,
            )
        self.held = outcome.held
        self.last_round = outcome
        self._valid_until = started + self.lease_seconds
        self._next_round = started + self.renew_every
        return outcome

    def pollable(self) -> frozenset[int]:
        """The shards this poller may poll now: held, with more than a third of the lease left."""
        if self.clock() >= self._valid_until - self.renew_every:
            return frozenset()
        return self.held

    def release(self) -> None:
        """A clean stop: free every shard and the heartbeat (best effort: a database error
        leaves them to expire)."""
        self.held = frozenset()
        self._valid_until = float("-inf")
        try:
            poller_leases_release(poller_id=self.poller_id)
        except DatabaseError:
            logger.exception("Poller %s: leases not released; they expire on their own", self.poller_id)
