from django.urls import path

from .views import (
    IncidentDeliveriesView,
    IncidentMembersView,
    IncidentResolveView,
    IncidentsView,
    IncidentUpdatesView,
    IncidentView,
)

urlpatterns = [
    path("incidents/", IncidentsView.as_view(), name="incidents-api-list"),
    path("incidents/<int:pk>/", IncidentView.as_view(), name="incidents-api-detail"),
    path("incidents/<int:pk>/updates/", IncidentUpdatesView.as_view(), name="incidents-api-updates"),
    path("incidents/<int:pk>/resolve/", IncidentResolveView.as_view(), name="incidents-api-resolve"),
    path("incidents/<int:pk>/members/", IncidentMembersView.as_view(), name="incidents-api-members"),
    path("incidents/<int:pk>/deliveries/", IncidentDeliveriesView.as_view(), name="incidents-api-deliveries"),
]
