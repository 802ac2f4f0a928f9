from django.urls import path

from .views import requests, retention

app_name = "privacy"

urlpatterns = [
    path("privacy/requests/", requests.request_list, name="request-list"),
    path("privacy/requests/<int:pk>/", requests.request_detail, name="request-detail"),
    path("privacy/requests/<int:pk>/answer/", requests.request_answer, name="request-answer"),
    path(
        "privacy/requests/<int:pk>/export.<str:fmt>", requests.request_export_download, name="request-export"
    ),
    path("privacy/access-log/", requests.access_log, name="access-log"),
    path("privacy/retention/", retention.retention, name="retention"),
    path("privacy/retention/policies/", retention.policy_set, name="retention-policy-set"),
    path("privacy/holds/", retention.hold_set, name="legal-hold-set"),
    path("privacy/holds/<int:pk>/release/", retention.hold_release, name="legal-hold-release"),
]
