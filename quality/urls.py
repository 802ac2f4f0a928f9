from django.urls import path

from . import views

app_name = "quality"

urlpatterns = [
    path("quality/calls/<int:pk>/recordings/", views.call_recordings, name="call-recordings"),
    path("quality/recordings/<int:pk>/audio/", views.recording_audio, name="recording-audio"),
    path("quality/evidence/", views.evidence_search, name="evidence"),
    path("quality/evidence/calls/<int:pk>/", views.evidence_download, name="evidence-download"),
]
