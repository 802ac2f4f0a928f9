"""The router's pages: live (wallboard, console state, abandoned calls) and setup (rules,
classes, queues, lines, teams, operators)."""

from django.urls import include, path

app_name = "routing"

urlpatterns = [
    path("", include("routing.views.live_urls")),
    path("", include("routing.views.setup_urls")),
]
