"""``manage.py seed_shifts_demo``: the demo teams' roster for the current month (after
``seed_routing_demo``): the operators put in their teams, Lombardia on 12-hour days (2/2) and
office hours (5/2), Emilia-Romagna on 12-hour nights (2/2), and a minimum per line. Repeatable:
generating again replaces only the generated shifts not yet begun."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dispatch.choices import Role
from routing.models import Line, OperatorProfile
from shifts.models import LineCoverageMinimum, ShiftPattern
from shifts.services import roster_generate, shipped_patterns_restore
from teams.choices import MemberRole
from teams.models import TeamMembership
from teams.services import team_member_set

# team code: [(pattern code, usernames)]
ROSTERS = {
    "lombardia": [("12h-2-2-day", ["sim1", "sim2"]), ("9h-5-2", ["sim5", "operator"])],
    "emilia": [("12h-2-2-night", ["sim3", "sim4"])],
}
# line number: [(from hour, to hour, minimum)]
MINIMUMS = {"800100": [(0, 8, 1), (8, 20, 2), (20, 24, 1)], "800200": [(0, 24, 1)]}


class Command(BaseCommand):
    help = "Generate this month's roster for the demo teams (after seed_routing_demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        supervisor = get_user_model().objects.filter(groups__name=Role.SUPERVISOR, is_active=True).first()
        if supervisor is None:
            raise CommandError("No supervisor: run seed_demo first.")
        shipped_patterns_restore()
        today = timezone.localdate()
        created = 0
        for team_code, plans in ROSTERS.items():
            profiles = {
                p.user.username: p
                for p in OperatorProfile.objects.filter(team__code=team_code).select_related("user", "team")
            }
            for pattern_code, usernames in plans:
                people = [profiles[name] for name in usernames if name in profiles]
                if not people:
                    continue
                team = people[0].team
                assert team is not None
                for profile in people:
                    if not TeamMembership.objects.filter(team=team, user=profile.user).exists():
                        team_member_set(
                            actor=supervisor, team=team, user=profile.user, role=MemberRole.OPERATOR
                        )
                result = roster_generate(
                    actor=supervisor, team=team, year=today.year, month=today.month,
                    pattern=ShiftPattern.objects.get(code=pattern_code), users=[p.user for p in people],
                )  # fmt: skip
                created += result.created
        for number, rows in MINIMUMS.items():
            line = Line.objects.filter(number=number).first()
            if line is None:
                continue
            for from_hour, to_hour, minimum in rows:
                LineCoverageMinimum.objects.get_or_create(
                    line=line, from_hour=from_hour, to_hour=to_hour, defaults={"minimum": minimum}
                )
        self.stdout.write(f"shifts: {created} shifts generated for {today:%B %Y}")
