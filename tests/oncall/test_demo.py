"""The demo's on-call world: two regional teams with areas, leaders, a backup and a rota each,
someone on call now in each; seeding again changes no turn."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from oncall.models import Rota
from oncall.selectors import on_call_by_team
from teams.models import Team

pytestmark = pytest.mark.django_db


def test_the_demo_puts_someone_on_call_in_each_team_and_seeding_again_is_harmless():
    for command in ("seed_demo", "seed_routing_demo", "seed_oncall_demo"):
        call_command(command, stdout=io.StringIO())
    lombardia, emilia = Team.objects.get(code="lombardia"), Team.objects.get(code="emilia")
    assert lombardia.backup_team == emilia and lombardia.leader.username == "technician"
    assert set(lombardia.areas.values_list("name", flat=True)) == {"MI", "MB"}
    on_call = on_call_by_team(at=timezone.now(), team_ids=[lombardia.pk, emilia.pk])
    assert len(on_call[lombardia.pk]) == 1 and len(on_call[emilia.pk]) == 1
    turns = sorted(Rota.objects.values_list("team__code", "members__user__username", "members__position"))
    call_command("seed_oncall_demo", stdout=io.StringIO())
    assert (
        sorted(Rota.objects.values_list("team__code", "members__user__username", "members__position"))
        == turns
    )
    assert Rota.objects.count() == 2
