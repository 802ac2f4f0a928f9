from django.urls import path

from .views import TelephonyEventView

urlpatterns = [
    path("telephony/events/", TelephonyEventView.as_view(), name="telephony-events"),
]
