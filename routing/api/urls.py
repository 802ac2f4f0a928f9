from django.urls import include, path

from .phone_views import QueuePollView, RouteView

urlpatterns = [
    path("telephony/route/", RouteView.as_view(), name="telephony-route"),
    path("telephony/queue/", QueuePollView.as_view(), name="telephony-queue"),
    path("", include("routing.api.catalogue_urls")),
    path("", include("routing.api.rules_urls")),
]
