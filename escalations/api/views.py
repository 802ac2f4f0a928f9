"""The escalations over the API. Chains: staff read them, supervisors create them and publish
new versions (a bad chain: 400 naming the step). A case's escalation timeline: the staff and
the technician it is assigned to; 404 for a case the user may not see."""

from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clocks.models import CaseType
from dispatch import selectors as dispatch_selectors
from dispatch.api.permissions import HasActionRole
from dispatch.choices import STAFF_ROLES, Role
from dispatch.models import Intervention
from escalations.models import EscalationChain
from escalations.selectors import case_timeline, chain_list
from escalations.services import chain_create, chain_publish

from .serializers import (
    CaseEscalationSerializer,
    ChainCreateSerializer,
    ChainSerializer,
    PublishSerializer,
)

REFUSED = {
    400: OpenApiResponse(description="A field is wrong: the message names it (and the step)."),
    403: OpenApiResponse(description="Supervisors only."),
}


class _View(APIView):
    permission_classes = [HasActionRole]
    action = "read"
    action_roles = {"read": STAFF_ROLES, "write": frozenset({Role.SUPERVISOR})}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.action = "write" if request.method == "POST" else "read"
        super().initial(request, *args, **kwargs)


def chain_data(chain: EscalationChain) -> dict[str, Any]:
    published = [v for v in chain.versions.all() if v.published_at is not None]
    latest = max(published, key=lambda v: v.number or 0) if published else None
    return {
        "id": chain.pk,
        "name": chain.name,
        "case_type": chain.case_type.code if chain.case_type else None,
        "priority": chain.priority,
        "version": latest.number if latest else None,
        "steps": [
            {
                "delay_minutes": s.delay_minutes,
                "target": s.target,
                "channel": s.channel,
                "reassign": s.reassign,
            }
            for s in (sorted(latest.steps.all(), key=lambda s: s.position) if latest else [])
        ],
        "versions": [
            {
                "number": v.number,
                "published_at": v.published_at,
                "published_by": v.published_by.get_username() if v.published_by else None,
            }
            for v in sorted(published, key=lambda v: v.number or 0)
        ],
    }


class ChainsView(_View):
    """The chains with their latest published steps and every version (GET, staff); a new
    chain for a case type and a priority, its steps published as version 1 (POST, supervisors)."""

    @extend_schema(responses={200: ChainSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(ChainSerializer([chain_data(c) for c in chain_list()], many=True).data)

    @extend_schema(request=ChainCreateSerializer, responses={201: ChainSerializer, **REFUSED})
    def post(self, request: Request) -> Response:
        payload = ChainCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        case_type = None
        if data["case_type"]:
            case_type = CaseType.objects.filter(code=data["case_type"]).first()
            if case_type is None:
                raise ValidationError({"case_type": "Unknown case type."})
        chain = chain_create(
            actor=request.user, name=data["name"], case_type=case_type, priority=data["priority"],
            steps=data["steps"],
        )  # fmt: skip
        chain = chain_list().get(pk=chain.pk)
        return Response(ChainSerializer(chain_data(chain)).data, status=status.HTTP_201_CREATED)


class ChainPublishView(_View):
    """Publish the chain's next version with these steps: new runs take it, running ones keep
    theirs."""

    @extend_schema(
        request=PublishSerializer,
        responses={201: ChainSerializer, 404: OpenApiResponse(description="No such chain."), **REFUSED},
    )
    def post(self, request: Request, pk: int) -> Response:
        chain = get_object_or_404(EscalationChain, pk=pk)
        payload = PublishSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        chain_publish(actor=request.user, chain=chain, steps=payload.validated_data["steps"])
        return Response(
            ChainSerializer(chain_data(chain_list().get(pk=pk))).data, status=status.HTTP_201_CREATED
        )


def case_escalation_data(intervention: Intervention) -> dict[str, Any]:
    timeline = case_timeline(intervention=intervention)
    run = timeline.run
    return {
        "intervention": intervention.pk,
        "chain": run.version.chain.name if run else None,
        "version": run.version.number if run else None,
        "state": run.state if run else None,
        "stopped_reason": run.stopped_reason if run else "",
        "paused_since": run.paused_at if run else None,
        "fired": [
            {
                "position": f.position, "target": f.target, "channel": f.channel, "due_at": f.due_at,
                "fired_at": f.fired_at, "user": f.user.get_username() if f.user else None,
                "outcome": f.outcome, "sent_on": f.sent_on, "note": f.note,
            }
            for f in timeline.fired
        ],
        "coming": [
            {
                "position": c.step.position, "target": c.step.target, "channel": c.step.channel,
                "reassign": c.step.reassign, "due_at": c.due_at,
            }
            for c in timeline.coming
        ],
    }  # fmt: skip


class CaseEscalationView(_View):
    """The case's escalation timeline: the steps fired (when, whom, channel, outcome) and those
    to come with their due instants."""

    action_roles = {"read": frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.TECHNICIAN})}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        APIView.initial(self, request, *args, **kwargs)  # one action: reading

    @extend_schema(responses={200: CaseEscalationSerializer})
    def get(self, request: Request, pk: int) -> Response:
        intervention = dispatch_selectors.intervention_get_for_user(user=request.user, pk=pk)
        return Response(CaseEscalationSerializer(case_escalation_data(intervention)).data)
