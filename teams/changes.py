"""How a team's change log reads: each ``TeamChange`` as a sentence in the reader's language,
with people and teams by name (their ids are what the rows keep). The on-call rotas write their
changes here too (``oncall.services``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .choices import AreaKind, MemberRole
from .models import Team, TeamChange


@dataclass(frozen=True)
class ChangeLine:
    at: datetime
    actor: str
    text: str


def _ids(value: Any, keys: tuple[str, ...]) -> set[int]:
    if not isinstance(value, dict):
        return set()
    found: set[int] = set()
    for key in keys:
        item = value.get(key)
        if isinstance(item, int):
            found.add(item)
        elif isinstance(item, list):
            found.update(i for i in item if isinstance(i, int))
    return found


def _when(value: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


class _Reader:
    def __init__(self, people: dict[int, str], teams: dict[int, str]) -> None:
        self.people, self.teams = people, teams

    def who(self, pk: Any) -> str:
        return self.people.get(pk, _("(nobody)")) if pk is not None else _("(nobody)")

    def team(self, pk: Any) -> str:
        return self.teams.get(pk, _("(none)")) if pk is not None else _("(none)")

    def area(self, value: dict[str, Any]) -> str:
        kind = _label(AreaKind, value.get("kind"))
        return f"{kind} {value.get('name') or '#' + str(value.get('plant'))}"

    def sentence(self, change: TeamChange) -> str:
        before = change.before if isinstance(change.before, dict) else {}
        after = change.after if isinstance(change.after, dict) else {}
        what = change.what
        if what == "member" and after:
            return _("%(who)s in the team as %(role)s.") % {
                "who": self.who(after.get("user")),
                "role": _label(MemberRole, after.get("role")),
            }
        if what == "member":
            return _("%(who)s left the team.") % {"who": self.who(before.get("user"))}
        if what == "area" and after:
            return _("Area added: %(area)s.") % {"area": self.area(after)}
        if what == "area":
            return _("Area removed: %(area)s.") % {"area": self.area(before)}
        if what == "leadership":
            return _("Leader %(before)s → %(after)s; backup team %(backup_before)s → %(backup_after)s.") % {
                "before": self.who(before.get("leader")),
                "after": self.who(after.get("leader")),
                "backup_before": self.team(before.get("backup_team")),
                "backup_after": self.team(after.get("backup_team")),
            }
        if what == "rota":
            turns = ", ".join(self.who(pk) for pk in after.get("members", []))
            return _("Rota %(name)s saved; turns: %(turns)s.") % {
                "name": after.get("name", ""),
                "turns": turns,
            }
        if what == "override":
            return _("Override: %(who)s on call from %(start)s to %(end)s.") % {
                "who": self.who(after.get("user")),
                "start": _when(after.get("from")),
                "end": _when(after.get("to")),
            }
        if what == "swap.requested":
            return _("Swap #%(cover)s asked of %(who)s.") % {
                "cover": after.get("cover"),
                "who": self.who(after.get("taker")),
            }
        if what == "swap.decided":
            status = {"approved": _("approved"), "refused": _("refused")}.get(str(after.get("status")), "")
            return _("Swap #%(cover)s %(status)s.") % {"cover": before.get("cover"), "status": status}
        if what == "cover.withdrawn":
            return _("Cover #%(cover)s withdrawn.") % {"cover": before.get("cover")}
        return what


def team_changes(*, team: Team, limit: int = 50) -> list[ChangeLine]:
    """The latest ``limit`` changes to ``team``, newest first, as sentences. Three queries."""
    rows = list(TeamChange.objects.filter(team=team).select_related("actor")[:limit])
    keys = ("user", "leader", "taker", "members")
    people_ids = {pk for row in rows for part in (row.before, row.after) for pk in _ids(part, keys)}
    people = {
        user.pk: user.get_full_name() or user.get_username()
        for user in get_user_model().objects.filter(pk__in=people_ids)
    }
    team_ids = {pk for row in rows for part in (row.before, row.after) for pk in _ids(part, ("backup_team",))}
    teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))
    reader = _Reader(people, teams)
    return [
        ChangeLine(row.at, row.actor.get_full_name() or row.actor.get_username(), reader.sentence(row))
        for row in rows
    ]
