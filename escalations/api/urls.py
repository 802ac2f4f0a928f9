from django.urls import path

from .views import CaseEscalationView, ChainPublishView, ChainsView

urlpatterns = [
    path("escalations/chains/", ChainsView.as_view(), name="escalations-chains"),
    path(
        "escalations/chains/<int:pk>/publish/", ChainPublishView.as_view(), name="escalations-chain-publish"
    ),
    path("escalations/cases/<int:pk>/", CaseEscalationView.as_view(), name="escalations-case"),
]
