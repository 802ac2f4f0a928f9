from django.urls import path

from clocks import views

app_name = "clocks"

urlpatterns = [
    path("clocks/cases/<int:pk>/panel/", views.case_panel, name="case-panel"),
    path("clocks/cases/<int:pk>/type/", views.case_type_set, name="case-type"),
    path("clocks/cases/<int:pk>/pause/", views.case_pause, name="case-pause"),
    path("clocks/cases/<int:pk>/resume/", views.case_resume, name="case-resume"),
    path("clocks/late/", views.late_clocks, name="late"),
]
