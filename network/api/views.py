"""The network over the API: a plant's node (GET: whoever sees the plant; PUT/PATCH:
supervisors) and the CSV import (POST, multipart: supervisors). A plant the user may not see
is 404; a refused change is 400 keyed by field (``feeder``, ``supply_points``, ``file`` with a
message per line)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import selectors as dispatch_selectors
from dispatch.api.permissions import HasActionRole
from dispatch.choices import Role
from dispatch.models import Plant
from network import selectors, services
from network.csv_import import IMPORT_MAX_BYTES

from .serializers import (
    ImportResultSerializer,
    ImportSerializer,
    NetworkNodeSerializer,
    NodeWriteSerializer,
    ReachQuerySerializer,
)

READERS = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.TECHNICIAN, Role.UTILITY})
WRITERS = frozenset({Role.SUPERVISOR})


def _ref(plant: Plant) -> dict[str, Any]:
    return {"id": plant.pk, "code": plant.code, "name": plant.name, "kind": plant.kind}


def node_data(*, plant: Plant, user: Any, limit: int, offset: int) -> dict[str, Any]:
    """The node as ``user`` sees it (a feeder of another customer is null for a utility user)."""
    node = selectors.node_get(plant=plant)
    chain = selectors.feeders(plant=plant, user=user)
    feeder = chain[0] if chain and node is not None and chain[0].pk == node.feeder_id else None
    reach = selectors.reach(plant=plant, user=user, limit=limit, offset=offset)
    fed = selectors.children(plant=plant, user=user)
    return {
        "plant": _ref(plant),
        "feeder": _ref(feeder) if feeder else None,
        "supply_points": node.supply_points if node else 0,
        "feeders": [_ref(p) for p in chain],
        "children": [vars(child) for child in fed],
        "reach": {
            "nodes": reach.nodes, "total_supply_points": reach.total_supply_points, "depth": reach.depth,
            "levels": [vars(level) for level in reach.levels], "limit": limit, "offset": offset,
            "truncated": reach.truncated,
            "listed": [{"id": n.plant_id, "code": n.code, "name": n.name, "kind": n.kind, "depth": n.depth,
                        "supply_points": n.supply_points} for n in reach.listed],
        },
    }  # fmt: skip


class _View(APIView):
    permission_classes = [HasActionRole]
    action: str | None = "read"
    action_roles = {"read": READERS, "write": WRITERS}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        method = (request.method or "").lower()
        if method not in self.http_method_names or not hasattr(self, method):
            self.action = None  # not served: 405 for every role alike (HasActionRole lets it by)
        else:
            self.action = "read" if method in ("get", "head", "options") else "write"
        super().initial(request, *args, **kwargs)


class PlantNetworkView(_View):
    """A plant's place in the supply network: what feeds it (up to the root), what it feeds, and
    the reach of a fault there (figures over every node downstream; the first nodes listed). A
    utility user sees only its own customer's plants, in the lists and in the figures."""

    def _show(self, request: Request, plant: Plant) -> Response:
        query = ReachQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit, offset = query.validated_data["reach_limit"], query.validated_data["reach_offset"]
        return Response(NetworkNodeSerializer(node_data(plant=plant, user=request.user, limit=limit,
                                                        offset=offset)).data)  # fmt: skip

    @extend_schema(parameters=[ReachQuerySerializer], responses={200: NetworkNodeSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return self._show(request, dispatch_selectors.plant_get_for_user(user=request.user, pk=pk))

    def _write(self, request: Request, pk: int, *, partial: bool) -> Response:
        plant = dispatch_selectors.plant_get_for_user(user=request.user, pk=pk)
        payload = NodeWriteSerializer(data=request.data, partial=partial, context={"request": request})
        payload.is_valid(raise_exception=True)
        node = selectors.node_get(plant=plant)
        data = payload.validated_data
        feeder: Plant | None = data["feeder"] if "feeder" in data else (node.feeder if node else None)
        points: int = (
            data["supply_points"] if "supply_points" in data else (node.supply_points if node else 0)
        )
        services.supply_node_set(actor=request.user, plant=plant, feeder=feeder, supply_points=points)
        return self._show(request, plant)

    @extend_schema(
        request=NodeWriteSerializer, parameters=[ReachQuerySerializer], responses={200: NetworkNodeSerializer}
    )
    def put(self, request: Request, pk: int) -> Response:
        """Set the plant's feeder and supply points (both); a ring or a plant feeding itself: 400."""
        return self._write(request, pk, partial=False)

    @extend_schema(
        request=NodeWriteSerializer, parameters=[ReachQuerySerializer], responses={200: NetworkNodeSerializer}
    )
    def patch(self, request: Request, pk: int) -> Response:
        """Set the feeder, the supply points, or both."""
        return self._write(request, pk, partial=True)


class NetworkImportView(_View):
    """Import the network from CSV (``code,parent_code,supply_points``; a parent may come later
    in the file). Every row is checked first: one bad row (unknown code, a plant twice, a ring)
    and nothing is imported, with a message per line under ``file``. Importing the same file
    again changes nothing. At most 8 MB and 200,000 rows."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={200: ImportResultSerializer},
    )
    def post(self, request: Request) -> Response:
        payload = ImportSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        content = payload.validated_data["file"].read(IMPORT_MAX_BYTES + 1)
        result = services.network_import(actor=request.user, content=content)
        return Response(ImportResultSerializer(vars(result)).data)
