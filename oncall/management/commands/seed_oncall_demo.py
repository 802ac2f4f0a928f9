"""``manage.py seed_oncall_demo``: the demo's technicians in their regional teams (after
``seed_routing_demo``, which makes the teams): Lombardia (Milan and Monza's provinces, led by
Tino, falling back on Emilia-Romagna) and Emilia-Romagna (Bologna's province, led by the
supervisor), two technicians each, and a weekly rota per team changing over on Mondays at 08:00
since last week. Repeatable: the rotas are saved again as they are."""

from datetime import time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dispatch.choices import Role
from oncall.models import Rota
from oncall.services import rota_save
from teams.choices import AreaKind, MemberRole
from teams.models import Team
from teams.services import team_area_add, team_leadership_set, team_member_set

ROTA = "Reperibilità"
# A technician for each team besides the seed's two (username, first name, last name).
EXTRA = [("lorenzo", "Lorenzo", "Lombardi"), ("elena", "Elena", "Emiliani")]
# team code: (name, region, provinces, technicians in turn order, leader, backup team code)
TEAMS = {
    "lombardia": (
        "Team Lombardia",
        "Lombardia",
        ["MI", "MB"],
        ["technician", "lorenzo"],
        "technician",
        "emilia",
    ),
    "emilia": ("Team Emilia-Romagna", "Emilia-Romagna", ["BO"], ["technician2", "elena"], "supervisor", None),
}


class Command(BaseCommand):
    help = "Put the demo's technicians in their teams, with areas, leaders, a backup and a rota each."

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        supervisor = User.objects.filter(groups__name=Role.SUPERVISOR, is_active=True).first()
        if supervisor is None:
            raise CommandError("No supervisor: run seed_demo first.")
        technicians = Group.objects.get(name=Role.TECHNICIAN)
        for username, first, last in EXTRA:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last}
            )
            if created:
                user.set_password(f"demo-{username}")
                user.save()
            user.groups.set([technicians])
        teams = {}
        for code, (name, region, _provinces, _people, _leader, _backup) in TEAMS.items():
            teams[code], _ = Team.objects.get_or_create(code=code, defaults={"name": name, "region": region})
        today = timezone.localdate()
        monday = today - timedelta(days=today.weekday() + 7)
        for code, (_name, _region, provinces, people, leader, backup) in TEAMS.items():
            team = teams[code]
            members = [User.objects.get(username=username) for username in people]
            for member in members:
                team_member_set(actor=supervisor, team=team, user=member, role=MemberRole.TECHNICIAN)
            for province in provinces:
                team_area_add(actor=supervisor, team=team, kind=AreaKind.PROVINCE, name=province)
            team_leadership_set(
                actor=supervisor, team=team, leader=User.objects.get(username=leader),
                backup_team=teams[backup] if backup else None,
            )  # fmt: skip
            rota = Rota.objects.filter(team=team, name=ROTA).first()
            rota_save(
                actor=supervisor, team=team, name=ROTA, handover_weekday=0, handover_time=time(8),
                starts_on=monday, members=members, rota=rota,
            )  # fmt: skip
        self.stdout.write(f"oncall: {len(TEAMS)} teams with a weekly rota from {monday:%d %B %Y}")
