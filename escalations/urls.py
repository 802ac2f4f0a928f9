from django.urls import path

from escalations import views

app_name = "escalations"

urlpatterns = [
    path("escalations/cases/<int:pk>/panel/", views.case_panel, name="case-panel"),
    path("escalations/chains/", views.chains, name="chains"),
    path("escalations/chains/<int:pk>/", views.chain_edit, name="chain"),
]
