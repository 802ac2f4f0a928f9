"""The router's clean-up of what the phone system left hanging.

Kamailio asks again when an offer fails and reports every end, so normally nothing is left
behind. But a switch restarted mid-call forgets its calls: an operator would stay "ringing"
forever and a reservation would hold them. Twice a minute this frees them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from routing.choices import OperatorState, RouteState
from routing.models import CallRoute, OperatorProfile
from routing.services.operators import operator_state_move

# An offer outlives its ring time by this much before it is taken for lost.
OFFER_GRACE = timedelta(seconds=60)
# A reserved operator the phone system did not ring within this time is freed.
RESERVATION_GRACE = timedelta(seconds=30)
# Kamailio holds a queued call at most an hour (max_inv_lifetime): one waiting longer is lost,
# and would only inflate the wallboard and every later caller's position.
QUEUE_LIFETIME = timedelta(hours=1)


def routes_sweep(*, now: datetime) -> int:
    """Free operators held by lost offers and reservations, and close calls lost in queue;
    returns how many operators were freed."""
    freed = 0
    with transaction.atomic():
        CallRoute.objects.filter(state=RouteState.QUEUED, enqueued_at__lt=now - QUEUE_LIFETIME).update(
            state=RouteState.ENDED, finished_at=now
        )
        stale_reservations = CallRoute.objects.select_for_update(skip_locked=True).filter(
            state=RouteState.RESERVED, operator__state_since__lt=now - RESERVATION_GRACE
        )
        for route in stale_reservations:
            route.state, route.operator = RouteState.QUEUED, None
            route.save(update_fields=["state", "operator"])
        stuck = OperatorProfile.objects.select_for_update(skip_locked=True).filter(
            state=OperatorState.OFFERED, state_since__lt=now - RESERVATION_GRACE
        )
        for profile in stuck:
            offer = (
                CallRoute.objects.filter(call_id=profile.current_call_id).first()
                if profile.current_call_id
                else None
            )
            live_offer = (
                offer is not None
                and offer.operator_id == profile.pk
                and offer.state in (RouteState.OFFERED, RouteState.CONNECTED)
                and (offer.offer_expires_at is None or offer.offer_expires_at + OFFER_GRACE > now)
            )
            if not live_offer:
                operator_state_move(
                    profile=profile, state=OperatorState.AVAILABLE, at=now, keep_idle_since=True
                )
                freed += 1
    return freed
