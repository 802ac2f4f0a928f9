from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import APIRootView as RouterRootView
from rest_framework.routers import DefaultRouter

from .auth import TokenObtainView, TokenRevokeAllView, TokenRevokeView
from .views import (
    CallbackViewSet,
    CallViewSet,
    InterventionViewSet,
    PlantViewSet,
    TechnicianShiftViewSet,
)


class APIRootView(RouterRootView):
    """The index of the API: any signed-in user (every row behind it is checked per role)."""

    permission_classes = [IsAuthenticated]


router = DefaultRouter()
router.APIRootView = APIRootView
router.register("calls", CallViewSet, basename="call")
router.register("plants", PlantViewSet, basename="plant")
router.register("interventions", InterventionViewSet, basename="intervention")
router.register("callbacks", CallbackViewSet, basename="callback")
router.register("me", TechnicianShiftViewSet, basename="me")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("auth/token/revoke/", TokenRevokeView.as_view(), name="api-token-revoke"),
    path("auth/token/revoke-all/", TokenRevokeAllView.as_view(), name="api-token-revoke-all"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
