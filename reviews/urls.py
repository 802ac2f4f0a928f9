from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("reviews/", views.samples, name="samples"),
    path("reviews/criteria/", views.criteria, name="criteria"),
    path("reviews/criteria/<int:pk>/", views.criteria, name="criterion"),
    path("reviews/samples/<int:pk>/", views.sample_detail, name="sample"),
    path("reviews/items/<int:pk>/", views.item_review, name="item"),
    path("reviews/mine/", views.mine, name="mine"),
    path("reviews/mine/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
]
