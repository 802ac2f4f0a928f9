"""How a model declares who may see its rows; ``dispatch.access`` applies it.

Declared on the model (``visibility = Visibility(...)``) so that the path from a row to its
customer and to its technician is written once, beside the fields it follows.
"""

from dataclasses import dataclass

from django.db.models import Q

# The customer path of the Customer model itself.
SELF = "pk"


@dataclass(frozen=True, kw_only=True)
class Visibility:
    """Who sees a model's rows.

    ``everyone``: roles that see every row. ``customer``: the lookup path from a row to its
    customer (``SELF`` for the customer itself; ``None``: utility users see none);
    ``customer_rows``: of those, the rows utility users see (``None``: all of them).
    ``technician``: the lookup path from a row to a technician it is (or was) assigned to
    (``None``: technicians see none, unless their role is in ``everyone``); ``technician_rows``:
    rows every technician sees besides those (a plant's own archive).
    """

    everyone: frozenset[str]
    customer: str | None = None
    customer_rows: Q | None = None
    technician: str | None = None
    technician_rows: Q | None = None
