"""``manage.py seed_network_demo`` (after ``seed_demo``): the demo plants' supply network. Reti
Gas's cabin REMI-MI-001 feeds two final reduction groups and the Monza low-pressure network;
the groups feed buildings, the buildings their lifts. In Bologna the Navile pumping station
feeds the office building on Piazza Maggiore, which feeds its lift. The plants the network needs
beyond ``seed_demo``'s are added here; the network itself goes in as a CSV through the import
service, as a supervisor would load it, so that seeding again changes nothing."""

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dispatch.choices import PlantKind, Role
from dispatch.models import Customer, Plant
from network.services import network_import

# customer code: [(code, name, kind, address, lat, lon)]
PLANTS: dict[str, list[tuple[str, str, str, str, str, str]]] = {
    "retigas": [
        ("GRF-MI-004", "Gruppo di riduzione finale Niguarda", PlantKind.GAS_CABIN, "Via Ornato 30, Milano",
         "45.5195", "9.1889"),
        ("EDI-MI-201", "Condominio Viale Sarca 210", PlantKind.BUILDING, "Viale Sarca 210, Milano", "45.5190",
         "9.2120"),
        ("EDI-MI-202", "Condominio Via Bicocca degli Arcimboldi 5", PlantKind.BUILDING,
         "Via Bicocca degli Arcimboldi 5, Milano", "45.5150", "9.2110"),
        ("EDI-MI-203", "Condominio Via Ornato 44", PlantKind.BUILDING, "Via Ornato 44, Milano", "45.5210",
         "9.1880"),
        ("ASC-MI-201A", "Ascensore scala A, Viale Sarca 210", PlantKind.LIFT, "Viale Sarca 210, Milano",
         "45.5190", "9.2120"),
        ("ASC-MI-201B", "Ascensore scala B, Viale Sarca 210", PlantKind.LIFT, "Viale Sarca 210, Milano",
         "45.5190", "9.2120"),
        ("ASC-MI-202A", "Ascensore, Via Bicocca degli Arcimboldi 5", PlantKind.LIFT,
         "Via Bicocca degli Arcimboldi 5, Milano", "45.5150", "9.2110"),
    ],
}  # fmt: skip

NETWORK = """code,parent_code,supply_points
REMI-MI-001,,0
GRF-MI-002,REMI-MI-001,0
GRF-MI-004,REMI-MI-001,0
RETE-MB-003,REMI-MI-001,850
EDI-MI-201,GRF-MI-002,48
EDI-MI-202,GRF-MI-002,36
EDI-MI-203,GRF-MI-004,60
ASC-MI-201A,EDI-MI-201,24
ASC-MI-201B,EDI-MI-201,24
ASC-MI-202A,EDI-MI-202,36
SOLL-BO-102,,0
EDI-BO-103,SOLL-BO-102,40
ASC-BO-101,EDI-BO-103,40
"""


class Command(BaseCommand):
    help = "Give the demo plants a supply network (after seed_demo). Repeatable."

    def handle(self, *args: Any, **options: Any) -> None:
        supervisor = get_user_model().objects.filter(groups__name=Role.SUPERVISOR, is_active=True).first()
        if supervisor is None:
            raise CommandError("No supervisor: run seed_demo first.")
        for customer_code, plants in PLANTS.items():
            customer = Customer.objects.filter(code=customer_code).first()
            if customer is None:
                raise CommandError(f"No customer {customer_code}: run seed_demo first.")
            for code, name, kind, address, lat, lon in plants:
                Plant.objects.update_or_create(
                    code=code,
                    defaults={
                        "customer": customer, "name": name, "kind": kind, "address": address,
                        "municipality": address.rsplit(", ", 1)[-1], "province": "MI",
                        "latitude": Decimal(lat), "longitude": Decimal(lon),
                    },
                )  # fmt: skip
        result = network_import(actor=supervisor, content=NETWORK)
        self.stdout.write(
            f"Supply network: {result.rows} nodes ({result.created} added, {result.changed} changed, "
            f"{result.unchanged} as they were)."
        )
