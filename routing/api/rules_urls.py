from django.urls import path

from .rules_views import RuleSetVersionViewSet

urlpatterns = [
    path(
        "routing/rule-versions/",
        RuleSetVersionViewSet.as_view({"get": "list", "post": "create"}),
        name="routing-rule-versions",
    ),
    path(
        "routing/rule-versions/test/",
        RuleSetVersionViewSet.as_view({"post": "test"}),
        name="routing-rule-versions-test",
    ),
    path(
        "routing/rule-versions/<int:pk>/",
        RuleSetVersionViewSet.as_view({"get": "retrieve"}),
        name="routing-rule-version",
    ),
]
