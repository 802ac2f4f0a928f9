from django.urls import path

from . import compose_views, views

app_name = "notifications"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    # Issue 20: the SMS and emails an operator writes.
    path(
        "interventions/<int:pk>/messages/",
        compose_views.intervention_messages_panel,
        name="intervention-messages",
    ),
    path(
        "interventions/<int:pk>/messages/new/",
        compose_views.intervention_message_new,
        name="intervention-message-new",
    ),
    path("plants/<int:pk>/messages/", compose_views.plant_messages, name="plant-messages"),
    path("plants/<int:pk>/messages/new/", compose_views.plant_message_new, name="plant-message-new"),
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
