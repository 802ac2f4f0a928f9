"""The router's catalogue over the API, for the staff (operators and supervisors): read-only
lists and details. Technicians and utility users are refused (403) before any row is read."""

from typing import Any

from django.db.models import Prefetch
from rest_framework import mixins

from dispatch.access import found_or_404
from dispatch.api.permissions import HasActionRole
from dispatch.api.viewsets import GenericViewSet
from dispatch.choices import STAFF_ROLES
from routing.models import CallerClass, CallerClassRule, Line, OperatorProfile, Queue, Skill, Team

from .catalogue_serializers import (
    CallerClassSerializer,
    LineSerializer,
    OperatorProfileSerializer,
    QueueSerializer,
    SkillSerializer,
    TeamSerializer,
)

STAFF_READS = {"list": STAFF_ROLES, "retrieve": STAFF_ROLES}


class _CatalogueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    permission_classes = [HasActionRole]
    action_roles = STAFF_READS
    # No filters: the lists are short, and a query parameter that names nothing filters nothing.
    filter_backends: list[Any] = []

    def get_object(self):
        return found_or_404(self.get_queryset(), self.kwargs["pk"])


class CallerClassViewSet(_CatalogueViewSet):
    """Caller classes by rank (0 is served first), each with the rules that assign it."""

    serializer_class = CallerClassSerializer

    def get_queryset(self):
        rules = CallerClassRule.objects.order_by("kind", "pk")
        return CallerClass.objects.prefetch_related(Prefetch("rules", queryset=rules)).order_by(
            "rank", "code"
        )


class SkillViewSet(_CatalogueViewSet):
    """Services, customers and languages an operator can handle."""

    serializer_class = SkillSerializer

    def get_queryset(self):
        return Skill.objects.order_by("kind", "code")


class TeamViewSet(_CatalogueViewSet):
    """Regional teams; second-line teams take consults."""

    serializer_class = TeamSerializer

    def get_queryset(self):
        return Team.objects.order_by("name", "pk")


class LineViewSet(_CatalogueViewSet):
    """The numbers the centre answers, each with its off-hours fallback."""

    serializer_class = LineSerializer

    def get_queryset(self):
        return Line.objects.order_by("number")


class QueueViewSet(_CatalogueViewSet):
    """Queues with the skills they need (all of them) and their overflow."""

    serializer_class = QueueSerializer

    def get_queryset(self):
        return Queue.objects.prefetch_related("skills").order_by("name", "pk")


class OperatorProfileViewSet(_CatalogueViewSet):
    """Operators as the router sees them, with their live state."""

    serializer_class = OperatorProfileSerializer

    def get_queryset(self):
        return (
            OperatorProfile.objects.select_related("user")
            .prefetch_related("skills", "lines")
            .order_by("user__username")
        )
