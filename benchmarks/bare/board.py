"""The bare baseline of ``bench_board.py``: a plain Django view that renders the same open
interventions as the board (the same conditions, order and 200 rows) from one query, with a
minimal template. No sign-in check, no filters form, no badges, no counts, no base layout: what
is left is Django's request cycle, one query and a table, i.e. the floor the board is compared
with."""

from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.template import engines

from dispatch.models import Intervention
from telecontrol.models import PlantState

ROWS = 200
# The states and the plant condition the benchmark's saved filters ask the board for.
STATES = ["open", "assigned", "acknowledged", "on_site"]

TEMPLATE = engines["django"].from_string(
    "<!doctype html><html lang=en><head><title>Board</title></head><body><table>"
    '{% for i in rows %}<tr><td><a href="/interventions/{{ i.pk }}/">{{ i.pk }}</a></td>'
    "<td>{{ i.priority }}</td><td>{{ i.status }}</td><td>{{ i.plant.code }} {{ i.plant.municipality }}</td>"
    "<td>{{ i.technician.username|default:'' }}</td><td>{{ i.opened_at|date:'c' }}</td>"
    "<td>{{ i.call.caller_number|default:'' }}</td><td>{{ i.summary }}</td></tr>{% endfor %}"
    "</table></body></html>"
)


def board_bare(request):
    inactive = PlantState.objects.filter(plant=OuterRef("plant"), active=False)
    rows = (
        Intervention.objects.select_related("plant", "technician", "call")
        .filter(status__in=STATES, plant__customer__code="bench")
        .exclude(Exists(inactive))
        .order_by("priority", "opened_at", "pk")[:ROWS]
    )
    return HttpResponse(TEMPLATE.render({"rows": rows}))
