from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
]
