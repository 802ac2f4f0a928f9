"""Create the demo's customers, plants, users (one per role) and a little history. Idempotent."""

from datetime import timedelta
from decimal import Decimal
from typing import Any, TypedDict

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from dispatch import services
from dispatch.choices import CallType, PlantKind, Role, ServiceClass
from dispatch.models import Call, CallScript, Contact, Customer, KnownNumber, Plant, UserProfile
from dispatch.timing import shifted
from notifications.models import ContactPoint
from telecontrol.choices import Protocol
from telecontrol.models import PlantTelecontrol


class CustomerSpec(TypedDict):
    code: str
    name: str
    service_class: str
    contact: tuple[str, str, str]  # name, email, phone
    plants: list[tuple[str, str, str, str, str, str, str]]  # code, name, kind, address, lat, lon, protocol


CUSTOMERS: list[CustomerSpec] = [
    {
        "code": "retigas",
        "name": "Reti Gas Lombardia S.p.A.",
        "service_class": ServiceClass.GOLD,
        "contact": ("Ufficio Qualità", "qualita@retigas.example", "+390212345678"),
        "plants": [
            (
                "REMI-MI-001",
                "Cabina REMI Milano Nord",
                PlantKind.GAS_CABIN,
                "Via Stephenson 94, Milano",
                "45.5152",
                "9.1340",
                Protocol.MODBUS,
            ),
            (
                "GRF-MI-002",
                "Gruppo di riduzione finale Bicocca",
                PlantKind.GAS_CABIN,
                "Viale Sarca 202, Milano",
                "45.5176",
                "9.2106",
                Protocol.MQTT,
            ),
            (
                "RETE-MB-003",
                "Rete bassa pressione Monza centro",
                PlantKind.GAS_NETWORK,
                "Piazza Trento, Monza",
                "45.5845",
                "9.2744",
                Protocol.NONE,
            ),
        ],
    },
    {
        "code": "adriatica",
        "name": "Servizi Adriatica S.r.l.",
        "service_class": ServiceClass.SILVER,
        "contact": ("Centrale operativa", "centrale@adriatica.example", "+390511234567"),
        "plants": [
            (
                "ASC-BO-101",
                "Ascensore condominio Via Indipendenza 12",
                PlantKind.LIFT,
                "Via dell'Indipendenza 12, Bologna",
                "44.4990",
                "11.3430",
                Protocol.MQTT,
            ),
            (
                "SOLL-BO-102",
                "Stazione di sollevamento Navile",
                PlantKind.PUMPING_STATION,
                "Via del Navile 5, Bologna",
                "44.5201",
                "11.3357",
                Protocol.MODBUS,
            ),
            (
                "EDI-BO-103",
                "Edificio uffici Piazza Maggiore",
                PlantKind.BUILDING,
                "Piazza Maggiore 6, Bologna",
                "44.4938",
                "11.3430",
                Protocol.MODBUS,
            ),
        ],
    },
]

USERS = [
    ("operator", Role.OPERATOR, None, "Olga", "Operatrice"),
    ("technician", Role.TECHNICIAN, None, "Tino", "Tecnico"),
    ("technician2", Role.TECHNICIAN, None, "Teresa", "Tecnica"),
    ("supervisor", Role.SUPERVISOR, None, "Sara", "Supervisore"),
    ("utility", Role.UTILITY, "retigas", "Umberto", "Reti Gas"),
    ("utility_b", Role.UTILITY, "adriatica", "Ugo", "Adriatica"),
]

# Supervisors maintain reference data in the admin and may read everything there.
SUPERVISOR_ADMIN_PERMISSIONS = [
    "view_customer",
    "add_customer",
    "change_customer",
    "view_contact",
    "add_contact",
    "change_contact",
    "delete_contact",
    "view_plant",
    "add_plant",
    "change_plant",
    "view_plantdocument",
    "add_plantdocument",
    "change_plantdocument",
    "view_knownnumber",
    "add_knownnumber",
    "change_knownnumber",
    "delete_knownnumber",
    "view_userprofile",
    "change_userprofile",
    "view_planttelecontrol",
    "add_planttelecontrol",
    "change_planttelecontrol",
    "view_call",
    "view_intervention",
    "view_event",
    # The technicians' channels (also on the page /contact-points/; notifications migration 0004).
    "view_contactpoint",
    "add_contactpoint",
    "change_contactpoint",
]


class Command(BaseCommand):
    help = "Create demo customers, plants, users for each role (password demo-<username>) and some history."

    @transaction.atomic
    def handle(self, *args, **options):
        groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
        groups[Role.SUPERVISOR].permissions.set(
            Permission.objects.filter(codename__in=SUPERVISOR_ADMIN_PERMISSIONS)
        )
        customers: dict[str, Customer] = {}
        base_port = 15020
        for index, spec in enumerate(CUSTOMERS):
            customer, _ = Customer.objects.update_or_create(
                code=spec["code"], defaults={"name": spec["name"], "service_class": spec["service_class"]}
            )
            customers[spec["code"]] = customer
            name, email, phone = spec["contact"]
            Contact.objects.update_or_create(
                customer=customer,
                name=name,
                defaults={"email": email, "phone_number": phone, "receives_reports": True},
            )
            for plant_index, (code, pname, kind, address, lat, lon, protocol) in enumerate(spec["plants"]):
                plant, _ = Plant.objects.update_or_create(
                    code=code,
                    defaults={
                        "customer": customer,
                        "name": pname,
                        "kind": kind,
                        "address": address,
                        "municipality": address.rsplit(", ", 1)[-1],
                        "latitude": Decimal(lat),
                        "longitude": Decimal(lon),
                    },
                )
                PlantTelecontrol.objects.update_or_create(
                    plant=plant,
                    defaults={
                        "protocol": protocol,
                        "host": "127.0.0.1" if protocol == Protocol.MODBUS else "",
                        "port": base_port + index * 10 + plant_index if protocol == Protocol.MODBUS else None,
                    },
                )
        lift = Plant.objects.get(code="ASC-BO-101")
        KnownNumber.objects.get_or_create(
            number="+390510000101", plant=lift, defaults={"label": "Lift alarm line"}
        )

        User = get_user_model()
        users: dict[str, Any] = {}
        for username, role, customer_code, first, last in USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last}
            )
            user.set_password(f"demo-{username}")
            user.is_staff = role == Role.SUPERVISOR
            user.save()
            user.groups.set([groups[role]])
            UserProfile.objects.update_or_create(
                user=user,
                defaults={
                    "customer": customers.get(customer_code) if customer_code else None,
                    "mobile_number": "+39347000" + str(1000 + len(users)) if role == Role.TECHNICIAN else "",
                    **DEMO_TECHNICIANS.get(username, {}),
                    # As if their phones had just shared it (each demo start seeds again).
                    **({"position_at": timezone.now()} if username in DEMO_TECHNICIANS else {}),
                },
            )
            users[username] = user
            self._contact_points(user, role)

        if not Call.objects.exists():
            self._history(users)
        self._scripts(users["supervisor"])

        self.stdout.write(self.style.SUCCESS("Demo data ready. Users (password demo-<username>):"))
        for username, role, customer_code, *_ in USERS:
            scope = f" (customer {customer_code})" if customer_code else ""
            self.stdout.write(f"  {username:<12} role {role:<11} password demo-{username}{scope}")

    def _scripts(self, supervisor):
        """A triage script (calls of no known type yet) and one for gas leaks, in Italian as the
        operators would write them."""
        for call_type, name, source in DEMO_SCRIPTS:
            if not CallScript.objects.filter(call_type=call_type).exists():
                services.call_script_save(actor=supervisor, call_type=call_type, name=name, source=source)

    def _contact_points(self, user, role):
        """Technicians get SMS, email and fax; staff email: the embedded outbox shows them all."""
        index = user.pk % 1000
        points = {
            Role.TECHNICIAN: [
                ("sms", f"+39347{index:07d}"),
                ("email", f"{user.username}@pronto.example"),
                ("fax", f"+39051{index:07d}"),
            ],
            Role.SUPERVISOR: [("email", f"{user.username}@pronto.example")],
            Role.OPERATOR: [("email", f"{user.username}@pronto.example")],
        }.get(role, [])
        for position, (channel, address) in enumerate(points):
            ContactPoint.objects.get_or_create(
                user=user, channel=channel, address=address, defaults={"position": position}
            )

    def _history(self, users):
        now = timezone.now()
        operator, supervisor, technician = users["operator"], users["supervisor"], users["technician"]
        cabin = Plant.objects.get(code="REMI-MI-001")
        call = services.call_log(
            actor=operator,
            caller_number="02 8765 4321",
            received_at=shifted(now, -timedelta(minutes=50)),
            answered_at=shifted(now, timedelta(minutes=-50, seconds=14)),
            ended_at=shifted(now, -timedelta(minutes=47)),
            line="800-900-000 gas",
            plant=cabin,
            call_type=CallType.GAS_LEAK,
            notes="Odore di gas vicino alla cabina, segnalato da un passante.",
        )
        leak = services.intervention_open(
            actor=operator, call=call, summary="Sospetta dispersione presso la cabina"
        )
        services.intervention_assign(actor=operator, intervention=leak, technician=technician)
        services.intervention_acknowledge(actor=technician, intervention=leak)
        services.intervention_arrive(actor=technician, intervention=leak)
        services.intervention_complete(
            actor=technician,
            intervention=leak,
            closing_reason="Raccordo allentato serrato, nessuna dispersione.",
        )
        lift_call = services.call_log(
            actor=operator,
            caller_number="+39 051 000 0101",
            received_at=shifted(now, -timedelta(minutes=12)),
            answered_at=shifted(now, timedelta(minutes=-12, seconds=6)),
            ended_at=shifted(now, -timedelta(minutes=10)),
            line="800-900-111 ascensori",
            call_type=CallType.LIFT_TRAPPED,
            notes="Persona bloccata in cabina, piano 3.",
        )
        services.intervention_open(actor=operator, call=lift_call, summary="Persona bloccata in ascensore")
        services.call_log(
            actor=supervisor,
            caller_number="333 123 4567",
            call_type=CallType.INFORMATION,
            ended_at=None,
            line="800-900-000 gas",
            notes="Chiede informazioni su un lavoro in strada.",
        )


DEMO_SCRIPTS = [
    (
        "",
        "Smistamento",
        """[start] Che cosa succede?
  ? Nome, indirizzo esatto e numero da richiamare prima di tutto.
  - Sento odore di gas -> odore ; type=gas_leak priority=2
  - Manca il gas -> mancanza ; type=supply_interruption priority=3
  - Persona bloccata in ascensore -> ascensore ; type=lift_trapped priority=1
  - Informazioni -> end ; type=information priority=4
[odore] L'odore è forte, dentro un locale chiuso?
  - Sì, forte, al chiuso -> evacuare ; priority=1
  - Debole o all'aperto -> end ; priority=2
[evacuare] Non azionare interruttori, non usare fiamme, aprire le finestre, uscire. Sono fuori?
  - Sì -> end
  - No -> end ; priority=1
[mancanza] Manca in tutto il palazzo o solo a lei?
  - In tutto il palazzo -> end ; priority=2
  - Solo a me -> end ; type=irregular_supply priority=3
[ascensore] Qualcuno sta male?
  - Sì -> end ; priority=1
  - No -> end ; priority=1
""",
    ),
    (
        "gas_leak",
        "Dispersione gas",
        """[start] L'odore è dentro un edificio?
  ? Tenere il chiamante in linea finché non è al sicuro.
  - Sì -> evacuare ; priority=1
  - No, all'aperto -> dove ; priority=2
[evacuare] Niente interruttori né fiamme, finestre aperte, tutti fuori. Sono fuori?
  - Sì -> end
  - No -> end ; priority=1
[dove] Vicino a un contatore o a una cabina?
  - Contatore -> end ; type=leak_downstream priority=2
  - Cabina o rete stradale -> end ; priority=1
""",
    ),
]


# Where the demo's technicians are and what they work on, for the suggestion of whom to send.
DEMO_TECHNICIANS = {
    "technician": {
        "on_duty": True, "skills": ["gas_cabin", "gas_network"],
        "latitude": Decimal("45.4700"), "longitude": Decimal("9.1800"),
    },
    "technician2": {
        "on_duty": True, "skills": ["lift", "building", "water"],
        "latitude": Decimal("44.4950"), "longitude": Decimal("11.3400"),
    },
}  # fmt: skip
