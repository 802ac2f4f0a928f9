from django.urls import path

from .views import CoverageView, GenerateView, OnShiftView, PatternsView, ShiftDetailView, ShiftListView

urlpatterns = [
    path("shifts/", ShiftListView.as_view(), name="shifts"),
    path("shifts/now/", OnShiftView.as_view(), name="shifts-now"),
    path("shifts/coverage/", CoverageView.as_view(), name="shifts-coverage"),
    path("shifts/generate/", GenerateView.as_view(), name="shifts-generate"),
    path("shifts/patterns/", PatternsView.as_view(), name="shifts-patterns"),
    path("shifts/<int:pk>/", ShiftDetailView.as_view(), name="shift"),
]
