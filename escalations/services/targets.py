"""Whom a step finds and on which of their contact points, for a whole batch of cases at once:
the teams covering their plants, who is on call in those teams and their backup teams, the
leaders, the supervisors on duty and every contact point among them, in a fixed number of
queries whatever the batch's size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from dispatch.models import Intervention
from escalations.choices import StepChannel, StepTarget
from escalations.models import EscalationStep
from escalations.selectors import supervisors_on_duty
from notifications.models import ContactPoint
from oncall.selectors import on_call_by_team
from teams.models import Team
from teams.selectors import teams_covering_many

ON_CALL_TARGETS = frozenset({StepTarget.ON_CALL, StepTarget.ON_CALL_BACKUP, StepTarget.TEAM_LEADER})


def person_name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


@dataclass(frozen=True)
class Found:
    """Whom a step found (empty: nobody) and, per person, the contact points to use (empty: the
    person has none on the step's channel); ``nobody``: why nobody, as the timeline says it."""

    people: list[Any]
    points: dict[int, list[ContactPoint]]
    nobody: str = ""


class TargetContext:
    """Everything the batch's steps may look for, loaded once."""

    def __init__(self, *, now: datetime, interventions: list[Intervention], targets: set[str]) -> None:
        self.now = now
        self.teams: dict[int, list[Team]] = {}
        self.on_call: dict[int, list[int]] = {}
        self.supervisors: list[Any] = []
        users: dict[int, Any] = {i.technician_id: i.technician for i in interventions if i.technician_id}
        if targets & ON_CALL_TARGETS:
            self.teams = teams_covering_many(plants={i.plant_id: i.plant for i in interventions}.values())
            team_ids: set[int] = set()
            for teams in self.teams.values():
                team_ids.update(team.pk for team in teams)
                team_ids.update(team.backup_team_id for team in teams if team.backup_team_id)
                users.update({team.leader_id: team.leader for team in teams if team.leader_id})
            if targets & {StepTarget.ON_CALL, StepTarget.ON_CALL_BACKUP}:
                self.on_call = on_call_by_team(at=now, team_ids=team_ids)
                wanted = {uid for ids in self.on_call.values() for uid in ids} - set(users)
                users.update(get_user_model().objects.in_bulk(wanted))
        # False: nobody on shift, the step reaches every active supervisor (its row says so).
        self.supervisors_on_shift = True
        if StepTarget.SUPERVISOR_ON_DUTY in targets:
            on_duty = supervisors_on_duty(now)
            self.supervisors, self.supervisors_on_shift = list(on_duty.people), on_duty.on_shift
            users.update({user.pk: user for user in self.supervisors})
        self.users = users
        self.points: dict[int, list[ContactPoint]] = defaultdict(list)
        rows = (
            ContactPoint.objects.filter(user_id__in=list(users), active=True)
            .select_related("user")
            .order_by("user_id", "position", "id")
        )
        for point in rows:
            self.points[point.user_id].append(point)

    def _on_call(self, intervention: Intervention, *, backup: bool) -> Any | None:
        teams = self.teams.get(intervention.plant_id, [])
        if backup:
            own = {team.pk for team in teams}
            teams = [
                t.backup_team for t in teams if t.backup_team is not None and t.backup_team_id not in own
            ]
        for team in teams:
            for user_id in self.on_call.get(team.pk, []):
                if user_id != intervention.technician_id and user_id in self.users:
                    return self.users[user_id]
        return None

    def people(self, step: EscalationStep, intervention: Intervention) -> tuple[list[Any], str]:
        """Whom ``step`` looks for on this case, or why nobody."""
        target = StepTarget(step.target)
        if target == StepTarget.ASSIGNED_TECHNICIAN:
            tech = intervention.technician
            return ([tech], "") if tech is not None else ([], _("no technician assigned: next step"))
        if target in (StepTarget.ON_CALL, StepTarget.ON_CALL_BACKUP):
            backup = target == StepTarget.ON_CALL_BACKUP
            found = self._on_call(intervention, backup=backup)
            if found is not None:
                return [found], ""
            if backup:
                return [], _("nobody on call in the backup teams: next step")
            return [], _("nobody on call: next step")
        if target == StepTarget.TEAM_LEADER:
            for team in self.teams.get(intervention.plant_id, []):
                if team.leader_id and team.leader is not None and team.leader.is_active:
                    return [team.leader], ""
            return [], _("no team leader for this plant: next step")
        if self.supervisors:
            return list(self.supervisors), ""
        return [], _("no supervisor on duty: next step")

    def find(
        self, step: EscalationStep, intervention: Intervention, *, earlier: list[EscalationStep]
    ) -> Found:
        """The people ``step`` finds and the contact points its channel picks for each."""
        people, nobody = self.people(step, intervention)
        if not people:
            return Found([], {}, nobody)
        chosen: dict[int, list[ContactPoint]] = {}
        for person in people:
            points = self.points.get(person.pk, [])
            chosen[person.pk] = points_for_channel(
                points, StepChannel(step.channel), turn=sum(1 for s in earlier if s.target == step.target)
            )
        if not any(chosen.values()):
            label = StepChannel(step.channel).label
            names = ", ".join(person_name(p) for p in people)
            return Found(
                people,
                chosen,
                _("%(names)s: no contact point (%(channel)s): next step")
                % {
                    "names": names,
                    "channel": label,
                },
            )
        return Found(people, chosen)


def points_for_channel(points: list[ContactPoint], channel: StepChannel, *, turn: int) -> list[ContactPoint]:
    """Which of a person's contact points (in their order) a step's channel picks. ``turn``: how
    many earlier steps of the chain looked for the same target (``next`` goes round)."""
    if not points:
        return []
    if channel == StepChannel.ALL:
        return list(points)
    if channel == StepChannel.FIRST:
        return points[:1]
    if channel == StepChannel.NEXT:
        return [points[turn % len(points)]]
    return [point for point in points if point.channel == channel][:1]
