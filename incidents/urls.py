from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("incidents/", views.incident_list, name="list"),
    path("incidents/declare/", views.incident_declare, name="declare"),
    path("incidents/<int:pk>/", views.incident_detail, name="detail"),
    path("incidents/<int:pk>/attach/", views.incident_attach, name="attach"),
    path("incidents/<int:pk>/update/", views.incident_update, name="update"),
    path("incidents/<int:pk>/resolve/", views.incident_resolve, name="resolve"),
    path("incidents/<int:pk>/report/", views.incident_report, name="report"),
    path("incidents/<int:pk>/report.pdf", views.incident_report_pdf, name="report-pdf"),
    path("incidents/calls/<int:pk>/banner/", views.call_banner, name="call-banner"),
    path("incidents/<int:pk>/calls/<int:call_pk>/attach/", views.call_banner_attach, name="call-attach"),
    # Public: the unguessable token is the key (docs/incidents.md).
    path("status/<str:token>/", views.status, name="status"),
]
