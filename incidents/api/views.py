"""The major incidents over the API.

Reading (list, one incident): operators, supervisors, technicians, and utility users for their
own customer's incidents (another customer's is 404). Declaring, updating and resolving:
supervisors. Attaching a call, an alarm or an intervention (with the caller's subscription):
operators and supervisors. The deliveries' counts: supervisors. A role that may not use an
operation is 403 before any row is looked up; a method a route does not serve is 405 for every
role alike. Each write is one service call (``incidents.services``)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from dispatch.api.pagination import LimitOffsetPage
from dispatch.api.permissions import HasActionRole
from dispatch.choices import Role
from incidents import services
from incidents.broadcast import status_url
from incidents.models import IncidentMember, IncidentUpdate, MajorIncident
from incidents.selectors.listing import (
    incident_get_for_user,
    incident_list_for_user,
    incident_member_counts,
    incident_updates,
    update_delivery_counts,
)

from .serializers import (
    IncidentDeclareSerializer,
    IncidentDeliveriesSerializer,
    IncidentDetailSerializer,
    IncidentMemberSerializer,
    IncidentMemberWriteSerializer,
    IncidentQuerySerializer,
    IncidentResolveSerializer,
    IncidentSerializer,
    IncidentUpdateSerializer,
    IncidentUpdateWriteSerializer,
)

READERS = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.TECHNICIAN, Role.UTILITY})
SUPERVISORS = frozenset({Role.SUPERVISOR})
ATTACHERS = frozenset({Role.OPERATOR, Role.SUPERVISOR})


def incident_data(incident: MajorIncident) -> dict[str, Any]:
    node = incident.node
    return {
        "id": incident.pk, "customer": incident.customer_id,
        "node": {"id": node.pk, "code": node.code, "name": node.name},
        "title": incident.title, "cause": incident.cause, "public_message": incident.public_message,
        "eta": incident.eta, "state": incident.state, "auto_attach": incident.auto_attach,
        "detected_at": incident.detected_at, "declared_at": incident.declared_at,
        "resolved_at": incident.resolved_at, "closed_at": incident.closed_at,
        "reach_nodes": incident.reach_nodes, "reach_supply_points": incident.reach_supply_points,
        "status_url": status_url(incident),
    }  # fmt: skip


def update_data(update: IncidentUpdate) -> dict[str, Any]:
    return {
        "id": update.pk, "position": update.position, "kind": update.kind,
        "public_text": update.public_text, "eta": update.eta, "at": update.at,
    }  # fmt: skip


class _View(GenericAPIView):
    """``write_action``: the action a POST is (its roles in ``action_roles``); other methods
    read. A method the view does not serve: no action, so DRF answers 405 to every role."""

    permission_classes = [HasActionRole]
    action: str | None = "read"
    write_action = ""
    action_roles: dict[str, frozenset[str]] = {"read": READERS}
    pagination_class: type[BasePagination] | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        method = (request.method or "").lower()
        if method not in self.http_method_names or not hasattr(self, method):
            self.action = None
        else:
            self.action = self.write_action if method == "post" else "read"
        super().initial(request, *args, **kwargs)

    def _detail(self, request: Request, incident: MajorIncident) -> dict[str, Any]:
        return {
            **incident_data(incident),
            "updates": [update_data(u) for u in incident_updates(incident=incident)],
            "members": incident_member_counts(incident=incident, user=request.user),
        }

    def _incident(self, request: Request, pk: int) -> MajorIncident:
        return incident_get_for_user(user=request.user, pk=pk)


class IncidentsView(_View):
    """The incidents the user may see, newest first (GET, filter ``state``); declare one on a
    plant (POST, supervisors): one open incident per plant, a second is 400 on ``node``."""

    write_action = "declare"
    action_roles = {"read": READERS, "declare": SUPERVISORS}
    serializer_class = IncidentSerializer
    pagination_class = LimitOffsetPage
    queryset = MajorIncident.objects.none()  # for the schema's model only: rows come from the selector

    @extend_schema(parameters=[IncidentQuerySerializer], responses={200: IncidentSerializer(many=True)})
    def get(self, request: Request) -> Response:
        query = IncidentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        incidents = incident_list_for_user(user=request.user, state=query.validated_data.get("state"))
        page = self.paginate_queryset(incidents) or []
        return self.get_paginated_response([incident_data(i) for i in page])

    @extend_schema(request=IncidentDeclareSerializer, responses={201: IncidentDetailSerializer})
    def post(self, request: Request) -> Response:
        payload = IncidentDeclareSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        incident = services.incident_declare(actor=request.user, **payload.validated_data)
        incident = self._incident(request, incident.pk)
        return Response(IncidentDetailSerializer(self._detail(request, incident)).data, status=201)


class IncidentView(_View):
    """One incident with its updates (in order) and what is attached to it."""

    @extend_schema(responses={200: IncidentDetailSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(IncidentDetailSerializer(self._detail(request, self._incident(request, pk))).data)


class IncidentUpdatesView(_View):
    """A new public message (with ``eta``: a new estimate) on an open incident, sent to every
    subscriber by SMS and to the customer's contacts by email; 400 once it is resolved."""

    write_action = "update"
    action_roles = {"update": SUPERVISORS}

    @extend_schema(request=IncidentUpdateWriteSerializer, responses={201: IncidentUpdateSerializer})
    def post(self, request: Request, pk: int) -> Response:
        incident = self._incident(request, pk)
        payload = IncidentUpdateWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        update = services.incident_update(
            actor=request.user,
            incident=incident,
            public_text=data["public_text"],
            eta=data["eta"] if "eta" in data else services.UNCHANGED,
        )
        return Response(IncidentUpdateSerializer(update_data(update)).data, status=status.HTTP_201_CREATED)


class IncidentResolveView(_View):
    """The fault is fixed: the final message goes out (as an update); no more calls attach."""

    write_action = "resolve"
    action_roles = {"resolve": SUPERVISORS}

    @extend_schema(request=IncidentResolveSerializer, responses={201: IncidentUpdateSerializer})
    def post(self, request: Request, pk: int) -> Response:
        incident = self._incident(request, pk)
        payload = IncidentResolveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        update = services.incident_resolve(
            actor=request.user, incident=incident, public_text=payload.validated_data["public_text"]
        )
        return Response(IncidentUpdateSerializer(update_data(update)).data, status=status.HTTP_201_CREATED)


class IncidentMembersView(_View):
    """Attach a call, an alarm or an intervention (exactly one, by id) to the open incident;
    with a call, ``subscribe`` (and ``number``, else the call's) signs the caller up for the
    updates by SMS. Attaching again is no change (200 with the same member); an item attached to
    another incident is 400."""

    write_action = "attach"
    action_roles = {"attach": ATTACHERS}

    @extend_schema(request=IncidentMemberWriteSerializer, responses={200: IncidentMemberSerializer})
    def post(self, request: Request, pk: int) -> Response:
        incident = self._incident(request, pk)
        payload = IncidentMemberWriteSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        member: IncidentMember
        if data.get("call") is not None:
            member = services.call_attach(
                actor=request.user, incident=incident, call=data["call"],
                subscribe=data["subscribe"], number=data["number"],
            )  # fmt: skip
        elif data.get("alarm") is not None:
            member = services.alarm_attach(actor=request.user, incident=incident, alarm=data["alarm"])
        else:
            member = services.intervention_attach(
                actor=request.user, incident=incident, intervention=data["intervention"]
            )
        body = {
            "id": member.pk, "call": member.call_id, "alarm": member.alarm_id,
            "intervention": member.intervention_id, "how": member.how, "attached_at": member.attached_at,
            "subscribed": bool(data["subscribe"]),
        }  # fmt: skip
        return Response(IncidentMemberSerializer(body).data)


class IncidentDeliveriesView(_View):
    """What went out for each update: its outbox rows by channel and by status."""

    action_roles = {"read": SUPERVISORS}

    @extend_schema(responses={200: IncidentDeliveriesSerializer})
    def get(self, request: Request, pk: int) -> Response:
        incident = self._incident(request, pk)
        body = {"incident": incident.pk, "updates": update_delivery_counts(incident=incident)}
        return Response(IncidentDeliveriesSerializer(body).data)
