from django.urls import path

from network import views

app_name = "network"

urlpatterns = [
    path("network/plants/<int:pk>/panel/", views.plant_panel, name="plant-panel"),
    path("network/plants/<int:pk>/", views.plant_node, name="plant"),
    path("network/import/", views.network_import, name="import"),
]
