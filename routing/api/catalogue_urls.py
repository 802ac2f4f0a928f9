"""The router's API for the staff: the catalogue (supervisors change it) and the live side."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .catalogue_views import (
    CallerClassRuleViewSet,
    CallerClassViewSet,
    LineViewSet,
    OperatorProfileViewSet,
    QueueViewSet,
    SkillViewSet,
    TeamViewSet,
)
from .live_views import AbandonedCallsView, CallRouteView, MyStateView, OperatorStateView, WallboardView

router = SimpleRouter()
router.register("routing/caller-classes", CallerClassViewSet, basename="routing-caller-class")
router.register("routing/caller-class-rules", CallerClassRuleViewSet, basename="routing-caller-class-rule")
router.register("routing/skills", SkillViewSet, basename="routing-skill")
router.register("routing/teams", TeamViewSet, basename="routing-team")
router.register("routing/lines", LineViewSet, basename="routing-line")
router.register("routing/queues", QueueViewSet, basename="routing-queue")
router.register("routing/operators", OperatorProfileViewSet, basename="routing-operator")

urlpatterns = [
    path("routing/wallboard/", WallboardView.as_view(), name="routing-wallboard"),
    path("routing/me/state/", MyStateView.as_view(), name="routing-my-state"),
    path("routing/operators/<int:pk>/state/", OperatorStateView.as_view(), name="routing-operator-state"),
    path("routing/abandoned/", AbandonedCallsView.as_view(), name="routing-abandoned"),
    path("routing/calls/<int:pk>/route/", CallRouteView.as_view(), name="routing-call-route"),
    *router.urls,
]
