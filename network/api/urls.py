from django.urls import path

from .views import NetworkImportView, PlantNetworkView

urlpatterns = [
    path("plants/<int:pk>/network/", PlantNetworkView.as_view(), name="plant-network"),
    path("network/import/", NetworkImportView.as_view(), name="network-import"),
]
