"""A small network of customer 1 (c1), with one building of customer 2 (c2) in it:

CAB (cabin, 0)
├── REG1 (regulator, 0)
│   ├── B1 (building, 20) ── L1 (lift, 4), L2 (lift, 4)
│   └── B2 (building, 30, customer 2)
└── REG2 (regulator, 0)
    └── B3 (building, 10)
"""

import pytest

from dispatch.choices import PlantKind
from network.services import supply_node_set
from tests.factories import PlantFactory

SHAPE = [
    # code, kind, feeder, supply points, other customer
    ("CAB", PlantKind.GAS_CABIN, None, 0, False),
    ("REG1", PlantKind.GAS_NETWORK, "CAB", 0, False),
    ("REG2", PlantKind.GAS_NETWORK, "CAB", 0, False),
    ("B1", PlantKind.BUILDING, "REG1", 20, False),
    ("B2", PlantKind.BUILDING, "REG1", 30, True),
    ("B3", PlantKind.BUILDING, "REG2", 10, False),
    ("L1", PlantKind.LIFT, "B1", 4, False),
    ("L2", PlantKind.LIFT, "B1", 4, False),
]


@pytest.fixture
def network(users, customer, other_customer):
    plants = {}
    for code, kind, feeder, points, other in SHAPE:
        plants[code] = PlantFactory(code=code, kind=kind, customer=other_customer if other else customer)
        if feeder or points:
            supply_node_set(
                actor=users["supervisor"],
                plant=plants[code],
                feeder=plants[feeder] if feeder else None,
                supply_points=points,
            )
    return plants
