from django.urls import path

from teams import views

app_name = "teams"

urlpatterns = [
    path("teams/", views.team_list, name="list"),
    path("teams/<int:pk>/", views.team_detail, name="detail"),
    path("teams/<int:pk>/members/", views.member_add, name="member-add"),
    path("teams/<int:pk>/members/<int:user_id>/delete/", views.member_remove, name="member-delete"),
    path("teams/<int:pk>/areas/", views.area_add, name="area-add"),
    path("teams/<int:pk>/areas/<int:area_id>/delete/", views.area_remove, name="area-delete"),
    path("teams/<int:pk>/leadership/", views.leadership, name="leadership"),
]
