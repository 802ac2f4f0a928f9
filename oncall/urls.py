from django.urls import path

from oncall import views, views_feed

app_name = "oncall"

urlpatterns = [
    path("oncall/", views.now, name="now"),
    path("oncall/teams/<int:pk>/", views.team, name="team"),
    path("oncall/teams/<int:pk>/rotas/new/", views.rota_new, name="rota-new"),
    path("oncall/teams/<int:pk>/override/", views.override, name="override"),
    path("oncall/teams/<int:pk>/swap/", views.swap, name="swap"),
    path("oncall/rotas/<int:pk>/", views.rota_edit, name="rota-edit"),
    path("oncall/covers/<int:pk>/decide/", views.cover_decide, name="cover-decide"),
    path("oncall/covers/<int:pk>/withdraw/", views.cover_withdraw, name="cover-withdraw"),
    path("oncall/feed/", views_feed.my_feed, name="my-feed"),
    path("oncall/feed/<str:token>.ics", views_feed.feed, name="feed"),
]
