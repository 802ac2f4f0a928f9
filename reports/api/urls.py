from django.urls import path

from .views import ServiceLevelReportView

urlpatterns = [
    path("reports/service-levels/", ServiceLevelReportView.as_view(), name="service-levels"),
]
