from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("privacy/retention/", views.retention, name="retention"),
    path("privacy/retention/policies/", views.policy_set, name="retention-policy-set"),
    path("privacy/holds/", views.hold_set, name="legal-hold-set"),
    path("privacy/holds/<int:pk>/release/", views.hold_release, name="legal-hold-release"),
]
