from django.urls import path

from . import views
from .views import mobile

app_name = "dispatch"

urlpatterns = [
    path("", views.home, name="home"),
    path("board/", views.board, name="board"),
    path("m/", mobile.my_interventions, name="m-list"),
    path("m/interventions/<int:pk>/", mobile.intervention, name="m-intervention"),
    path("m/duty/", mobile.duty, name="m-duty"),
    path("m/sw.js", mobile.service_worker, name="m-sw"),
    path("m/manifest.webmanifest", mobile.manifest, name="m-manifest"),
    path("desk/", views.desk, name="desk"),
    # The staff's alert banner and its sound (issue 16).
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/acknowledge/", views.alerts_acknowledge, name="alerts-acknowledge"),
    path("alerts/sound/", views.alerts_sound, name="alerts-sound"),
    path("board/rows/", views.board_rows, name="board-rows"),
    path("calls/", views.call_list, name="call-list"),
    path("calls/<int:pk>/", views.call_detail, name="call-detail"),
    path("calls/<int:pk>/status/", views.call_status, name="call-status"),
    path("calls/<int:pk>/script/", views.call_script, name="call-script"),
    path("calls/<int:pk>/intervention/", views.call_intervention_open, name="call-intervention"),
    path("calls/<int:pk>/plant/", views.call_plant_set, name="call-plant"),
    path("calls/<int:pk>/test-call/", views.call_test_flag, name="call-test-flag"),
    path("calls/<int:pk>/plants/", views.call_plant_search, name="call-plant-search"),
    path("calls/<int:pk>/script/apply/", views.call_script_apply, name="call-script-apply"),
    path("scripts/", views.script_list, name="script-list"),
    path("scripts/<slug:call_type>/edit/", views.script_edit, name="script-edit"),
    path("calls/<int:pk>/plant-check/", views.call_plant_check, name="call-plant-check"),
    path("calls/<int:pk>/callback/", views.call_callback_schedule, name="call-callback"),
    path(
        "plants/<int:plant_pk>/documents/<int:pk>/",
        views.plant_document_download,
        name="plant-document",
    ),
    path("interventions/", views.intervention_list, name="intervention-list"),
    path("callbacks/", views.callback_list, name="callback-list"),
    path("callbacks/due/", views.callbacks_due, name="callbacks-due"),
    path("interventions/<int:pk>/", views.intervention_detail, name="intervention-detail"),
    path(
        "interventions/<int:pk>/notifications/",
        views.intervention_notifications,
        name="intervention-notifications",
    ),
    path("interventions/<int:pk>/<slug:action>/", views.intervention_action, name="intervention-action"),
]
