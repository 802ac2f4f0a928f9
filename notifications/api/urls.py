from django.urls import path

from .views import (
    InterventionMessagesView,
    InterventionNotificationsView,
    NotificationStatusView,
    SmsInboundView,
)

urlpatterns = [
    path(
        "interventions/<int:pk>/notifications/",
        InterventionNotificationsView.as_view(),
        name="intervention-notifications",
    ),
    path(
        "interventions/<int:pk>/messages/", InterventionMessagesView.as_view(), name="intervention-messages"
    ),
    path("notifications/<int:pk>/status/", NotificationStatusView.as_view(), name="notification-status"),
    path("notifications/sms/inbound/", SmsInboundView.as_view(), name="sms-inbound"),
]
