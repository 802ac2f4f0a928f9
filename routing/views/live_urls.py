"""The live pages: the wallboard and its refresh, the console strip and its state buttons, the
abandoned calls and their "call back" button (routing.views.live)."""

from django.urls import path

from routing.views import live

urlpatterns = [
    path("wallboard/", live.wallboard, name="wallboard"),
    path("wallboard/live/", live.wallboard_live, name="wallboard-live"),
    path("console/strip/", live.console_strip, name="console-strip"),
    path("console/state/", live.console_state, name="console-state"),
    path("abandoned/", live.abandoned, name="abandoned"),
    path("abandoned/<int:pk>/callback/", live.abandoned_callback, name="abandoned-callback"),
]
