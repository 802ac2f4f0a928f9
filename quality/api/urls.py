from django.urls import path

from .views import RecordingUploadView

urlpatterns = [
    path("telephony/recordings/", RecordingUploadView.as_view(), name="telephony-recordings"),
]
