from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/<int:pk>/handle/", views.complaint_handle, name="complaint-handle"),
    path("reports/satisfaction/", views.satisfaction, name="satisfaction"),
]
