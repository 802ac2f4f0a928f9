"""``manage.py seed_routing_demo``: the demo's routing world on top of ``seed_demo``: skills,
regional teams and a second line, the lines with another centre as fallback, queues, caller
classes by contract, a VIP and a hospital, a published rule set, the demo people's phones and
six simulated operators that ``simulate_calls`` answers for. Repeatable."""

from datetime import time
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from dispatch.choices import Role
from dispatch.models import Customer, Plant
from routing.choices import ClassRuleKind, OperatorState, RuleAction
from routing.classify import caller_classes_shipped
from routing.models import CallerClassRule, Line, OperatorProfile, Queue, RoutingRule, RuleSetVersion, Skill
from routing.simulation import SIMULATED_PREFIX
from teams.models import Team

SKILLS = [
    ("service", "gas", "Gas"),
    ("service", "lifts", "Lifts"),
    ("service", "water", "Water"),
    ("language", "it", "Italiano"),
    ("language", "en", "English"),
    ("language", "de", "Deutsch"),
]
TEAMS = [
    ("lombardia", "Team Lombardia", "Lombardia", False, ""),
    ("emilia", "Team Emilia-Romagna", "Emilia-Romagna", False, ""),
    ("second-line", "Second line (engineers)", "", True, "7000"),
]
LINES = [
    ("800100", "Pronto intervento gas", "retigas", "sip:800100@centro-b.example"),
    ("800200", "Soccorso ascensori", "adriatica", "sip:800200@centro-b.example"),
]
QUEUES = [
    ("gas", "Gas emergencies", ["gas", "it"], 15, None, None, "queue-gas"),
    ("lifts", "Lift alarms", ["lifts"], 15, None, None, "queue-lifts"),
    ("general", "General", [], 20, None, None, "queue-general"),
]
# (username, first, last, extension, team, skills, state)
SIMULATED = [
    (f"{SIMULATED_PREFIX}1", "Marta", "Sim", "2101", "lombardia", ["gas", "it", "en"]),
    (f"{SIMULATED_PREFIX}2", "Luca", "Sim", "2102", "lombardia", ["gas", "it"]),
    (f"{SIMULATED_PREFIX}3", "Giulia", "Sim", "2103", "emilia", ["lifts", "it"]),
    (f"{SIMULATED_PREFIX}4", "Paolo", "Sim", "2104", "emilia", ["lifts", "gas", "it", "de"]),
    (f"{SIMULATED_PREFIX}5", "Anna", "Sim", "2105", "lombardia", ["gas", "water", "it"]),
    (f"{SIMULATED_PREFIX}6", "Enrico", "Sim", "3101", "second-line", ["gas", "lifts", "it", "en"]),
]
VIP_NUMBER = "+390287654321"


class Command(BaseCommand):
    help = "Create the demo's routing world (after seed_demo): teams, lines, queues, rules, operators."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        skills = {}
        for kind, code, name in SKILLS:
            skills[code], _ = Skill.objects.update_or_create(kind=kind, code=code, defaults={"name": name})
        teams = {}
        for code, name, region, second, number in TEAMS:
            teams[code], _ = Team.objects.update_or_create(
                code=code,
                defaults={"name": name, "region": region, "is_second_line": second, "consult_number": number},
            )
        lines = {}
        for number, name, customer_code, fallback in LINES:
            lines[number], _ = Line.objects.update_or_create(
                number=number,
                defaults={
                    "name": name,
                    "customer": Customer.objects.filter(code=customer_code).first(),
                    "fallback_uri": fallback,
                },
            )
        queues = {}
        for code, name, needed, timeout, _overflow, _after, announcement in QUEUES:
            queues[code], _ = Queue.objects.update_or_create(
                code=code,
                defaults={"name": name, "offer_timeout_seconds": timeout, "announcement": announcement},
            )
            queues[code].skills.set([skills[s] for s in needed])
        queues["gas"].overflow_queue, queues["gas"].overflow_after_seconds = queues["general"], 90
        queues["gas"].save()

        operator_group = Group.objects.get(name=Role.OPERATOR)
        User = get_user_model()
        for username, first, last, extension, team, owned in SIMULATED:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last}
            )
            if created:
                user.set_unusable_password()
                user.save()
            user.groups.add(operator_group)
            profile, _ = OperatorProfile.objects.update_or_create(
                user=user,
                defaults={
                    "extension": extension,
                    "sip_uri": f"sip:{username}@simulated.pronto.example",
                    "team": teams[team],
                    "wrap_up_seconds": 10,
                    "state": OperatorState.AVAILABLE,
                    "state_since": now,
                    "idle_since": now,
                    "current_call": None,
                },
            )
            profile.skills.set([skills[s] for s in owned])
        people = {"operator": ("2001", "lombardia"), "supervisor": ("2900", "lombardia")}
        for username, (extension, team) in people.items():
            person = User.objects.filter(username=username).first()
            if person is None:
                continue
            profile, _ = OperatorProfile.objects.get_or_create(
                user=person, defaults={"state_since": now, "state": OperatorState.SIGNED_OFF}
            )
            profile.extension, profile.sip_uri, profile.team = (
                extension,
                f"sip:{extension}@pronto.example",
                teams[team],
            )
            profile.save()
            profile.skills.set([skills["gas"], skills["lifts"], skills["it"], skills["en"]])

        # The shipped classes (migration 0002), made again if someone deleted them.
        classes = caller_classes_shipped()
        manager = User.objects.filter(username=f"{SIMULATED_PREFIX}1").first()
        CallerClassRule.objects.update_or_create(
            kind=ClassRuleKind.NUMBER,
            number=VIP_NUMBER,
            defaults={"caller_class": classes["vip"], "personal_manager": manager, "note": "Sindaco"},
        )
        hospital = Plant.objects.filter(code="REMI-MI-001").first()
        if hospital is not None:
            CallerClassRule.objects.update_or_create(
                kind=ClassRuleKind.PLANT,
                plant=hospital,
                defaults={"caller_class": classes["critical"], "note": "Feeds the Niguarda hospital"},
            )
        if not RuleSetVersion.objects.exists():
            version = RuleSetVersion.objects.create(number=1, published_at=now, note="Demo rules")
            rules = [
                dict(
                    name="Lifts at night: centre B",
                    line=lines["800200"],
                    time_from=time(22),
                    time_to=time(6),
                    action=RuleAction.FORWARD,
                ),
                dict(
                    name="Critical users first",
                    caller_class=classes["critical"],
                    queue=queues["gas"],
                    priority=50,
                ),
                dict(name="Gas line", line=lines["800100"], queue=queues["gas"]),
                dict(name="Lifts line", line=lines["800200"], queue=queues["lifts"]),
                dict(name="Everything else", queue=queues["general"]),
            ]
            for position, fields in enumerate(rules, start=1):
                RoutingRule.objects.create(version=version, position=position, **fields)
        self.stdout.write(
            self.style.SUCCESS(
                f"Routing demo ready: lines {', '.join(lines)}, queues {', '.join(queues)}, "
                f"{len(SIMULATED)} simulated operators ({', '.join(s[0] for s in SIMULATED)}); "
                f"VIP number {VIP_NUMBER}."
            )
        )
