from django.urls import path

from .views import InterventionNotificationsView, NotificationStatusView, SmsInboundView

urlpatterns = [
    path(
        "interventions/<int:pk>/notifications/",
        InterventionNotificationsView.as_view(),
        name="intervention-notifications",
    ),
    path("notifications/<int:pk>/status/", NotificationStatusView.as_view(), name="notification-status"),
    path("notifications/sms/inbound/", SmsInboundView.as_view(), name="sms-inbound"),
]
