"""``simulate_calls`` drives the real endpoints over HTTP: the demo's queues come alive."""

import pytest
from django.core.management import call_command

from dispatch.models import Call
from routing.choices import OperatorState, RouteState
from routing.models import CallRoute, OperatorProfile
from routing.simulation import PhoneSystemSimulator, SimulationSettings
from tests.routing.helpers import SECRET


@pytest.mark.django_db(transaction=True)
def test_simulated_phone_system_routes_answers_and_queues_calls_end_to_end(live_server, groups, settings):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    call_command("seed_routing_demo", stdout=open("/dev/null", "w"))
    # Two simulated operators at work: calls must queue, and some callers give up.
    OperatorProfile.objects.exclude(user__username__in=["sim1", "sim3"]).update(
        state=OperatorState.SIGNED_OFF
    )
    simulator = PhoneSystemSimulator(
        SimulationSettings(
            base_url=live_server.url,
            secret=SECRET,
            lines=["800100", "800200"],
            numbers=["+390212345601", "+390212345602", "+393471234567"],
            calls_per_minute=120,
            talk_mean_seconds=2.0,
            ring_seconds=(0.2, 0.5),
            patience_mean_seconds=3.0,
            press_one_share=0.0,
            seed=7,
        )
    )
    counts = simulator.run(duration=6.0)
    assert counts.errors == 0 and counts.calls >= 5
    routes = CallRoute.objects.filter(call__external_id__startswith="sim-")
    assert routes.count() == Call.objects.filter(external_id__startswith="sim-").count() == counts.calls
    states = {route.state for route in routes}
    assert states <= {RouteState.ENDED, RouteState.ABANDONED, RouteState.FORWARDED}, states
    assert routes.filter(state=RouteState.ENDED).count() == counts.answered
    assert routes.filter(state=RouteState.ABANDONED).count() == counts.abandoned
    ended = routes.filter(state=RouteState.ENDED).select_related("call", "operator__user")
    assert {route.operator.user.username for route in ended} <= {"sim1", "sim3"}
    assert all(route.call.answered_at and route.call.ended_at for route in ended)
