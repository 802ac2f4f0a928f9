from django.urls import path

from .views import (
    TeamAreasView,
    TeamAreaView,
    TeamChangesView,
    TeamDetailView,
    TeamLeadershipView,
    TeamListView,
    TeamMembersView,
    TeamMemberView,
)

urlpatterns = [
    path("teams/", TeamListView.as_view(), name="teams"),
    path("teams/<int:pk>/", TeamDetailView.as_view(), name="team"),
    path("teams/<int:pk>/members/", TeamMembersView.as_view(), name="team-members"),
    path("teams/<int:pk>/members/<int:user_id>/", TeamMemberView.as_view(), name="team-member"),
    path("teams/<int:pk>/areas/", TeamAreasView.as_view(), name="team-areas"),
    path("teams/<int:pk>/areas/<int:area_id>/", TeamAreaView.as_view(), name="team-area"),
    path("teams/<int:pk>/leadership/", TeamLeadershipView.as_view(), name="team-leadership"),
    path("teams/<int:pk>/changes/", TeamChangesView.as_view(), name="team-changes"),
]
