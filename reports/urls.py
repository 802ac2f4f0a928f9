from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/service-levels/", views.service_levels, name="service-levels"),
    path("reports/service-levels.csv", views.service_levels_csv, name="service-levels-csv"),
    path("reports/service-levels/sign-off/", views.sign_off, name="service-levels-sign-off"),
    path("reports/sign-offs/<int:pk>.pdf", views.sign_off_pdf, name="service-levels-sign-off-pdf"),
    path("reports/runs/", views.run_request, name="report-run-request"),
    path("reports/runs/<int:pk>/", views.run_detail, name="report-run"),
    path("reports/runs/<int:pk>/report.<str:fmt>", views.run_download, name="report-run-download"),
    path("reports/standards/", views.profile_list, name="service-level-profiles"),
    path("reports/standards/new/", views.profile_create, name="service-level-profile-create"),
    path("reports/standards/<int:pk>/", views.profile_edit, name="service-level-profile-edit"),
]
