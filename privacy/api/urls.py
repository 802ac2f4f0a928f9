from django.urls import path

from .views import (
    AccessLogView,
    PersonalRequestAnswerView,
    PersonalRequestDetailView,
    PersonalRequestExportView,
    PersonalRequestListView,
)

urlpatterns = [
    path("privacy/requests/", PersonalRequestListView.as_view(), name="privacy-requests"),
    path("privacy/requests/<int:pk>/", PersonalRequestDetailView.as_view(), name="privacy-request"),
    path(
        "privacy/requests/<int:pk>/answer/",
        PersonalRequestAnswerView.as_view(),
        name="privacy-request-answer",
    ),
    path(
        "privacy/requests/<int:pk>/export/",
        PersonalRequestExportView.as_view(),
        name="privacy-request-export",
    ),
    path("privacy/access-log/", AccessLogView.as_view(), name="privacy-access-log"),
]
