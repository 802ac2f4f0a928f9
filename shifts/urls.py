from django.urls import path

from shifts import views

app_name = "shifts"

urlpatterns = [
    path("shifts/", views.roster, name="roster"),
    path("shifts/generate/", views.generate, name="generate"),
    path("shifts/new/", views.shift_new, name="shift-new"),
    path("shifts/<int:pk>/", views.shift_edit, name="shift-edit"),
    path("shifts/<int:pk>/delete/", views.shift_remove, name="shift-delete"),
    path("shifts/now/", views.on_shift, name="now"),
    path("shifts/coverage/", views.coverage, name="coverage"),
    path("shifts/patterns/", views.patterns, name="patterns"),
    path("shifts/minimums/", views.minimums, name="minimums"),
    path("shifts/minimums/<int:pk>/delete/", views.minimum_remove, name="minimum-delete"),
]
