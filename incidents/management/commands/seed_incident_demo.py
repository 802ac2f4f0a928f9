"""``manage.py seed_incident_demo`` (after ``seed_network_demo``): an open major incident on Reti
Gas's cabin REMI-MI-001, three calls from the buildings it feeds attached to it, one caller
subscribed to the updates, and two updates after the declaration. Written through the services,
as a supervisor and an operator would; run again, it finds the incident open and changes nothing."""

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dispatch.choices import CallType, Role
from dispatch.models import Plant
from dispatch.services import call_log
from incidents import services
from incidents.choices import IncidentState
from incidents.models import MajorIncident

NODE = "REMI-MI-001"
# (plant code, caller's number, minutes ago, subscribes)
CALLS = (
    ("EDI-MI-201", "+393471112201", 34, True),
    ("EDI-MI-202", "+393471112202", 31, False),
    ("ASC-MI-201A", "+393471112203", 27, False),
)


def _user(role: str) -> Any:
    user = get_user_model().objects.filter(groups__name=role, is_active=True).order_by("pk").first()
    if user is None:
        raise CommandError(f"No {role}: run seed_demo first.")
    return user


class Command(BaseCommand):
    help = "An open major incident on the demo network's cabin (after seed_network_demo). Repeatable."

    def handle(self, *args: Any, **options: Any) -> None:
        node = Plant.objects.filter(code=NODE).first()
        if node is None:
            raise CommandError(f"No plant {NODE}: run seed_network_demo first.")
        existing = MajorIncident.objects.filter(node=node, state=IncidentState.OPEN).first()
        if existing is not None:
            self.stdout.write(f"Major incident {existing.pk} is already open on {NODE}.")
            return
        supervisor, operator = _user(Role.SUPERVISOR), _user(Role.OPERATOR)
        now = timezone.now()
        incident = services.incident_declare(
            actor=supervisor,
            node=node,
            title="Cabina REMI Milano Nord fuori servizio",
            cause="Guasto al regolatore di pressione della linea 2.",
            public_message=(
                "Fornitura del gas interrotta a Milano Nord per un guasto alla cabina di riduzione. "
                "I tecnici sono sul posto."
            ),
            eta=now + timedelta(hours=3),
        )
        for code, number, minutes, subscribes in CALLS:
            plant = Plant.objects.filter(code=code).first()
            received = now - timedelta(minutes=minutes)
            # Answered and ended: the board's "calls in progress" stays the demo's own.
            call = call_log(
                actor=operator,
                caller_number=number,
                plant=plant,
                call_type=CallType.SUPPLY_INTERRUPTION,
                received_at=received,
                answered_at=received + timedelta(seconds=18),
                ended_at=received + timedelta(minutes=3),
            )
            services.call_attach(
                actor=operator, incident=incident, call=call, subscribe=subscribes, number=number
            )
        services.incident_update(
            actor=supervisor,
            incident=incident,
            public_text="Individuato il guasto al regolatore; la sostituzione è in corso.",
        )
        services.incident_update(
            actor=supervisor,
            incident=incident,
            public_text="Sostituzione quasi completata: il gas tornerà entro due ore.",
            eta=now + timedelta(hours=2),
        )
        self.stdout.write(
            f"Major incident {incident.pk} open on {NODE}: {len(CALLS)} calls attached, "
            f"status page /status/{incident.public_token}/"
        )
