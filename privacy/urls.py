from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("privacy/requests/", views.request_list, name="request-list"),
    path("privacy/requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("privacy/requests/<int:pk>/answer/", views.request_answer, name="request-answer"),
    path("privacy/requests/<int:pk>/export.<str:fmt>", views.request_export_download, name="request-export"),
    path("privacy/access-log/", views.access_log, name="access-log"),
]
