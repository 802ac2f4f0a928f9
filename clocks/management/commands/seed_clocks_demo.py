"""``manage.py seed_clocks_demo``: the demo's open cases typed (after ``seed_demo``), so that the
board, the cases' pages, the desk and the phone show service-level clocks: the critical ones as
emergencies, the others as incidents or service requests. Repeatable: typed cases are left as
they are."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clocks.models import CaseFile, CaseType
from clocks.services import case_file_set, shipped_setup_restore
from dispatch.choices import InterventionStatus, Priority, Role
from dispatch.models import Intervention

OPEN = [
    InterventionStatus.OPEN,
    InterventionStatus.ASSIGNED,
    InterventionStatus.ACKNOWLEDGED,
    InterventionStatus.ON_SITE,
    InterventionStatus.COMPLETED,
]


class Command(BaseCommand):
    help = "Type the demo's open cases so that their service-level clocks run."

    def handle(self, *args: Any, **options: Any) -> None:
        supervisor = get_user_model().objects.filter(groups__name=Role.SUPERVISOR, is_active=True).first()
        if supervisor is None:
            raise CommandError("No supervisor: run seed_demo first.")
        shipped_setup_restore()
        types = {case_type.code: case_type for case_type in CaseType.objects.all()}
        typed = 0
        untyped = Intervention.objects.filter(status__in=OPEN).exclude(
            pk__in=CaseFile.objects.values("intervention_id")
        )
        for n, intervention in enumerate(untyped.order_by("pk")):
            if intervention.priority == Priority.CRITICAL:
                code = "emergency"
            else:
                code = "incident" if n % 2 else "service"
            case_file_set(actor=supervisor, intervention=intervention, case_type=types[code])
            typed += 1
        self.stdout.write(f"clocks: {typed} open cases typed")
