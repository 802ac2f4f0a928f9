from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("contact-points/", views.contact_point_technicians, name="contact-point-technicians"),
    path("contact-points/<int:user_id>/", views.contact_point_list, name="contact-point-list"),
    path(
        "contact-points/<int:user_id>/language/", views.contact_point_language, name="contact-point-language"
    ),
    path("contact-points/<int:user_id>/<int:pk>/", views.contact_point_edit, name="contact-point-edit"),
    path(
        "contact-points/<int:user_id>/<int:pk>/active/",
        views.contact_point_active,
        name="contact-point-active",
    ),
]
