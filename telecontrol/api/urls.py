from django.urls import path

from .views import PlantStateView, PlantStatusView

urlpatterns = [
    path("plants/<str:pk>/status/", PlantStatusView.as_view(), name="plant-status"),
    path("plants/<str:pk>/state/", PlantStateView.as_view(), name="plant-state"),
]
