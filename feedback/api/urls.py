from django.urls import path

from .views import ComplaintHandleView, ComplaintsView, ComplaintView, OptOutsView

urlpatterns = [
    path("complaints/", ComplaintsView.as_view(), name="complaints-api-list"),
    path("complaints/<int:pk>/", ComplaintView.as_view(), name="complaints-api-detail"),
    path("complaints/<int:pk>/handle/", ComplaintHandleView.as_view(), name="complaints-api-handle"),
    path("survey-opt-outs/", OptOutsView.as_view(), name="survey-opt-outs-api"),
]
