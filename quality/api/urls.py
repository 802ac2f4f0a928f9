from django.urls import path

from .evidence import EvidenceCallsView, EvidenceDownloadView
from .views import RecordingUploadView

urlpatterns = [
    path("telephony/recordings/", RecordingUploadView.as_view(), name="telephony-recordings"),
    path("quality/evidence/calls/", EvidenceCallsView.as_view(), name="quality-api-evidence-calls"),
    path(
        "quality/evidence/calls/<int:pk>/",
        EvidenceDownloadView.as_view(),
        name="quality-api-evidence-download",
    ),
]
