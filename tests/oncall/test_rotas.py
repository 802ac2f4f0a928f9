"""Who is on call: the weekly rotation at its hand-over, across daylight-saving changes, cut by
overrides and by swaps a technician asks for and the leader approves."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch.choices import Role
from dispatch.errors import TransitionNotAllowed
from oncall.choices import CoverStatus, OnCallSource
from oncall.selectors import on_call_by_team, on_call_for_plant, rota_spans, user_spans
from oncall.services import cover_withdraw, override_set, rota_save, swap_decide, swap_request
from teams.choices import AreaKind, MemberRole
from teams.models import Team
from teams.services import team_area_add, team_leadership_set, team_member_set
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def at(*args):
    return datetime(*args, tzinfo=ROME)


def hours(span):
    # Aware datetimes in one zone subtract as wall-clock times: the real length is in UTC.
    return span.ends_at.astimezone(UTC) - span.starts_at.astimezone(UTC)


def on_call(team, when):
    return on_call_by_team(at=when, team_ids=[team.pk]).get(team.pk, [])


def test_the_week_changes_hands_at_the_handover(north, north_rota):
    anna, bruno, carla = north.people
    assert on_call(north, at(2026, 11, 1, 12)) == []  # before the first hand-over
    assert on_call(north, at(2026, 11, 2, 8)) == [anna.pk]
    assert on_call(north, at(2026, 11, 9, 7, 59)) == [anna.pk]
    assert on_call(north, at(2026, 11, 9, 8)) == [bruno.pk]
    assert on_call(north, at(2026, 11, 16, 9)) == [carla.pk]
    assert on_call(north, at(2026, 11, 23, 9)) == [anna.pk]  # round again


def test_a_week_across_a_daylight_saving_change_keeps_its_wall_clock_handover(users, north):
    rota = rota_save(
        actor=users["supervisor"], team=north, name="Lifts", handover_weekday=4, handover_time=time(20),
        starts_on=date(2026, 10, 23), members=north.people[:2],
    )  # fmt: skip
    spans = rota_spans(rota=rota, start=at(2026, 10, 23, 20), end=at(2026, 11, 6, 20))
    assert [hours(span) for span in spans] == [timedelta(hours=169), timedelta(hours=168)]
    assert [s.starts_at.astimezone(ROME).hour for s in spans] == [20, 20]
    spring = rota_save(
        actor=users["supervisor"], team=north, name="Water", handover_weekday=4, handover_time=time(20),
        starts_on=date(2026, 3, 27), members=north.people[:2],
    )  # fmt: skip
    (span,) = rota_spans(rota=spring, start=at(2026, 3, 27, 20), end=at(2026, 4, 3, 20))
    assert hours(span) == timedelta(hours=167)


def test_an_override_cuts_the_week_and_the_later_approval_wins(users, north, north_rota):
    anna, bruno, carla = north.people
    override_set(
        actor=anna, rota=north_rota, user=bruno, starts_at=at(2026, 11, 3, 20), ends_at=at(2026, 11, 4, 8)
    )
    override_set(
        actor=users["supervisor"],
        rota=north_rota,
        user=carla,
        starts_at=at(2026, 11, 4, 6),
        ends_at=at(2026, 11, 4, 10),
    )
    spans = rota_spans(rota=north_rota, start=at(2026, 11, 3), end=at(2026, 11, 5))
    assert [(s.user_id, s.starts_at.astimezone(ROME).strftime("%d %H"), s.source) for s in spans] == [
        (anna.pk, "03 00", OnCallSource.ROTATION),
        (bruno.pk, "03 20", OnCallSource.OVERRIDE),
        (carla.pk, "04 06", OnCallSource.OVERRIDE),
        (anna.pk, "04 10", OnCallSource.ROTATION),
    ]
    assert on_call(north, at(2026, 11, 4, 2)) == [bruno.pk]


def test_a_swap_counts_once_the_leader_approves_it(users, north, north_rota):
    anna, bruno, carla = north.people
    team_leadership_set(actor=users["supervisor"], team=north, leader=carla, backup_team=None)
    night = (at(2026, 11, 12, 20), at(2026, 11, 13, 8))  # bruno's week
    swap = swap_request(
        actor=bruno, rota=north_rota, taker=anna, starts_at=night[0], ends_at=night[1], reason="Wedding"
    )
    assert on_call(north, at(2026, 11, 13, 1)) == [bruno.pk]
    with pytest.raises(PermissionDenied):
        swap_decide(actor=bruno, cover=swap, approve=True)
    swap_decide(actor=carla, cover=swap, approve=True)
    assert on_call(north, at(2026, 11, 13, 1)) == [anna.pk]
    assert [s.source for s in user_spans(user=anna, start=night[0], end=night[1])] == [OnCallSource.SWAP]
    assert user_spans(user=bruno, start=night[0], end=night[1]) == []
    with pytest.raises(TransitionNotAllowed):
        swap_decide(actor=carla, cover=swap, approve=False)
    cover_withdraw(actor=carla, cover=swap)
    assert on_call(north, at(2026, 11, 13, 1)) == [bruno.pk]


def test_a_swap_is_asked_for_ones_own_turn_and_given_to_a_colleague(users, north, north_rota):
    anna, bruno, _carla = north.people
    with pytest.raises(ValidationError) as error:  # anna is not on call in week two
        swap_request(
            actor=anna,
            rota=north_rota,
            taker=bruno,
            starts_at=at(2026, 11, 10, 20),
            ends_at=at(2026, 11, 11, 8),
        )
    assert "starts_at" in error.value.message_dict
    stranger = UserFactory(username="stranger", role=Role.TECHNICIAN)
    with pytest.raises(ValidationError) as error:
        swap_request(
            actor=anna,
            rota=north_rota,
            taker=stranger,
            starts_at=at(2026, 11, 3, 20),
            ends_at=at(2026, 11, 4, 8),
        )
    assert "taker" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        swap_request(
            actor=users["operator"],
            rota=north_rota,
            taker=bruno,
            starts_at=at(2026, 11, 3, 20),
            ends_at=at(2026, 11, 4, 8),
        )
    refused = swap_request(
        actor=anna, rota=north_rota, taker=bruno, starts_at=at(2026, 11, 3, 20), ends_at=at(2026, 11, 4, 8)
    )
    swap_decide(actor=users["supervisor"], cover=refused, approve=False)
    assert refused.__class__.objects.get(pk=refused.pk).status == CoverStatus.REFUSED
    assert on_call(north, at(2026, 11, 4, 1)) == [anna.pk]


def test_only_the_leader_or_a_supervisor_sets_the_rota(users, north):
    anna, bruno, carla = north.people
    for actor in (bruno, users["operator"]):
        with pytest.raises(PermissionDenied):
            rota_save(actor=actor, team=north, name="X", handover_weekday=0, handover_time=time(8),
                      starts_on=date(2026, 11, 2), members=[bruno])  # fmt: skip
    with pytest.raises(ValidationError) as error:
        rota_save(actor=anna, team=north, name="X", handover_weekday=0, handover_time=time(8),
                  starts_on=date(2026, 11, 2), members=[users["technician"]])  # fmt: skip
    assert "members" in error.value.message_dict


def test_the_plant_gets_its_teams_on_call_then_the_backup_team(users, north, north_rota, milan_plant):
    boss = users["supervisor"]
    south = Team.objects.create(code="south", name="South")
    dario = UserFactory(username="dario", role=Role.TECHNICIAN)
    team_member_set(actor=boss, team=south, user=dario, role=MemberRole.TECHNICIAN)
    rota_save(actor=boss, team=south, name="All", handover_weekday=0, handover_time=time(8),
              starts_on=date(2026, 1, 5), members=[dario])  # fmt: skip
    team_leadership_set(actor=boss, team=north, leader=north.people[0], backup_team=south)
    candidates = on_call_for_plant(plant=milan_plant, at=at(2026, 11, 10, 23))
    assert [(c.user.pk, c.team, c.via_backup) for c in candidates] == [
        (north.people[1].pk, north, False),
        (dario.pk, south, True),
    ]
    team_area_add(actor=boss, team=south, kind=AreaKind.PROVINCE, name="MI")
    assert [c.via_backup for c in on_call_for_plant(plant=milan_plant, at=at(2026, 11, 10, 23))] == [
        False,
        False,
    ]


def test_who_is_on_call_for_many_teams_takes_three_queries(users):
    boss = users["supervisor"]
    teams = []
    for n in range(20):
        team = Team.objects.create(code=f"t{n}", name=f"T{n}")
        person = UserFactory(username=f"tech{n}", role=Role.TECHNICIAN)
        team_member_set(actor=boss, team=team, user=person, role=MemberRole.TECHNICIAN)
        rota = rota_save(actor=boss, team=team, name="R", handover_weekday=0, handover_time=time(8),
                         starts_on=date(2026, 1, 5), members=[person])  # fmt: skip
        override_set(actor=boss, rota=rota, user=person, starts_at=at(2026, 11, 10), ends_at=at(2026, 11, 11))
        teams.append(team)
    with CaptureQueriesContext(connection) as queries:
        result = on_call_by_team(at=at(2026, 11, 10, 12))
    assert len(queries) == 3
    assert len(result) == 20


def test_the_suggestion_puts_those_on_call_first_then_the_backup_team(
    users, north, north_rota, milan_plant, monkeypatch
):
    from dispatch.models import UserProfile
    from dispatch.selectors import technicians_suggested

    boss = users["supervisor"]
    south = Team.objects.create(code="south", name="South")
    dario = UserFactory(username="dario", role=Role.TECHNICIAN)
    team_member_set(actor=boss, team=south, user=dario, role=MemberRole.TECHNICIAN)
    rota_save(actor=boss, team=south, name="All", handover_weekday=0, handover_time=time(8),
              starts_on=date(2026, 1, 5), members=[dario])  # fmt: skip
    team_leadership_set(actor=boss, team=north, leader=north.people[0], backup_team=south)
    # On duty and skilled would otherwise come first.
    UserProfile.objects.update_or_create(
        user=users["technician"], defaults={"on_duty": True, "skills": ["gas_cabin"]}
    )
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 11, 10, 23))
    suggestions = technicians_suggested(plant=milan_plant)
    bruno = north.people[1]
    assert [s.technician.pk for s in suggestions[:3]] == [bruno.pk, dario.pk, users["technician"].pk]
    assert (suggestions[0].on_call_team, suggestions[0].on_call_via_backup) == ("North", False)
    assert (suggestions[1].on_call_team, suggestions[1].on_call_via_backup) == ("South", True)
    assert suggestions[2].on_call_team == ""
