"""The router's catalogue over the API: the staff (operators and supervisors) read it, the
supervisors change it. Technicians and utility users are refused (403) before any row is read.

A write is one call of the row's service in ``routing.services.catalogue``, which checks it,
keeps the change (``SetupChange``) and makes the router forget its cached copy; its
``ValidationError`` answers 400 field by field (``dispatch.api.exception_handlers``). Rows are
created and changed (POST, PATCH: only the fields sent), never replaced whole (PUT is 405, as
for calls); only class rules are removed, as on the setup pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from dispatch.access import found_or_404
from dispatch.api.permissions import HasActionRole
from dispatch.api.viewsets import GenericViewSet
from dispatch.choices import STAFF_ROLES, Role
from routing.models import CallerClass, CallerClassRule, Line, OperatorProfile, Queue, Skill
from routing.services import catalogue
from teams.models import Team

from .catalogue_serializers import (
    CallerClassRuleDetailSerializer,
    CallerClassSerializer,
    LineSerializer,
    OperatorProfileSerializer,
    QueueSerializer,
    SkillSerializer,
    TeamSerializer,
)
from .catalogue_write_serializers import (
    CallerClassRuleWriteSerializer,
    CallerClassWriteSerializer,
    LineWriteSerializer,
    OperatorProfileCreateSerializer,
    OperatorProfileWriteSerializer,
    QueueWriteSerializer,
    SkillWriteSerializer,
    TeamWriteSerializer,
)

SUPERVISORS = frozenset({Role.SUPERVISOR})
STAFF_READS = {"list": STAFF_ROLES, "retrieve": STAFF_ROLES}
SUPERVISOR_WRITES = {"create": SUPERVISORS, "partial_update": SUPERVISORS}


def writes(
    shown: type[serializers.Serializer[Any]],
    write: type[serializers.Serializer[Any]],
    create: type[serializers.Serializer[Any]] | None = None,
) -> Callable[[type], type]:
    """The schema of a catalogue viewset's writes: what each takes and the row it answers."""
    return extend_schema_view(
        create=extend_schema(request=create or write, responses={201: shown}),
        partial_update=extend_schema(request=write, responses={200: shown}),
    )


class _CatalogueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    http_method_names = ["get", "post", "patch", "head", "options"]
    permission_classes = [HasActionRole]
    action_roles = {**STAFF_READS, **SUPERVISOR_WRITES}
    # No filters: the lists are short, and a query parameter that names nothing filters nothing.
    filter_backends: list[Any] = []
    # The row's service (``routing.services.catalogue``), the keyword it takes the row by, and
    # what a write takes: ``create_serializer_class`` when a new row needs more than a change.
    save: Callable[..., Model]
    row_key: str
    write_serializer_class: type[serializers.Serializer[Any]]
    create_serializer_class: type[serializers.Serializer[Any]] | None = None

    def get_object(self):
        return found_or_404(self.get_queryset(), self.kwargs["pk"])

    def create(self, request: Request) -> Response:
        payload = (self.create_serializer_class or self.write_serializer_class)(data=request.data)
        payload.is_valid(raise_exception=True)
        row = self.save(actor=request.user, **payload.validated_data)
        return Response(self._shown(row), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        row = self.get_object()
        payload = self.write_serializer_class(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        row = self.save(actor=request.user, **{self.row_key: row}, **payload.validated_data)
        return Response(self._shown(row))

    def _shown(self, row: Model) -> dict[str, Any]:
        # Read again as a read reads it: the related rows the write just set included.
        return self.get_serializer(self.get_queryset().get(pk=row.pk)).data


@writes(CallerClassSerializer, CallerClassWriteSerializer)
class CallerClassViewSet(_CatalogueViewSet):
    """Caller classes by rank (0 is served first), each with the rules that assign it."""

    serializer_class = CallerClassSerializer
    save = staticmethod(catalogue.caller_class_save)
    row_key = "caller_class"
    write_serializer_class = CallerClassWriteSerializer

    def get_queryset(self):
        rules = CallerClassRule.objects.order_by("kind", "pk")
        return CallerClass.objects.prefetch_related(Prefetch("rules", queryset=rules)).order_by(
            "rank", "code"
        )


@writes(CallerClassRuleDetailSerializer, CallerClassRuleWriteSerializer)
class CallerClassRuleViewSet(mixins.DestroyModelMixin, _CatalogueViewSet):
    """What puts callers in a class (a known number, a plant, a customer, a prefix), by class."""

    http_method_names = [*_CatalogueViewSet.http_method_names, "delete"]
    action_roles = {**STAFF_READS, **SUPERVISOR_WRITES, "destroy": SUPERVISORS}
    serializer_class = CallerClassRuleDetailSerializer
    save = staticmethod(catalogue.caller_class_rule_save)
    row_key = "rule"
    write_serializer_class = CallerClassRuleWriteSerializer

    def get_queryset(self):
        return CallerClassRule.objects.order_by("caller_class__rank", "kind", "pk")

    def perform_destroy(self, instance: CallerClassRule) -> None:
        catalogue.caller_class_rule_delete(actor=self.request.user, rule=instance)


@writes(SkillSerializer, SkillWriteSerializer)
class SkillViewSet(_CatalogueViewSet):
    """Services, customers and languages an operator can handle."""

    serializer_class = SkillSerializer
    save = staticmethod(catalogue.skill_save)
    row_key = "skill"
    write_serializer_class = SkillWriteSerializer

    def get_queryset(self):
        return Skill.objects.order_by("kind", "code")


@writes(TeamSerializer, TeamWriteSerializer)
class TeamViewSet(_CatalogueViewSet):
    """Regional teams; second-line teams take consults."""

    serializer_class = TeamSerializer
    save = staticmethod(catalogue.team_save)
    row_key = "team"
    write_serializer_class = TeamWriteSerializer

    def get_queryset(self):
        return Team.objects.order_by("name", "pk")


@writes(LineSerializer, LineWriteSerializer)
class LineViewSet(_CatalogueViewSet):
    """The numbers the centre answers, each with its off-hours fallback."""

    serializer_class = LineSerializer
    save = staticmethod(catalogue.line_save)
    row_key = "line"
    write_serializer_class = LineWriteSerializer

    def get_queryset(self):
        return Line.objects.order_by("number")


@writes(QueueSerializer, QueueWriteSerializer)
class QueueViewSet(_CatalogueViewSet):
    """Queues with the skills they need (all of them) and their overflow."""

    serializer_class = QueueSerializer
    save = staticmethod(catalogue.queue_save)
    row_key = "queue"
    write_serializer_class = QueueWriteSerializer

    def get_queryset(self):
        return Queue.objects.prefetch_related("skills").order_by("name", "pk")


@writes(OperatorProfileSerializer, OperatorProfileWriteSerializer, create=OperatorProfileCreateSerializer)
class OperatorProfileViewSet(_CatalogueViewSet):
    """Operators as the router sees them, with their live state. A supervisor sets an operator's
    phone, team, skills, lines and wrap-up here; the state has its own endpoint."""

    serializer_class = OperatorProfileSerializer
    save = staticmethod(catalogue.operator_profile_save)
    row_key = "profile"
    write_serializer_class = OperatorProfileWriteSerializer
    create_serializer_class = OperatorProfileCreateSerializer

    def get_queryset(self):
        return (
            OperatorProfile.objects.select_related("user")
            .prefetch_related("skills", "lines")
            .order_by("user__username")
        )
