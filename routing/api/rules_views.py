"""The routing rules' versions: operators and supervisors read them and try them on a sample
call; supervisors publish a new version (the full rule list, first match wins)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from dispatch.access import found_or_404
from dispatch.api.permissions import HasActionRole
from dispatch.api.viewsets import GenericViewSet
from dispatch.choices import Role
from routing.models import RuleSetVersion
from routing.services import rulesets
from routing.services.rulesets import RuleTestResult

from .rules_serializers import (
    RulePublishSerializer,
    RuleSetVersionDetailSerializer,
    RuleSetVersionSerializer,
    RuleTestRequestSerializer,
    RuleTestResultSerializer,
)

STAFF = frozenset({Role.OPERATOR, Role.SUPERVISOR})
SUPERVISORS = frozenset({Role.SUPERVISOR})


def test_result_json(result: RuleTestResult) -> dict[str, Any]:
    rule = result.rule
    return {
        "matched_position": result.matched + 1 if result.matched is not None else None,
        "matched_name": rule.name if rule is not None else None,
        "caller_class": result.caller_class.code,
        "class_reason": result.class_reason,
        "checks": [
            {
                "position": check.position,
                "name": check.rule.name,
                "matched": check.matched,
                "reached": check.reached,
                "failures": [{"field": name, "reason": why} for name, why in check.failures],
            }
            for check in result.checks
        ],
    }


class RuleSetVersionViewSet(mixins.ListModelMixin, GenericViewSet):
    """Published versions of the routing rules, newest first; the highest number is active."""

    permission_classes = [HasActionRole]
    action_roles = {"list": STAFF, "retrieve": STAFF, "create": SUPERVISORS, "test": STAFF}
    queryset = RuleSetVersion.objects.select_related("published_by").order_by("-number")
    serializer_class = RuleSetVersionSerializer
    filter_backends: list[Any] = []

    @extend_schema(responses={200: RuleSetVersionDetailSerializer})
    def retrieve(self, request: Request, pk: int) -> Response:
        version = found_or_404(self.get_queryset().prefetch_related("rules"), pk)
        return Response(RuleSetVersionDetailSerializer(version).data)

    @extend_schema(request=RulePublishSerializer, responses={201: RuleSetVersionDetailSerializer})
    def create(self, request: Request) -> Response:
        payload = RulePublishSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        version = rulesets.ruleset_publish(
            actor=request.user, rules=[dict(rule) for rule in data["rules"]], note=data["note"]
        )
        version = self.get_queryset().prefetch_related("rules").get(pk=version.pk)
        return Response(RuleSetVersionDetailSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RuleTestRequestSerializer, responses={200: RuleTestResultSerializer})
    def test(self, request: Request) -> Response:
        """Which rule a sample call would meet (first match wins) and why each earlier one did not."""
        payload = RuleTestRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        rules = data.get("rules")
        result = rulesets.rule_test(
            sample_line=data["line"],
            at=data["at"],
            number=data["number"],
            customer=data["customer"],
            service=data["service"],
            rules=[dict(rule) for rule in rules] if rules is not None else None,
            version=data["version"],
        )
        return Response(test_result_json(result))
